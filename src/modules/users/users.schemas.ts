import { z } from 'zod';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../auth/passwords.js';

export const username = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100, 'must be at most 100 characters')
  .regex(/^[A-Za-z0-9_.-]+$/, 'may contain only letters, digits, "_", "." and "-"')
  .describe('Letters, digits, "_", "." and "-"; unique ignoring case');
export const email = z
  .string()
  .trim()
  .max(255, 'must be at most 255 characters')
  .pipe(z.email('must be a valid email address'));
export const password = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`);

export const registerBody = z.object({ email, username, password });
export const loginBody = z.object({
  username: z.string().min(1).max(255).describe('Username or email address'),
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
});
export const refreshBody = z.object({ refresh_token: z.string().min(1).max(200) });
/** Nullish: a POST without a body reaches validation as null. */
export const logoutBody = z.object({ refresh_token: z.string().min(1).max(200).optional() }).nullish();

export const userResponse = z.object({
  user_id: z.string(),
  email: z.string(),
  username: z.string(),
  is_active: z.boolean(),
  is_superuser: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const tokenPairResponse = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  token_type: z.literal('bearer'),
  expires_in: z.number().describe('Access token lifetime in seconds'),
  refresh_expires_at: z.string(),
});
