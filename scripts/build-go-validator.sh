#!/usr/bin/env bash
# Builds the go-spiffe based validator CLI (interop/go-validator) used by
# Synid's interop tests.
#
# Usage: scripts/build-go-validator.sh [--force]
#
# Output: ${SYNID_CACHE:-$HOME/.cache/synid}/bin/go-validator
# Idempotent: rebuilds only when a source file (*.go, go.mod, go.sum) is newer
# than the binary, or with --force. The binary path is printed as the last line
# on stdout; progress goes to stderr.
#
# Requirements (checked, never installed): Go >= 1.24 (see go.mod). Module
# downloads go through the configured GOPROXY.
set -euo pipefail

MIN_GO=1.24.0

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src_dir="$(cd "$here/../interop/go-validator" && pwd)"
bin_dir="${SYNID_CACHE:-$HOME/.cache/synid}/bin"
out="$bin_dir/go-validator"

force=0
for arg in "$@"; do
    case "$arg" in
        --force) force=1 ;;
        -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "build-go-validator.sh: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

log() { echo "build-go-validator.sh: $*" >&2; }
die() { echo "build-go-validator.sh: ERROR: $*" >&2; exit 1; }

if [ "$force" = 0 ] && [ -x "$out" ]; then
    newer="$(find "$src_dir" -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) -newer "$out" -print -quit)"
    if [ -z "$newer" ]; then
        log "up to date"
        echo "$out"
        exit 0
    fi
    log "$newer is newer than the binary; rebuilding"
fi

. "$(dirname "${BASH_SOURCE[0]}")/lib/go-toolchain.sh"
require_go "$MIN_GO"

mkdir -p "$bin_dir"
tmp="$(mktemp "$bin_dir/.go-validator.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
log "building go-validator with Go $GO_VERSION"
(cd "$src_dir" && GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -mod=readonly" \
    "$GO" build -trimpath -o "$tmp" .) || die "build failed"
[ -s "$tmp" ] || die "build produced no binary"
chmod 755 "$tmp"
mv -f "$tmp" "$out"
echo "$out"
