// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Identity in the TCP handshake.
 *
 * sockops writes the FP1 option into SYNs and SYN-ACKs of managed workloads;
 * cgroup_skb/ingress verifies FP1 on arriving SYNs and SYN-ACKs and applies
 * the verdicts user space compiled. Once a connection is established no
 * program runs for it again: sockops clears its callback flags and the
 * ingress program returns after reading one byte of the TCP header.
 *
 * The kernel records facts and applies verdicts; every decision about who may
 * talk to whom is made in user space and arrives through the maps below.
 * docs/handshake.md is the specification of the wire format and the maps.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "handshake.h"
#include "siphash.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Address families (from sys/socket.h, which a BPF build cannot include). */
#define AF_INET 2
#define AF_INET6 10

const volatile struct synid_config cfg = {
	.ts_window_s = 30,
	.node_shift = 20,
	.wakeup_bytes = 64 * 1024,
	.allow_event_interval_ms = 0,
};

#define TCPF_FIN 0x01
#define TCPF_SYN 0x02
#define TCPF_RST 0x04
#define TCPF_ACK 0x10

#define BPF_TCP_LISTEN_STATE 10
#define BPF_TCP_CLOSE_STATE 7

/* ---- maps: the contract with user space (docs/handshake.md) ---- */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* cgroup v2 id */
	__type(value, struct local_identity);
} local_ids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct listener_key);
	__type(value, __u64); /* the listening socket's cgroup v2 id */
} listeners SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct peer_key_id);
	__type(value, struct peer_key);
} peer_keys SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct key_state);
} key_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32); /* identity handle */
	__type(value, struct binding);
} bindings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct verdict_key);
	__type(value, __u32);
} verdicts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct cidr_key);
	__type(value, __u32);
} cidr_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 4096);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_key);
	__type(value, __u32); /* node index */
} peer_nodes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64); /* cgroup v2 id */
	__type(value, __u32);
} modes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/*
 * The last SYN this CPU verified and allowed, with the identities of both
 * ends. The SYN-ACK answering it is written in the same softirq on the same
 * CPU (ingress check, then TCP's receive path, then the SYN-ACK), so sockops
 * finds here whom it answers and for which local identity, without parsing
 * the SYN again or looking up the listener table. It also serves a SYN-ACK
 * retransmitted in answer to a duplicate SYN, which no longer has the SYN at
 * hand (the listener saves none). Reset at every SYN checked; matched on the
 * 4-tuple (and the client ISN when writing). Kernel-internal, not part of the
 * user-space contract.
 */
struct syn_stash {
	__u32 client[4];
	__u32 server[4];
	__u32 client_port; /* host order */
	__u32 server_port;
	__be32 client_isn;
	__be32 client_ident;
	__u32 server_ident;
	__u32 valid;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct syn_stash);
} last_syn SEC(".maps");

/*
 * What the client's TCP_CONNECT_CB just found for its socket (identified by
 * its cookie): the SYN written right after, on the same CPU, signs with it
 * instead of repeating the cgroup read, local_ids and peer_nodes lookups.
 * Used once (a SYN retransmitted later looks everything up again).
 * Kernel-internal, not part of the user-space contract.
 *
 * TCP_CONNECT_CB runs in process context, where another task's connect on
 * this CPU can preempt it between two stores, and a timer's retransmission
 * (softirq) can interrupt it: the slot may end up with the cookie of one
 * connect and the signer of another. Each field is one 8-byte store and
 * check = cookie ^ signer is written last, so a reader that finds its cookie
 * and a matching check has the signer stored with that cookie (or an equal
 * value); anything else fails the check and is looked up again.
 */
struct connect_stash {
	__u64 cookie; /* socket cookie; 0 = empty */
	__u64 signer; /* ident << 32 | peer node */
	__u64 check;  /* cookie ^ signer */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct connect_stash);
} last_connect SEC(".maps");

/*
 * The last allowed decision reported per CPU and kind (0 SYN, 1 SYN-ACK),
 * with the report time event_seen holds for it: a repeat of the same
 * decision within the interval is sampled without the LRU hash lookup.
 * Kernel-internal, not part of the user-space contract.
 */
struct recent_report {
	struct event_key key;
	__u32 pad;
	__u64 reported_ns; /* 0 = empty */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct recent_report);
} recent_reports SEC(".maps");

/* Sampling of ALLOW events: last report time (ns) per event_key. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct event_key);
	__type(value, __u64);
} event_seen SEC(".maps");

/*
 * Just enough of the kernel's structs to read a socket's cgroup v2 id
 * (sk->sk_cgrp_data.cgroup->kn->id, what bpf_skb_cgroup_id reports), which
 * sockops and TC programs have no helper for. libbpf relocates the offsets
 * against the running kernel's BTF (CO-RE; the ___synid suffix is ignored in
 * matching).
 */
struct kernfs_node___synid {
	__u64 id;
} __attribute__((preserve_access_index));

struct cgroup___synid {
	struct kernfs_node___synid *kn;
} __attribute__((preserve_access_index));

struct sock_cgroup_data___synid {
	struct cgroup___synid *cgroup;
} __attribute__((preserve_access_index));

struct sock___synid {
	struct sock_cgroup_data___synid sk_cgrp_data;
} __attribute__((preserve_access_index));

/* The cgroup v2 id of a full TCP socket, 0 if unknown. */
static __always_inline __u64 sock_cgroup_id(struct bpf_sock *sk)
{
	struct sock___synid *full = (struct sock___synid *)bpf_skc_to_tcp_sock(sk);

	if (!full || !full->sk_cgrp_data.cgroup)
		return 0;
	return full->sk_cgrp_data.cgroup->kn->id;
}

/* ---- small pieces ---- */

/* Pending bytes past wakeup_bytes within which an event still wakes the
 * reader: four records with their 8-byte ring buffer headers. */
#define WAKEUP_WINDOW (4 * (sizeof(struct handshake_event) + 8))

/* Single 8-byte loads and stores the compiler may neither split, merge nor
 * reorder with each other (per-CPU slots shared with preempting tasks). */
