#!/usr/bin/env bash
# Make this machine ready for the test suite (DESIGN.md section 9):
#   1. PostgreSQL cluster running and accepting connections on 127.0.0.1
#   2. the pgvector extension available (apt package, or built from Debian's source package)
#   3. Chromium for the browser tests
# Idempotent: a second run only checks, and takes a few seconds.
# Run as root. apt/make output goes to $PROVISION_LOG; its tail is printed on failure.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
LOG="${PROVISION_LOG:-/tmp/ainstruct-provision.log}"
: >"$LOG"

TRIXIE_SRC=/etc/apt/sources.list.d/ainstruct-trixie-src.sources
CHECK_DB=ainstruct_provision_check
APT_OPTS=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=600)

say() { printf 'provision: %s\n' "$*"; }

die() {
  printf 'provision: FAILED: %s\n' "$*" >&2
  if [ -s "$LOG" ]; then
    printf -- '--- last lines of %s ---\n' "$LOG" >&2
    tail -n 40 "$LOG" >&2
  fi
  exit 1
}

# Run a command with its output sent to the log; die with the log's tail if it fails.
quiet() {
  printf '\n$ %s\n' "$*" >>"$LOG"
  "$@" >>"$LOG" 2>&1 || die "$*"
}

[ "$(id -u)" -eq 0 ] || die "must run as root"

APT_UPDATED=0
apt_update_once() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    quiet apt-get update -q -o DPkg::Lock::Timeout=600
    APT_UPDATED=1
  fi
}

# Install those of the named packages that are not installed yet (never upgrades installed ones).
apt_install_missing() {
  local pkg missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  apt_update_once
  quiet apt-get install "${APT_OPTS[@]}" "${missing[@]}"
}

# True when apt has an installable candidate for the package.
apt_has_candidate() {
  local cand
  cand="$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')"
  [ -n "$cand" ] && [ "$cand" != "(none)" ]
}

# --- 1. PostgreSQL -----------------------------------------------------------

PG_VER="$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/postgres' 2>/dev/null \
  | awk -F/ '{print $5}' | sort -V | tail -n 1)"
[ -n "$PG_VER" ] || die "no PostgreSQL server found under /usr/lib/postgresql"
PG_BIN="/usr/lib/postgresql/$PG_VER/bin"

cluster_status="$(pg_lsclusters -h 2>/dev/null | awk -v v="$PG_VER" '$1 == v && $2 == "main" {print $4}')"
[ -n "$cluster_status" ] || die "PostgreSQL $PG_VER has no 'main' cluster (pg_lsclusters)"
if [ "$cluster_status" = "online" ]; then
  pg_action="already running"
else
  quiet pg_ctlcluster --skip-systemctl-redirect "$PG_VER" main start
  pg_action="started"
fi
for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 && break
  sleep 0.5
done
pg_isready -q -h 127.0.0.1 || die "PostgreSQL $PG_VER is not accepting connections on 127.0.0.1"
say "postgresql $PG_VER: $pg_action, accepting connections"

# --- 2. pgvector -------------------------------------------------------------

PG_SHAREDIR="/usr/share/postgresql/$PG_VER"
PG_PKGLIBDIR="/usr/lib/postgresql/$PG_VER/lib"
vector_available() { [ -f "$PG_SHAREDIR/extension/vector.control" ] && [ -f "$PG_PKGLIBDIR/vector.so" ]; }

# Debian's trixie source packages, deb-src only so no trixie binaries can be installed.
write_trixie_src() {
  [ -f "$TRIXIE_SRC" ] && return 0
  cat >"$TRIXIE_SRC" <<'EOF'
# Added by ainstruct .ci/provision.sh: source packages only (pgvector is built from source).
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
}

build_pgvector_from_source() {
  write_trixie_src
  apt_install_missing "postgresql-server-dev-$PG_VER" make gcc dpkg-dev xz-utils

  local work src
  work="$(mktemp -d /tmp/ainstruct-pgvector.XXXXXX)"
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" EXIT
  chown _apt "$work" 2>/dev/null || true # lets apt download sandboxed, without a warning
  (cd "$work" && quiet apt-get source -q pgvector)
  src="$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -n 1)"
  [ -n "$src" ] || die "apt-get source pgvector produced no source directory"
  # No -march=native (Debian's source already patches it out; OPTFLAGS="" makes sure), so the
  # build runs on any x86-64 this machine's state may be restored to.
  quiet make -C "$src" -j"$(nproc)" PG_CONFIG="$PG_BIN/pg_config" OPTFLAGS=""
  quiet make -C "$src" install PG_CONFIG="$PG_BIN/pg_config" OPTFLAGS=""
  rm -rf "$work"
  trap - EXIT
}

if vector_available; then
  vec_action="already installed"
else
  PKG="postgresql-$PG_VER-pgvector"
  # Declare the source entry before the single 'apt-get update' when the binary package looks absent.
  apt_has_candidate "$PKG" || write_trixie_src
  apt_update_once
  if apt_has_candidate "$PKG"; then
    apt_install_missing "$PKG"
    vec_action="installed $PKG"
  else
    build_pgvector_from_source
    vec_action="built from Debian source package"
  fi
  vector_available || die "pgvector install finished but vector.control/vector.so are missing"
fi

psql_q() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres "$@"; }
quiet psql_q -d postgres -c "DROP DATABASE IF EXISTS $CHECK_DB WITH (FORCE)"
quiet psql_q -d postgres -c "CREATE DATABASE $CHECK_DB"
vec_version="$(psql_q -d "$CHECK_DB" -At \
  -c "CREATE EXTENSION IF NOT EXISTS vector" \
  -c "SELECT extversion FROM pg_extension WHERE extname = 'vector'" 2>>"$LOG")" \
  || { psql_q -d postgres -c "DROP DATABASE IF EXISTS $CHECK_DB WITH (FORCE)" >/dev/null 2>&1 || true;
       die "CREATE EXTENSION vector failed"; }
quiet psql_q -d postgres -c "DROP DATABASE IF EXISTS $CHECK_DB WITH (FORCE)"
say "pgvector $vec_version: $vec_action, CREATE EXTENSION works"

# --- 3. Chromium -------------------------------------------------------------

if [ -x /usr/bin/chromium ]; then
  chr_action="already installed"
else
  apt_install_missing chromium fonts-liberation
  chr_action="installed"
fi
chr_version="$(/usr/bin/chromium --version 2>>"$LOG" | head -n 1)" || die "chromium --version failed"
dom="$(timeout 60 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
  --dump-dom 'data:text/html,<p>ok</p>' 2>>"$LOG")" || die "headless chromium failed"
case "$dom" in
  *'<p>ok</p>'*) ;;
  *) die "headless chromium returned an unexpected DOM: $dom" ;;
esac
say "${chr_version:-chromium}: $chr_action, headless works"
