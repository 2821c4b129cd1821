/**
 * Zero-allocation header parser: Ethernet, up to two VLAN tags, IPv4 (with
 * options) or IPv6 (with the common extension headers), then TCP/UDP/ICMP.
 * Offsets are absolute byte offsets into the parsed buffer (for the pool:
 * `pool.bytes`, starting at `pool.frameOffset(h)`).
 */

import { IP_PROTO_ICMP, IP_PROTO_ICMPV6, IP_PROTO_TCP, IP_PROTO_UDP, internetChecksum } from './checksum.js';
import { read16, read32 } from './bytes.js';
import {
  ETHER_HEADER_BYTES,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  ETHERTYPE_QINQ,
  ETHERTYPE_VLAN,
  ICMP_HEADER_BYTES,
  IPV4_FLAG_MF,
  IPV4_FRAG_OFFSET_MASK,
  IPV4_MIN_HEADER_BYTES,
  IPV6_EXT_DEST_OPTS,
  IPV6_EXT_FRAGMENT,
  IPV6_EXT_HOP_BY_HOP,
  IPV6_EXT_ROUTING,
  IPV6_HEADER_BYTES,
  MAX_VLAN_TAGS,
  TCP_MIN_HEADER_BYTES,
  UDP_HEADER_BYTES,
  VLAN_TAG_BYTES,
} from './header-consts.js';

/**
 * parsePacket outcome codes. Non-Ok codes name the first layer that failed;
 * parseResultName gives each its drop-reason counter name.
 */
export const ParseResult = {
  Ok: 0,
  TruncatedEthernet: 1,
  TruncatedVlan: 2,
  UnsupportedEtherType: 3,
  TruncatedIp: 4,
  BadIpVersion: 5,
  BadIpHeaderLen: 6,
  BadIpTotalLen: 7,
  BadIpChecksum: 8,
  TruncatedL4: 9,
  BadL4HeaderLen: 10,
} as const;
export type ParseResult = (typeof ParseResult)[keyof typeof ParseResult];

/** Indexed by ParseResult code; used as drop-reason counter names. */
const PARSE_RESULT_NAMES: readonly string[] = [
  'ok',
  'truncated_ethernet',
  'truncated_vlan',
  'unsupported_ethertype',
  'truncated_ip',
  'bad_ip_version',
  'bad_ip_header_len',
  'bad_ip_total_len',
  'bad_ip_checksum',
  'truncated_l4',
  'bad_l4_header_len',
];

/** Number of ParseResult codes (for sizing per-reason counter arrays). */
export const PARSE_RESULT_COUNT = PARSE_RESULT_NAMES.length;

/** COLD-ish (no allocation): snake_case name of a ParseResult code, 'unknown' otherwise. */
export function parseResultName(code: number): string {
  return PARSE_RESULT_NAMES[code] ?? 'unknown';
}

/**
 * Result of parsePacket; allocate one per thread and reuse it. All fields are
 * plain numbers/booleans; offsets are absolute in the parsed buffer and -1
 * when that layer was not reached. After a non-Ok result the fields of the
 * layers parsed before the failure are valid (e.g. etherType and l3Off for
 * UnsupportedEtherType, so an L2 NF can still forward ARP).
 */
