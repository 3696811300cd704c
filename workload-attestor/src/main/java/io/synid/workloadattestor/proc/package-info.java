/**
 * Bounded, validating readers for the parts of {@code /proc/<pid>} that attestors use:
 * {@code status}, {@code cgroup} and the {@code exe} link. The proc root is injectable so tests
 * can build hostile trees in a temporary directory.
 */
package io.synid.workloadattestor.proc;