#define READ_ONCE_U64(x) (*(volatile __u64 *)&(x))
#define WRITE_ONCE_U64(x, v) (*(volatile __u64 *)&(x) = (v))

static __always_inline void count(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);

	if (c)
		*c += 1;
}

static __always_inline void map_v4(__u32 a[4], __u32 v4)
{
	a[0] = 0;
	a[1] = 0;
	a[2] = bpf_htonl(0x0000ffff);
	a[3] = v4;
}

/* TAI seconds: the clock nodes agree on (NTP-disciplined) without the
 * steps a leap second puts into CLOCK_REALTIME. */
static __always_inline __u16 ts16_now(void)
{
	return (__u16)(bpf_ktime_get_tai_ns() / 1000000000ULL);
}

static __always_inline __u32 node_of(__u32 ident)
{
	return ident >> (cfg.node_shift & 31);
}

/*
 * Local and remote address of a sockops socket as 16-byte mapped addresses.
 * A request socket of an IPv4 client on a dual-stack listener may report
 * AF_INET6 with its IPv6 fields unset: fall back to the IPv4 fields then.
 */
static __always_inline void skops_addrs(struct bpf_sock_ops *skops, __u32 local[4], __u32 remote[4])
{
	if (skops->family == AF_INET6) {
		local[0] = skops->local_ip6[0];
		local[1] = skops->local_ip6[1];
		local[2] = skops->local_ip6[2];
		local[3] = skops->local_ip6[3];
		remote[0] = skops->remote_ip6[0];
		remote[1] = skops->remote_ip6[1];
		remote[2] = skops->remote_ip6[2];
		remote[3] = skops->remote_ip6[3];
		if (!(local[0] | local[1] | local[2] | local[3]) && skops->local_ip4) {
			map_v4(local, skops->local_ip4);
			map_v4(remote, skops->remote_ip4);
		}
		return;
	}
	map_v4(local, skops->local_ip4);
	map_v4(remote, skops->remote_ip4);
}

static __always_inline void copy16(__u8 *dst, const __u32 src[4])
{
	__builtin_memcpy(dst, src, 16);
}

static __always_inline void tag_of(struct fp1_mac_input *in, const struct peer_key *key, __u8 out[8])
{
	__u64 k[2];
	__u64 t;

	__builtin_memcpy(k, key->key, 16);
	t = siphash24_64((const __u64 *)in, k);
	__builtin_memcpy(out, &t, 8);
}

static __always_inline const struct peer_key *tx_key(__u32 peer_node, __u8 *key_id)
{
	__u32 zero = 0;
	struct key_state *ks = bpf_map_lookup_elem(&key_state, &zero);
	struct peer_key_id id = {};

	if (!ks)
		return 0;
	id.node = peer_node;
	id.key_id = (__u8)ks->tx_key_id;
	id.direction = KEY_DIR_TX;
	*key_id = id.key_id;
	return bpf_map_lookup_elem(&peer_keys, &id);
}

static __always_inline void emit(__u64 cgid, const __u32 local[4], const __u32 peer[4], __u16 lport,
				 __u16 pport, __u32 local_ident, __u32 peer_ident, __u32 peer_identity,
				 __u32 pid, __u8 kind, __u8 action, __u8 reason, __u8 key_id)
{
	struct handshake_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	__u64 avail;
	__u64 flags;

	if (!e) {
		count(CNT_EVENTS_LOST);
		return;
	}
	e->timestamp_ns = bpf_ktime_get_ns();
	e->cgroup_id = cgid;
	copy16(e->local_addr, local);
	copy16(e->peer_addr, peer);
	e->local_port = lport;
	e->peer_port = pport;
	e->local_ident = local_ident;
	e->peer_ident = peer_ident;
	e->peer_identity = peer_identity;
	e->pid = pid;
	e->kind = kind;
	e->action = action;
	e->reason = reason;
	e->key_id = key_id;
	/* Waking the reader per event cost a third of the connection rate:
	 * let it drain on its own timer unless a backlog builds up, and then
	 * wake it once, as the backlog crosses wakeup_bytes. A forced wake-up
	 * is an interrupt (7 us in a VM): forcing one per event while a slow
	 * reader catches up made each refusal of a flood 20 times dearer. The
	 * window is a few records wide so that a crossing shared by several
	 * CPUs is still seen; one missed leaves the data to the timer. */
	avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	flags = avail >= cfg.wakeup_bytes && avail < cfg.wakeup_bytes + WAKEUP_WINDOW ? BPF_RB_FORCE_WAKEUP
										      : BPF_RB_NO_WAKEUP;
	bpf_ringbuf_submit(e, flags);
}

/* ---- sockops: write FP1 into SYN and SYN-ACK ---- */

/*
 * What a client socket signs with: the local identity of the socket's cgroup
 * and the node of the destination. Computed from the socket itself, so a SYN
 * retransmitted from the timer (softirq, another task current) gets the same
 * answer as the first one, and nothing is stored per connection: no map
 * insert on connect, nothing to clean up when a connect fails.
 */
static __always_inline int client_signer(struct bpf_sock_ops *skops, __u32 *ident, __u32 *peer_node)
{
	struct bpf_sock *sk = skops->sk;
	struct local_identity *local;
	struct lpm_key peer;
	__u32 l[4], r[4];
	__u32 *node;
	__u64 cgid;

	if (!sk)
		return 0;
	cgid = sock_cgroup_id(sk);
	local = bpf_map_lookup_elem(&local_ids, &cgid);
	if (!local)
		return 0;
	skops_addrs(skops, l, r);
	peer.prefixlen = 128; /* every byte set: no constant initializer in .rodata */
	copy16(peer.addr, r);
	node = bpf_map_lookup_elem(&peer_nodes, &peer);
	if (!node) {
		/* Not a mesh peer: leave the SYN alone, it stays unauthenticated. */
		count(CNT_OUTSIDE_MESH);
		return 0;
	}
	*ident = local->ident;
	*peer_node = *node;
	return 1;
}

