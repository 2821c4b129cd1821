/**
 * Internet checksum (RFC 1071) and its incremental update (RFC 1624), plus
 * the UDP/TCP pseudo-header sums for IPv4 (RFC 768, RFC 9293) and IPv6
 * (RFC 8200 §8.1).
 *
 * Vocabulary: a *sum* is the ones'-complement sum of big-endian 16-bit words,
 * folded to 0..0xffff and not complemented; sums compose by adding and
 * folding. A *checksum* is the complemented folded sum, the value stored in a
 * header. All functions here are HOT: no allocation, no throwing.
 */

export const IP_PROTO_ICMP = 1;
export const IP_PROTO_TCP = 6;
export const IP_PROTO_UDP = 17;
export const IP_PROTO_ICMPV6 = 58;

/** Offset of the checksum field inside the TCP header (RFC 9293 §3.1). */
export const TCP_CHECKSUM_OFF = 16;
/** Offset of the checksum field inside the UDP header (RFC 768). */
export const UDP_CHECKSUM_OFF = 6;
/** Offset of the checksum field inside ICMP / ICMPv6 headers. */
export const ICMP_CHECKSUM_OFF = 2;

/**
 * HOT: folds a non-negative integer sum (exact up to 2^53) to 16 bits with
 * end-around carry. A non-zero input never folds to 0, which is what makes
 * incremental updates agree bit-for-bit with full recomputation.
 */
export function foldSum(sum: number): number {
  // Bitwise operators see only the low 32 bits; bring huge sums under 2^32
  // first (only reachable when summing more than ~128 KiB at once).
  while (sum > 0xffffffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/**
 * HOT: ones'-complement sum of `len` bytes at `off` as big-endian 16-bit
 * words, added to `acc` and folded. An odd trailing byte is padded with a
 * zero low byte (RFC 1071 §4.1); so compose partial sums only at even
 * lengths. Bytes outside `buf` count as zero.
 */
export function sum16(buf: Uint8Array, off: number, len: number, acc: number): number {
  let sum = acc;
  const end = off + len;
  const evenEnd = off + (len & ~1);
  let i = off;
  for (; i < evenEnd; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) sum += buf[i]! << 8;
  // Out-of-range reads yield undefined, which the shifts and ORs turn into 0.
  return foldSum(sum);
}

/** HOT: RFC 1071 checksum of `len` bytes at `off`, starting from sum `initial`; returns u16. */
export function internetChecksum(buf: Uint8Array, off: number, len: number, initial = 0): number {
  return ~sum16(buf, off, len, initial) & 0xffff;
}

/**
 * HOT: RFC 1624 eqn 3, HC' = ~(~HC + ~m + m'), for one 16-bit word of the
 * covered data changing from `oldWord` to `newWord`. Equal to full
 * recomputation for any data that is not all zeros.
 */
export function csumUpdate16(oldCsum: number, oldWord: number, newWord: number): number {
  const sum = (~oldCsum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
  return ~foldSum(sum) & 0xffff;
}

/** HOT: csumUpdate16 for an aligned 32-bit field (e.g. an IPv4 address) as two words. */
export function csumUpdate32(oldCsum: number, oldU32: number, newU32: number): number {
  const sum =
    (~oldCsum & 0xffff) +
    (~(oldU32 >>> 16) & 0xffff) +
    (~oldU32 & 0xffff) +
    ((newU32 >>> 16) & 0xffff) +
    (newU32 & 0xffff);
  return ~foldSum(sum) & 0xffff;
}

/**
 * HOT: sum of the IPv4 pseudo-header (src, dst, zero, proto, L4 length) for
 * the IPv4 header at `ipOff` (RFC 768, RFC 9293 §3.1).
 */
export function pseudoHeaderSumIpv4(buf: Uint8Array, ipOff: number, proto: number, l4LenBytes: number): number {
  return sum16(buf, ipOff + 12, 8, (proto & 0xff) + (l4LenBytes & 0xffff));
}

/**
 * HOT: sum of the IPv6 pseudo-header (src, dst, 32-bit upper-layer length,
 * 3 zero bytes, next header) for the IPv6 header at `ipOff` (RFC 8200 §8.1).
 */
export function pseudoHeaderSumIpv6(buf: Uint8Array, ipOff: number, nextHeader: number, l4LenBytes: number): number {
  const lenHi = Math.floor(l4LenBytes / 0x10000) & 0xffff;
  return sum16(buf, ipOff + 8, 32, (nextHeader & 0xff) + lenHi + (l4LenBytes & 0xffff));
}

/** HOT: offset of the checksum field in the L4 header for `proto`, or -1 if none we know. */
export function l4ChecksumFieldOff(proto: number): number {
  if (proto === IP_PROTO_TCP) return TCP_CHECKSUM_OFF;
  if (proto === IP_PROTO_UDP) return UDP_CHECKSUM_OFF;
  if (proto === IP_PROTO_ICMPV6) return ICMP_CHECKSUM_OFF;
  return -1;
}

/**
 * HOT: sum of `l4LenBytes` at `l4Off` with the checksum field (if `proto`
 * has one we know) counted as zero, so callers need not clear it first.
 */
function l4BodySum(buf: Uint8Array, l4Off: number, l4LenBytes: number, proto: number, acc: number): number {
  const fieldOff = l4ChecksumFieldOff(proto);
  if (fieldOff < 0 || l4LenBytes < fieldOff + 2) return sum16(buf, l4Off, l4LenBytes, acc);
  // fieldOff is even, so the split keeps word alignment.
  const before = sum16(buf, l4Off, fieldOff, acc);
  return sum16(buf, l4Off + fieldOff + 2, l4LenBytes - fieldOff - 2, before);
}

/** UDP transmits a computed 0 as 0xffff; 0 means "no checksum" (RFC 768). */
function finishL4(sum: number, proto: number): number {
  const csum = ~sum & 0xffff;
  return csum === 0 && proto === IP_PROTO_UDP ? 0xffff : csum;
}

/**
 * HOT: the checksum to store in a TCP or UDP header over IPv4: pseudo-header
 * (from the IPv4 header at `ipOff`) plus `l4LenBytes` at `l4Off`, with the
 * checksum field itself treated as zero. UDP result 0 becomes 0xffff.
 */
export function l4ChecksumIpv4(buf: Uint8Array, ipOff: number, l4Off: number, l4LenBytes: number, proto: number): number {
  const pseudo = pseudoHeaderSumIpv4(buf, ipOff, proto, l4LenBytes);
  return finishL4(l4BodySum(buf, l4Off, l4LenBytes, proto, pseudo), proto);
}

/**
 * HOT: as l4ChecksumIpv4 for TCP, UDP or ICMPv6 over IPv6; `nextHeader` is
 * the upper-layer protocol (after any extension headers).
 */
export function l4ChecksumIpv6(buf: Uint8Array, ipOff: number, l4Off: number, l4LenBytes: number, nextHeader: number): number {
  const pseudo = pseudoHeaderSumIpv6(buf, ipOff, nextHeader, l4LenBytes);
  return finishL4(l4BodySum(buf, l4Off, l4LenBytes, nextHeader, pseudo), nextHeader);
}
