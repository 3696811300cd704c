#!/usr/bin/env bash
# Identity-server benchmarks against SPIRE v1.15.3 on the same machine, same run.
#   scripts/bench-server.sh [--entries N] [--seconds S]
# Prints markdown tables (copied into docs/benchmarks.md with the command that made them).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
scripts/setup.sh >/dev/null
spire_dir=$(scripts/build-spire.sh | tail -1)
./mvnw -q -B -ntp -DskipTests install -pl benchmarks -am
pg_dir=$(mktemp -d /tmp/synid-bench-pg.XXXXXX)
trap 'scripts/postgres.sh stop "$pg_dir"; rm -rf "$pg_dir"' EXIT
pg_url=$(scripts/postgres.sh start "$pg_dir" "${SYNID_PG_PORT:-55433}")
./mvnw -q -B -ntp -pl benchmarks org.codehaus.mojo:exec-maven-plugin:3.6.4:java \
  -Dexec.mainClass=io.synid.bench.ServerBenchmark \
  -Dexec.args="--jar $(pwd)/identity-server/target/synid-server.jar --spire $spire_dir --pg-url $pg_url --out target/bench-server.md $*"