export class ParsedPacket {
  /** Offset of the Ethernet header (the `off` passed to parsePacket). */
  l2Off = -1;
  /** VLAN tags walked (0..MAX_VLAN_TAGS). */
  vlanCount = 0;
  /** TCI (PCP/DEI/VID) of the first tag on the wire, 0 if untagged. */
  outerVlanTci = 0;
  /** TCI of the second tag, 0 if fewer than two. */
  innerVlanTci = 0;
  /** EtherType after the VLAN tags. */
  etherType = 0;
  /** Offset of the IP header (the byte after Ethernet + tags). */
  l3Off = -1;
  /** 4, 6, or the version nibble found (BadIpVersion); 0 if not IP. */
  ipVersion = 0;
  /** IPv4: IHL * 4. IPv6: 40 + skipped extension headers. Always l4Off - l3Off on Ok. */
  ipHeaderLen = 0;
  /** Bytes of the IP packet (header + payload): IPv4 total length, IPv6 40 + payload length. Frame bytes after it are Ethernet padding. */
  ipTotalLen = 0;
  /** IPv4 TOS byte / IPv6 traffic class (DSCP << 2 | ECN). */
  tos = 0;
  /** IPv4 TTL / IPv6 hop limit. */
  ttl = 0;
  /** Upper-layer protocol: IPv4 protocol, or IPv6 next header after the skipped extension headers (an unknown extension header's number stops the walk and is reported here). */
  proto = 0;
  /** IPv4 source address as u32; 0 for IPv6. */
  srcIp = 0;
  /** IPv4 destination address as u32; 0 for IPv6. */
  dstIp = 0;
  /** IPv6: offset of the 16-byte source address; -1 for IPv4. */
  srcIp6Off = -1;
  /** IPv6: offset of the 16-byte destination address; -1 for IPv4. */
  dstIp6Off = -1;
  /** IPv4 MF set or non-zero fragment offset; IPv6 Fragment header present. */
  fragment = false;
  /** Fragment offset in bytes; non-zero means no L4 header in this packet (ports stay 0). */
  fragOffsetBytes = 0;
  /** Offset where the header named by `proto` starts (TCP/UDP/ICMP header, or fragment data for non-first fragments). */
  l4Off = -1;
  /** TCP/UDP ports (first fragment or unfragmented); 0 otherwise. */
  srcPort = 0;
  dstPort = 0;
  /** TCP header byte 13 (TCP_FIN..TCP_CWR); 0 for non-TCP. */
  tcpFlags = 0;
  /** ICMP/ICMPv6 type and code; 0 for others. */
  icmpType = 0;
  icmpCode = 0;
  /** Offset after the TCP (incl. options), UDP or ICMP header; equals l4Off for other protocols and non-first fragments. */
  payloadOff = -1;
  /** Bytes from payloadOff to the end of the IP packet (excludes Ethernet padding). */
  payloadLen = 0;

  /** HOT: back to the "nothing parsed" state. */
  clear(): void {
    this.l2Off = -1;
    this.vlanCount = 0;
    this.outerVlanTci = 0;
    this.innerVlanTci = 0;
    this.etherType = 0;
    this.l3Off = -1;
    this.ipVersion = 0;
    this.ipHeaderLen = 0;
    this.ipTotalLen = 0;
    this.tos = 0;
    this.ttl = 0;
    this.proto = 0;
    this.srcIp = 0;
    this.dstIp = 0;
    this.srcIp6Off = -1;
    this.dstIp6Off = -1;
    this.fragment = false;
    this.fragOffsetBytes = 0;
    this.l4Off = -1;
    this.srcPort = 0;
    this.dstPort = 0;
    this.tcpFlags = 0;
    this.icmpType = 0;
    this.icmpCode = 0;
    this.payloadOff = -1;
    this.payloadLen = 0;
  }
}

/**
 * HOT: parses the frame of `lenBytes` at `off` into `out` (cleared first) and
 * returns a ParseResult code. Never throws; reads nothing outside
 * [off, off + lenBytes) ∩ buf. With `verifyIpChecksum` an IPv4 header whose
 * checksum does not verify yields BadIpChecksum (L4 checksums are never
 * verified here: that costs a pass over the payload, an NF's choice).
 */
