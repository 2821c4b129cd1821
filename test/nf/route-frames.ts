/**
 * Frames for the routing-NF tests, built byte by byte with the independent
 * reference checksum of test/packet/helpers.ts (no src/packet writers), and
 * checks that recompute the IPv4 header checksum from scratch.
 */
import { refChecksum, refSum } from '../packet/helpers.js';

export const ETH_DST = [0x02, 0, 0, 0, 0, 0x02];
export const ETH_SRC = [0x02, 0, 0, 0, 0, 0x01];

export interface Ipv4FrameOptions {
  dst: string;
  src?: string;
  ttl?: number;
  /** 802.1Q TCI: one VLAN tag when given. */
  vlanTci?: number;
  /** Bytes of IPv4 options (multiple of 4; filled with NOP). */
  optionBytes?: number;
  payloadBytes?: number;
  /** Pad the frame with this many zero bytes after the IP packet (Ethernet padding). */
  padBytes?: number;
}

export function ipText(text: string): number[] {
  return text.split('.').map(Number);
}

export function ipNum(text: string): number {
  const [a, b, c, d] = ipText(text) as [number, number, number, number];
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

export function ipFromNum(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function macBytes(text: string): number[] {
  return text.split(':').map((x) => parseInt(x, 16));
}

/** Ethernet [+ VLAN] + IPv4 (DF, id 0x1234, proto UDP) + UDP 1234 -> 80 + payload. */
export function ipv4Frame(o: Ipv4FrameOptions): Uint8Array {
  const opt = o.optionBytes ?? 0;
  const payload = o.payloadBytes ?? 18;
  const ihl = 5 + opt / 4;
  const total = ihl * 4 + 8 + payload;
  const ip = [
    0x40 | ihl, 0, total >> 8, total & 0xff, 0x12, 0x34, 0x40, 0x00, o.ttl ?? 64, 17, 0, 0,
    ...ipText(o.src ?? '10.9.8.7'), ...ipText(o.dst),
    ...new Array<number>(opt).fill(1),
  ];
  const csum = refChecksum(ip);
  ip[10] = csum >> 8;
  ip[11] = csum & 0xff;
  const udp = [0x04, 0xd2, 0x00, 0x50, (8 + payload) >> 8, (8 + payload) & 0xff, 0, 0];
  const body = Array.from({ length: payload }, (_, i) => (i * 7 + 3) & 0xff);
  const l2 = o.vlanTci === undefined ? [...ETH_DST, ...ETH_SRC, 0x08, 0x00] : [...ETH_DST, ...ETH_SRC, 0x81, 0x00, o.vlanTci >> 8, o.vlanTci & 0xff, 0x08, 0x00];
  return Uint8Array.from([...l2, ...ip, ...udp, ...body, ...new Array<number>(o.padBytes ?? 0).fill(0)]);
}

/** Offset of the IPv4 header in a frame from ipv4Frame. */
export function l3OffOf(frame: ArrayLike<number>): number {
  return frame[12] === 0x81 ? 18 : 14;
}

/** True when the IPv4 header checksum verifies, recomputed over the whole header. */
export function ipv4ChecksumValid(frame: ArrayLike<number>): boolean {
  const l3 = l3OffOf(frame);
  const ihl = (frame[l3]! & 0x0f) * 4;
  return refSum(Array.from(frame).slice(l3, l3 + ihl)) === 0xffff;
}

/** An IPv6 UDP frame (2001:db8::1 -> 2001:db8::2). */
export function ipv6Frame(): Uint8Array {
  const hex =
    '02000000000202000000000186dd6b812345000b114020010db800000000000000000000000120010db800000000000000000000000214e90035000b9ccb78797a';
  return Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16)));
}

/** An ARP frame (EtherType 0x0806). */
export function arpFrame(): Uint8Array {
  return Uint8Array.from([...ETH_DST, ...ETH_SRC, 0x08, 0x06, ...new Array<number>(28).fill(0)]);
}

/** `frame` with the IPv4 header byte at `offInIp` replaced and the checksum recomputed. */
export function withIpByte(frame: Uint8Array, offInIp: number, value: number): Uint8Array {
  const out = frame.slice();
  const l3 = l3OffOf(out);
  out[l3 + offInIp] = value;
  const ihl = Math.max(5, out[l3]! & 0x0f) * 4;
  out[l3 + 10] = 0;
  out[l3 + 11] = 0;
  const csum = refChecksum(Array.from(out.slice(l3, l3 + ihl)));
  out[l3 + 10] = csum >> 8;
  out[l3 + 11] = csum & 0xff;
  return out;
}

/** Malformed frames every routing NF must drop, with the parser's reason name. */
export function malformedCases(): { name: string; frame: Uint8Array; reason: string }[] {
  const good = ipv4Frame({ dst: '192.168.1.7' });
  const totalLen = (f: Uint8Array, n: number) => withIpByte(withIpByte(f, 2, n >> 8), 3, n & 0xff);
  const threeTags = Uint8Array.from([...ETH_DST, ...ETH_SRC, 0x88, 0xa8, 0, 1, 0x81, 0, 0, 2, 0x81, 0, 0, 3, 0x08, 0x00, ...good.slice(14)]);
  return [
    { name: 'empty frame', frame: new Uint8Array(0), reason: 'truncated_ethernet' },
    { name: 'IPv6', frame: ipv6Frame(), reason: 'unsupported_ethertype' },
    { name: 'ARP', frame: arpFrame(), reason: 'unsupported_ethertype' },
    { name: 'three VLAN tags', frame: threeTags, reason: 'unsupported_ethertype' },
    { name: 'IP version 6 in an IPv4 EtherType', frame: withIpByte(good, 0, 0x65), reason: 'bad_ip_version' },
    { name: 'IHL 4', frame: withIpByte(good, 0, 0x44), reason: 'bad_ip_header_len' },
    { name: 'total length below the header', frame: totalLen(good, 19), reason: 'bad_ip_total_len' },
    { name: 'total length beyond the frame', frame: totalLen(good, good.length), reason: 'truncated_ip' },
  ];
}

/** Every strict truncation of `frame`, with the reason the parser gives it. */
export function truncations(frame: Uint8Array): { len: number; frame: Uint8Array; reason: string }[] {
  const tagged = frame[12] === 0x81;
  const out: { len: number; frame: Uint8Array; reason: string }[] = [];
  for (let n = 0; n < frame.length; n++) {
    const reason = n < 14 ? 'truncated_ethernet' : tagged && n < 18 ? 'truncated_vlan' : 'truncated_ip';
    out.push({ len: n, frame: frame.slice(0, n), reason });
  }
  return out;
}
