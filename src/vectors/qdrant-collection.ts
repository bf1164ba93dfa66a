import { QdrantClient } from '@qdrant/js-client-rest';
import { VectorStoreUnavailableError } from '../errors.js';
import type { ChunkVector } from './chunk-vectors.repository.js';

/** Payload of a point: the tenant key searches filter on, and the document it belongs to. */
interface ChunkPayload {
  collection_id: string;
  document_id: string;
  [key: string]: unknown;
}

export type QdrantFilter = Parameters<QdrantClient['query']>[1] extends infer A
  ? A extends { filter?: infer F }
    ? NonNullable<F>
    : never
  : never;

/** Points per upsert request: well under Qdrant's request size limit for any embedding dimension in use. */
const UPSERT_BATCH = 256;

/**
 * One shared Qdrant collection per embedding model and dimension (`<prefix>_<model>_<dim>`), holding every
 * tenant's chunks with the collection id as a tenant-indexed payload key: many small tenants cost one HNSW
 * graph, not one per user collection (the original's design, which Qdrant advises against).
 */
export function qdrantCollectionName(prefix: string, model: string, dimensions: number): string {
  const slug = model
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 100);
  return `${prefix}_${slug}_${dimensions}`;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const data = (error as { data?: { status?: { error?: string } } }).data;
    const status = (error as { status?: number }).status;
    const detail = data?.status?.error ?? error.message;
    return status ? `Qdrant answered ${status}: ${detail}` : `Qdrant unreachable: ${detail}`;
  }
  return `Qdrant failed: ${String(error)}`;
}

const statusOf = (error: unknown): number | undefined =>
  error instanceof Error ? (error as { status?: number }).status : undefined;

/**
 * The Qdrant calls the store makes, each turned into `VectorStoreUnavailableError` on failure, and the
 * collection created on first use. A 404 (the collection was deleted behind our back, or Qdrant lost its data)
 * forgets that the collection exists, so the next call creates it again and `onRecreated` asks for a rebuild.
 */
export class QdrantCollection {
  private readonly client: QdrantClient;
  private ensured: Promise<void> | undefined;

  constructor(
    private readonly options: {
      url: string;
      apiKey?: string | undefined;
      timeoutMs: number;
      name: () => string;
      dimensions: () => number;
      onRecreated: () => Promise<void>;
    },
  ) {
    this.client = new QdrantClient({
      url: options.url,
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      timeout: options.timeoutMs,
      // The version check is a request at construction time whose failure only warns on the console.
      checkCompatibility: false,
    });
  }

  get name(): string {
    return this.options.name();
  }

  private async call<T>(what: () => Promise<T>): Promise<T> {
    try {
      return await what();
    } catch (error) {
      if (statusOf(error) === 404) this.ensured = undefined;
      throw new VectorStoreUnavailableError(describe(error), { cause: error });
    }
  }

  /** Creates the collection and its payload indexes unless it exists. */
  ensure(): Promise<void> {
    this.ensured ??= this.create().catch((error: unknown) => {
      this.ensured = undefined;
      throw error;
    });
    return this.ensured;
  }

  private async create(): Promise<void> {
    const name = this.name;
    const { exists } = await this.call(() => this.client.collectionExists(name));
    if (exists) return;
    try {
      await this.client.createCollection(name, {
        vectors: { size: this.options.dimensions(), distance: 'Cosine' },
      });
    } catch (error) {
      // Another instance created it meanwhile.
      if (statusOf(error) !== 409) throw new VectorStoreUnavailableError(describe(error), { cause: error });
      return;
    }
    await this.call(() =>
      this.client.createPayloadIndex(name, {
        wait: true,
        field_name: 'collection_id',
        field_schema: { type: 'keyword', is_tenant: true },
      }),
    );
    await this.call(() =>
      this.client.createPayloadIndex(name, {
        wait: true,
        field_name: 'document_id',
        field_schema: 'keyword',
      }),
    );
    await this.options.onRecreated();
  }

  async upsert(chunks: ChunkVector[]): Promise<void> {
    await this.ensure();
    for (let start = 0; start < chunks.length; start += UPSERT_BATCH) {
      const points = chunks.slice(start, start + UPSERT_BATCH).map((chunk) => ({
        id: chunk.id,
        vector: chunk.vector,
        payload: {
          collection_id: chunk.collection_id,
          document_id: chunk.document_id,
        } satisfies ChunkPayload,
      }));
      await this.call(() => this.client.upsert(this.name, { wait: true, points }));
    }
  }

  async deleteWhere(filter: QdrantFilter): Promise<void> {
    await this.ensure();
    await this.call(() => this.client.delete(this.name, { wait: true, filter }));
  }

  async deletePoints(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.ensure();
    await this.call(() => this.client.delete(this.name, { wait: true, points: ids }));
  }

  /** Nearest point ids with Qdrant's scores, best first. */
  async nearest(
    vector: number[],
    filter: QdrantFilter,
    page: { limit: number; offset: number },
  ): Promise<string[]> {
    await this.ensure();
    const result = await this.call(() =>
      this.client.query(this.name, {
        query: vector,
        filter,
        limit: page.limit,
        offset: page.offset,
        with_payload: false,
        with_vector: false,
      }),
    );
    return result.points.map((point) => String(point.id));
  }

  /** Every point id, a page at a time (`offset` from the previous page; undefined when done). */
  async idsPage(offset: string | undefined, limit: number): Promise<{ ids: string[]; next?: string }> {
    await this.ensure();
    const result = await this.call(() =>
      this.client.scroll(this.name, {
        limit,
        with_payload: false,
        with_vector: false,
        ...(offset !== undefined ? { offset } : {}),
      }),
    );
    const next = result.next_page_offset;
    return {
      ids: result.points.map((point) => String(point.id)),
      ...(next !== undefined && next !== null ? { next: String(next) } : {}),
    };
  }

  async count(): Promise<number> {
    await this.ensure();
    return (await this.call(() => this.client.count(this.name, { exact: true }))).count;
  }

  /** Whether Qdrant answers at all (for /ready), without creating anything. */
  async ping(): Promise<void> {
    await this.call(() => this.client.versionInfo());
  }
}
