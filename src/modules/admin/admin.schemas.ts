import { z } from 'zod';
import { pageQuery } from '../../http/schemas.js';
import { email, password, username, userResponse } from '../users/users.schemas.js';

export const userParams = z.object({ user_id: z.string().min(1).max(100) });
export const userListQuery = pageQuery(50);
export const userSearchQuery = pageQuery(50).extend({
  query: z.string().trim().min(1, 'must not be empty').max(255).describe('Substring of username or email'),
});
export const userListResponse = z.object({
  users: z.array(userResponse),
  total: z.number().describe('All matching users, not just this page'),
  limit: z.number(),
  offset: z.number(),
});
export const userDetailResponse = userResponse.extend({
  collection_count: z.number(),
  document_count: z.number(),
  pat_active_count: z.number(),
  pat_inactive_count: z.number(),
  cat_active_count: z.number(),
  cat_inactive_count: z.number(),
});
export const userUpdateBody = z
  .object({
    email: email.optional(),
    username: username.optional(),
    password: password.optional(),
    is_active: z.boolean().optional(),
    is_superuser: z.boolean().optional(),
  })
  .strict();
export const promoteHeaders = z.object({ 'x-admin-api-key': z.string().max(1024).optional() });

export { historyQuery, historyResponse, usageQuery, usageResponse } from '../usage/usage.schemas.js';
