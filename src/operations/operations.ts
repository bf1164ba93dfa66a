import { z } from 'zod';
import { OPERATOR, type Principal } from '../auth/principal.js';
import type { AppContext } from '../context.js';
import { writeBackupFile } from '../db/backup.js';
import { migrate } from '../db/migrate.js';
import { conflict, unprocessable } from '../errors.js';
import { content, documentType, metadata, title } from '../modules/documents/documents.schemas.js';
import { exportCursor } from '../modules/export/export.schemas.js';
import { manifestQuery, putBody, syncBeginBody } from '../modules/sync/sync.schemas.js';
import { email, password, username } from '../modules/users/users.schemas.js';
import type { Services } from '../services.js';
import { findUnstorableText, formatPath } from '../validation/storable.js';

/**
 * What the command line can do, as named operations over the same services REST and MCP use. A command runs an
 * operation either in its own process (server mode, or an embedded DATA_DIR nobody owns) or, when a server owns
 * the embedded DATA_DIR, inside that server over its control socket: the same code and the same access policy
 * either way (the caller is the local operator, or the operator acting as a named user). Inputs are validated
 * here, on the side that runs them.
 */

export interface OperationEnv {
  ctx: Pick<AppContext, 'db' | 'embedder' | 'dumpDatabase'>;
  services: Services;
  /** Reports progress of long work (streamed to a remote caller). */
  progress(event: Record<string, unknown>): void;
}

interface Operation<I extends z.ZodType, O> {
  input: I;
  run(env: OperationEnv, input: z.infer<I>): Promise<O>;
}

const define = <I extends z.ZodType, O>(operation: Operation<I, O>) => operation;

/** A document operation for a named user, counted in their usage like an API call. */
async function asUser<T>(
  env: OperationEnv,
  login: string,
  work: (principal: Principal) => Promise<T>,
): Promise<T> {
  const principal = await env.services.users.actAs({ principal: OPERATOR, login });
  const result = await work(principal);
  env.services.usage.record(principal.userId, 'api');
  return result;
}

const login = z.string().min(1).max(255);

