#!/usr/bin/env bash
# Agent API benchmarks against SPIRE v1.15.3 on the same machine, same run: entry propagation
# through a real spire-agent, BatchNewX509SVID round trips, a simulated fleet.
#   scripts/bench-agent-api.sh [--only propagation|svid|fleet] [--propagation-entries N]
#       [--sync-interval 1s] [--max-pause-ms MS] [--seconds S] [--warm-up-seconds S] [--svid-agent-entries N]
#       [--agents A] [--entries-per-agent E] [--concurrency C]
# Quick smoke run:
#   scripts/bench-agent-api.sh --propagation-entries 3 --max-pause-ms 500 --seconds 2 --warm-up-seconds 2 \
#       --svid-agent-entries 10 --agents 20 --entries-per-agent 10 --concurrency 5
# Prints markdown tables (copied into docs/benchmarks.md with the command that made them), also
# written to target/bench-agent-api.md. MAVEN_ARGS=-o builds offline.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
scripts/setup.sh >/dev/null
spire_dir=$(scripts/build-spire.sh | tail -1)
# A reactor build, not an install: nothing from this tree lands in ~/.m2, which other checkouts'
# builds read. The classpath names this tree's module jars and the third-party jars in ~/.m2.
./mvnw -q -B -ntp -DskipTests package dependency:build-classpath -Dmdep.includeScope=runtime \
  -Dmdep.outputFile=target/classpath.txt -pl benchmarks -am
# Short path: spire-agent's Workload API socket lives under it.
work=$(mktemp -d /tmp/sba.XXXXXX)
trap 'status=$?; if [[ $status -eq 0 ]]; then rm -rf "$work"; else echo "bench-agent-api: logs kept in $work" >&2; fi' EXIT
# Benchmark copies: a build in this tree while the benchmark runs must not swap jars under it.
mkdir "$work/lib"
cp identity-server/target/synid-server.jar "$work/"
cp benchmarks/target/benchmarks-*.jar "$work/lib/"
cp_entries=("$work/lib/$(basename benchmarks/target/benchmarks-*.jar)")
mapfile -t deps < <(tr : '\n' < benchmarks/target/classpath.txt)
for dep in "${deps[@]}"; do
  if [[ "$dep" == "$PWD/"* ]]; then
    cp "$dep" "$work/lib/"
    dep="$work/lib/$(basename "$dep")"
  fi
  cp_entries+=("$dep")
done
classpath=$(IFS=:; echo "${cp_entries[*]}")
mkdir -p target
java -cp "$classpath" io.synid.bench.AgentApiBenchmark --jar "$work/synid-server.jar" --spire "$spire_dir" \
  --work "$work" --out target/bench-agent-api.md "$@"
