#!/usr/bin/env bash
# The whole test suite, from a fresh clone: provisions PostgreSQL + pgvector (and Chromium), then lint,
# typecheck (server and web UI), build (server and UI), unit tests, the integration suite on embedded PGlite and
# again on PostgreSQL, and the web UI end to end in Chromium.
# Ends with "N passed, N failed" on a line of its own; exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

results=test-results
rm -rf "$results" && mkdir -p "$results"
failed_steps=()

step() {
  local name=$1
  shift
  echo "== $name"
  if ! "$@"; then
    failed_steps+=("$name")
  fi
}

if [ "$(id -u)" = 0 ] && [ "${SKIP_PROVISION:-}" != 1 ]; then
  step provision bash .ci/provision.sh
fi
step lint npx biome check .
step typecheck npx tsc -p tsconfig.json --noEmit
step typecheck-web npx tsc -p tsconfig.web.json --noEmit
step build node scripts/build.mjs

# vitest NAME [VAR=value ...] -- vitest arguments
vitest() {
  local name=$1
  shift
  local vars=()
  while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
    vars+=("$1")
    shift
  done
  shift
  step "$name" env "${vars[@]}" npx vitest run --reporter=default --reporter=json \
    --outputFile.json="$results/$name.json" "$@"
}

vitest unit -- --project unit
vitest integration-pglite TEST_DB=pglite -- --project integration
vitest integration-postgres TEST_DB=postgres -- --project integration
vitest e2e TEST_DB=pglite -- --project e2e

# The search suite (and what checks tenancy through search) again with VECTOR_STORE=qdrant on PostgreSQL: on the
# Qdrant stand-in always, on a real Qdrant when QDRANT_URL is set (QDRANT_API_KEY if it needs one).
QDRANT_SUITE=(test/search.test.ts test/tenancy.test.ts test/rerank.test.ts test/documents.test.ts
  test/collections.test.ts test/admin.test.ts test/mcp-tools.test.ts)
vitest integration-qdrant-fake TEST_DB=postgres TEST_VECTOR_STORE=qdrant TEST_QDRANT_URL= -- \
  --project integration "${QDRANT_SUITE[@]}"
if [ -n "${QDRANT_URL:-}" ]; then
  vitest integration-qdrant-real TEST_DB=postgres TEST_VECTOR_STORE=qdrant TEST_QDRANT_URL="$QDRANT_URL" \
    TEST_QDRANT_API_KEY="${QDRANT_API_KEY:-}" -- --project integration "${QDRANT_SUITE[@]}"
else
  echo "== integration-qdrant-real: SKIPPED, QDRANT_URL is not set (set it to run the search suite on a real Qdrant)"
fi

node scripts/summarize-tests.mjs "$results" "${failed_steps[@]}"
