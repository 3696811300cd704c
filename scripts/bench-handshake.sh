#!/usr/bin/env bash
# Issue 5: the handshake datapath against plain TCP on the same path in the same run (connection
# rate and latency, in-kernel CPU, established throughput and round trip, SYN loss, verdict
# update latency), over veth between two namespaces and over loopback.
#   scripts/bench-handshake.sh [connections per phase] [rounds] [sections]   (defaults 1000 15 all)
# sections: a comma-separated subset of rate,interleaved,cost,check,established,cold,verdict.
# Needs root. Pin it to resolve ratios of a few per cent on a shared machine:
#   taskset -c 1 nice -n -20 scripts/bench-handshake.sh 1000 21 interleaved,cost
# Maven options (e.g. -o) can be passed in MAVEN_ARGS. Prints Markdown tables (copied into
# docs/benchmarks-handshake.md with the command that made them).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
. scripts/lib/harness-java.sh
run_harness_main io.synid.harness.handshake.HandshakeBenchmark "$@"
