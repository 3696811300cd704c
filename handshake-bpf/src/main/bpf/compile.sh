#!/bin/sh
# Compiles the eBPF object the loader ships as a resource.
# Usage: compile.sh <source dir> <output object>
set -eu
src="$1"
out="$2"
missing=""
command -v clang >/dev/null 2>&1 || missing="$missing clang"
command -v llvm-strip >/dev/null 2>&1 || command -v llvm-objdump >/dev/null 2>&1 || missing="$missing llvm"
[ -f /usr/include/bpf/bpf_helpers.h ] || missing="$missing libbpf-dev"
[ -f /usr/include/linux/bpf.h ] || missing="$missing linux-libc-dev"
if [ -n "$missing" ]; then
	echo "handshake-bpf: cannot compile the eBPF programs, missing:$missing" >&2
	echo "handshake-bpf: install the Debian packages: apt-get install clang llvm libbpf-dev linux-libc-dev bpftool" >&2
	exit 1
fi
multiarch="$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)"
mkdir -p "$(dirname "$out")"
# -g keeps BTF: libbpf needs it for the maps, the layout tests read it.
exec clang -O2 -g -target bpf -mcpu=v3 -Wall -Werror \
	-I"/usr/include/$multiarch" -I"$src" \
	-c "$src/handshake.bpf.c" -o "$out"
