/**
 * Frame builders for the urlfilter and encrypt tests: Ethernet + IPv4/IPv6 +
 * TCP/UDP with a chosen payload, sequence number and flags (valid IP and L4
 * checksums), plus truncation and corruption helpers.
 */
import { IP_PROTO_TCP, IP_PROTO_UDP } from '../../src/packet/checksum.js';
import {
  ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_VLAN, IPV4_FLAG_DF, IPV4_FLAG_MF, TCP_ACK,
} from '../../src/packet/header-consts.js';
import {
  setL4ChecksumIpv4, setL4ChecksumIpv6, writeEthernet, writeIpv4Header, writeIpv6Header, writeTcpHeader, writeUdpHeader,
} from '../../src/packet/header-write.js';

export interface SegOpts {
  src?: number;
  dst?: number;
  sport?: number;
  dport?: number;
  seq?: number;
  flags?: number;
  payload?: string | Uint8Array;
  udp?: boolean;
  ipv6?: boolean;
  vlan?: number;
  /** IPv4 flags/fragment-offset word (default DF). */
  fragWord?: number;
  /** Ethernet padding bytes appended after the IP packet. */
  padBytes?: number;
}

const text = (p: string | Uint8Array | undefined) => (typeof p === 'string' ? new TextEncoder().encode(p) : p ?? new Uint8Array(0));
const V6_SRC = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
const V6_DST = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);

/** One frame; defaults: 10.0.0.1:40000 -> 10.0.0.2:80, TCP ACK, seq 1000. */
export function seg(o: SegOpts = {}): Uint8Array {
  const payload = text(o.payload);
  const l4Len = (o.udp ? 8 : 20) + payload.length;
  const l2 = 14 + (o.vlan !== undefined ? 4 : 0);
  const ipLen = (o.ipv6 ? 40 : 20) + l4Len;
  const f = new Uint8Array(l2 + ipLen + (o.padBytes ?? 0));
  const src = o.src ?? 0x0a000001;
  const dst = o.dst ?? 0x0a000002;
  const v6src = V6_SRC.slice();
  const v6dst = V6_DST.slice();
  v6src[15] = src & 0xff;
  v6dst[15] = dst & 0xff;
  writeEthernet(f, 0, 0x020000000002, 0x020000000001, o.vlan !== undefined ? ETHERTYPE_VLAN : o.ipv6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);
  if (o.vlan !== undefined) {
    f[14] = o.vlan >>> 8;
    f[15] = o.vlan & 0xff;
    f[16] = (o.ipv6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4) >>> 8;
    f[17] = (o.ipv6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4) & 0xff;
  }
  const proto = o.udp ? IP_PROTO_UDP : IP_PROTO_TCP;
  const l4 = l2 + (o.ipv6 ? 40 : 20);
  if (o.ipv6) writeIpv6Header(f, l2, 0, 0, l4Len, proto, 64, v6src, 0, v6dst, 0);
  else writeIpv4Header(f, l2, 0, ipLen, 0x1234, o.fragWord ?? IPV4_FLAG_DF, 64, proto, src >>> 0, dst >>> 0);
  if (o.udp) writeUdpHeader(f, l4, o.sport ?? 40000, o.dport ?? 53, l4Len);
  else writeTcpHeader(f, l4, o.sport ?? 40000, o.dport ?? 80, (o.seq ?? 1000) >>> 0, 1, o.flags ?? TCP_ACK, 65535);
  f.set(payload, l4 + (o.udp ? 8 : 20));
  if (o.ipv6) setL4ChecksumIpv6(f, l2, l4, l4Len, proto);
  else setL4ChecksumIpv4(f, l2, l4, l4Len, proto);
  return f;
}

/** The reply direction of `o` (addresses and ports swapped). */
export function reverse(o: SegOpts): SegOpts {
  return { ...o, src: o.dst ?? 0x0a000002, dst: o.src ?? 0x0a000001, sport: o.dport ?? 80, dport: o.sport ?? 40000 };
}

/** A TCP data offset of `words` 32-bit words (TCP header byte 12). */
export function withTcpDataOffset(f: Uint8Array, words: number, l4Off = 34): Uint8Array {
  const g = f.slice();
  g[l4Off + 12] = words << 4;
  return g;
}

export const arpFrame = (): Uint8Array => {
  const f = new Uint8Array(42);
  writeEthernet(f, 0, 0xffffffffffff, 0x020000000001, ETHERTYPE_ARP);
  return f;
};

/** Every proper prefix of `f` (lengths 0 .. f.length - 1). */
export function truncations(f: Uint8Array): Uint8Array[] {
  return Array.from({ length: f.length }, (_, n) => f.slice(0, n));
}

export const IPV4_MF_WORD = IPV4_FLAG_MF;
export const textBytes = text;
