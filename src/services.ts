import type { AppContext } from './context.js';
import { embeddingConfig } from './embeddings/from-config.js';
import { createAdminService } from './modules/admin/admin.service.js';
import { createCollectionsService } from './modules/collections/collections.service.js';
import { createDocumentsService } from './modules/documents/documents.service.js';
import { createExportService } from './modules/export/export.service.js';
import { createJobsService } from './modules/jobs/jobs.service.js';
import { createReindexService } from './modules/search/reindex.service.js';
import { rerankerFromConfig } from './modules/search/rerank.js';
import { createSearchService, defaultKeywordWeights } from './modules/search/search.service.js';
import { createSyncService } from './modules/sync/sync.service.js';
import { createTokensService } from './modules/tokens/tokens.service.js';
import { createUsageService } from './modules/usage/usage.service.js';
import { createUsersService } from './modules/users/users.service.js';

/** Every service, built once per process from the context; REST routes and MCP tools share them. */
export function createServices(ctx: AppContext) {
  const documents = createDocumentsService(ctx);
  const collections = createCollectionsService(ctx);
  return {
    users: createUsersService(ctx),
    collections,
    tokens: createTokensService(ctx),
    usage: createUsageService(ctx),
    admin: createAdminService(ctx),
    documents,
    export: createExportService(ctx),
    sync: createSyncService(ctx, { documents, collections }),
    jobs: createJobsService(ctx, documents),
    reindex: createReindexService(ctx),
    search: createSearchService({
      ...ctx,
      keywordWeights: defaultKeywordWeights(
        embeddingConfig(ctx.config).provider,
        ctx.config.HYBRID_KEYWORD_WEIGHT,
      ),
      reranker: rerankerFromConfig(ctx.config, (error) =>
        ctx.log.warn({ err: error }, 'reranker failed; search answered in its fused order'),
      ),
    }),
  };
}

export type Services = ReturnType<typeof createServices>;
