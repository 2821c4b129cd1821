/**
 * Header writers and in-place rewrites that keep checksums valid
 * incrementally (RFC 1624).
 *
 * Conventions:
 * - Offsets are absolute byte offsets into `buf` (for the pool: `pool.bytes`
 *   and `pool.frameOffset(h)`).
 * - A MAC address is one JS number holding the 48-bit value, first byte on
 *   the wire most significant: exact (2^48 < 2^53) and free to pass without
 *   allocation. 02:00:00:00:00:01 is 0x020000000001.
 * - An IPv4 address is a u32 number, first byte most significant
 *   (10.0.0.1 is 0x0a000001). IPv6 addresses are 16 bytes at an offset into
 *   some Uint8Array.
 * - All HOT: no allocation, no throwing. Writers return the bytes written and
 *   do not bounds-check (the caller owns a slot with room).
 */

import {
  IP_PROTO_TCP,
  IP_PROTO_UDP,
  TCP_CHECKSUM_OFF,
  UDP_CHECKSUM_OFF,
  csumUpdate16,
  csumUpdate32,
  internetChecksum,
  l4ChecksumFieldOff,
  l4ChecksumIpv4,
  l4ChecksumIpv6,
} from './checksum.js';
import { read16, read32, write16, write32 } from './bytes.js';
import {
  ETHER_HEADER_BYTES,
  ETHERTYPE_QINQ,
  ETHERTYPE_VLAN,
  IPV4_FRAG_OFFSET_MASK,
  IPV4_MIN_HEADER_BYTES,
  IPV6_HEADER_BYTES,
  TCP_MIN_HEADER_BYTES,
  UDP_HEADER_BYTES,
  VLAN_TAG_BYTES,
} from './header-consts.js';
import type { PacketPool } from './pool.js';

// ---------------------------------------------------------------------------
// Ethernet and VLAN

/** HOT: 48-bit MAC at `off` as a number. */
export function readMac(buf: Uint8Array, off: number): number {
  return ((buf[off]! << 8) | buf[off + 1]!) * 0x100000000 + read32(buf, off + 2);
}

/** HOT: writes the 48-bit MAC number `mac` at `off`; returns 6. */
export function writeMac(buf: Uint8Array, off: number, mac: number): number {
  // Division then `>>> 0` (ToUint32) split the 48-bit value exactly.
  write16(buf, off, (mac / 0x100000000) >>> 0);
  write32(buf, off + 2, mac >>> 0);
  return 6;
}

/** HOT: Ethernet II header at `off`; returns 14. */
export function writeEthernet(buf: Uint8Array, off: number, dstMac: number, srcMac: number, etherType: number): number {
  writeMac(buf, off, dstMac);
  writeMac(buf, off + 6, srcMac);
  write16(buf, off + 12, etherType);
  return ETHER_HEADER_BYTES;
}

/** HOT: swaps destination and source MAC of the Ethernet header at `off` (reflectors, ICMP echo). */
export function swapMacs(buf: Uint8Array, off: number): void {
  for (let i = 0; i < 6; i++) {
    const t = buf[off + i]!;
    buf[off + i] = buf[off + 6 + i]!;
    buf[off + 6 + i] = t;
  }
}

/**
 * HOT: inserts a VLAN tag (TPID `tpid`, default 802.1Q) right after the MAC
 * addresses, i.e. as the new outermost tag, using 4 bytes of headroom.
 * Returns false, changing nothing, if the frame is shorter than its MACs or
 * the headroom is exhausted.
 */
export function pushVlan(pool: PacketPool, h: number, tci: number, tpid: number = ETHERTYPE_VLAN): boolean {
  if (pool.lenBytes[h]! < 12 || !pool.adjustHead(h, -VLAN_TAG_BYTES)) return false;
  const buf = pool.bytes;
  const o = pool.frameOffset(h);
  // Moving forward in memory order: each source byte is read before it is overwritten.
  for (let i = 0; i < 12; i++) buf[o + i] = buf[o + VLAN_TAG_BYTES + i]!;
  write16(buf, o + 12, tpid);
  write16(buf, o + 14, tci);
  return true;
}

/**
 * HOT: removes the outermost VLAN tag (802.1Q or 802.1ad) and returns its TCI,
 * or -1, changing nothing, if the frame has no complete outer tag.
 */
export function popVlan(pool: PacketPool, h: number): number {
  if (pool.lenBytes[h]! < ETHER_HEADER_BYTES + VLAN_TAG_BYTES) return -1;
  const buf = pool.bytes;
  const o = pool.frameOffset(h);
  const tpid = read16(buf, o + 12);
  if (tpid !== ETHERTYPE_VLAN && tpid !== ETHERTYPE_QINQ) return -1;
  const tci = read16(buf, o + 14);
  // Backwards so the overlapping move never reads a byte it already overwrote.
  for (let i = 11; i >= 0; i--) buf[o + VLAN_TAG_BYTES + i] = buf[o + i]!;
  pool.adjustHead(h, VLAN_TAG_BYTES);
  return tci;
}

// ---------------------------------------------------------------------------
// IP, UDP, TCP writers

