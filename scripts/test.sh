#!/usr/bin/env bash
# The whole test suite, as CI runs it. On a fresh Debian machine, as root:
#   scripts/test.sh
# Installs what it needs (Debian packages, Maven through the wrapper, SPIRE and the go-spiffe
# validator built from the Go module proxy, cached), starts a throwaway PostgreSQL on loopback,
# and runs every module's tests including the privileged kernel and interop suites.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export PATH="$PATH:/usr/local/go/bin"

scripts/setup.sh
cache=${SYNID_CACHE:-$HOME/.cache/synid}
spire_dir=$(scripts/build-spire.sh | tail -1)
go_validator=$(scripts/build-go-validator.sh | tail -1)

pg_dir=$(mktemp -d /tmp/synid-pg.XXXXXX)
pg_port=${SYNID_PG_PORT:-}
if [[ -z "$pg_port" ]]; then
  # The first free port from 55432: a developer's own cluster may hold the default.
  for pg_port in $(seq 55432 55532); do
    [[ -z "$(ss -Hltn "sport = :$pg_port" 2>/dev/null)" ]] && break
  done
fi
cleanup() { scripts/postgres.sh stop "$pg_dir" || true; rm -rf "$pg_dir"; }
trap cleanup EXIT
pg_url=$(scripts/postgres.sh start "$pg_dir" "$pg_port")

./mvnw -B -ntp verify \
  -Dsynid.goValidator="$go_validator" \
  -Dsynid.spireDir="$spire_dir" \
  -Dsynid.postgres.url="$pg_url" \
  -Dsynid.postgres.user=synid \
  -Dsynid.postgres.password=synid \
  "$@"
