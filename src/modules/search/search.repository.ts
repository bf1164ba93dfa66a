import { sql } from 'drizzle-orm';
import { type Executor, queryRows } from '../../db/client.js';
import { keywordRepository } from './keyword.repository.js';
import { uuidArray } from './search-filter.js';

export type { KeywordHits } from './keyword.repository.js';
export type { ChunkHit, SearchFilter } from './search-filter.js';

export interface ChunkDetail {
  id: string;
  document_id: string;
  chunk_index: number;
  content: string;
  heading_path: string[];
  token_count: number;
  title: string;
  document_type: string;
  collection_id: string;
  collection_name: string;
}

export const searchRepository = {
  keyword: keywordRepository.search,

  async documentIdsOf(db: Executor, ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await queryRows<{ id: string; document_id: string }>(
      db,
      sql`select id, document_id from chunks where id = any(${uuidArray(ids)})`,
    );
    return new Map(rows.map((row) => [row.id, row.document_id]));
  },

  async details(db: Executor, ids: string[]): Promise<ChunkDetail[]> {
    if (ids.length === 0) return [];
    return queryRows<ChunkDetail>(
      db,
      sql`select c.id, c.document_id, c.chunk_index, c.content, c.heading_path, c.token_count, d.title,
                 d.document_type, d.collection_id, col.name as collection_name
          from chunks c join documents d on d.id = c.document_id join collections col on col.id = d.collection_id
          where c.id = any(${uuidArray(ids)})`,
    );
  },
};
