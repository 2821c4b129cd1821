/** Test-only helpers: a seeded PRNG, hex decoding and a naive reference checksum. */

/** Seeded xorshift32 PRNG; returns a function giving u32 values. Seed must be non-zero. */
export function makeRng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** Integer in [0, n). */
export function randInt(rng: () => number, n: number): number {
  return rng() % n;
}

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Reference ones'-complement sum, written the slow obvious way (arrays,
 * modulo) so it shares no code with src/packet/checksum.ts.
 */
export function refSum(bytes: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) {
    const hi = bytes[i]!;
    const lo = i + 1 < bytes.length ? bytes[i + 1]! : 0;
    sum += hi * 256 + lo;
  }
  while (sum > 0xffff) sum = (sum % 65536) + Math.floor(sum / 65536);
  return sum;
}

/** Reference checksum (complemented sum). */
export function refChecksum(bytes: ArrayLike<number>): number {
  return 0xffff - refSum(bytes);
}

/** IPv4 pseudo-header + segment, as a plain array, for refSum. */
export function ipv4PseudoAndSegment(buf: Uint8Array, ipOff: number, l4Off: number, l4Len: number, proto: number): number[] {
  return [
    ...buf.slice(ipOff + 12, ipOff + 20),
    0,
    proto,
    l4Len >> 8,
    l4Len & 0xff,
    ...buf.slice(l4Off, l4Off + l4Len),
  ];
}

/** IPv6 pseudo-header + segment, as a plain array, for refSum. */
export function ipv6PseudoAndSegment(buf: Uint8Array, ipOff: number, l4Off: number, l4Len: number, nextHeader: number): number[] {
  return [
    ...buf.slice(ipOff + 8, ipOff + 40),
    (l4Len >>> 24) & 0xff,
    (l4Len >>> 16) & 0xff,
    (l4Len >>> 8) & 0xff,
    l4Len & 0xff,
    0,
    0,
    0,
    nextHeader,
    ...buf.slice(l4Off, l4Off + l4Len),
  ];
}

/**
 * A stored checksum verifies when the sum over everything it covers,
 * checksum field included, is ones'-complement zero (0xffff folded).
 */
export function verifiesRef(covered: ArrayLike<number>): boolean {
  return refSum(covered) === 0xffff;
}
