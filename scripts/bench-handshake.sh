#!/usr/bin/env bash
# Issue 5: the handshake datapath against plain TCP on the same path in the same run (connection
# rate and latency, in-kernel CPU, established throughput and round trip, SYN loss, verdict
# update latency), over veth between two namespaces and over loopback.
#   scripts/bench-handshake.sh [connections per phase] [rounds] [sections]   (defaults 1000 15 all)
# sections: a comma-separated subset of rate,interleaved,cost,established,cold,verdict.
# Needs root. Pin it to resolve ratios of a few per cent on a shared machine:
#   taskset -c 1 nice -n -20 scripts/bench-handshake.sh 1000 21 interleaved,cost
# Maven options (e.g. -o) can be passed in MAVEN_ARGS. Prints Markdown tables (copied into
# docs/benchmarks-handshake.md with the command that made them).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
# One reactor build, and the classpath it resolved: this tree's own jars, not whatever another
# tree last installed into the shared local repository.
./mvnw -q -B -ntp -DskipTests install dependency:build-classpath -pl test-harness -am \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test.classpath
cp="test-harness/target/test-classes:test-harness/target/classes:$(cat test-harness/target/test.classpath)"
exec java -cp "$cp" io.synid.harness.handshake.HandshakeBenchmark "$@"