static __always_inline void on_connect(struct bpf_sock_ops *skops)
{
	__u32 ident, node;

	if (client_signer(skops, &ident, &node)) {
		__u32 zero = 0;
		struct connect_stash *st = bpf_map_lookup_elem(&last_connect, &zero);

		if (st) {
			__u64 cookie = bpf_get_socket_cookie(skops);
			__u64 signer = (__u64)ident << 32 | node;

			/* One store each, in this order (see connect_stash). */
			WRITE_ONCE_U64(st->cookie, cookie);
			WRITE_ONCE_U64(st->signer, signer);
			WRITE_ONCE_U64(st->check, cookie ^ signer);
		}
		bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags | BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG);
		return;
	}
	/* A socket reconnecting after a failed attempt keeps its flags: drop
	 * them so this SYN is not given room for an option it cannot sign. */
	if (skops->bpf_sock_ops_cb_flags & BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG)
		bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags &
							 ~BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG);
}

static __always_inline void listener_key_of(struct bpf_sock_ops *skops, struct listener_key *k, const __u32 local[4],
					    __u32 port)
{
	k->netns_cookie = bpf_get_netns_cookie(skops);
	copy16(k->addr, local);
	k->port = port;
}

/*
 * Every listener of the subtree is recorded and gets the option callbacks for
 * its SYN-ACKs (request sockets answer with the listener's flags; children
 * inherit them and clear them once established), whether or not its workload
 * has an identity yet: a workload may be given one after it called listen(),
 * and flags cannot be set on a socket later. The table keeps the listener's
 * cgroup, so a SYN-ACK finds the identity the workload has when it is sent.
 */
static __always_inline void on_listen(struct bpf_sock_ops *skops)
{
	__u64 cgid = skops->sk ? sock_cgroup_id(skops->sk) : 0;
	struct listener_key k = {};
	__u32 l[4], r[4];

	if (cgid) {
		skops_addrs(skops, l, r);
		listener_key_of(skops, &k, l, skops->local_port);
		bpf_map_update_elem(&listeners, &k, &cgid, BPF_ANY);
	}
	/* The state callback lets the entry go with the listener. */
	bpf_sock_ops_cb_flags_set(skops, skops->bpf_sock_ops_cb_flags | BPF_SOCK_OPS_WRITE_HDR_OPT_CB_FLAG |
						 BPF_SOCK_OPS_STATE_CB_FLAG);
}

static __always_inline void on_state(struct bpf_sock_ops *skops)
{
	struct listener_key k = {};
	__u32 l[4], r[4];

	if (skops->args[0] != BPF_TCP_LISTEN_STATE || skops->args[1] != BPF_TCP_CLOSE_STATE)
		return;
	skops_addrs(skops, l, r);
	listener_key_of(skops, &k, l, skops->local_port);
	bpf_map_delete_elem(&listeners, &k);
}

/* The cgroup of the listener serving a request socket: exact address, then
 * the IPv4 wildcard (for IPv4 clients), then the IPv6 wildcard (dual stack).
 * A request socket is no full socket, so sockops gets no pointer to it. */
static __always_inline __u64 *listener_cgroup(struct bpf_sock_ops *skops, const __u32 local[4], __u32 port)
{
	struct listener_key k = {};
	__u64 *v;
	__u32 any[4] = {};

	listener_key_of(skops, &k, local, port);
	v = bpf_map_lookup_elem(&listeners, &k);
	if (v)
		return v;
	if (local[0] == 0 && local[1] == 0 && local[2] == bpf_htonl(0x0000ffff)) {
		map_v4(any, 0);
		copy16(k.addr, any);
		v = bpf_map_lookup_elem(&listeners, &k);
		if (v)
			return v;
		any[2] = 0;
	}
	copy16(k.addr, any);
	return bpf_map_lookup_elem(&listeners, &k);
}

/* The local identity of the workload listening where a request socket is. */
static __always_inline struct local_identity *listener_of(struct bpf_sock_ops *skops, const __u32 local[4], __u32 port)
{
	__u64 *cgid = listener_cgroup(skops, local, port);

	return cgid ? bpf_map_lookup_elem(&local_ids, cgid) : 0;
}

/* The client's FP1 from the SYN this request socket answers. Returns 1 when
 * found, 0 when the SYN has none, -1 when the SYN is not at hand (-ENOENT:
 * a SYN-ACK retransmitted from the request timer, the listener saves no SYN). */
static __always_inline int syn_option(struct bpf_sock_ops *skops, struct fp1_option *o)
{
	long n;

	__builtin_memset(o, 0, sizeof(*o));
	o->kind = FP1_KIND;
	o->len = 4; /* search by kind and ExID */
	o->exid = bpf_htons(FP1_EXID);
	n = bpf_load_hdr_opt(skops, o, sizeof(*o), BPF_LOAD_HDR_OPT_TCP_SYN);
	if (n == -2)
		return -1;
	return n == FP1_LEN && o->len == FP1_LEN && (o->ver_flags >> 4) == FP1_VERSION;
}

static __always_inline int same16(const __u32 a[4], const __u32 b[4])
{
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3])) == 0;
}

/* The stashed SYN if this request socket answers it (see last_syn). */
static __always_inline struct syn_stash *stashed_syn(struct bpf_sock_ops *skops, const __u32 l[4], const __u32 r[4])
{
	__u32 zero = 0;
	struct syn_stash *st = bpf_map_lookup_elem(&last_syn, &zero);

	if (st && st->valid && st->server_port == skops->local_port &&
	    st->client_port == bpf_ntohl(skops->remote_port) && same16(st->client, r) && same16(st->server, l))
		return st;
	return 0;
}

/*
 * Reserves room for FP1. A client socket carries the callback flag only if it
 * will sign (set at TCP_CONNECT_CB for managed clients to mesh peers), so the
 * SYN case needs no lookup at all; a SYN-ACK answers a SYN this CPU just
 * allowed (last_syn), or else one that carried FP1 to a listener whose
 * workload has an identity. Keys are looked up once, when writing: if one is
 * missing then, the 20 bytes go out as NOPs and NO_KEY counts it.
 */
