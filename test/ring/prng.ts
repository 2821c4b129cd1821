/**
 * mulberry32: a tiny seeded PRNG (32-bit state, period 2^32) for ring tests.
 * Good enough to pick capacities, burst sizes and interleavings reproducibly;
 * not for anything statistical. fixtures/ring-peer.mjs carries a copy because
 * a plain .mjs worker cannot import TypeScript.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [lo, hi] inclusive. */
export function randInt(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}
