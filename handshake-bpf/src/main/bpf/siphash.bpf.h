/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SipHash-2-4 (Aumasson and Bernstein) over exactly 64 bytes, 64-bit output.
 * A fixed length lets the verifier see straight-line code (about 600
 * instructions) and needs no tail handling: the final block is only the
 * length byte. The Java SipHash24 class is the bit-for-bit reference.
 */
#ifndef SYNID_SIPHASH_BPF_H
#define SYNID_SIPHASH_BPF_H

#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#define SIP_ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIP_ROUND                                                              \
	do {                                                                   \
		v0 += v1;                                                      \
		v1 = SIP_ROTL(v1, 13);                                         \
		v1 ^= v0;                                                      \
		v0 = SIP_ROTL(v0, 32);                                         \
		v2 += v3;                                                      \
		v3 = SIP_ROTL(v3, 16);                                         \
		v3 ^= v2;                                                      \
		v0 += v3;                                                      \
		v3 = SIP_ROTL(v3, 21);                                         \
		v3 ^= v0;                                                      \
		v2 += v1;                                                      \
		v1 = SIP_ROTL(v1, 17);                                         \
		v1 ^= v2;                                                      \
		v2 = SIP_ROTL(v2, 32);                                         \
	} while (0)

/* m: 8 little-endian words (the 64 message bytes); key: 16 bytes. */
static __noinline __u64 siphash24_64(const __u64 *m, const __u64 *key)
{
	__u64 k0 = key[0], k1 = key[1];
	__u64 v0 = k0 ^ 0x736f6d6570736575ULL;
	__u64 v1 = k1 ^ 0x646f72616e646f6dULL;
	__u64 v2 = k0 ^ 0x6c7967656e657261ULL;
	__u64 v3 = k1 ^ 0x7465646279746573ULL;
	__u64 b = 64ULL << 56;

#pragma unroll
	for (int i = 0; i < 8; i++) {
		__u64 w = m[i];
		v3 ^= w;
		SIP_ROUND;
		SIP_ROUND;
		v0 ^= w;
	}
	v3 ^= b;
	SIP_ROUND;
	SIP_ROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIP_ROUND;
	SIP_ROUND;
	SIP_ROUND;
	SIP_ROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

#endif