static __always_inline void on_hdr_len(struct bpf_sock_ops *skops)
{
	__u8 flags = skops->skb_tcp_flags;
	__u32 l[4], r[4];

	if (!(flags & TCPF_SYN))
		return;
	if (flags & TCPF_ACK) {
		/* Answer FP1 with FP1 only: a client that sent none gets none.
		 * The SYN just verified is in last_syn (first SYN-ACK, and a
		 * retransmission answering a duplicate SYN); otherwise the SYN
		 * is read back (first SYN-ACK in monitor mode or with a SYN the
		 * ingress program did not see). A SYN-ACK retransmitted from the
		 * request timer has neither and goes out without FP1 (the
		 * listener does not save SYNs): SYNACK_NO_SYN counts it. */
		struct fp1_option syn;
		int found;

		skops_addrs(skops, l, r);
		if (!stashed_syn(skops, l, r)) {
			found = syn_option(skops, &syn);
			if (found == 0)
				return;
			if (!listener_of(skops, l, skops->local_port))
				return; /* the listener's workload has no identity */
			if (found < 0) {
				count(CNT_SYNACK_NO_SYN);
				return;
			}
		}
	}
	if (bpf_reserve_hdr_opt(skops, FP1_LEN, 0)) {
		/* TFO, MD5 or MPTCP took the space: the peer sees no FP1 and
		 * treats the connection as unauthenticated. Say so. The pid is
		 * the connecting process for a SYN, unrelated for a SYN-ACK. */
		__u32 pid = (flags & TCPF_ACK) ? 0 : bpf_get_current_pid_tgid() >> 32;

		count(CNT_OPT_NO_SPACE);
		skops_addrs(skops, l, r);
		emit(0, l, r, skops->local_port, bpf_ntohl(skops->remote_port), 0, 0, 0, pid,
		     EVENT_NO_SPACE, ACTION_ALLOW, REASON_NO_SPACE, 0);
	}
}

static __always_inline void on_hdr_write(struct bpf_sock_ops *skops)
{
	void *data = (void *)(long)skops->skb_data;
	void *data_end = (void *)(long)skops->skb_data_end;
	struct tcphdr *th = data;
	__u8 flags = skops->skb_tcp_flags;
	struct fp1_mac_input in = {};
	struct fp1_option o = {};
	const struct peer_key *key;
	__u32 l[4], r[4];
	__u8 key_id = 0;
	__u32 ident;

	if (!(flags & TCPF_SYN))
		return;
	if ((void *)(th + 1) > data_end)
		return;
	skops_addrs(skops, l, r);
	o.kind = FP1_KIND;
	o.len = FP1_LEN;
	o.exid = bpf_htons(FP1_EXID);
	o.ts16 = bpf_htons(ts16_now());
	if (flags & TCPF_ACK) {
		struct syn_stash *st = stashed_syn(skops, l, r);
		__be32 client_isn = bpf_htonl(bpf_ntohl(th->ack_seq) - 1);
		__be32 client;

		if (st && st->client_isn == client_isn) {
			client = st->client_ident;
			ident = st->server_ident;
		} else {
			struct local_identity *local;
			struct fp1_option syn;

			if (syn_option(skops, &syn) <= 0)
				return;
			local = listener_of(skops, l, bpf_ntohs(th->source));
			if (!local)
				return;
			client = syn.ident;
			ident = local->ident;
		}
		key = tx_key(node_of(bpf_ntohl(client)), &key_id);
		if (!key) {
			count(CNT_NO_KEY);
			return;
		}
		if (skops->args[0] == BPF_WRITE_HDR_TCP_SYNACK_COOKIE)
			count(CNT_SYNACK_COOKIE);
		o.ver_flags = (FP1_VERSION << 4) | FP1_FLAG_RESPONDER;
		in.domain[3] = 2;
		in.client_isn = client_isn;
		in.server_isn = th->seq;
		copy16(in.client_addr, r);
		copy16(in.server_addr, l);
		in.client_port = th->dest;
		in.server_port = th->source;
		in.peer_ident = client;
	} else {
		__u32 zero = 0;
		struct connect_stash *st = bpf_map_lookup_elem(&last_connect, &zero);
		__u32 peer_node;

		__u64 cookie = st ? READ_ONCE_U64(st->cookie) : 0;
		__u64 signer = st ? READ_ONCE_U64(st->signer) : 0;
		__u64 check = st ? READ_ONCE_U64(st->check) : 0;

		if (st && cookie && (cookie ^ signer) == check && cookie == bpf_get_socket_cookie(skops)) {
			/* The SYN of the connect this CPU just handled. */
			ident = signer >> 32;
			peer_node = (__u32)signer;
			WRITE_ONCE_U64(st->cookie, 0);
		} else if (!client_signer(skops, &ident, &peer_node)) {
			return;
		}
		key = tx_key(peer_node, &key_id);
		if (!key) {
			count(CNT_NO_KEY);
			return;
		}
		o.ver_flags = FP1_VERSION << 4;
		in.domain[3] = 1;
		in.client_isn = th->seq;
		copy16(in.client_addr, l);
		copy16(in.server_addr, r);
		in.client_port = th->source;
		in.server_port = th->dest;
	}
	o.key_id = key_id;
	o.ident = bpf_htonl(ident);
	in.domain[0] = 'F';
	in.domain[1] = 'P';
	in.domain[2] = '1';
	in.ver_flags = o.ver_flags;
	in.key_id = o.key_id;
	in.ts16 = o.ts16;
	in.ident = o.ident;
	tag_of(&in, key, o.tag);
	if (bpf_store_hdr_opt(skops, &o, sizeof(o), 0) == 0)
		count((flags & TCPF_ACK) ? CNT_OPT_WRITTEN_SYNACK : CNT_OPT_WRITTEN_SYN);
}

