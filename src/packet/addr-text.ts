/** Text forms of IPv4 and MAC addresses, for configs and reports (all COLD). */

/** COLD: dotted quad of a u32 IPv4 address. */
export function formatIpv4(ip: number): string {
  const v = ip >>> 0;
  return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

// Octets are 0 or start with 1-9: leading zeros are rejected because some
// parsers (inet_aton) read them as octal, so "010" is ambiguous.
const IPV4_TEXT = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

/** COLD: strict dotted quad (four decimal octets 0..255, no leading zeros) to u32, else null. */
export function parseIpv4(text: string): number | null {
  const m = IPV4_TEXT.exec(text);
  if (m === null) return null;
  let ip = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return null;
    ip = ip * 256 + octet;
  }
  return ip;
}

/** Mask of an IPv4 prefix length (0..32) as a u32. */
export function ipv4PrefixMask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/**
 * COLD: "a.b.c.d/len" to { addr, len } (strict dotted quad, length 0..32
 * without leading zeros), else null. Host bits below the length are allowed
 * here: callers decide whether that is an error (see hostBits).
 */
export function parseIpv4Prefix(text: string): { addr: number; len: number; hostBits: boolean } | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const addr = parseIpv4(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (addr === null || !/^(0|[1-9]\d?)$/.test(lenText) || Number(lenText) > 32) return null;
  const len = Number(lenText);
  return { addr, len, hostBits: ((addr & ~ipv4PrefixMask(len)) >>> 0) !== 0 };
}

/** COLD: aa:bb:cc:dd:ee:ff (lowercase) of a 48-bit MAC number. */
export function formatMac(mac: number): string {
  let text = '';
  for (let shift = 40; shift >= 0; shift -= 8) {
    const byte = Math.floor(mac / 2 ** shift) % 256;
    text += (shift === 40 ? '' : ':') + byte.toString(16).padStart(2, '0');
  }
  return text;
}

const MAC_TEXT = /^([0-9a-fA-F]{2})(?::([0-9a-fA-F]{2})){5}$/;

/** COLD: six colon-separated hex octets to a 48-bit MAC number, else null. */
export function parseMac(text: string): number | null {
  if (!MAC_TEXT.test(text)) return null;
  return parseInt(text.replace(/:/g, ''), 16);
}
