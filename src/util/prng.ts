/**
 * Seeded pseudo-random numbers that are bit-identical on every machine.
 *
 * Generator: xoshiro128** 1.1 (Blackman & Vigna, "Scrambled linear
 * pseudorandom number generators", ACM TOMS 2021; https://prng.di.unimi.it/).
 * 128 bits of state, period 2^128 - 1, passes BigCrush, and needs only 32-bit
 * shifts, xors, rotations and `Math.imul` — operations that JavaScript defines
 * exactly, so every platform produces the same stream.
 *
 * Seeding: the 32-bit seed drives a SplitMix-style counter (Steele, Lea &
 * Flood, OOPSLA 2014: a Weyl step of 0x9e3779b9, here followed by the
 * MurmurHash3 `fmix32` finaliser, Appleby 2008) to fill
 * the four state words. `fmix32` is a bijection and the counter values differ,
 * so seeds 0, 1, 2, ... give unrelated states; this also avoids the all-zero
 * state that xoshiro must never hold.
 *
 * Draws per call (what a caller must know to reason about determinism):
 *   nextU32  1 draw          nextFloat  2 draws (53-bit resolution)
 *   nextInt  >= 1 draw       nextExp    2 draws (52-bit resolution)
 *   fork     0 draws — a fork depends on the parent's *seeding*, not on how
 *            far the parent has advanced, so adding a draw to the parent does
 *            not change any forked stream.
 */

const TWO_POW_26 = 67108864;
const TWO_POW_32 = 4294967296;
const TWO_POW_52 = 4503599627370496;
const TWO_POW_53 = 9007199254740992;
/** 2^32 / golden ratio: the SplitMix Weyl increment. */
const GOLDEN_U32 = 0x9e3779b9;

/** Hand-off from fork() to the constructor (module-private, single-threaded use). */
let forkKey: Uint32Array | null = null;

/** COLD: MurmurHash3's 32-bit finaliser; a bijection on uint32 (returned as int32 bits). */
function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x | 0;
}

export class Prng {
  // State as int32 fields rather than a Uint32Array: on 64-bit Node (no
  // pointer compression) every int32 is a Smi, so the fields stay unboxed,
  // and every operation below is defined on 32-bit patterns.
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** The state right after seeding; the key from which forks are derived. */
  private readonly key: Uint32Array;

  /** COLD. `seed` is any uint32; anything else throws a RangeError. */
  constructor(seed: number) {
    this.s0 = this.s1 = this.s2 = this.s3 = 0;
    let key: Uint32Array;
    if (forkKey !== null) {
      // Built by fork(): same constructor, so every instance has one hidden
      // class and nextU32 stays monomorphic.
      key = forkKey;
      forkKey = null;
    } else {
      if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
        throw new RangeError(`Prng seed must be an integer in [0, 2^32), got ${seed}`);
      }
      key = new Uint32Array(4);
      let counter = seed | 0;
      for (let i = 0; i < 4; i++) {
        counter = (counter + GOLDEN_U32) | 0;
        key[i] = fmix32(counter);
      }
    }
    this.key = key;
    this.load(key);
  }

  /** COLD: install a 128-bit key as the state (never all zero). */
  private load(key: Uint32Array): void {
    if ((key[0]! | key[1]! | key[2]! | key[3]!) === 0) {
      // Unreachable from the constructor (fmix32 of four distinct counters
      // cannot all be 0), possible in principle for a fork: nudge one bit.
      key[0] = 1;
    }
    this.s0 = key[0]! | 0;
    this.s1 = key[1]! | 0;
    this.s2 = key[2]! | 0;
    this.s3 = key[3]! | 0;
  }

  /** HOT: uniform uint32 (one xoshiro128** step). */
  nextU32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    // result = rotl(s1 * 5, 7) * 9
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    this.s1 = s1 ^ s2;
    this.s0 = s0 ^ s3;
    this.s2 = s2 ^ t;
    this.s3 = (s3 << 11) | (s3 >>> 21);
    return result >>> 0;
  }

  /** HOT: uniform in [0, 1) with 53-bit resolution (two draws: 27 + 26 bits). */
  nextFloat(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * TWO_POW_26 + lo) / TWO_POW_53;
  }

  /**
   * HOT: uniform integer in [0, n), unbiased. `n` must be an integer in
   * [1, 2^32]. Rejection: draws at or above the largest multiple of n that
   * fits in 2^32 are redrawn, so each residue is equally likely (expected
   * draws < 2). All arithmetic is exact in doubles (values < 2^33).
   */
  nextInt(n: number): number {
    // A wrong n would loop forever or return NaN; one compare is cheap.
    if (!(n >= 1 && n <= TWO_POW_32) || n !== Math.floor(n)) {
      throw new RangeError(`Prng.nextInt: n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let x = this.nextU32();
    while (x >= limit) x = this.nextU32();
    return x % n;
  }

  /**
   * HOT: exponential variate with the given mean (> 0); the result is > 0.
   * Inverse CDF, -mean * ln(u), with u = (k + 0.5) / 2^52 for a 52-bit k, so
   * u lies strictly inside (0, 1) (its largest value, 1 - 2^-53, is exactly
   * representable) and ln(u) < 0. The tail is cut at 36.7 means (probability
   * e^-36.7 ~ 1e-16). Determinism: Math.log is not required by ECMAScript to
   * be correctly rounded, but V8 implements it with its own port of fdlibm
   * (ieee754::log), so the result is identical on every platform for a given
   * Node/V8 version; a V8 upgrade could in principle change the last bit.
   */
  nextExp(mean: number): number {
    const hi = this.nextU32() >>> 6; // 26 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    const u = (hi * TWO_POW_26 + lo + 0.5) / TWO_POW_52;
    return -mean * Math.log(u);
  }

  /**
   * COLD: an independent, deterministic sub-stream. The child's state is a
   * hash of (this generator's seeding key, streamId): the same id always gives
   * the same stream, different ids give unrelated streams, and the parent's
   * position does not matter. Forks can be forked again (ids form a path).
   * `streamId` is any uint32.
   */
  fork(streamId: number): Prng {
    if (!Number.isInteger(streamId) || streamId < 0 || streamId > 0xffffffff) {
      throw new RangeError(`Prng.fork: streamId must be an integer in [0, 2^32), got ${streamId}`);
    }
    const parent = this.key;
    const childKey = new Uint32Array(4);
    for (let r = 0; r < 4; r++) {
      // Each output word hashes the id and all four parent words, in a
      // different rotation per word, with a per-word domain constant; the
      // constant 0x5eed0000 separates forks from root seeding.
      let h = fmix32((streamId ^ Math.imul(r + 1, GOLDEN_U32) ^ 0x5eed0000) | 0);
      for (let j = 0; j < 4; j++) {
        h = fmix32((h + GOLDEN_U32) ^ parent[(j + r) & 3]!);
      }
      childKey[r] = h;
    }
    forkKey = childKey;
    return new Prng(0);
  }

  /** COLD: a copy of the current 128-bit state [s0, s1, s2, s3] (for tests and snapshots). */
  state(): Uint32Array {
    return Uint32Array.of(this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0);
  }
}
