#!/usr/bin/env bash
# Where the handshake datapath's connection-rate cost comes from: the interleaved rate benchmark
# (HandshakeBenchmark, section "interleaved") run with three builds of the eBPF programs, in
# turn, REPS times:
#   empty    both programs attached but returning at once (the cost of the hooks alone);
#   options  sockops flags the sockets and writes a constant 20-byte FP1 into SYN and SYN-ACK
#            (no lookup, no clock, no MAC), the ingress program returns at once (the kernel's
#            option-writing callbacks and the option bytes on the wire);
#   full     the programs as shipped.
# The variants are made from handshake-bpf/src/main/bpf by inserting early returns (the script
# stops if the source no longer has the lines it inserts them after) and are put ahead of the
# shipped object on the class path. Not a product configuration: a measuring instrument.
#   scripts/bench-handshake-ablation.sh [connections per block] [rounds] [reps]   (defaults 1000 41 2)
# Needs root. Pinned to CPU 1 at the highest priority, like the runs in docs/benchmarks-handshake.md.
set -euo pipefail
cd "$(dirname "$0")/.."
per_block=${1:-1000}
rounds=${2:-41}
reps=${3:-2}
scripts/setup.sh >/dev/null
. scripts/lib/harness-java.sh
cp=$(harness_classpath)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src=handshake-bpf/src/main/bpf

# insert FILE ANCHOR TEXT: puts TEXT on the lines after ANCHOR (whole lines, may span several),
# which must occur exactly once.
insert() {
    ANCHOR="$2" TEXT="$3" perl -0pi -e '
        my $a = quotemeta($ENV{ANCHOR});
        my $n = () = /^$a\n/mg;
        die "expected one occurrence of the anchor, found $n:\n$ENV{ANCHOR}\n" unless $n == 1;
        s/^($a\n)/$1$ENV{TEXT}\n/m;' "$1"
}

variant() {
    mkdir -p "$work/src/$1" "$work/out/$1/io/synid/handshake"
    cp "$src"/*.h "$src"/*.c "$work/src/$1/"
    echo "$work/src/$1/handshake.bpf.c"
}

ingress_off() {
    insert "$1" $'int synid_ingress(struct __sk_buff *skb)\n{' $'\tif (skb->len)\n\t\treturn 1;'
}

f=$(variant empty)
ingress_off "$f"
insert "$f" $'int synid_sockops(struct bpf_sock_ops *skops)\n{' $'\tif (skops->op)\n\t\treturn 1;'

f=$(variant options)
ingress_off "$f"
insert "$f" $'static __always_inline void on_connect(struct bpf_sock_ops *skops)\n{\n\t__u32 ident, node;\n' \
    $'\tbpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags | BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG);\n\tif (skops->op)\n\t\treturn;'
insert "$f" $'static __always_inline void on_hdr_len(struct bpf_sock_ops *skops)\n{\n\t__u8 flags = skops->skb_tcp_flags;\n\t__u32 l[4], r[4];\n\n\tif (!(flags & TCPF_SYN))\n\t\treturn;' \
    $'\tif (skops->op) {\n\t\tbpf_reserve_hdr_opt(skops, FP1_LEN, 0);\n\t\treturn;\n\t}'
insert "$f" $'\tif ((void *)(th + 1) > data_end)\n\t\treturn;' \
    $'\tif (skops->op) {\n\t\to.kind = FP1_KIND;\n\t\to.len = FP1_LEN;\n\t\to.exid = bpf_htons(FP1_EXID);\n\t\to.ident = th->seq;\n\t\tbpf_store_hdr_opt(skops, &o, sizeof(o), 0);\n\t\treturn;\n\t}'

variant full >/dev/null

multiarch="$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)"
for v in empty options full; do
    clang -O2 -g -target bpf -mcpu=v3 -Wall -Werror -I"/usr/include/$multiarch" -I"$work/src/$v" \
        -c "$work/src/$v/handshake.bpf.c" -o "$work/out/$v/io/synid/handshake/handshake.bpf.o"
done

for rep in $(seq 1 "$reps"); do
    for v in empty options full; do
        echo "### $v, repetition $rep (load average $(cut -d' ' -f1-3 /proc/loadavg))"
        taskset -c 1 nice -n -20 java -cp "$work/out/$v:$cp" io.synid.harness.handshake.HandshakeBenchmark \
            "$per_block" "$rounds" interleaved 2>/dev/null | grep -E '^\| (path|---|veth|loopback)'
        echo
    done
done