/**
 * HOT: 20-byte IPv4 header (no options) at `off` with a valid header
 * checksum; returns 20. `flagsFragWord` is bytes 6..7 (IPV4_FLAG_DF | offset/8).
 */
export function writeIpv4Header(
  buf: Uint8Array,
  off: number,
  tos: number,
  totalLenBytes: number,
  identification: number,
  flagsFragWord: number,
  ttl: number,
  proto: number,
  srcIp: number,
  dstIp: number,
): number {
  buf[off] = 0x45;
  buf[off + 1] = tos;
  write16(buf, off + 2, totalLenBytes);
  write16(buf, off + 4, identification);
  write16(buf, off + 6, flagsFragWord);
  buf[off + 8] = ttl;
  buf[off + 9] = proto;
  write16(buf, off + 10, 0);
  write32(buf, off + 12, srcIp);
  write32(buf, off + 16, dstIp);
  write16(buf, off + 10, internetChecksum(buf, off, IPV4_MIN_HEADER_BYTES));
  return IPV4_MIN_HEADER_BYTES;
}

/**
 * HOT: 40-byte IPv6 header at `off`; addresses are copied from 16 bytes at
 * `srcAddrOff` of `srcAddrBuf` and `dstAddrOff` of `dstAddrBuf`. Returns 40.
 */
export function writeIpv6Header(
  buf: Uint8Array,
  off: number,
  trafficClass: number,
  flowLabel: number,
  payloadLenBytes: number,
  nextHeader: number,
  hopLimit: number,
  srcAddrBuf: Uint8Array,
  srcAddrOff: number,
  dstAddrBuf: Uint8Array,
  dstAddrOff: number,
): number {
  write32(buf, off, ((6 << 28) | ((trafficClass & 0xff) << 20) | (flowLabel & 0xfffff)) >>> 0);
  write16(buf, off + 4, payloadLenBytes);
  buf[off + 6] = nextHeader;
  buf[off + 7] = hopLimit;
  for (let i = 0; i < 16; i++) buf[off + 8 + i] = srcAddrBuf[srcAddrOff + i]!;
  for (let i = 0; i < 16; i++) buf[off + 24 + i] = dstAddrBuf[dstAddrOff + i]!;
  return IPV6_HEADER_BYTES;
}

/** HOT: 8-byte UDP header with checksum 0 (fill it with setL4ChecksumIpv4/Ipv6 once the payload is in place); returns 8. */
export function writeUdpHeader(buf: Uint8Array, off: number, srcPort: number, dstPort: number, udpLenBytes: number): number {
  write16(buf, off, srcPort);
  write16(buf, off + 2, dstPort);
  write16(buf, off + 4, udpLenBytes);
  write16(buf, off + 6, 0);
  return UDP_HEADER_BYTES;
}

/** HOT: 20-byte TCP header (no options, checksum 0, urgent pointer 0); returns 20. */
export function writeTcpHeader(
  buf: Uint8Array,
  off: number,
  srcPort: number,
  dstPort: number,
  seqNo: number,
  ackNo: number,
  flags: number,
  windowSize: number,
): number {
  write16(buf, off, srcPort);
  write16(buf, off + 2, dstPort);
  write32(buf, off + 4, seqNo);
  write32(buf, off + 8, ackNo);
  buf[off + 12] = (TCP_MIN_HEADER_BYTES >>> 2) << 4;
  buf[off + 13] = flags;
  write16(buf, off + 14, windowSize);
  write16(buf, off + 16, 0);
  write16(buf, off + 18, 0);
  return TCP_MIN_HEADER_BYTES;
}

/** HOT: recomputes and stores the IPv4 header checksum (IHL-sized header at ipOff); returns it. */
export function setIpv4Checksum(buf: Uint8Array, ipOff: number): number {
  write16(buf, ipOff + 10, 0);
  const csum = internetChecksum(buf, ipOff, (buf[ipOff]! & 0x0f) << 2);
  write16(buf, ipOff + 10, csum);
  return csum;
}

/** HOT: computes the TCP/UDP checksum over IPv4 (see l4ChecksumIpv4), stores it if proto is TCP or UDP, returns it. */
export function setL4ChecksumIpv4(buf: Uint8Array, ipOff: number, l4Off: number, l4LenBytes: number, proto: number): number {
  const csum = l4ChecksumIpv4(buf, ipOff, l4Off, l4LenBytes, proto);
  if (proto === IP_PROTO_TCP || proto === IP_PROTO_UDP) write16(buf, l4Off + l4ChecksumFieldOff(proto), csum);
  return csum;
}

/** HOT: computes the TCP/UDP/ICMPv6 checksum over IPv6 (see l4ChecksumIpv6), stores it for those protocols, returns it. */
export function setL4ChecksumIpv6(buf: Uint8Array, ipOff: number, l4Off: number, l4LenBytes: number, nextHeader: number): number {
  const csum = l4ChecksumIpv6(buf, ipOff, l4Off, l4LenBytes, nextHeader);
  const fieldOff = l4ChecksumFieldOff(nextHeader);
  if (fieldOff >= 0) write16(buf, l4Off + fieldOff, csum);
  return csum;
}