export function parsePacket(buf: Uint8Array, off: number, lenBytes: number, out: ParsedPacket, verifyIpChecksum: boolean): number {
  out.clear();
  let end = off + lenBytes;
  if (end > buf.length) end = buf.length;
  // `!(off >= 0)` also rejects NaN.
  if (!(off >= 0) || !(end - off >= ETHER_HEADER_BYTES)) return ParseResult.TruncatedEthernet;
  out.l2Off = off;
  let etherType = read16(buf, off + 12);
  let cur = off + ETHER_HEADER_BYTES;
  while (etherType === ETHERTYPE_VLAN || etherType === ETHERTYPE_QINQ) {
    if (out.vlanCount === MAX_VLAN_TAGS) {
      out.etherType = etherType;
      out.l3Off = cur;
      return ParseResult.UnsupportedEtherType;
    }
    // `cur` is at the TCI; the tag's other half (TPID) was read as etherType.
    if (end - cur < VLAN_TAG_BYTES) return ParseResult.TruncatedVlan;
    const tci = read16(buf, cur);
    if (out.vlanCount === 0) out.outerVlanTci = tci;
    else out.innerVlanTci = tci;
    out.vlanCount++;
    etherType = read16(buf, cur + 2);
    cur += VLAN_TAG_BYTES;
  }
  out.etherType = etherType;
  out.l3Off = cur;
  if (etherType === ETHERTYPE_IPV4) return parseIpv4Header(buf, cur, end, out, verifyIpChecksum);
  if (etherType === ETHERTYPE_IPV6) return parseIpv6Header(buf, cur, end, out);
  return ParseResult.UnsupportedEtherType;
}

/** HOT: IPv4 header at l3 (RFC 791); `end` bounds the frame. */
function parseIpv4Header(buf: Uint8Array, l3: number, end: number, out: ParsedPacket, verifyIpChecksum: boolean): number {
  const avail = end - l3;
  if (avail < IPV4_MIN_HEADER_BYTES) return ParseResult.TruncatedIp;
  const versionIhl = buf[l3]!;
  out.ipVersion = versionIhl >>> 4;
  if (out.ipVersion !== 4) return ParseResult.BadIpVersion;
  const headerBytes = (versionIhl & 0x0f) << 2;
  out.ipHeaderLen = headerBytes;
  if (headerBytes < IPV4_MIN_HEADER_BYTES) return ParseResult.BadIpHeaderLen;
  if (headerBytes > avail) return ParseResult.TruncatedIp;
  const totalBytes = read16(buf, l3 + 2);
  out.ipTotalLen = totalBytes;
  if (totalBytes < headerBytes) return ParseResult.BadIpTotalLen;
  // The frame holds fewer bytes than the IP header claims: cut in transit.
  if (totalBytes > avail) return ParseResult.TruncatedIp;
  out.tos = buf[l3 + 1]!;
  out.ttl = buf[l3 + 8]!;
  out.proto = buf[l3 + 9]!;
  out.srcIp = read32(buf, l3 + 12);
  out.dstIp = read32(buf, l3 + 16);
  if (verifyIpChecksum && internetChecksum(buf, l3, headerBytes) !== 0) return ParseResult.BadIpChecksum;
  const flagsFrag = read16(buf, l3 + 6);
  const fragOffsetBytes = (flagsFrag & IPV4_FRAG_OFFSET_MASK) << 3;
  out.fragment = (flagsFrag & IPV4_FLAG_MF) !== 0 || fragOffsetBytes !== 0;
  out.fragOffsetBytes = fragOffsetBytes;
  return parseL4(buf, l3 + headerBytes, l3 + totalBytes, out.proto, fragOffsetBytes !== 0, out);
}

