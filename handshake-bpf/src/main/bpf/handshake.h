/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Structures shared between the kernel programs and the Java loader.
 *
 * This header is the byte-level contract with user space: the Java side
 * mirrors every struct here, and a test checks its offsets against the BTF of
 * the compiled object. Change a struct only together with its Java mirror.
 * Addresses are always 16 bytes: IPv4 is stored as an IPv4-mapped IPv6
 * address (::ffff:a.b.c.d) so that IPv4 and v4-mapped sockets are one case.
 */
#ifndef SYNID_HANDSHAKE_H
#define SYNID_HANDSHAKE_H

#include <linux/types.h>

/* The FP1 TCP option: RFC 6994 experimental option, exactly 20 bytes. */
#define FP1_KIND 254
#define FP1_LEN 20
#define FP1_EXID 0x5349 /* "SI": the project's experiment identifier */
#define FP1_VERSION 1
#define FP1_FLAG_RESPONDER 0x1 /* set in a SYN-ACK, clear in a SYN */
#define FP1_FLAG_ISN_FREE 0x2  /* reserved: not emitted by this version */

/* Packed: the u64 tag follows 12 header bytes and must not be padded. */
struct fp1_option {
	__u8 kind;
	__u8 len;
	__be16 exid;
	__u8 ver_flags; /* version in the high nibble, flags in the low one */
	__u8 key_id;
	__be16 ts16;
	__be32 ident;
	__u8 tag[8]; /* SipHash-2-4 output, little-endian as the reference emits it */
} __attribute__((packed));

/* The 64 bytes the tag is computed over (see docs/handshake.md). */
struct fp1_mac_input {
	__u8 domain[4]; /* 'F' 'P' '1' role (1 = SYN, 2 = SYN-ACK) */
	__u8 ver_flags;
	__u8 key_id;
	__be16 ts16;
	__be32 ident;
	__be32 client_isn;
	__u8 client_addr[16];
	__u8 server_addr[16];
	__be16 client_port;
	__be16 server_port;
	__be32 server_isn; /* 0 in a SYN */
	__be32 peer_ident; /* SYN-ACK: the client ident answered; 0 in a SYN */
	__be32 reserved;   /* 0 */
} __attribute__((packed));

/* Map keys and values. */

/* local_ids: cgroup id -> the workload running there. */
struct local_identity {
	__u32 ident;    /* identity handle put on the wire */
	__u32 identity; /* global identity number the verdicts use */
};

/* listeners: where a SYN-ACK finds its workload (it runs in softirq). */
struct listener_key {
	__u64 netns_cookie;
	__u8 addr[16]; /* bound address; :: or ::ffff:0.0.0.0 for wildcards */
	__u32 port;    /* host order */
};

/* peer_keys: pairwise directional SipHash keys. */
#define KEY_DIR_TX 0 /* local node -> peer node: signs what we send */
#define KEY_DIR_RX 1 /* peer node -> local node: verifies what we receive */
struct peer_key_id {
	__u32 node;
	__u8 key_id;
	__u8 direction;
	__u16 pad;
};
struct peer_key {
	__u8 key[16];
};

/* key_state[0]: which epoch this node signs with. */
struct key_state {
	__u32 tx_key_id; /* low 8 bits used */
};

/* bindings: identity handle -> global identity and hosting node. */
struct binding {
	__u32 identity;
	__u32 node;
};

/* verdicts: (source identity, destination identity, destination port). */
struct verdict_key {
	__u32 src_identity;
	__u32 dst_identity;
	__u16 port; /* host order; 0 is the per-pair entry */
	__u16 pad;
};
#define VERDICT_ALLOW 1
#define VERDICT_DENY 2
#define VERDICT_PORTS_LISTED 3 /* only at port 0: other ports are denied */

/* peer_nodes: LPM trie over 128-bit (mapped) addresses. */
struct lpm_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/*
 * cidr_rules: what a peer without FP1 may reach, per protected workload and
 * port. An LPM trie key whose fixed fields (destination identity, port, pad)
 * come first and are always matched in full: prefixlen counts their
 * CIDR_KEY_FIXED_BITS plus the source prefix in the 128-bit form (IPv4:
 * 96 + length). Looked up with the listener's identity and the destination
 * port, then with port 0 (every port).
 */
