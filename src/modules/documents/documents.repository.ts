import { and, asc, count, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { CollectionScope } from '../../auth/access.js';
import { type Executor, queryRows } from '../../db/client.js';
import { isForeignKeyViolation, isUniqueViolation } from '../../db/errors.js';
import { isUuid } from '../../db/ids.js';
import { prepared } from '../../db/prepared.js';
import { chunks, collections, documents } from '../../db/schema.js';
import { conflict, notFound } from '../../errors.js';
import { vectorLiteral } from '../../vectors/literal.js';

/** The lexeme count is search bookkeeping, kept out of what the service sees. */
export type DocumentRow = Omit<typeof documents.$inferSelect, 'lexemeCount'>;
export type DocumentWithCollection = DocumentRow & { collectionName: string; ownerId: string };

/** A chunk ready to be written: text, where it sits, and its vector. */
export interface NewChunk {
  chunkIndex: number;
  content: string;
  headingPath: string[];
  tokenCount: number;
  textHash: string;
  embedding: ArrayLike<number>;
}

export type DocumentSort = 'created_at' | 'updated_at' | 'title';

const withCollection = {
  id: documents.id,
  collectionId: documents.collectionId,
  title: documents.title,
  content: documents.content,
  contentHash: documents.contentHash,
  documentType: documents.documentType,
  metadata: documents.metadata,
  chunkCount: documents.chunkCount,
  tokenCount: documents.tokenCount,
  createdAt: documents.createdAt,
  updatedAt: documents.updatedAt,
  collectionName: collections.name,
  ownerId: collections.userId,
};

export function scopeCondition(scope: CollectionScope): SQL {
  return scope.kind === 'owner'
    ? eq(collections.userId, scope.userId)
    : eq(collections.id, scope.collectionId);
}

/** The target collection already holds this content (documents are unique on collection and content hash). */
export const duplicateContent = (existingId?: string) =>
  conflict(
    'DUPLICATE_CONTENT',
    existingId
      ? `The target collection already holds this exact content (document ${existingId})`
      : 'The target collection already holds this exact content',
  );

/**
 * What a write to `documents` can break that a concurrent client can cause, as the client answer it is.
 * Callers lock and re-check first; this only turns a gap in that into a 4xx instead of a 500.
 */
function mapWriteError(error: unknown): never {
  if (isUniqueViolation(error, 'documents_collection_hash_key')) throw duplicateContent();
  if (isForeignKeyViolation(error, 'documents_collection_id_collections_id_fk')) {
    throw notFound('COLLECTION_NOT_FOUND', 'Collection not found');
  }
  throw error;
}

export const documentsRepository = {
  /** Serialises writers of one collection: keeps BM25 statistics exact and makes duplicate checks race-free. */
  async lockCollections(tx: Executor, collectionIds: string[]): Promise<void> {
    for (const id of [...new Set(collectionIds)].sort()) {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`collection:${id}`}))`);
    }
  },

  async findById(db: Executor, id: string): Promise<DocumentWithCollection | undefined> {
    if (!isUuid(id)) return undefined;
    const query = prepared(db, 'document_by_id', (on) =>
      on
        .select(withCollection)
        .from(documents)
        .innerJoin(collections, eq(collections.id, documents.collectionId))
        .where(eq(documents.id, sql.placeholder('id')))
        .prepare('document_by_id'),
    );
    const [row] = await query.execute({ id });
    return row;
  },

  async findByHash(
    db: Executor,
    collectionId: string,
    contentHash: string,
  ): Promise<DocumentWithCollection | undefined> {
    const [row] = await db
      .select(withCollection)
      .from(documents)
      .innerJoin(collections, eq(collections.id, documents.collectionId))
      .where(and(eq(documents.collectionId, collectionId), eq(documents.contentHash, contentHash)));
    return row;
  },

  async list(
    db: Executor,
    options: {
      scope: CollectionScope;
      collectionId?: string | undefined;
      documentType?: string | undefined;
      limit: number;
      offset: number;
      sort: DocumentSort;
      order: 'asc' | 'desc';
    },
  ): Promise<{ rows: Omit<DocumentWithCollection, 'content'>[]; total: number }> {
    const { content: _content, ...columns } = withCollection;
    const where = and(
      scopeCondition(options.scope),
      options.collectionId === undefined ? undefined : eq(documents.collectionId, options.collectionId),
      options.documentType === undefined ? undefined : eq(documents.documentType, options.documentType),
    );
    const sortColumn =
      options.sort === 'title'
        ? sql`lower(${documents.title})`
        : options.sort === 'updated_at'
          ? documents.updatedAt
          : documents.createdAt;
    const direction = options.order === 'asc' ? asc : desc;
    const [rows, totals] = await Promise.all([
      db
        .select(columns)
        .from(documents)
        .innerJoin(collections, eq(collections.id, documents.collectionId))
        .where(where)
        .orderBy(direction(sortColumn), direction(documents.id))
        .limit(options.limit)
        .offset(options.offset),
      db
        .select({ total: count() })
        .from(documents)
        .innerJoin(collections, eq(collections.id, documents.collectionId))
        .where(where),
    ]);
    return { rows, total: totals[0]?.total ?? 0 };
  },

  async insert(
    tx: Executor,
    values: Pick<
      DocumentRow,
      'collectionId' | 'title' | 'content' | 'contentHash' | 'documentType' | 'metadata'
    > & {
      chunkCount: number;
      tokenCount: number;
    },
  ): Promise<DocumentRow> {
    const [row] = await tx.insert(documents).values(values).returning().catch(mapWriteError);
    if (!row) throw new Error('insert into documents returned no row');
    return row;
  },

  async update(
    tx: Executor,
    id: string,
    values: Partial<
      Pick<
        DocumentRow,
        | 'title'
        | 'content'
        | 'contentHash'
        | 'documentType'
        | 'metadata'
        | 'chunkCount'
        | 'tokenCount'
        | 'collectionId'
      >
    >,
  ): Promise<DocumentRow | undefined> {
    const [row] = await tx
      .update(documents)
      .set({ ...values, updatedAt: sql`now()` })
      .where(eq(documents.id, id))
      .returning()
      .catch(mapWriteError);
    return row;
  },

  async delete(tx: Executor, id: string): Promise<void> {
    await tx.delete(documents).where(eq(documents.id, id));
  },

  /** Stored vectors of a document's chunks by text hash, so unchanged chunks are not embedded again. */
  async embeddingsByTextHash(
    db: Executor,
    documentId: string,
    hashes: string[],
  ): Promise<Map<string, number[]>> {
    if (hashes.length === 0) return new Map();
    const rows = await queryRows<{ text_hash: string; embedding: string }>(
      db,
      sql`select distinct on (text_hash) text_hash, embedding::text as embedding from chunks
          where document_id = ${documentId} and text_hash in (${sql.join(
            hashes.map((hash) => sql`${hash}`),
            sql`, `,
          )})`,
    );
    return new Map(rows.map((row) => [row.text_hash, JSON.parse(row.embedding) as number[]]));
  },

  /** Inserts chunks and adds them to the collection's BM25 statistics, in the caller's transaction. */
  async insertChunks(
    tx: Executor,
    documentId: string,
    collectionId: string,
    rows: NewChunk[],
  ): Promise<void> {
    if (rows.length === 0) return;
    const payload = JSON.stringify(
      rows.map((row) => ({
        chunk_index: row.chunkIndex,
        content: row.content,
        heading_path: row.headingPath,
        heading: row.headingPath.join(' › '),
        token_count: row.tokenCount,
        text_hash: row.textHash,
        embedding: vectorLiteral(row.embedding),
      })),
    );
    await tx.execute(sql`
      insert into chunks (document_id, collection_id, chunk_index, content, heading_path, heading, token_count,
                          text_hash, embedding, lexeme_count)
      select ${documentId}::uuid, ${collectionId}::uuid, x.chunk_index, x.content, x.heading_path, x.heading,
             x.token_count, x.text_hash, x.embedding::vector,
             (select coalesce(sum(coalesce(array_length(u.positions, 1), 1)), 0)::int
                from unnest(to_tsvector('english', x.heading || ' ' || x.content)) u)
      from jsonb_to_recordset(${payload}::jsonb) as x(chunk_index int, content text, heading_path text[],
           heading text, token_count int, text_hash text, embedding text)`);
    await tx.execute(sql`
      insert into chunk_terms (collection_id, term, chunk_id, document_id, tf, chunk_length)
      select c.collection_id, u.lexeme, c.id, c.document_id, coalesce(array_length(u.positions, 1), 1),
             c.lexeme_count
      from chunks c, unnest(c.tsv) u
      where c.document_id = ${documentId}`);
    await tx.execute(sql`
      update documents set lexeme_count =
        (select coalesce(sum(lexeme_count), 0)::int from chunks where document_id = ${documentId})
      where id = ${documentId}`);
    await adjustStatistics(tx, documentId, collectionId, 1);
  },

  /** Removes a document's chunks, their postings and their share of the BM25 statistics. */
  async deleteChunks(tx: Executor, documentId: string, collectionId: string): Promise<void> {
    await adjustStatistics(tx, documentId, collectionId, -1);
    await tx.execute(sql`delete from chunk_terms where document_id = ${documentId}`);
    await tx.delete(chunks).where(eq(chunks.documentId, documentId));
  },

  /** Moves a document's chunks to another collection, carrying their statistics along. No re-embedding. */
  async moveChunks(tx: Executor, documentId: string, from: string, to: string): Promise<void> {
    await adjustStatistics(tx, documentId, from, -1);
    await tx.update(chunks).set({ collectionId: to }).where(eq(chunks.documentId, documentId));
    await tx.execute(sql`update chunk_terms set collection_id = ${to} where document_id = ${documentId}`);
    await adjustStatistics(tx, documentId, to, 1);
  },

  async documentIdsIn(db: Executor, ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await db.select({ id: documents.id }).from(documents).where(inArray(documents.id, ids));
    return rows.map((row) => row.id);
  },
};

/**
 * Adds (sign 1) or subtracts (sign -1) one document's chunks to the per-collection chunk and document
 * frequencies and corpus sizes that BM25 needs, reading the document's postings. Callers hold the collection's
 * advisory lock, so counts never interleave.
 */
async function adjustStatistics(tx: Executor, documentId: string, collectionId: string, sign: 1 | -1) {
  await tx.execute(sql`
    insert into term_stats (collection_id, term, doc_freq, document_freq)
    select ${collectionId}::uuid, term, ${sign}::int * count(*)::int, ${sign}::int
    from chunk_terms
    where document_id = ${documentId}
    group by term
    order by term
    on conflict (collection_id, term) do update set
      doc_freq = term_stats.doc_freq + excluded.doc_freq,
      document_freq = term_stats.document_freq + excluded.document_freq`);
  if (sign < 0) {
    await tx.execute(sql`delete from term_stats where collection_id = ${collectionId} and doc_freq <= 0`);
  }
  await tx.execute(sql`
    insert into collection_stats (collection_id, chunk_count, total_length, document_count, document_length)
    select ${collectionId}::uuid, ${sign}::int * count(*)::int, ${sign}::int * coalesce(sum(lexeme_count), 0),
           ${sign}::int * least(count(*), 1)::int, ${sign}::int * coalesce(sum(lexeme_count), 0)
    from chunks where document_id = ${documentId}
    on conflict (collection_id) do update set
      chunk_count = collection_stats.chunk_count + excluded.chunk_count,
      total_length = collection_stats.total_length + excluded.total_length,
      document_count = collection_stats.document_count + excluded.document_count,
      document_length = collection_stats.document_length + excluded.document_length`);
}
