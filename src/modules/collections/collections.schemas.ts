import { z } from 'zod';
import { label, pageQuery } from '../../http/schemas.js';

export const collectionName = label(100).describe('1–100 characters, unique per owner ignoring case');
export const collectionBody = z.object({ name: collectionName });
export const collectionParams = z.object({ collection_id: z.string().min(1).max(100) });
export const collectionListQuery = pageQuery(100);

export const collectionResponse = z.object({
  collection_id: z.string(),
  name: z.string(),
  document_count: z.number(),
  cat_count: z.number(),
  created_at: z.string(),
  updated_at: z.string(),
});

export const collectionListResponse = z.object({
  collections: z.array(collectionResponse),
  total: z.number(),
  limit: z.number(),
  offset: z.number(),
});
