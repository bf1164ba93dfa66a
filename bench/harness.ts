/**
 * A throwaway server for the small benches: the real config, storage and search services on in-memory PGlite
 * with the bundled embedding model, and one bench user who owns every stored document.
 */
import { OPERATOR } from '../src/auth/principal.js';
import { loadConfig } from '../src/config.js';
import type { RankedChunk, SearchMode } from '../src/modules/search/search.service.js';
import { openCliContext } from '../src/operations/local-context.js';
import { searchFor, searchRuns } from './runs.js';

export interface StoredDoc {
  key: string;
  title: string;
  content: string;
  metadata?: Record<string, unknown>;
  /** markdown unless given (SciFact abstracts are plain text). */
  documentType?: 'markdown' | 'text';
}

/** A document-level ranking: document keys best first, each with its best chunk's score. */
export type Ranking = { key: string; score: number }[];

export interface Bench {
  model: string;
  runs: {
    label: string;
    mode: SearchMode;
    rank: (query: string) => Promise<Ranking>;
    /** The chunk-level ranking with each chunk's relevance inputs, labelled with its document's key. */
    chunks: (query: string) => Promise<(RankedChunk & { key: string })[]>;
  }[];
  close: () => Promise<void>;
}

/**
 * `depth` is how many chunks each query ranks before documents are judged; the paraphrase bench keeps the 10 its
 * published figures were measured with.
 */
export async function openBench(docs: StoredDoc[], weights: string | undefined, depth = 50): Promise<Bench> {
  const config = loadConfig({
    ...process.env,
    DATA_DIR: 'memory://',
    JWT_SECRET_KEY: 'bench-secret-bench-secret-bench-secret',
    LOG_LEVEL: 'silent',
  });
  const cli = await openCliContext(config, 'bench');
  const { ctx, services } = cli;
  await services.users.register({
    username: 'bench',
    email: 'bench@example.com',
    password: 'bench-password',
  });
  const principal = await services.users.actAs({ principal: OPERATOR, login: 'bench' });
  const keyOf = new Map<string, string>();
  for (const doc of docs) {
    const { document } = await services.documents.store({
      principal,
      title: doc.title,
      content: doc.content,
      documentType: doc.documentType ?? 'markdown',
      metadata: doc.metadata ?? {},
    });
    keyOf.set(document.document_id, doc.key);
  }
  const runs = searchRuns(weights).map((run) => {
    const search = searchFor(ctx, services.search, run);
    const chunks = async (query: string) => {
      const ranked = await search.rankChunks(
        { principal, query, mode: run.mode, maxResults: depth, maxTokens: depth * 2000, minScore: 0 },
        depth,
      );
      return ranked.flatMap((chunk) => {
        const key = keyOf.get(chunk.documentId);
        return key === undefined ? [] : [{ ...chunk, key }];
      });
    };
    // Chunks are ranked, documents are judged: ask deep enough that ten distinct documents survive.
    const rank = async (query: string): Promise<Ranking> => {
      const ranking: Ranking = [];
      for (const chunk of await chunks(query)) {
        if (!ranking.some((r) => r.key === chunk.key)) ranking.push({ key: chunk.key, score: chunk.score });
      }
      return ranking.slice(0, 10);
    };
    return { label: run.label, mode: run.mode, rank, chunks };
  });
  return { model: ctx.embedder.model, runs, close: () => cli.close() };
}
