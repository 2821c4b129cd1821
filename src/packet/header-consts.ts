/**
 * Protocol numbers, header sizes and flag bits shared by the parser and the
 * writers. IP protocol numbers live in checksum.ts (which needs them) and are
 * re-exported here.
 */

export { IP_PROTO_ICMP, IP_PROTO_ICMPV6, IP_PROTO_TCP, IP_PROTO_UDP } from './checksum.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
/** 802.1Q customer tag. */
export const ETHERTYPE_VLAN = 0x8100;
/** 802.1ad service tag (QinQ outer tag). */
export const ETHERTYPE_QINQ = 0x88a8;

export const ETHER_HEADER_BYTES = 14;
export const VLAN_TAG_BYTES = 4;
/** Tags parsePacket walks through; a third is reported as UnsupportedEtherType. */
export const MAX_VLAN_TAGS = 2;
export const IPV4_MIN_HEADER_BYTES = 20;
export const IPV6_HEADER_BYTES = 40;
export const UDP_HEADER_BYTES = 8;
export const TCP_MIN_HEADER_BYTES = 20;
/** Type, code, checksum and the 4-byte rest-of-header every ICMP message has. */
export const ICMP_HEADER_BYTES = 8;

/** IPv4 flags/fragment-offset word (bytes 6..7) bits (RFC 791). */
export const IPV4_FLAG_DF = 0x4000;
export const IPV4_FLAG_MF = 0x2000;
export const IPV4_FRAG_OFFSET_MASK = 0x1fff;

/** IPv6 extension headers parsePacket skips (RFC 8200 §4). */
export const IPV6_EXT_HOP_BY_HOP = 0;
export const IPV6_EXT_ROUTING = 43;
export const IPV6_EXT_FRAGMENT = 44;
export const IPV6_EXT_DEST_OPTS = 60;

/** TCP flag bits of header byte 13 (RFC 9293, RFC 3168). */
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

/** Port field offsets inside a TCP/UDP header, for setL4Port. */
export const L4_SRC_PORT_OFF = 0;
export const L4_DST_PORT_OFF = 2;