export const operations = {
  migrate: define({
    input: z.object({}),
    async run({ ctx }) {
      return { applied: await migrate(ctx.db) };
    },
  }),

  /**
   * A snapshot of the whole embedded database to `file` (an absolute path: the owner's working directory is
   * not the command's). Runs in the owner, so it works while a server runs: the worker thread copies the files
   * between statements, and the event loop only writes the bytes out.
   */
  backup: define({
    input: z.object({ file: z.string().min(1).max(4096), force: z.boolean() }),
    async run({ ctx }, input) {
      if (!ctx.dumpDatabase) {
        throw conflict('BACKUP_UNSUPPORTED', 'backup is for the embedded database in DATA_DIR');
      }
      return writeBackupFile(input.file, ctx.dumpDatabase, input.force);
    },
  }),

  'user.create': define({
    input: z.object({ username, email, password, superuser: z.boolean() }),
    run({ services }, input) {
      return services.admin.createUser({
        principal: OPERATOR,
        username: input.username,
        email: input.email,
        password: input.password,
        isSuperuser: input.superuser,
      });
    },
  }),

  'user.promote': define({
    input: z.object({ login }),
    run({ services }, input) {
      return services.admin.promoteUser({ principal: OPERATOR, login: input.login });
    },
  }),

  /** Resolves the importing user and their collection (created if missing). */
  'import.begin': define({
    input: z.object({ user: login.optional(), collection: z.string().trim().min(1).max(255) }),
    async run({ services }, input) {
      const principal = await services.users.actAs({ principal: OPERATOR, login: input.user });
      const target = await services.collections.ensure({ principal, name: input.collection });
      return { user: principal.username, ...target };
    },
  }),

  'document.store': define({
    input: z.object({
      user: login,
      collection_id: z.string().min(1).max(100),
      title: title.optional(),
      /** A file's name: the title when neither `title` nor the content gives one. */
      fallback_title: title.optional(),
      content,
      document_type: documentType,
      metadata,
    }),
    run(env, input) {
      return asUser(env, input.user, async (principal) => {
        const { document, duplicate } = await env.services.documents.store({
          principal,
          collectionId: input.collection_id,
          title: input.title,
          fallbackTitle: input.fallback_title,
          content: input.content,
          documentType: input.document_type,
          metadata: input.metadata,
        });
        return { document_id: document.document_id, duplicate };
      });
    },
  }),

  /** Resolves the syncing user and the collection to sync into (created if missing). */
  'sync.begin': define({
    input: syncBeginBody.extend({ user: login.optional() }),
    async run({ services }, input) {
      const principal = await services.users.actAs({ principal: OPERATOR, login: input.user });
      const target = await services.sync.begin({ principal, name: input.collection, create: input.create });
      return { user: principal.username, ...target };
    },
  }),

  /** One page of the collection's path-keyed documents (the sync command pages until `next` is null). */
  'sync.manifest': define({
    input: manifestQuery.extend({ user: login, collection_id: z.string().min(1).max(100) }),
    run(env, input) {
      return asUser(env, input.user, (principal) =>
        env.services.sync.manifest({
          principal,
          collectionId: input.collection_id,
          after: input.after,
          limit: input.limit,
        }),
      );
    },
  }),

  'sync.put': define({
    input: putBody.extend({ user: login, collection_id: z.string().min(1).max(100) }),
    run(env, input) {
      return asUser(env, input.user, (principal) =>
        env.services.sync.put({
          principal,
          collectionId: input.collection_id,
          sourcePath: input.source_path,
          title: input.title,
          fallbackTitle: input.fallback_title,
          content: input.content,
          documentType: input.document_type,
          metadata: input.metadata,
        }),
      );
    },
  }),

  'sync.remove': define({
    input: z.object({ user: login, collection_id: z.string().min(1).max(100), document_id: z.uuid() }),
    run(env, input) {
      return asUser(env, input.user, (principal) =>
        env.services.sync.remove({
          principal,
          collectionId: input.collection_id,
          documentId: input.document_id,
        }),
      );
    },
  }),

  /** Resolves the exporting user and their collection of that name (never created). */
  'export.begin': define({
    input: z.object({ user: login.optional(), collection: z.string().trim().min(1).max(255) }),
    async run({ services }, input) {
      const principal = await services.users.actAs({ principal: OPERATOR, login: input.user });
      const found = await services.export.findByName({ principal, name: input.collection });
      return { user: principal.username, ...found };
    },
  }),

  /** One page of an export: the command asks for pages until `next` is null, never for everything at once. */
  'export.page': define({
    input: z.object({
      user: login,
      collection_id: z.string().min(1).max(100),
      after: exportCursor.optional(),
    }),
    run(env, input) {
      return asUser(env, input.user, (principal) =>
        env.services.export.page({ principal, collectionId: input.collection_id, after: input.after }),
      );
    },
  }),

  /** The model this process embeds with (a remote reindex must not silently use a different one). */
  'embedding.model': define({
    input: z.object({}),
    async run({ ctx }) {
      if (ctx.embedder.dimensions === 0) await ctx.embedder.warmup?.();
      return { model: ctx.embedder.model, dimensions: ctx.embedder.dimensions };
    },
  }),

  reindex: define({
    input: z.object({ force: z.boolean() }),
    run({ services, progress }, input) {
      return services.reindex.reindex({
        principal: OPERATOR,
        force: input.force,
        onProgress: (p) => progress({ ...p }),
      });
    },
  }),

  'vectors.rebuild': define({
    input: z.object({}),
    run({ services, progress }) {
      return services.reindex.rebuildVectors({ principal: OPERATOR, onProgress: (p) => progress({ ...p }) });
    },
  }),
};

export type Operations = typeof operations;
export type OperationName = keyof Operations;
export type OperationInput<N extends OperationName> = z.input<Operations[N]['input']>;
export type OperationOutput<N extends OperationName> =
  Operations[N] extends Operation<z.ZodType, infer O> ? O : never;

export function isOperationName(name: string): name is OperationName {
  return Object.hasOwn(operations, name);
}

/** Validates and runs one operation (throws AppError / ZodError for the caller to present). */
export async function runOperation<N extends OperationName>(
  env: OperationEnv,
  name: N,
  input: unknown,
): Promise<OperationOutput<N>> {
  // The same rule as every REST route and MCP tool: no text PostgreSQL cannot store.
  const unstorable = findUnstorableText(input);
  if (unstorable.length > 0) {
    const summary = unstorable.map((p) => `${formatPath(p.path) || 'input'}: ${p.message}`).join('; ');
    throw unprocessable('VALIDATION_ERROR', `Invalid input: ${summary}`);
  }
  const operation = operations[name] as unknown as Operation<z.ZodType, OperationOutput<N>>;
  return operation.run(env, operation.input.parse(input));
}
