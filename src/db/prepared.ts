import type { Executor } from './client.js';

/**
 * A query built once per database handle and sent as a named prepared statement, for the few queries every
 * request runs (credential and document lookups). Drizzle otherwise rebuilds the SQL text on every call and
 * sends it unnamed, so PostgreSQL parses and plans it again each time; on the read path that was most of the
 * difference to a bare driver. Values go in through `sql.placeholder(name)`.
 */
const built = new WeakMap<Executor, Map<string, unknown>>();

export function prepared<Q>(db: Executor, name: string, build: (db: Executor) => Q): Q {
  let queries = built.get(db);
  if (!queries) {
    queries = new Map();
    built.set(db, queries);
  }
  let query = queries.get(name) as Q | undefined;
  if (query === undefined) {
    query = build(db);
    queries.set(name, query);
  }
  return query;
}
