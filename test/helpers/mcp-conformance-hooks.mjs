/**
 * Module-resolve hooks for running @modelcontextprotocol/conformance on Node 20. The CLI imports `globSync`
 * from `fs`, which only Node 22 has, so the whole program fails to link. Its `fs` imports are resolved to a
 * module that re-exports the real `fs` plus a small `globSync`. Used as `node --import
 * ./mcp-conformance-hooks.mjs`.
 */
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

const SHIM = new URL('./mcp-conformance-fs.mjs', import.meta.url).href;

/** The resolve hook, run on Node's hooks thread. */
export async function resolve(specifier, context, next) {
  const fromConformance = context.parentURL?.includes('/@modelcontextprotocol/conformance/') ?? false;
  if (fromConformance && (specifier === 'fs' || specifier === 'node:fs'))
    return { url: SHIM, shortCircuit: true };
  return next(specifier, context);
}

// Preloaded on the main thread, this file registers itself as the hooks module (which runs on its own
// thread).
if (isMainThread) register(import.meta.url);