SEC("sockops")
int synid_sockops(struct bpf_sock_ops *skops)
{
	switch (skops->op) {
	case BPF_SOCK_OPS_TIMEOUT_INIT:
	case BPF_SOCK_OPS_RWND_INIT:
	case BPF_SOCK_OPS_NEEDS_ECN:
	case BPF_SOCK_OPS_BASE_RTT:
		/* Queries the kernel makes of every sockops program while it sets
		 * up a connection; nothing to do, and not even counted: three of
		 * them per connection on each side. The reply stays 0: the
		 * kernel's defaults. */
		return 1;
	}
	count(CNT_SOCKOPS_CALLS);
	switch (skops->op) {
	case BPF_SOCK_OPS_TCP_CONNECT_CB:
		on_connect(skops);
		break;
	case BPF_SOCK_OPS_TCP_LISTEN_CB:
		on_listen(skops);
		break;
	case BPF_SOCK_OPS_HDR_OPT_LEN_CB:
		on_hdr_len(skops);
		break;
	case BPF_SOCK_OPS_WRITE_HDR_OPT_CB:
		on_hdr_write(skops);
		break;
	case BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB:
	case BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB:
		/* Nothing more to write: without this every segment of the
		 * connection would call us twice. */
		bpf_sock_ops_cb_flags_set(skops, 0);
		break;
	case BPF_SOCK_OPS_STATE_CB:
		on_state(skops);
		break;
	case BPF_SOCK_OPS_RTO_CB:
	case BPF_SOCK_OPS_RETRANS_CB:
	case BPF_SOCK_OPS_RTT_CB:
	case BPF_SOCK_OPS_PARSE_HDR_OPT_CB:
		count(CNT_SOCKOPS_OTHER);
		break;
	default:
		break;
	}
	return 1;
}

/* ---- cgroup_skb/ingress: verify FP1 on SYN and SYN-ACK ---- */

struct pkt {
	__u32 saddr[4];
	__u32 daddr[4];
	__be32 seq;
	__be32 ack_seq;
	__be16 sport;
	__be16 dport;
	__u32 l4off;
	__u32 optlen;
	__u8 flags;
};

struct opt_scan {
	__u8 opts[40];
	__u32 len;
	__u32 off;
	__s32 fp1_off;
	__u32 malformed;
};

/* One option per call: the verifier checks this body once, where a plain
 * loop over 40 bytes exploded its state space. */
static long scan_one(__u32 idx, struct opt_scan *s)
{
	__u32 off = s->off;
	__u32 len = s->len;
	__u8 kind, olen;

	if (off >= len || off >= 40)
		return 1;
	kind = s->opts[off];
	if (kind == 0) /* end of option list */
		return 1;
	if (kind == 1) { /* NOP */
		s->off = off + 1;
		return 0;
	}
	if (off + 1 >= len || off + 1 >= 40) {
		s->malformed = 1;
		return 1;
	}
	olen = s->opts[off + 1];
	if (olen < 2 || off + olen > len) {
		s->malformed = 1;
		return 1;
	}
	if (kind == FP1_KIND && olen >= 4 && off + 3 < 40 && s->opts[off + 2] == (FP1_EXID >> 8) &&
	    s->opts[off + 3] == (FP1_EXID & 0xff)) {
		if (olen != FP1_LEN)
			s->malformed = 1;
		else
			s->fp1_off = off;
		return 1;
	}
	s->off = off + olen;
	return 0;
}

static __always_inline int is_ipv6_ext(__u8 nh)
{
	return nh == 0 || nh == 43 || nh == 60 || nh == 44;
}

/* Reads relative to the network header: offset 0 is the IP header both in
 * cgroup_skb (which starts there) and in TC (which starts at the MAC header). */
static __always_inline long load_net(struct __sk_buff *skb, __u32 off, void *to, __u32 len)
{
	return bpf_skb_load_bytes_relative(skb, off, to, len, BPF_HDR_START_NET);
}

/*
 * load_net without a helper call when the bytes are in the linear area, which
 * the headers of a SYN or SYN-ACK always are in practice; anything else takes
 * the helper. nhoff is where the network header starts in skb->data: 0 for
 * cgroup_skb, ETH_HLEN for TC.
 */
static __always_inline long load_direct(struct __sk_buff *skb, const __u32 nhoff, __u32 off, void *to,
					const __u32 len)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	void *at;

	if (off > 160)
		return load_net(skb, off, to, len);
	at = data + nhoff + off;
	if (at + len > end)
		return load_net(skb, off, to, len);
	__builtin_memcpy(to, at, len);
	return 0;
}

/* IPv6 extension headers walked to find TCP. Linux delivers TCP behind any
 * number of routing and destination-options headers; a longer chain is not
 * passed unchecked (PARSE_CHAIN_TOO_LONG). */
#define IPV6_EXT_WALK 8
#define PARSE_CHAIN_TOO_LONG -2

/* Reads the IP and TCP headers (directly, or with bpf_skb_load_bytes_relative
 * for non-linear skbs). Returns 0 for a TCP segment with SYN set,
 * PARSE_CHAIN_TOO_LONG for IPv6 extension headers beyond IPV6_EXT_WALK (the
 * addresses are filled in), -1 for anything else. */
static __always_inline int parse_packet(struct __sk_buff *skb, struct pkt *p, const __u32 nhoff)
{
	struct tcphdr th;
	__u32 off;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;

		if (load_direct(skb, nhoff, 0, &ip, sizeof(ip)))
			return -1;
		if (ip.protocol != IPPROTO_TCP || (ip.frag_off & bpf_htons(0x1fff)))
			return -1;
		map_v4(p->saddr, ip.saddr);
		map_v4(p->daddr, ip.daddr);
		off = ip.ihl * 4;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;
		__u8 nh;

		if (load_direct(skb, nhoff, 0, &ip6, sizeof(ip6)))
			return -1;
		__builtin_memcpy(p->saddr, &ip6.saddr, 16);
		__builtin_memcpy(p->daddr, &ip6.daddr, 16);
		nh = ip6.nexthdr;
		off = sizeof(ip6);
#pragma unroll
		for (int i = 0; i < IPV6_EXT_WALK; i++) {
			__u8 ext[4];

			if (!is_ipv6_ext(nh))
				break;
			if (load_net(skb, off, ext, 4))
				return -1;
			/* Only a first fragment starts with the TCP header (TC sees
			 * fragments before reassembly; cgroup_skb never does). */
			if (nh == 44 && ((ext[2] << 8 | ext[3]) & 0xfff8))
				return -1;
			off += nh == 44 ? 8 : (ext[1] + 1) * 8;
			nh = ext[0];
		}
		if (is_ipv6_ext(nh))
			return PARSE_CHAIN_TOO_LONG;
		if (nh != IPPROTO_TCP)
			return -1;
	} else {
		return -1;
	}
	if (load_direct(skb, nhoff, off, &th, sizeof(th)))
		return -1;
	p->flags = ((__u8 *)&th)[13];
	if (!(p->flags & TCPF_SYN))
		return -1;
	p->seq = th.seq;
	p->ack_seq = th.ack_seq;
	p->sport = th.source;
	p->dport = th.dest;
	p->l4off = off;
	p->optlen = th.doff > 5 ? (th.doff - 5) * 4 : 0;
	return 0;
}