/** HOT: IPv6 fixed header at l3 plus the extension headers we know (RFC 8200 §3, §4). */
function parseIpv6Header(buf: Uint8Array, l3: number, end: number, out: ParsedPacket): number {
  const avail = end - l3;
  if (avail < IPV6_HEADER_BYTES) return ParseResult.TruncatedIp;
  const b0 = buf[l3]!;
  out.ipVersion = b0 >>> 4;
  if (out.ipVersion !== 6) return ParseResult.BadIpVersion;
  // Jumbograms (payload length 0 + Jumbo option, RFC 2675) are not supported:
  // they would be treated as an empty payload.
  const totalBytes = IPV6_HEADER_BYTES + read16(buf, l3 + 4);
  out.ipTotalLen = totalBytes;
  if (totalBytes > avail) return ParseResult.TruncatedIp;
  out.tos = ((b0 & 0x0f) << 4) | (buf[l3 + 1]! >>> 4);
  out.ttl = buf[l3 + 7]!;
  out.srcIp6Off = l3 + 8;
  out.dstIp6Off = l3 + 24;
  const ipEnd = l3 + totalBytes;
  let next = buf[l3 + 6]!;
  let cur = l3 + IPV6_HEADER_BYTES;
  let nonFirstFragment = false;
  // Terminates: every known extension header advances `cur` by >= 8 bytes
  // and must fit before ipEnd.
  for (;;) {
    if (next === IPV6_EXT_HOP_BY_HOP || next === IPV6_EXT_ROUTING || next === IPV6_EXT_DEST_OPTS) {
      if (ipEnd - cur < 8) return ParseResult.TruncatedIp;
      const extBytes = (buf[cur + 1]! + 1) << 3;
      if (ipEnd - cur < extBytes) return ParseResult.TruncatedIp;
      next = buf[cur]!;
      cur += extBytes;
    } else if (next === IPV6_EXT_FRAGMENT) {
      if (ipEnd - cur < 8) return ParseResult.TruncatedIp;
      // Offset field is the top 13 bits in 8-byte units: masking the low 3 bits gives bytes.
      const fragOffsetBytes = read16(buf, cur + 2) & 0xfff8;
      out.fragment = true;
      out.fragOffsetBytes = fragOffsetBytes;
      next = buf[cur]!;
      cur += 8;
      // A non-first fragment's data starts here; any headers after it live in the first fragment.
      if (fragOffsetBytes !== 0) {
        nonFirstFragment = true;
        break;
      }
    } else {
      break;
    }
  }
  out.ipHeaderLen = cur - l3;
  out.proto = next;
  return parseL4(buf, cur, ipEnd, next, nonFirstFragment, out);
}

/** HOT: upper-layer header at l4, which ends no later than ipEnd. */
function parseL4(buf: Uint8Array, l4: number, ipEnd: number, proto: number, nonFirstFragment: boolean, out: ParsedPacket): number {
  out.proto = proto;
  out.l4Off = l4;
  out.payloadOff = l4;
  out.payloadLen = ipEnd - l4;
  if (nonFirstFragment) return ParseResult.Ok;
  const avail = ipEnd - l4;
  let headerBytes = 0;
  if (proto === IP_PROTO_TCP) {
    if (avail < TCP_MIN_HEADER_BYTES) return ParseResult.TruncatedL4;
    out.srcPort = read16(buf, l4);
    out.dstPort = read16(buf, l4 + 2);
    out.tcpFlags = buf[l4 + 13]!;
    headerBytes = (buf[l4 + 12]! >>> 4) << 2;
    // Data offset below 5 words, or options running past the IP packet.
    if (headerBytes < TCP_MIN_HEADER_BYTES || headerBytes > avail) return ParseResult.BadL4HeaderLen;
  } else if (proto === IP_PROTO_UDP) {
    if (avail < UDP_HEADER_BYTES) return ParseResult.TruncatedL4;
    out.srcPort = read16(buf, l4);
    out.dstPort = read16(buf, l4 + 2);
    // The UDP length may exceed this packet for a first fragment, so only
    // the lower bound is checked; payloadLen follows the IP length.
    if (read16(buf, l4 + 4) < UDP_HEADER_BYTES) return ParseResult.BadL4HeaderLen;
    headerBytes = UDP_HEADER_BYTES;
  } else if (proto === IP_PROTO_ICMP || proto === IP_PROTO_ICMPV6) {
    if (avail < ICMP_HEADER_BYTES) return ParseResult.TruncatedL4;
    out.icmpType = buf[l4]!;
    out.icmpCode = buf[l4 + 1]!;
    headerBytes = ICMP_HEADER_BYTES;
  }
  out.payloadOff = l4 + headerBytes;
  out.payloadLen = avail - headerBytes;
  return ParseResult.Ok;
}
