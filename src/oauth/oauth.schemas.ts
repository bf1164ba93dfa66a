import { z } from 'zod';
import { pageQuery } from '../http/schemas.js';

/** The wire shapes of the JSON APIs the web UI's consent page and Tokens page use. */

export const access = z.enum(['read', 'read_write']).describe('read, or read and write');

export const interactionParams = z.object({ uid: z.string().min(1).max(200) });

export const interactionDetails = z.object({
  uid: z.string(),
  client: z.object({
    client_id: z.string(),
    client_name: z.string(),
    client_host: z.string(),
    redirect_uri: z.string(),
    client_uri: z.string().nullable(),
    logo_uri: z.string().nullable(),
    registration: z.enum(['metadata_document', 'dynamic']),
  }),
  requested_scopes: z.array(z.string()),
  resource: z.string(),
  previous_grant: z.object({ access, collection_id: z.string().nullable() }).nullable(),
});
export type InteractionDetails = z.infer<typeof interactionDetails>;

export const approveBody = z.object({
  access,
  collection_id: z
    .string()
    .min(1)
    .max(100)
    .nullable()
    .describe('One collection, or null for the whole account'),
});
export type ApproveInput = z.infer<typeof approveBody>;

export const redirectResponse = z.object({
  redirect_to: z.string().describe('Where the browser goes next; oidc-provider then redirects to the client'),
});

export const grantsQuery = pageQuery(50);
export const grantParams = z.object({ id: z.string().min(1).max(200) });

export const grantResponse = z.object({
  id: z.string(),
  client_id: z.string(),
  client_name: z.string(),
  client_host: z.string(),
  access,
  collection_id: z.string().nullable(),
  collection_name: z.string().nullable(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
});
export type GrantResponse = z.infer<typeof grantResponse>;

export const grantList = z.object({ grants: z.array(grantResponse), total: z.number().int() });