/*
 * 1: FP1 found and copied, 0: none, -1: malformed option list.
 *
 * sockops writes FP1 after the kernel's own options, so in every SYN and
 * SYN-ACK a node signs it is the last 20 bytes of the option list: look there
 * first (one load, no scan). The tag is what authenticates the option, not
 * its position, so taking it from there is as safe as finding it by a scan.
 * Anything else is scanned option by option.
 */
static __always_inline int find_fp1(struct __sk_buff *skb, const struct pkt *p, struct fp1_option *o,
				    const __u32 nhoff)
{
	struct opt_scan scan = {};
	__u32 len = p->optlen;
	__u32 off;

	if (len == 0)
		return 0;
	if (len > 40)
		return -1;
	if (len >= FP1_LEN &&
	    !load_direct(skb, nhoff, p->l4off + sizeof(struct tcphdr) + (len - FP1_LEN), o, sizeof(*o)) &&
	    o->kind == FP1_KIND && o->len == FP1_LEN && o->exid == bpf_htons(FP1_EXID))
		return 1;
	if (load_net(skb, p->l4off + sizeof(struct tcphdr), scan.opts, len))
		return -1;
	scan.len = len;
	scan.fp1_off = -1;
	bpf_loop(40, scan_one, &scan, 0);
	if (scan.malformed)
		return -1;
	if (scan.fp1_off < 0)
		return 0;
	off = scan.fp1_off;
	if (off > 40 - FP1_LEN)
		return -1;
	if (load_net(skb, p->l4off + sizeof(struct tcphdr) + off, o, sizeof(*o)))
		return -1;
	return 1;
}

/*
 * The verdict for (client identity, server identity, server port). A pair this
 * node has no rules for is refused at the server (DENIED_PAIR) but not at the
 * client (unknown_pair_allowed): policies say who may connect to a workload,
 * and the server's node, which protects it, holds and applies them; a client's
 * node has rules for the pair only when the server's identity is protected
 * there too, and then they are the same rules.
 */
static __always_inline __u8 verdict_reason(__u32 src, __u32 dst, __u16 port, const int unknown_pair_allowed)
{
	struct verdict_key k = { .src_identity = src, .dst_identity = dst, .port = port };
	__u32 *v = bpf_map_lookup_elem(&verdicts, &k);

	if (v)
		return *v == VERDICT_ALLOW ? REASON_OK : REASON_DENIED_PORT;
	k.port = 0;
	v = bpf_map_lookup_elem(&verdicts, &k);
	if (!v)
		return unknown_pair_allowed ? REASON_OK : REASON_DENIED_PAIR;
	if (*v == VERDICT_ALLOW)
		return REASON_OK;
	return *v == VERDICT_PORTS_LISTED ? REASON_DENIED_PORT : REASON_DENIED_PAIR;
}

/*
 * A SYN without FP1: the CIDR rules of the listening workload decide, first
 * those for this port, then those for every port (port 0); in each, the
 * longest source prefix wins. No rule, or a DENY: MISSING_OPTION.
 */
static __always_inline __u8 unauthenticated_reason(__u32 dst_identity, __u16 port, const __u32 saddr[4])
{
	struct cidr_key k;
	__u32 *rule;

	k.prefixlen = CIDR_KEY_FIXED_BITS + 128;
	k.dst_identity = dst_identity;
	k.port = port;
	k.pad = 0;
	copy16(k.addr, saddr);
	rule = bpf_map_lookup_elem(&cidr_rules, &k);
	if (!rule && port) {
		k.port = 0;
		rule = bpf_map_lookup_elem(&cidr_rules, &k);
	}
	return (rule && *rule == CIDR_ALLOW) ? REASON_UNAUTH_ALLOWED : REASON_MISSING_OPTION;
}

