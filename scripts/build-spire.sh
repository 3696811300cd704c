#!/usr/bin/env bash
# Builds SPIRE v1.15.3 spire-server and spire-agent from source for Synid's
# interop tests, using the build module in interop/spire.
#
# Usage: scripts/build-spire.sh [--force]
#
# Output dir: ${SYNID_CACHE:-$HOME/.cache/synid}/spire-v1.15.3/{spire-server,spire-agent}
# The script is idempotent: when both binaries exist and report version 1.15.3
# it does nothing. The output directory is printed as the last line on stdout;
# progress goes to stderr.
#
# Requirements (checked, never installed): Go >= 1.26.6 and a C compiler for
# cgo (SPIRE's sqlite datastore uses mattn/go-sqlite3). Module downloads go
# through the configured GOPROXY.
#
# Note: github.com/Keyfactor/ejbca-go-client-sdk is replaced by a stand-in
# (interop/spire/ejbca-stub), so the EJBCA UpstreamAuthority plugin of these
# binaries always fails. Synid's tests never use it.
set -euo pipefail

SPIRE_VERSION=1.15.3
MIN_GO=1.26.6

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$here/.." && pwd)"
module_dir="$repo_root/interop/spire"
cache_root="${SYNID_CACHE:-$HOME/.cache/synid}"
out_dir="$cache_root/spire-v$SPIRE_VERSION"

force=0
for arg in "$@"; do
    case "$arg" in
        --force) force=1 ;;
        -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "build-spire.sh: unknown argument: $arg" >&2; exit 2 ;;
    esac
done

log() { echo "build-spire.sh: $*" >&2; }
die() { echo "build-spire.sh: ERROR: $*" >&2; exit 1; }

# spire-server --version prints e.g. "1.15.3" (to stderr, via mitchellh/cli).
binaries_ok() {
    [ -x "$out_dir/spire-server" ] && [ -x "$out_dir/spire-agent" ] || return 1
    local v
    v="$("$out_dir/spire-server" --version 2>&1 | head -n1 | tr -d '[:space:]')" || return 1
    [ "$v" = "$SPIRE_VERSION" ] || return 1
    v="$("$out_dir/spire-agent" --version 2>&1 | head -n1 | tr -d '[:space:]')" || return 1
    [ "$v" = "$SPIRE_VERSION" ]
}

if [ "$force" = 0 ] && binaries_ok; then
    log "spire-server and spire-agent v$SPIRE_VERSION already built"
    echo "$out_dir"
    exit 0
fi

# --- toolchain checks -------------------------------------------------------
. "$(dirname "${BASH_SOURCE[0]}")/lib/go-toolchain.sh"
require_go "$MIN_GO"

cc="${CC:-gcc}"
command -v "${cc%% *}" >/dev/null 2>&1 || die "C compiler '$cc' not found: cgo is required (sqlite datastore); install gcc or set CC"

# --- build -------------------------------------------------------------------
mkdir -p "$out_dir"
tmp_dir="$(mktemp -d "$out_dir/.build.XXXXXX")"
trap 'rm -rf "$tmp_dir"' EXIT

export GOTOOLCHAIN=local CGO_ENABLED=1 GOFLAGS="${GOFLAGS:-} -mod=readonly"
ldflags="-s -w -X github.com/spiffe/spire/pkg/common/version.gittag=$SPIRE_VERSION"

log "building SPIRE v$SPIRE_VERSION with Go $GO_VERSION (this takes several minutes the first time)"
start=$(date +%s)
for cmd in spire-server spire-agent; do
    log "  go build $cmd"
    (cd "$module_dir" && "$GO" build -trimpath -ldflags "$ldflags" \
        -o "$tmp_dir/$cmd" "github.com/spiffe/spire/cmd/$cmd") \
        || die "building $cmd failed"
done
mv -f "$tmp_dir/spire-server" "$tmp_dir/spire-agent" "$out_dir/"
log "built in $(( $(date +%s) - start ))s"

binaries_ok || die "built binaries in $out_dir do not report version $SPIRE_VERSION"
echo "$out_dir"
