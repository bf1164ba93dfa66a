import type {
  ContentBlock,
  McpServer,
  StandardSchemaWithJSON,
  ToolAnnotations,
} from '@modelcontextprotocol/server';
import type { FastifyBaseLogger } from 'fastify';
import type { z } from 'zod';
import { requireUserCredential, requireWriteScope } from '../auth/access.js';
import type { Principal } from '../auth/principal.js';
import type { Config } from '../config.js';
import { databaseUnavailable, unmappedDatabaseError } from '../db/errors.js';
import { AppError } from '../errors.js';
import type { Services } from '../services.js';
import { findUnstorableText, formatPath } from '../validation/storable.js';
import { compactJsonSchema } from './json-schema.js';
import { argumentErrors, errorResult, successResult } from './results.js';

/** What the tools are built on: the same services the REST routes call. */
export interface McpDeps {
  services: Services;
  config: Config;
  log: FastifyBaseLogger;
}

/** What the client on the other end can take, as far as results are concerned. */
export interface ClientFeatures {
  /** `resource_link` content blocks exist from protocol 2025-06-18 on; older clients reject unknown blocks. */
  resourceLinks: boolean;
}

/** One request's view: the dependencies plus the authenticated caller and what their client understands. */
export interface ToolEnv extends McpDeps {
  principal: Principal;
  requestId: string;
  client: ClientFeatures;
}

/**
 * The kind of credential a tool needs. Only decides what `tools/list` shows; every call is authorized again.
 */
export interface ToolNeeds {
  userCredential: boolean;
  write: boolean;
}

/**
 * Asks the access policy whether a principal can use a tool at all, with the same checks the services make on
 * every call, so the listing and the call-time decision cannot disagree.
 */
export function mayUse(principal: Principal, needs: ToolNeeds): boolean {
  try {
    if (needs.userCredential) requireUserCredential(principal);
    if (needs.write) requireWriteScope(principal);
    return true;
  } catch (error) {
    if (error instanceof AppError) return false;
    throw error;
  }
}

/** Tool arguments are always a JSON object. */
type ObjectSchema = z.ZodType<Record<string, unknown>>;

export interface ToolSpec<In extends ObjectSchema, Out extends z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: In;
  output: Out;
  annotations: Omit<ToolAnnotations, 'title'>;
  needs: ToolNeeds;
  /** Calls one service and returns plain data in the output shape; throws AppError on refusal. */
  run(args: z.output<In>, env: ToolEnv): Promise<z.input<Out>>;
  /** Content blocks for clients that do not read structured content; default: the data as JSON text. */
  present?(data: z.output<Out>, client: ClientFeatures): ContentBlock[];
}

export interface McpTool {
  name: string;
  needs: ToolNeeds;
  register(server: McpServer, env: ToolEnv): void;
}

/** The schema's JSON Schema, made lean (see compactJsonSchema); `open` for output schemas. */
function leanJsonSchema(schema: z.ZodType, options: { open?: boolean } = {}) {
  const { jsonSchema } = schema['~standard'];
  return {
    input: (target: Parameters<typeof jsonSchema.input>[0]) =>
      compactJsonSchema(jsonSchema.input(target), options),
    output: (target: Parameters<typeof jsonSchema.output>[0]) =>
      compactJsonSchema(jsonSchema.output(target), options),
  };
}

/**
 * The arguments' JSON Schema for tools/list, with validation left to the handler. The SDK's own validation
 * would answer bad arguments with a bare message; validating here gives them the VALIDATION_ERROR code and
 * the per-argument list every other failure has.
 */
function advertiseInput(schema: z.ZodType): StandardSchemaWithJSON<unknown, unknown> {
  return {
    '~standard': {
      version: 1,
      vendor: 'ainstruct',
      validate: (value: unknown) => ({ value }),
      jsonSchema: leanJsonSchema(schema),
    },
  };
}

/** The result's JSON Schema for tools/list; the SDK still checks every success against the zod schema. */
function advertiseOutput(schema: z.ZodType): StandardSchemaWithJSON<unknown, unknown> {
  return {
    '~standard': {
      version: 1,
      vendor: 'ainstruct',
      validate: schema['~standard'].validate,
      jsonSchema: leanJsonSchema(schema, { open: true }),
    },
  };
}

function failure(error: unknown, tool: string, env: ToolEnv) {
  if (error instanceof AppError) return errorResult(error.code, error.message);
  const unavailable = databaseUnavailable(error);
  if (unavailable) {
    env.log.warn({ err: error, tool, reqId: env.requestId }, 'database unavailable');
    return errorResult(unavailable.code, unavailable.message);
  }
  const mapped = unmappedDatabaseError(error);
  if (mapped) {
    // The client error it is, but logged: some repository should have mapped it.
    env.log.error({ err: error, tool, reqId: env.requestId }, 'unmapped database error');
    return errorResult(mapped.code, mapped.message);
  }
  env.log.error({ err: error, tool, reqId: env.requestId }, 'MCP tool failed');
  return errorResult('INTERNAL_ERROR', `Internal server error (request id ${env.requestId})`);
}

/**
 * A tool as the SDK sees it: thin handler (validate → call service → present), failures as `isError` results,
 * usage counted once a call has succeeded. The output schema describes success only: failures carry no
 * structured content (see results.ts).
 */
export function defineTool<In extends ObjectSchema, Out extends z.ZodObject>(
  spec: ToolSpec<In, Out>,
): McpTool {
  return {
    name: spec.name,
    needs: spec.needs,
    register(server, env) {
      server.registerTool(
        spec.name,
        {
          title: spec.title,
          description: spec.description,
          inputSchema: advertiseInput(spec.input),
          outputSchema: advertiseOutput(spec.output),
          annotations: { title: spec.title, openWorldHint: false, ...spec.annotations },
        },
        async (args: unknown) => {
          // The same rule the REST layer applies to every request: text PostgreSQL cannot store is refused
          // here, for every tool, before its schema runs.
          const unstorable = findUnstorableText(args).map((problem) => ({
            argument: formatPath(problem.path) || '(arguments)',
            message: problem.message,
          }));
          const parsed = unstorable.length === 0 ? spec.input.safeParse(args ?? {}) : undefined;
          if (!parsed?.success) {
            const errors = parsed ? argumentErrors(parsed.error, args) : unstorable;
            const summary = errors.map((e) => `${e.argument}: ${e.message}`).join('; ');
            return errorResult('VALIDATION_ERROR', `Invalid arguments for ${spec.name}: ${summary}`, errors);
          }
          let data: z.output<Out>;
          try {
            // Parsing our own output drops fields the schema does not declare, so clients that validate
            // structured content strictly (additionalProperties: false) accept it.
            data = spec.output.parse(await spec.run(parsed.data, env));
          } catch (error) {
            return failure(error, spec.name, env);
          }
          env.services.usage.record(env.principal.userId, 'mcp');
          return successResult(data, spec.present?.(data, env.client));
        },
      );
    },
  };
}