/* Checks an FP1 against this packet; on success *peer is the sender's binding. */
static __always_inline __u8 verify_fp1(const struct fp1_option *o, const struct pkt *p, int synack,
				       const struct local_identity *local, struct binding *peer)
{
	struct peer_key_id kid = {};
	struct fp1_mac_input in = {};
	const struct peer_key *key;
	struct binding *b;
	__u32 ident = bpf_ntohl(o->ident);
	__u64 want, got;
	__s16 skew;

	if ((o->ver_flags >> 4) != FP1_VERSION || (o->ver_flags & 0x0f & ~FP1_FLAG_RESPONDER))
		return REASON_MALFORMED;
	if (!!(o->ver_flags & FP1_FLAG_RESPONDER) != !!synack)
		return REASON_BAD_ROLE;
	kid.node = node_of(ident);
	kid.key_id = o->key_id;
	kid.direction = KEY_DIR_RX;
	key = bpf_map_lookup_elem(&peer_keys, &kid);
	if (!key)
		return REASON_BAD_EPOCH;
	skew = (__s16)(ts16_now() - bpf_ntohs(o->ts16));
	if (skew > (__s32)cfg.ts_window_s || skew < -(__s32)cfg.ts_window_s)
		return REASON_STALE_TS;

	in.domain[0] = 'F';
	in.domain[1] = 'P';
	in.domain[2] = '1';
	in.ver_flags = o->ver_flags;
	in.key_id = o->key_id;
	in.ts16 = o->ts16;
	in.ident = o->ident;
	if (synack) {
		in.domain[3] = 2;
		in.client_isn = bpf_htonl(bpf_ntohl(p->ack_seq) - 1);
		in.server_isn = p->seq;
		copy16(in.client_addr, p->daddr);
		copy16(in.server_addr, p->saddr);
		in.client_port = p->dport;
		in.server_port = p->sport;
		in.peer_ident = bpf_htonl(local->ident);
	} else {
		in.domain[3] = 1;
		in.client_isn = p->seq;
		copy16(in.client_addr, p->saddr);
		copy16(in.server_addr, p->daddr);
		in.client_port = p->sport;
		in.server_port = p->dport;
	}
	tag_of(&in, key, (__u8 *)&want);
	__builtin_memcpy(&got, o->tag, 8);
	if (want != got)
		return REASON_BAD_TAG;

	b = bpf_map_lookup_elem(&bindings, &ident);
	if (!b)
		return REASON_UNKNOWN_IDENT;
	*peer = *b;
	if (b->node != kid.node)
		return REASON_NOT_HOSTED;
	return REASON_OK;
}

/*
 * Sampling of allowed handshakes: the first one of a kind (local identity,
 * peer identity, server port, kind, reason; plus the address of an
 * unauthenticated peer) is reported, then at most one per interval; the rest
 * only count EVENTS_SAMPLED. Refusals are always reported.
 */
static __always_inline int same_event_key(const struct event_key *a, const struct event_key *b)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;

	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4]) | (x[5] ^ y[5]) |
		(x[6] ^ y[6])) == 0;
}

static __always_inline int allow_report_due(const struct pkt *p, int synack, __u32 local_ident,
					    __be32 peer_ident, __u8 reason)
{
	struct event_key k = {};
	/* Coarse (tick resolution) is plenty for an interval in ms and reads no clock source. */
	__u64 now = bpf_ktime_get_coarse_ns();
	__u64 interval = (__u64)cfg.allow_event_interval_ms * 1000000ULL;
	__u32 slot = synack ? 1 : 0;
	struct recent_report *recent;
	__u64 *last;

	if (!peer_ident)
		copy16(k.peer_addr, p->saddr);
	k.local_ident = local_ident;
	k.peer_ident = bpf_ntohl(peer_ident);
	k.server_port = bpf_ntohs(synack ? p->sport : p->dport);
	k.kind = synack ? EVENT_SYNACK : EVENT_SYN;
	k.reason = reason;
	/* recent->reported_ns is a time event_seen held for this key, never
	 * later than what it holds now: if that is within the interval, so is
	 * event_seen's, and the LRU lookup would say the same. */
	recent = bpf_map_lookup_elem(&recent_reports, &slot);
	if (recent && recent->reported_ns && now - recent->reported_ns < interval && same_event_key(&recent->key, &k))
		return 0;
	last = bpf_map_lookup_elem(&event_seen, &k);
	if (last && now - *last < interval) {
		if (recent) {
			recent->key = k;
			recent->reported_ns = *last;
		}
		return 0;
	}
	if (last)
		*last = now;
	else
		bpf_map_update_elem(&event_seen, &k, &now, BPF_ANY);
	if (recent) {
		recent->key = k;
		recent->reported_ns = now;
	}
	return 1;
}

/*
 * The cgroup of the socket a TC-ingress segment is for: TC runs before the
 * socket lookup, so look it up (established, then listening sockets; a
 * request socket answers for its listener). 0 when there is none.
 */
static __always_inline __u64 tc_socket_cgroup(struct __sk_buff *skb, const struct pkt *p)
{
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk;
	__u32 size;
	__u64 cgid;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		t.ipv4.saddr = p->saddr[3];
		t.ipv4.daddr = p->daddr[3];
		t.ipv4.sport = p->sport;
		t.ipv4.dport = p->dport;
		size = sizeof(t.ipv4);
	} else {
		__builtin_memcpy(t.ipv6.saddr, p->saddr, 16);
		__builtin_memcpy(t.ipv6.daddr, p->daddr, 16);
		t.ipv6.sport = p->sport;
		t.ipv6.dport = p->dport;
		size = sizeof(t.ipv6);
	}
	sk = bpf_sk_lookup_tcp(skb, &t, size, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return 0;
	cgid = sock_cgroup_id(sk);
	bpf_sk_release(sk);
	return cgid;
}

static __always_inline void remember_syn(struct syn_stash *st, const struct pkt *p, __be32 client_ident,
					 __u32 server_ident)
{
	copy16((__u8 *)st->client, p->saddr);
	copy16((__u8 *)st->server, p->daddr);
	st->client_port = bpf_ntohs(p->sport);
	st->server_port = bpf_ntohs(p->dport);
	st->client_isn = p->seq;
	st->client_ident = client_ident;
	st->server_ident = server_ident;
	st->valid = 1;
}

/* A workload's mode bits; only looked up when a decision depends on them. */
static __always_inline __u32 mode_of(__u64 cgid)
{
	__u32 *mode = bpf_map_lookup_elem(&modes, &cgid);

	return mode ? *mode : MODE_ENFORCE;
}

