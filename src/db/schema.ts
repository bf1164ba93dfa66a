import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { parseVectorLiteral, vectorLiteral } from '../vectors/literal.js';

/**
 * The relational model. Every foreign key cascades, so deleting a user or collection removes everything under
 * it in the same statement. Vectors live in `chunks`; with VECTOR_STORE=qdrant they are also applied to Qdrant
 * through `vector_outbox`.
 */

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    username: text('username').notNull(),
    email: text('email').notNull(),
    passwordHash: text('password_hash').notNull(),
    isActive: boolean('is_active').notNull().default(true),
    isSuperuser: boolean('is_superuser').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('users_username_lower_key').on(sql`lower(${t.username})`),
    uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`),
    index('users_created_at_idx').on(t.createdAt, t.id),
  ],
);

export const collections = pgTable(
  'collections',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('collections_user_name_lower_key').on(t.userId, sql`lower(${t.name})`),
    check('collections_name_length', sql`char_length(${t.name}) between 1 and 100`),
  ],
);

export const documents = pgTable(
  'documents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    collectionId: uuid('collection_id')
      .notNull()
      .references(() => collections.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    content: text('content').notNull(),
    contentHash: text('content_hash').notNull(),
    documentType: text('document_type').notNull().default('markdown'),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    chunkCount: integer('chunk_count').notNull().default(0),
    tokenCount: integer('token_count').notNull().default(0),
    /** Lexeme occurrences over all chunks: the document's BM25 length. */
    lexemeCount: integer('lexeme_count').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('documents_collection_hash_key').on(t.collectionId, t.contentHash),
    index('documents_collection_created_idx').on(t.collectionId, t.createdAt),
    // `ainstruct sync` finds a document by its path for every file it writes.
    index('documents_collection_source_path_idx').on(t.collectionId, sql`(${t.metadata}->>'source_path')`),
  ],
);

export const personalAccessTokens = pgTable(
  'personal_access_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    label: text('label').notNull(),
    tokenHash: text('token_hash').notNull(),
    scopes: text('scopes').array().notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    lastUsed: timestamp('last_used', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('pat_token_hash_key').on(t.tokenHash), index('pat_user_idx').on(t.userId)],
);

export const collectionAccessTokens = pgTable(
  'collection_access_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    collectionId: uuid('collection_id')
      .notNull()
      .references(() => collections.id, { onDelete: 'cascade' }),
    /** The creator; always the collection's owner, since only owners may create CATs. */
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    label: text('label').notNull(),
    keyHash: text('key_hash').notNull(),
    permission: text('permission').$type<'read' | 'read_write'>().notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    lastUsed: timestamp('last_used', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('cat_key_hash_key').on(t.keyHash),
    index('cat_collection_idx').on(t.collectionId),
    index('cat_user_idx').on(t.userId),
    check('cat_permission_valid', sql`${t.permission} in ('read', 'read_write')`),
  ],
);

/** A login session: the family of rotating refresh tokens issued from one login. */
export const authSessions = pgTable(
  'auth_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedReason: text('revoked_reason'),
  },
  (t) => [index('auth_sessions_user_idx').on(t.userId)],
);

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => authSessions.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    /** Set when this token is exchanged; presenting it again is reuse and revokes the whole session. */
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('refresh_token_hash_key').on(t.tokenHash),
    index('refresh_session_idx').on(t.sessionId),
  ],
);

export const usageRecords = pgTable(
  'usage_records',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    yearMonth: text('year_month').notNull(),
    source: text('source').$type<'api' | 'mcp'>().notNull(),
    requestCount: bigint('request_count', { mode: 'number' }).notNull().default(0),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.yearMonth, t.source] }),
    check('usage_source_valid', sql`${t.source} in ('api', 'mcp')`),
  ],
);

/** Facts about this installation that every instance must agree on (e.g. the embedding model in use). */
export const systemSettings = pgTable('system_settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: updatedAt(),
});

/** pgvector's `vector` without a fixed dimension: the dimension is the recorded model's, enforced by an index. */
const anyVector = customType<{ data: number[]; driverData: string }>({
  dataType: () => 'vector',
  toDriver: vectorLiteral,
  fromDriver: parseVectorLiteral,
});

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/**
 * A document's chunks with their vectors and full-text index. `collection_id` is copied from the document so
 * search can filter by tenant without a join; it changes with the document in the same transaction.
 */
export const chunks = pgTable(
  'chunks',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    documentId: uuid('document_id')
      .notNull()
      .references(() => documents.id, { onDelete: 'cascade' }),
    collectionId: uuid('collection_id')
      .notNull()
      .references(() => collections.id, { onDelete: 'cascade' }),
    chunkIndex: integer('chunk_index').notNull(),
    content: text('content').notNull(),
    headingPath: text('heading_path').array().notNull(),
    /** The heading path as one string; indexed for keyword search with the content (titles matter). */
    heading: text('heading').notNull(),
    tokenCount: integer('token_count').notNull(),
    /** SHA-256 of the embedded text, so an update re-embeds only chunks whose text changed. */
    textHash: text('text_hash').notNull(),
    embedding: anyVector('embedding').notNull(),
    tsv: tsvector('tsv').notNull().generatedAlwaysAs(sql`to_tsvector('english', heading || ' ' || content)`),
    /** Number of lexeme occurrences in `tsv`: the BM25 document length. */
    lexemeCount: integer('lexeme_count').notNull(),
  },
  (t) => [
    uniqueIndex('chunks_document_index_key').on(t.documentId, t.chunkIndex),
    index('chunks_collection_idx').on(t.collectionId),
  ],
);

/**
 * The keyword index: one row per chunk and lexeme with its frequency (postings). A query reads only the rows
 * of its own terms in the searched collections, so keyword search costs what the query's terms cost, not
 * what every candidate chunk's whole tsvector costs. Chunks are only ever replaced or removed a whole
 * document at a time, so rows hang off the document (cascade) and are rewritten with its chunks.
 */
export const chunkTerms = pgTable(
  'chunk_terms',
  {
    collectionId: uuid('collection_id').notNull(),
    term: text('term').notNull(),
    chunkId: uuid('chunk_id').notNull(),
    documentId: uuid('document_id')
      .notNull()
      .references(() => documents.id, { onDelete: 'cascade' }),
    /** Occurrences of the term in the chunk. */
    tf: integer('tf').notNull(),
    /** The chunk's lexeme count, copied here so scoring needs no join. */
    chunkLength: integer('chunk_length').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.collectionId, t.term, t.chunkId] }),
    index('chunk_terms_document_idx').on(t.documentId),
  ],
);

/** BM25 document frequencies per collection and lexeme, maintained in the transactions that change chunks. */
export const termStats = pgTable(
  'term_stats',
  {
    collectionId: uuid('collection_id')
      .notNull()
      .references(() => collections.id, { onDelete: 'cascade' }),
    term: text('term').notNull(),
    /** Chunks containing the term. */
    docFreq: integer('doc_freq').notNull(),
    /** Documents containing the term (document-level BM25). */
    documentFreq: integer('document_freq').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.collectionId, t.term] })],
);

/** BM25 corpus size and total length per collection. */
export const collectionStats = pgTable('collection_stats', {
  collectionId: uuid('collection_id')
    .primaryKey()
    .references(() => collections.id, { onDelete: 'cascade' }),
  chunkCount: integer('chunk_count').notNull().default(0),
  totalLength: bigint('total_length', { mode: 'number' }).notNull().default(0),
  /** Documents with at least one chunk, and their summed lexeme counts (document-level BM25). */
  documentCount: integer('document_count').notNull().default(0),
  documentLength: bigint('document_length', { mode: 'number' }).notNull().default(0),
});

/**
 * oidc-provider's models (clients registered dynamically, interactions, sessions, grants, codes, tokens), one row
 * per model instance. The library treats the adapter as a key-value store; `grant_id` and `uid` are the
 * secondary keys it looks up by. Expired rows are swept periodically (src/oauth/sweeper.ts).
 */
export const oauthStore = pgTable(
  'oauth_store',
  {
    kind: text('kind').notNull(),
    id: text('id').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    grantId: text('grant_id'),
    uid: text('uid'),
    userCode: text('user_code'),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    consumedAt: timestamp('consumed_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.kind, t.id] }),
    index('oauth_store_grant_idx').on(t.grantId),
    index('oauth_store_uid_idx').on(t.uid),
    index('oauth_store_expires_idx').on(t.expiresAt),
  ],
);

/**
 * What a person granted an OAuth client: the account or one collection, read or read/write (a PAT's or CAT's
 * scope). The id is oidc-provider's grant id. Every OAuth token is checked against this row and its user on
 * each use, so deleting the row (disconnect, revocation, refresh-token reuse) or its user or collection (the
 * cascades) ends the client's access and refresh at once.
 */
export const oauthGrants = pgTable(
  'oauth_grants',
  {
    id: text('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    collectionId: uuid('collection_id').references(() => collections.id, { onDelete: 'cascade' }),
    clientId: text('client_id').notNull(),
    clientName: text('client_name'),
    /** The client_id URL's host (metadata documents) or the redirect URI's host (registered clients). */
    clientHost: text('client_host').notNull(),
    access: text('access').$type<'read' | 'read_write'>().notNull(),
    createdAt: createdAt(),
    lastUsed: timestamp('last_used', { withTimezone: true }),
  },
  (t) => [
    index('oauth_grants_user_idx').on(t.userId, t.createdAt),
    index('oauth_grants_collection_idx').on(t.collectionId),
    check('oauth_grants_access_valid', sql`${t.access} in ('read', 'read_write')`),
  ],
);

/**
 * With VECTOR_STORE=qdrant: what Qdrant must catch up with, written in the same transaction as the change it
 * records, so an acknowledged write is never lost when Qdrant is down. `target` is `d:<document id>` (make the
 * document's points match its chunks, or remove them if it is gone), `c:<collection id>` (a deleted collection:
 * remove its points) or `sweep` (remove points whose chunk no longer exists). Applying a target reads the
 * current state from PostgreSQL, so entries are idempotent and may be applied in any order; a target is only
 * ever claimed by one worker at a time (`claimed_until`), so an older state never overwrites a newer one.
 */
export const vectorOutbox = pgTable(
  'vector_outbox',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    target: text('target').notNull(),
    createdAt: createdAt(),
    availableAt: timestamp('available_at', { withTimezone: true }).notNull().defaultNow(),
    attempts: integer('attempts').notNull().default(0),
    claimedBy: text('claimed_by'),
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    lastError: text('last_error'),
  },
  (t) => [
    index('vector_outbox_target_idx').on(t.target),
    index('vector_outbox_available_idx').on(t.availableAt),
  ],
);

/**
 * Background work (today: storing a large document), run by any instance's job runner (src/modules/jobs). A
 * runner claims a job with a lease it renews while working; a job whose lease expired (its instance died) is
 * claimed again. Finishing a job commits in the same transaction as the work, so a job never completes twice.
 * `input` holds the request until the job ends and is cleared then (it may be megabytes of content).
 */
export const jobs = pgTable(
  'jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The target collection; null once it was deleted (the job then fails, or keeps its result). */
    collectionId: uuid('collection_id').references(() => collections.id, { onDelete: 'set null' }),
    state: text('state').notNull().default('queued'),
    progressDone: integer('progress_done').notNull().default(0),
    progressTotal: integer('progress_total').notNull().default(0),
    phase: text('phase').notNull().default('queued'),
    input: jsonb('input').$type<Record<string, unknown>>(),
    result: jsonb('result').$type<Record<string, unknown>>(),
    error: jsonb('error').$type<{ code: string; message: string }>(),
    attempts: integer('attempts').notNull().default(0),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    check('jobs_state', sql`${t.state} in ('queued', 'running', 'succeeded', 'failed')`),
    index('jobs_user_created_idx').on(t.userId, t.createdAt),
    index('jobs_pending_idx').on(t.createdAt).where(sql`${t.state} in ('queued', 'running')`),
  ],
);
