import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import type { Principal } from '../auth/principal.js';
import type { Config } from '../config.js';
import { type AppContext, buildContext } from '../context.js';
import { migrate } from '../db/migrate.js';
import { embeddingConfig } from '../embeddings/from-config.js';
import type { EmbeddingProvider } from '../embeddings/provider.js';
import { createEmbeddingProvider } from '../embeddings/registry.js';
import { usersRepository } from '../modules/users/users.repository.js';
import { openConfiguredDatabase } from '../server.js';
import { createServices, type Services } from '../services.js';

/** The services wired for a command-line run against the configured database, without an HTTP server. */
export async function openCliContext(
  config: Config,
  options: { embedder?: EmbeddingProvider } = {},
): Promise<{ ctx: AppContext; services: Services; close(): Promise<void> }> {
  const handle = await openConfiguredDatabase(config);
  const embedder = options.embedder ?? createEmbeddingProvider(embeddingConfig(config));
  await migrate(handle.db);
  const silent = Fastify({ logger: false }).log;
  // Commands sign no tokens; a throwaway key satisfies the dependencies.
  const ctx = buildContext({
    config,
    handle,
    embedder,
    log: silent,
    jwtSecret: randomBytes(32).toString('hex'),
  });
  return {
    ctx,
    services: createServices(ctx),
    async close() {
      await embedder.close();
      await handle.close();
    },
  };
}

/** The user a command acts for: named by --user, or the only user there is. */
export async function cliPrincipal(ctx: AppContext, login: string | undefined): Promise<Principal> {
  let user = login ? await usersRepository.findByLogin(ctx.db, login) : undefined;
  if (!login) {
    const page = await usersRepository.list(ctx.db, { limit: 2, offset: 0 });
    if (page.total !== 1)
      throw new Error('There is more than one user (or none): name one with --user <username>');
    user = page.rows[0];
  }
  if (!user) throw new Error(`No user with username or email "${login}"`);
  return {
    userId: user.id,
    username: user.username,
    isSuperuser: user.isSuperuser,
    kind: 'cli',
    scopes: ['read', 'write'],
    credentialId: 'cli',
  };
}
