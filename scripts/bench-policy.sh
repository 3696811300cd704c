#!/usr/bin/env bash
# Issue 6: a policy change to the kernel. The real server and two agents with their datapaths;
# each trial applies a new version of one policy among --policies others and measures until the
# protecting node's kernel maps hold it, against the wait for the next sync (the baseline).
#   scripts/bench-policy.sh [--trials N] [--policies N] [--sync 5s]   (defaults 20, 1000, 5s)
# Needs root. Maven options (e.g. -o) can be passed in MAVEN_ARGS. Prints a Markdown table
# (copied into docs/benchmarks.md with the command that made it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
. scripts/lib/harness-java.sh
run_harness_main io.synid.harness.agent.PolicyPropagationBenchmark "$@"