/* Verifies a SYN or SYN-ACK and decides: 1 pass, 0 drop. */
static __always_inline int check_handshake(struct __sk_buff *skb, const int tc)
{
	struct fp1_option o = {};
	struct binding peer = {};
	struct pkt p = {};
	struct local_identity *local;
	struct syn_stash *stash = 0;
	__u64 cgid;
	__u8 reason;
	__u8 action;
	int parsed;
	int synack;
	int found;

	parsed = parse_packet(skb, &p, tc ? ETH_HLEN : 0);
	if (parsed == PARSE_CHAIN_TOO_LONG) {
		/* Maybe a SYN behind more extension headers than we walk: at TC,
		 * before any socket is known, dropped; at the socket, checked as
		 * a SYN whose options are malformed (p holds only the addresses:
		 * no flags, ports 0). */
		count(CNT_HEADER_CHAIN);
		if (tc)
			return 0;
	} else if (parsed) {
		return 1;
	}
	/* A SYN with RST set resets at most (TCP discards it in LISTEN and
	 * resets a SYN-SENT socket, as a plain RST would). FIN is no exemption:
	 * a SYN-SENT socket takes a SYN-ACK with FIN set as its SYN-ACK and
	 * becomes established, so it is checked like any other. */
	if (p.flags & TCPF_RST)
		return 1;
	synack = !!(p.flags & TCPF_ACK);
	cgid = tc ? tc_socket_cgroup(skb, &p) : bpf_skb_cgroup_id(skb);
	local = bpf_map_lookup_elem(&local_ids, &cgid);
	if (!local) {
		count(CNT_UNMANAGED);
		return 1;
	}
	count(synack ? CNT_SYNACK_CHECKED : CNT_SYN_CHECKED);
	if (!synack) {
		__u32 zero = 0;

		stash = bpf_map_lookup_elem(&last_syn, &zero);
		if (stash)
			stash->valid = 0;
	}
	found = parsed == PARSE_CHAIN_TOO_LONG ? -1 : find_fp1(skb, &p, &o, tc ? ETH_HLEN : 0);
	if (found < 0) {
		reason = REASON_MALFORMED;
	} else if (found == 0) {
		if (synack) {
			reason = (mode_of(cgid) & MODE_REQUIRE_MUTUAL) ? REASON_MISSING_OPTION : REASON_UNAUTH_ALLOWED;
		} else {
			reason = unauthenticated_reason(local->identity, bpf_ntohs(p.dport), p.saddr);
		}
	} else {
		reason = verify_fp1(&o, &p, synack, local, &peer);
		if (reason == REASON_OK) {
			if (synack)
				reason = verdict_reason(local->identity, peer.identity, bpf_ntohs(p.sport), 1);
			else
				reason = verdict_reason(peer.identity, local->identity, bpf_ntohs(p.dport), 0);
		}
		if (reason == REASON_OK && stash)
			remember_syn(stash, &p, o.ident, local->ident);
	}

	if (reason == REASON_OK || reason == REASON_UNAUTH_ALLOWED) {
		action = ACTION_ALLOW;
		count(CNT_ALLOWED);
	} else if (mode_of(cgid) & MODE_ENFORCE) {
		action = ACTION_DENY;
		count(CNT_DENIED);
	} else {
		action = ACTION_WOULD_DENY;
		count(CNT_WOULD_DENY);
	}
	if (action == ACTION_ALLOW && cfg.allow_event_interval_ms &&
	    !allow_report_due(&p, synack, local->ident, found > 0 ? o.ident : 0, reason)) {
		count(CNT_EVENTS_SAMPLED);
		return 1;
	}
	emit(cgid, p.daddr, p.saddr, bpf_ntohs(p.dport), bpf_ntohs(p.sport), local->ident,
	     found > 0 ? bpf_ntohl(o.ident) : 0, peer.identity, 0, synack ? EVENT_SYNACK : EVENT_SYN, action,
	     reason, found > 0 ? o.key_id : 0);
	return action == ACTION_DENY ? 0 : 1;
}

static __noinline int check_cgroup_skb(struct __sk_buff *skb)
{
	return check_handshake(skb, 0);
}

static __noinline int check_tc(struct __sk_buff *skb)
{
	return check_handshake(skb, 1) ? TC_ACT_OK : TC_ACT_SHOT;
}

SEC("cgroup_skb/ingress")
int synid_ingress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__u32 l4off;
	__u8 *tcp_flags;

	/* Fast path: everything but a SYN leaves after a few loads. Headers
	 * that are not in the linear area take the slow path, never a pass. */
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data;

		if ((void *)(ip + 1) > data_end)
			return check_cgroup_skb(skb);
		if (ip->protocol != IPPROTO_TCP)
			return 1;
		l4off = ip->ihl * 4;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data;

		if ((void *)(ip6 + 1) > data_end)
			return check_cgroup_skb(skb);
		if (ip6->nexthdr != IPPROTO_TCP)
			return is_ipv6_ext(ip6->nexthdr) ? check_cgroup_skb(skb) : 1;
		l4off = sizeof(*ip6);
	} else {
		return 1;
	}
	if (l4off > 60)
		return check_cgroup_skb(skb);
	tcp_flags = data + l4off + 13;
	if ((void *)(tcp_flags + 1) > data_end)
		return check_cgroup_skb(skb);
	if (!(*tcp_flags & TCPF_SYN))
		return 1;
	return check_cgroup_skb(skb);
}

/*
 * The same checks at the device: TC ingress, attached per device by the
 * loader (Ethernet and loopback devices only: the fast path expects a 14-byte
 * MAC header, which the loader checks with the device type). The receiving
 * socket is looked up to find the workload's cgroup.
 */
SEC("tc")
int synid_tc_ingress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__u32 l4off;
	__u8 *tcp_flags;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data + ETH_HLEN;

		if ((void *)(ip + 1) > data_end)
			return check_tc(skb);
		if (ip->protocol != IPPROTO_TCP)
			return TC_ACT_OK;
		l4off = ETH_HLEN + ip->ihl * 4;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data + ETH_HLEN;

		if ((void *)(ip6 + 1) > data_end)
			return check_tc(skb);
		if (ip6->nexthdr != IPPROTO_TCP)
			return is_ipv6_ext(ip6->nexthdr) ? check_tc(skb) : TC_ACT_OK;
		l4off = ETH_HLEN + sizeof(*ip6);
	} else {
		return TC_ACT_OK;
	}
	if (l4off > ETH_HLEN + 60)
		return check_tc(skb);
	tcp_flags = data + l4off + 13;
	if ((void *)(tcp_flags + 1) > data_end)
		return check_tc(skb);
	if (!(*tcp_flags & TCPF_SYN))
		return TC_ACT_OK;
	return check_tc(skb);
}
