# Sourced by the benchmark scripts that run a main class of the test-harness test sources.
#   harness_classpath          builds test-harness and what it needs in one reactor build and
#                              prints that build's test classpath: this tree's own classes and
#                              jars, not whatever another tree last installed into the shared
#                              local repository.
#   run_harness_main CLASS [ARGS...]   the same build, then execs java with that classpath.
harness_classpath() {
    ./mvnw -q -B -ntp -DskipTests install dependency:build-classpath -pl test-harness -am \
        -Dmdep.includeScope=test -Dmdep.outputFile=target/test.classpath >&2
    echo "test-harness/target/test-classes:test-harness/target/classes:$(cat test-harness/target/test.classpath)"
}

run_harness_main() {
    local main=$1
    shift
    local cp
    cp=$(harness_classpath)
    exec java -cp "$cp" "$main" "$@"
}