struct cidr_key {
	__u32 prefixlen;
	__u32 dst_identity; /* global identity number of the listening workload */
	__u16 port;         /* host order; 0 = every port without an entry of its own */
	__u16 pad;          /* 0 */
	__u8 addr[16];
};
#define CIDR_KEY_FIXED_BITS 64
#define CIDR_ALLOW 1
#define CIDR_DENY 2

/* modes: cgroup id -> mode bits; absent means enforce, no mutual. */
#define MODE_ENFORCE 0x1
#define MODE_REQUIRE_MUTUAL 0x2

/* Decision events on the ring buffer. */
#define EVENT_SYN 1        /* a SYN reached a managed listener */
#define EVENT_SYNACK 2     /* a SYN-ACK reached a managed client */
#define EVENT_NO_SPACE 3   /* FP1 did not fit in an outgoing SYN / SYN-ACK */

#define ACTION_ALLOW 1
#define ACTION_DENY 2
#define ACTION_WOULD_DENY 3 /* monitor mode: passed, would have been dropped */

#define REASON_OK 0
#define REASON_MISSING_OPTION 1
#define REASON_MALFORMED 2
#define REASON_BAD_EPOCH 3
#define REASON_STALE_TS 4
#define REASON_BAD_TAG 5
#define REASON_UNKNOWN_IDENT 6
#define REASON_NOT_HOSTED 7
#define REASON_DENIED_PAIR 8
#define REASON_DENIED_PORT 9
#define REASON_UNAUTH_ALLOWED 10 /* no FP1, a CIDR rule allowed it */
#define REASON_BAD_ROLE 11
#define REASON_NO_SPACE 12

struct handshake_event {
	__u64 timestamp_ns; /* CLOCK_MONOTONIC */
	__u64 cgroup_id;
	__u8 local_addr[16];
	__u8 peer_addr[16];
	__u16 local_port; /* host order */
	__u16 peer_port;  /* host order */
	__u32 local_ident;
	__u32 peer_ident;
	__u32 peer_identity;
	__u32 pid; /* 0 when the decision ran in softirq */
	__u8 kind;
	__u8 action;
	__u8 reason;
	__u8 key_id;
};

/* Counters: indexes into the per-CPU array. */
enum counter {
	CNT_SYN_CHECKED = 0,
	CNT_SYNACK_CHECKED,
	CNT_ALLOWED,
	CNT_DENIED,
	CNT_WOULD_DENY,
	CNT_UNMANAGED,
	CNT_OPT_WRITTEN_SYN,
	CNT_OPT_WRITTEN_SYNACK,
	CNT_OPT_NO_SPACE,
	CNT_NO_KEY,
	CNT_OUTSIDE_MESH,
	CNT_EVENTS_LOST,
	CNT_SOCKOPS_CALLS,
	CNT_SOCKOPS_OTHER, /* callbacks after the handshake: should stay 0 */
	CNT_EVENTS_SAMPLED,  /* allowed decisions counted, not reported (sampling) */
	CNT_SYNACK_COOKIE,   /* FP1 SYN-ACKs sent as syncookies (still signed) */
	CNT_SYNACK_NO_SYN,   /* SYN-ACKs sent without FP1: the SYN was not at hand */
	CNT_HEADER_CHAIN,    /* IPv6 packets whose extension headers go on past the walk */
	CNT_MAX = 32,
};

/* Load-time settings, written by the loader into .rodata before load. */
struct synid_config {
	__u32 ts_window_s;     /* accepted |now - ts16| in seconds */
	__u32 node_shift;      /* ident >> node_shift = node index hint */
	__u32 wakeup_bytes;    /* wake the reader once this much is pending */
	__u32 allow_event_interval_ms; /* at most one ALLOW event per key and interval; 0 = all */
};

/* event_seen: one entry per kind of allowed decision, for sampling. */
struct event_key {
	__u8 peer_addr[16]; /* unauthenticated peers only; zero otherwise */
	__u32 local_ident;
	__u32 peer_ident;
	__u16 server_port;
	__u8 kind;
	__u8 reason;
};

#endif
