/**
 * 5-tuple hashing for the stateful NFs (lb, nat).
 *
 * The hash is a MurmurHash3-style (Appleby, 2008) mix of four 32-bit words:
 * source IP, destination IP, the two ports packed as one word and the
 * protocol, seeded per scenario and finished with the MurmurHash3 `fmix32`
 * avalanche step. Written from the published algorithm description; only
 * `Math.imul`, shifts, rotations and xors, so every platform gets the same
 * bits. It is not a keyed cryptographic hash: an adversary who knows the seed
 * can build colliding flows (acceptable for an emulator; a real LB would use
 * SipHash or a secret Toeplitz key).
 *
 * All HOT except flowHashSeed: no allocation, no throwing.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
/** Golden-ratio constant: decorrelates the hash seed from the scenario seed (and from other seeded streams). */
const SEED_SALT = 0x9e3779b9;

/** HOT: MurmurHash3's 32-bit finaliser; a bijection on u32, returned unsigned. */
export function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** HOT: one MurmurHash3 body round folding the 32-bit word `k` into the state `h`. */
function round(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** COLD: the hash seed an NF instance uses, derived from the scenario seed (deterministic per scenario). */
export function flowHashSeed(scenarioSeed: number): number {
  return fmix32((scenarioSeed ^ SEED_SALT) >>> 0);
}

/** HOT: the two 16-bit ports as one key word (source port in the high half). */
export function packPorts(srcPort: number, dstPort: number): number {
  return (((srcPort & 0xffff) << 16) | (dstPort & 0xffff)) >>> 0;
}

/**
 * HOT: u32 hash of an IPv4 5-tuple. `ports` is packPorts(srcPort, dstPort).
 * Equal tuples give equal hashes; the bucket index uses the low bits and the
 * LB's backend choice a re-mix of the whole value, so the two are independent.
 */
export function hashFiveTuple(seed: number, srcIp: number, dstIp: number, ports: number, proto: number): number {
  let h = seed | 0;
  h = round(h, srcIp);
  h = round(h, dstIp);
  h = round(h, ports);
  h = round(h, proto);
  // Length of the key in bytes, as MurmurHash3 finishes (4 words).
  return fmix32(h ^ 16);
}

/**
 * HOT: maps a u32 hash onto [0, n) by multiply-shift (Lemire's "fast range"):
 * uses the high bits, so it stays independent of an index taken from the low
 * bits. Exact for n < 2^21 (the product stays below 2^53).
 */
export function hashToRange(hash: number, n: number): number {
  return Math.floor(((hash >>> 0) * n) / 4294967296);
}
