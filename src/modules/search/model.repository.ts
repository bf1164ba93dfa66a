import { eq, sql } from 'drizzle-orm';
import { type Executor, queryRows } from '../../db/client.js';
import { systemSettings } from '../../db/schema.js';

export interface ModelRecord {
  model: string;
  dimensions: number;
}

/** Progress of `ainstruct reindex`: the target model and the last document whose chunks were re-embedded. */
export interface ReindexState extends ModelRecord {
  after: string | null;
  done: number;
  total: number;
}

const MODEL_KEY = 'embedding_model';
const REINDEX_KEY = 'reindex';
/** The Qdrant collection that holds every chunk's vector (set by a finished rebuild, cleared when it may not). */
const QDRANT_SYNCED_KEY = 'qdrant_synced_collection';

async function read<T>(db: Executor, key: string): Promise<T | undefined> {
  const [row] = await db.select().from(systemSettings).where(eq(systemSettings.key, key));
  return row?.value as T | undefined;
}

async function write(db: Executor, key: string, value: unknown): Promise<void> {
  await db
    .insert(systemSettings)
    .values({ key, value })
    .onConflictDoUpdate({ target: systemSettings.key, set: { value, updatedAt: sql`now()` } });
}

export const modelRepository = {
  recorded: (db: Executor) => read<ModelRecord>(db, MODEL_KEY),
  record: (db: Executor, value: ModelRecord) => write(db, MODEL_KEY, value),
  reindexState: (db: Executor) => read<ReindexState>(db, REINDEX_KEY),
  saveReindexState: (db: Executor, value: ReindexState) => write(db, REINDEX_KEY, value),
  async clearReindexState(db: Executor): Promise<void> {
    await db.delete(systemSettings).where(eq(systemSettings.key, REINDEX_KEY));
  },

  qdrantSynced: async (db: Executor) =>
    (await read<{ collection: string }>(db, QDRANT_SYNCED_KEY))?.collection,
  markQdrantSynced: (db: Executor, collection: string) => write(db, QDRANT_SYNCED_KEY, { collection }),
  async clearQdrantSynced(db: Executor): Promise<void> {
    await db.delete(systemSettings).where(eq(systemSettings.key, QDRANT_SYNCED_KEY));
  },

  async chunkCount(db: Executor): Promise<number> {
    const [row] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from chunks`);
    return row?.n ?? 0;
  },

  /** The HNSW index for one dimension; built over the cast expression the large-scope search uses. */
  async ensureVectorIndex(db: Executor, dimensions: number): Promise<void> {
    const dim = Math.trunc(dimensions);
    await db.execute(
      sql.raw(
        `create index if not exists chunks_embedding_hnsw_${dim} on chunks ` +
          `using hnsw ((embedding::vector(${dim})) vector_cosine_ops)`,
      ),
    );
  },

  async dropVectorIndexes(db: Executor, exceptDimensions?: number): Promise<void> {
    const rows = await queryRows<{ indexname: string }>(
      db,
      sql`select indexname from pg_indexes where tablename = 'chunks' and indexname like 'chunks_embedding_hnsw_%'`,
    );
    for (const { indexname } of rows) {
      if (indexname !== `chunks_embedding_hnsw_${exceptDimensions}`) {
        await db.execute(sql.raw(`drop index if exists "${indexname}"`));
      }
    }
  },

  /** The next `limit` document ids after `after` (by id), for re-embedding in resumable batches. */
  async documentIdsAfter(db: Executor, after: string | null, limit: number): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      db,
      sql`select id from documents where ${after === null ? sql`true` : sql`id > ${after}::uuid`} order by id limit ${limit}`,
    );
    return rows.map((row) => row.id);
  },

  async chunksOf(db: Executor, documentIds: string[]) {
    if (documentIds.length === 0) return [];
    return queryRows<{ id: string; heading_path: string[]; content: string }>(
      db,
      sql`select id, heading_path, content from chunks
          where document_id = any(${`{${documentIds.join(',')}}`}::uuid[]) order by document_id, chunk_index`,
    );
  },

  async documentCount(db: Executor): Promise<number> {
    const [row] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from documents`);
    return row?.n ?? 0;
  },

  async setEmbeddings(db: Executor, rows: { id: string; embedding: string }[]): Promise<void> {
    if (rows.length === 0) return;
    await db.execute(sql`
      update chunks c set embedding = x.embedding::vector
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(id uuid, embedding text)
      where c.id = x.id`);
  },
};