// ---------------------------------------------------------------------------
// In-place rewrites with incremental checksum updates (RFC 1624)

/**
 * HOT: decrements the IPv4 TTL and patches the header checksum. Returns the
 * new TTL, or -1 (nothing changed) if it was already 0. Routers check
 * `ttl <= 1` first and drop (RFC 1812 §5.3.1).
 */
export function decrementTtl(buf: Uint8Array, ipOff: number): number {
  const ttl = buf[ipOff + 8]!;
  if (ttl === 0) return -1;
  // TTL is the high byte of the 16-bit word shared with the protocol.
  const proto = buf[ipOff + 9]!;
  const oldWord = (ttl << 8) | proto;
  buf[ipOff + 8] = ttl - 1;
  write16(buf, ipOff + 10, csumUpdate16(read16(buf, ipOff + 10), oldWord, oldWord - 0x100));
  return ttl - 1;
}

/** HOT: decrements the IPv6 hop limit (no header checksum in IPv6); new value, or -1 if it was 0. */
export function decrementHopLimit(buf: Uint8Array, ipOff: number): number {
  const hops = buf[ipOff + 7]!;
  if (hops === 0) return -1;
  buf[ipOff + 7] = hops - 1;
  return hops - 1;
}

/**
 * HOT: patches the TCP/UDP checksum at l4Off for a covered 32-bit value
 * changing. UDP checksum 0 means "none" and stays 0; a UDP result of 0 is
 * sent as 0xffff (RFC 768).
 */
function patchL4Checksum32(buf: Uint8Array, l4Off: number, proto: number, oldU32: number, newU32: number): void {
  let fieldAt: number;
  if (proto === IP_PROTO_TCP) fieldAt = l4Off + TCP_CHECKSUM_OFF;
  else if (proto === IP_PROTO_UDP) fieldAt = l4Off + UDP_CHECKSUM_OFF;
  else return;
  const old = read16(buf, fieldAt);
  if (proto === IP_PROTO_UDP && old === 0) return;
  let csum = csumUpdate32(old, oldU32, newU32);
  if (csum === 0 && proto === IP_PROTO_UDP) csum = 0xffff;
  write16(buf, fieldAt, csum);
}

/** HOT: shared body of setIpv4Src/setIpv4Dst; fieldOff is 12 (src) or 16 (dst). */
function setIpv4Addr(buf: Uint8Array, ipOff: number, fieldOff: number, ip: number): void {
  const oldIp = read32(buf, ipOff + fieldOff);
  const newIp = ip >>> 0;
  write32(buf, ipOff + fieldOff, newIp);
  write16(buf, ipOff + 10, csumUpdate32(read16(buf, ipOff + 10), oldIp, newIp));
  // Addresses are in the TCP/UDP pseudo-header, so the L4 checksum changes
  // too, unless this is a non-first fragment (no L4 header here).
  if ((read16(buf, ipOff + 6) & IPV4_FRAG_OFFSET_MASK) !== 0) return;
  patchL4Checksum32(buf, ipOff + ((buf[ipOff]! & 0x0f) << 2), buf[ipOff + 9]!, oldIp, newIp);
}

/**
 * HOT: rewrites the IPv4 source address, patching the IP checksum and, for
 * TCP/UDP in a first or unfragmented packet, the L4 checksum.
 * Precondition: parsePacket returned Ok for this frame (so the L4 header is present).
 */
export function setIpv4Src(buf: Uint8Array, ipOff: number, srcIp: number): void {
  setIpv4Addr(buf, ipOff, 12, srcIp);
}

/** HOT: as setIpv4Src for the destination address. */
export function setIpv4Dst(buf: Uint8Array, ipOff: number, dstIp: number): void {
  setIpv4Addr(buf, ipOff, 16, dstIp);
}

/**
 * HOT: rewrites a TCP/UDP port (`portFieldOff` is L4_SRC_PORT_OFF or
 * L4_DST_PORT_OFF) and patches the L4 checksum; works over IPv4 and IPv6
 * (ports are not in the pseudo-header). Returns false, changing nothing, for
 * other protocols.
 */
export function setL4Port(buf: Uint8Array, l4Off: number, proto: number, portFieldOff: number, port: number): boolean {
  let fieldAt: number;
  if (proto === IP_PROTO_TCP) fieldAt = l4Off + TCP_CHECKSUM_OFF;
  else if (proto === IP_PROTO_UDP) fieldAt = l4Off + UDP_CHECKSUM_OFF;
  else return false;
  const oldPort = read16(buf, l4Off + portFieldOff);
  const newPort = port & 0xffff;
  write16(buf, l4Off + portFieldOff, newPort);
  const old = read16(buf, fieldAt);
  if (proto === IP_PROTO_UDP && old === 0) return true;
  let csum = csumUpdate16(old, oldPort, newPort);
  if (csum === 0 && proto === IP_PROTO_UDP) csum = 0xffff;
  write16(buf, fieldAt, csum);
  return true;
}
