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
pg_port=${SYNID_PG_PORT:-}
if [[ -z "$pg_port" ]]; then
  for pg_port in $(seq 55632 55732); do [[ -z "$(ss -Hltn "sport = :$pg_port")" ]] && break; done
fi
pg_url=$(scripts/postgres.sh start "$pg_dir" "$pg_port")
# Benchmark a copy: a build in this tree while the benchmark runs must not swap the jar under it.
jar="$pg_dir/synid-server.jar"
cp identity-server/target/synid-server.jar "$jar"
./mvnw -q -B -ntp -pl benchmarks org.codehaus.mojo:exec-maven-plugin:3.6.4:java \
  -Dexec.mainClass=io.synid.bench.ServerBenchmark \
  -Dexec.args="--jar $jar --spire $spire_dir --pg-url $pg_url --out target/bench-server.md $*"
