#!/usr/bin/env bash
# Installs what building, the demo and the tests need, idempotently. Run as root on Debian.
#   scripts/setup.sh            everything (tests)
#   scripts/setup.sh --demo     only what the demo needs
set -euo pipefail

want_demo_only=false
[[ "${1:-}" == "--demo" ]] && want_demo_only=true

die() { echo "setup: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "run as root (apt-get, network namespaces and eBPF need it)"

# Debian packages: a package is installed only when its command or file is missing.
declare -A need=(
  [java]=openjdk-17-jdk-headless
  [openssl]=openssl
  [curl]=curl
  [unzip]=unzip
  [gcc]=gcc
  [clang]=clang
  [llc]=llvm
  [bpftool]=bpftool
  [ip]=iproute2
)
if ! $want_demo_only; then
  need[/usr/lib/postgresql/15/bin/initdb]=postgresql
  need[tcpdump]=tcpdump
  need[rsyslogd]=rsyslog
fi
missing=()
for cmd in "${!need[@]}"; do
  if [[ "$cmd" == /* ]]; then [[ -x "$cmd" ]] || missing+=("${need[$cmd]}")
  else command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}"); fi
done
[[ -f /usr/include/bpf/libbpf.h ]] || missing+=(libbpf-dev)
[[ -f /usr/include/linux/bpf.h ]] || missing+=(linux-libc-dev)
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

java_major=$(java -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2}')
[[ "${java_major%%.*}" -ge 17 ]] || die "Java 17 or newer is required (found ${java_major:-none})"

if ! $want_demo_only; then
  command -v go >/dev/null 2>&1 || export PATH="$PATH:/usr/local/go/bin"
  command -v go >/dev/null 2>&1 || die "Go >= 1.26.6 is required for the interop tests (SPIRE, go-spiffe) and is not installed; Debian's golang package is too old"
  gov=$(go env GOVERSION | sed 's/^go//')
  if [[ "$(printf '%s\n%s\n' 1.26.6 "$gov" | sort -V | head -1)" != "1.26.6" ]]; then
    die "Go >= 1.26.6 is required (found $gov)"
  fi
fi

# The Maven Wrapper downloads Maven 3.9.x on first use; warm it so later output is quiet.
cd "$(dirname "$0")/.."
./mvnw -q -v >/dev/null
echo "setup: ok"
