#!/usr/bin/env bash
# Agent audit pipeline benchmark: a sustained rate of connection decisions through the spool and
# all three sinks (JSON Lines file, syslog to a real rsyslogd on loopback, the server over gRPC on
# loopback), against the plain AuditLog writing the same records in the same run.
#   scripts/bench-agent-audit.sh [--rate N] [--seconds S] [--producers P]
# Maven options (e.g. -o) can be passed in MAVEN_ARGS. Prints a Markdown report (copied into
# docs/benchmarks.md with the command that made it) and writes agent/target/bench-agent-audit.md.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v rsyslogd >/dev/null || [[ -x /usr/sbin/rsyslogd ]] || scripts/setup.sh >/dev/null
./mvnw -q -B -ntp -DskipTests -pl agent -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/test.classpath
cp="agent/target/test-classes:agent/target/classes:$(cat agent/target/test.classpath)"
exec java -Xms1g -Xmx2g -cp "$cp" io.synid.agent.audit.AuditPipelineBenchmark \
  --out agent/target/bench-agent-audit.md "$@"
