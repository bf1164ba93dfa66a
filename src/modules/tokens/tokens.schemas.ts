import { z } from 'zod';
import { expiresInDays, label } from '../../http/schemas.js';

export const patCreateBody = (maxDays: number) =>
  z.object({
    label: label(100),
    expires_in_days: expiresInDays(maxDays),
    scopes: z
      .array(z.enum(['read', 'write']))
      .min(1)
      .refine((s) => s.includes('read'), 'must include "read"')
      .optional()
      .describe('["read"] for a read-only token; default ["read", "write"]'),
  });

export const rotateBody = (maxDays: number) =>
  z
    .object({ label: label(100).optional(), expires_in_days: expiresInDays(maxDays) })
    // Nullish: a POST without a body reaches validation as null.
    .nullish()
    .describe('Optional new label and lifetime; the lifetime restarts from now');

export const catCreateBody = (maxDays: number) =>
  z.object({
    label: label(100),
    collection_id: z.string().min(1).max(100),
    permission: z.enum(['read', 'read_write']).default('read_write'),
    expires_in_days: expiresInDays(maxDays),
  });

export const catListQuery = z.object({ collection_id: z.string().min(1).max(100).optional() });
export const patParams = z.object({ pat_id: z.string().min(1).max(100) });
export const catParams = z.object({ cat_id: z.string().min(1).max(100) });

const common = {
  label: z.string(),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  last_used: z.string().nullable(),
  is_active: z.boolean().describe('False once expired'),
};

export const patResponse = z.object({
  pat_id: z.string(),
  user_id: z.string(),
  scopes: z.array(z.string()),
  ...common,
});
export const patWithSecret = patResponse.extend({
  token: z.string().describe('The secret; shown only once'),
});
export const catResponse = z.object({
  cat_id: z.string(),
  collection_id: z.string(),
  collection_name: z.string(),
  permission: z.enum(['read', 'read_write']),
  ...common,
});
export const catWithSecret = catResponse.extend({
  token: z.string().describe('The secret; shown only once'),
});
