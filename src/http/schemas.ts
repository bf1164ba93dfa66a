import { z } from 'zod';

/** Shared request/response pieces for the REST routes. */

export const errorResponse = z
  .object({
    detail: z.object({
      code: z.string().describe('Stable machine-readable error code'),
      message: z.string().describe('Human-readable explanation'),
      errors: z
        .array(z.object({ location: z.string(), field: z.string(), message: z.string() }))
        .optional()
        .describe('Each invalid field (validation errors only)'),
    }),
  })
  .describe('Error');

/** The error statuses every authenticated route can answer with. */
export const authErrors = { 401: errorResponse, 403: errorResponse, 422: errorResponse, 429: errorResponse };

export const messageResponse = z.object({ message: z.string() });

export const pageQuery = (defaultLimit = 50) =>
  z.object({
    limit: z.coerce.number().int().min(1).max(100).default(defaultLimit).describe('Page size (1–100)'),
    offset: z.coerce.number().int().min(0).max(10_000_000).default(0).describe('Items to skip'),
  });

export const idParam = (name: string) => z.object({ [name]: z.string().min(1).max(100) });

const isControl = (char: string) => {
  const code = char.charCodeAt(0);
  return code < 0x20 || code === 0x7f;
};

/** Trimmed single-line label or name with a length limit. */
export const label = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((value) => ![...value].some(isControl), 'must not contain control characters');

export const expiresInDays = (maximum: number) =>
  z
    .number()
    .int()
    .min(1, 'must be at least 1 day')
    .max(maximum, `must be at most ${maximum} days`)
    .nullish()
    .describe(`Lifetime in days (1–${maximum}); omitted or null: the server default`);

export const bearerSecurity = [{ bearerAuth: [] }];
