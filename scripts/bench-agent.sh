#!/usr/bin/env bash
# Synid agent against spire-agent v1.15.3: both attested to one Synid identity server, same entries,
# same sync interval, measured by the same Workload API client in the same run.
#   scripts/bench-agent.sh [--entries N] [--samples N] [--warmup N] [--clients N] [--rounds N]
#                          [--rotations N] [--sync-interval 5s] [--idle-seconds S]
# SYNID_AGENT_JAVA_OPTS is passed to the Synid agent's JVM (default: the JVM's defaults, as
# bin/synid-agent run). Prints markdown tables (copied into docs/benchmarks.md with the command).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
scripts/setup.sh >/dev/null
spire_dir=$(scripts/build-spire.sh | tail -1)
./mvnw -q -B -ntp -DskipTests install -pl benchmarks,agent -am
# 1,000 clients hold 1,000 sockets in this JVM and 1,000 in each agent (children inherit the limit).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if (( $(ulimit -n) < 4096 )); then
  echo "bench-agent.sh: the open-file limit is $(ulimit -n); 1,000 clients need more" >&2
  exit 1
fi
work=$(mktemp -d /tmp/synid-bench-agent.XXXXXX)
trap 'rm -rf "$work"' EXIT
# Benchmark copies: a build in this tree while the benchmark runs must not swap the jars under it.
cp identity-server/target/synid-server.jar agent/target/synid-agent.jar "$work/"
./mvnw -q -B -ntp -pl benchmarks org.codehaus.mojo:exec-maven-plugin:3.6.4:java \
  -Dexec.mainClass=io.synid.bench.AgentBenchmark \
  -Dexec.args="--server-jar $work/synid-server.jar --agent-jar $work/synid-agent.jar --spire $spire_dir --out $PWD/benchmarks/target/bench-agent.md $*"
