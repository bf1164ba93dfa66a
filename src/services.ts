import type { AppContext } from './context.js';
import { createAdminService } from './modules/admin/admin.service.js';
import { createCollectionsService } from './modules/collections/collections.service.js';
import { createTokensService } from './modules/tokens/tokens.service.js';
import { createUsageService } from './modules/usage/usage.service.js';
import { createUsersService } from './modules/users/users.service.js';

/** Every service, built once per process from the context; REST routes and MCP tools share them. */
export function createServices(ctx: AppContext) {
  return {
    users: createUsersService(ctx),
    collections: createCollectionsService(ctx),
    tokens: createTokensService(ctx),
    usage: createUsageService(ctx),
    admin: createAdminService(ctx),
  };
}

export type Services = ReturnType<typeof createServices>;
