# Sourced by the build scripts: finds the Go toolchain and checks its version.
#   require_go MIN_VERSION   sets GO (the go binary) and GO_VERSION, or calls die (defined by the caller)
require_go() {
    local min=$1
    GO="${GO:-}"
    if [ -z "$GO" ]; then
        if command -v go >/dev/null 2>&1; then
            GO="$(command -v go)"
        elif [ -x /usr/local/go/bin/go ]; then
            GO=/usr/local/go/bin/go
        else
            die "Go is not installed (need Go >= $min on PATH, or set GO=/path/to/go)"
        fi
    fi
    command -v "$GO" >/dev/null 2>&1 || die "Go not found at '$GO' (need Go >= $min)"
    local version
    version="$(GOTOOLCHAIN=local "$GO" env GOVERSION 2>/dev/null || true)"
    version="${version#go}"
    case "$version" in
        [0-9]*) ;;
        *) die "cannot determine the version of $GO (got '${version}'); need Go >= $min" ;;
    esac
    GO_VERSION=$version
    local number="${version%%[!0-9.]*}"   # strip suffixes like rc1
    if [ "$(printf '%s\n%s\n' "$min" "$number" | sort -V | head -n1)" != "$min" ]; then
        die "Go $version at $GO is too old: need Go >= $min"
    fi
}
