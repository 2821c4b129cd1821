/**
 * ChaCha20 stream cipher, written from the description in RFC 8439 §2.1–2.4
 * (the IETF variant: 32-bit block counter in state word 12, 96-bit nonce in
 * words 13..15, 20 rounds).
 *
 * Keys: 32 bytes use the RFC's constants "expand 32-byte k". 16-byte keys use
 * the original ChaCha 128-bit-key setup (Bernstein, "ChaCha, a variant of
 * Salsa20", 2008, inheriting Salsa20's): constants "expand 16-byte k" and the
 * key placed twice (words 4..7 and 8..11). Only the key setup differs; the
 * counter/nonce layout stays the RFC's. With a zero high nonce word this is
 * exactly the original 64-bit-counter/64-bit-nonce ChaCha, which is how the
 * tests check it against draft-strombergson-chacha-test-vectors.
 *
 * Byte order: every 32-bit word is little-endian on the wire (RFC 8439
 * §2.3), assembled with shifts so the result does not depend on the host.
 *
 * COLD: the constructor (checks the key, allocates the state).
 * HOT:  setNonce, xorInPlace, keystreamBlock — no allocation, no throwing.
 */

export const CHACHA_BLOCK_BYTES = 64;
export const CHACHA_NONCE_BYTES = 12;

/** "expand 32-byte k" as four little-endian words (RFC 8439 §2.3). */
const SIGMA0 = 0x61707865;
const SIGMA1 = 0x3320646e;
const SIGMA2 = 0x79622d32;
const SIGMA3 = 0x6b206574;
/** "expand 16-byte k": differs from SIGMA in words 1 ("nd 1") and 2 ("6-by"). */
const TAU1 = 0x3120646e;
const TAU2 = 0x79622d36;

/** Little-endian u32 at `off`. */
function readLe32(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

export class ChaCha20 {
  /** Input state: constants, key, counter (word 12), nonce (13..15). */
  private readonly input = new Uint32Array(16);
  /** Output of the last block function call (state after 20 rounds plus input). */
  readonly block = new Uint32Array(16);
  readonly keyBits: 128 | 256;

  /** COLD: `key` is 16 or 32 bytes; throws otherwise. The nonce starts at zero. */
  constructor(key: Uint8Array) {
    if (key.length !== 16 && key.length !== 32) {
      throw new RangeError(`ChaCha20 key must be 16 or 32 bytes, got ${key.length}`);
    }
    const s = this.input;
    const long = key.length === 32;
    this.keyBits = long ? 256 : 128;
    s[0] = SIGMA0;
    s[1] = long ? SIGMA1 : TAU1;
    s[2] = long ? SIGMA2 : TAU2;
    s[3] = SIGMA3;
    for (let i = 0; i < 4; i++) s[4 + i] = readLe32(key, 4 * i);
    // A 128-bit key is used twice: words 8..11 repeat words 4..7.
    for (let i = 0; i < 4; i++) s[8 + i] = long ? readLe32(key, 16 + 4 * i) : s[4 + i]!;
  }

  /** HOT: the 96-bit nonce as three words (word i = nonce bytes 4i..4i+3, little-endian). */
  setNonce(n0: number, n1: number, n2: number): void {
    const s = this.input;
    s[13] = n0;
    s[14] = n1;
    s[15] = n2;
  }

  /** HOT: the nonce from 12 bytes of `b` at `off` (RFC byte order). */
  setNonceBytes(b: Uint8Array, off: number): void {
    this.setNonce(readLe32(b, off), readLe32(b, off + 4), readLe32(b, off + 8));
  }

  /**
   * HOT: the ChaCha20 block function (RFC 8439 §2.3) for block `counter`
   * into `this.block`: 10 double rounds (column then diagonal quarter
   * rounds, §2.1–2.2) on a copy of the input, then the input added word-wise.
   * The 16 words live in locals so V8 keeps them in registers.
   */
  computeBlock(counter: number): void {
    const s = this.input;
    s[12] = counter;
    let x0 = s[0]! | 0, x1 = s[1]! | 0, x2 = s[2]! | 0, x3 = s[3]! | 0;
    let x4 = s[4]! | 0, x5 = s[5]! | 0, x6 = s[6]! | 0, x7 = s[7]! | 0;
    let x8 = s[8]! | 0, x9 = s[9]! | 0, x10 = s[10]! | 0, x11 = s[11]! | 0;
    let x12 = s[12]! | 0, x13 = s[13]! | 0, x14 = s[14]! | 0, x15 = s[15]! | 0;
    for (let i = 0; i < 10; i++) {
      // QUARTERROUND(0, 4, 8, 12)
      x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 16) | (x12 >>> 16);
      x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 12) | (x4 >>> 20);
      x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 8) | (x12 >>> 24);
      x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 7) | (x4 >>> 25);
      // QUARTERROUND(1, 5, 9, 13)
      x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 16) | (x13 >>> 16);
      x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 12) | (x5 >>> 20);
      x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 8) | (x13 >>> 24);
      x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 7) | (x5 >>> 25);
      // QUARTERROUND(2, 6, 10, 14)
      x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 16) | (x14 >>> 16);
      x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 12) | (x6 >>> 20);
      x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 8) | (x14 >>> 24);
      x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 7) | (x6 >>> 25);
      // QUARTERROUND(3, 7, 11, 15)
      x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 16) | (x15 >>> 16);
      x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 12) | (x7 >>> 20);
      x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 8) | (x15 >>> 24);
      x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 7) | (x7 >>> 25);
      // QUARTERROUND(0, 5, 10, 15)
      x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 16) | (x15 >>> 16);
      x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 12) | (x5 >>> 20);
      x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 8) | (x15 >>> 24);
      x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 7) | (x5 >>> 25);
      // QUARTERROUND(1, 6, 11, 12)
      x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 16) | (x12 >>> 16);
      x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 12) | (x6 >>> 20);
      x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 8) | (x12 >>> 24);
      x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 7) | (x6 >>> 25);
      // QUARTERROUND(2, 7, 8, 13)
      x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 16) | (x13 >>> 16);
      x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 12) | (x7 >>> 20);
      x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 8) | (x13 >>> 24);
      x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 7) | (x7 >>> 25);
      // QUARTERROUND(3, 4, 9, 14)
      x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 16) | (x14 >>> 16);
      x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 12) | (x4 >>> 20);
      x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 8) | (x14 >>> 24);
      x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 7) | (x4 >>> 25);
    }
    // Uint32Array stores reduce the sums modulo 2^32.
    const o = this.block;
    o[0] = x0 + s[0]!; o[1] = x1 + s[1]!; o[2] = x2 + s[2]!; o[3] = x3 + s[3]!;
    o[4] = x4 + s[4]!; o[5] = x5 + s[5]!; o[6] = x6 + s[6]!; o[7] = x7 + s[7]!;
    o[8] = x8 + s[8]!; o[9] = x9 + s[9]!; o[10] = x10 + s[10]!; o[11] = x11 + s[11]!;
    o[12] = x12 + s[12]!; o[13] = x13 + s[13]!; o[14] = x14 + s[14]!; o[15] = x15 + s[15]!;
  }

  /** HOT: the serialized keystream block `counter` (64 bytes) into `out` at `off`. */
  keystreamBlock(counter: number, out: Uint8Array, off: number): void {
    this.computeBlock(counter);
    const o = this.block;
    for (let w = 0; w < 16; w++) {
      const x = o[w]!;
      const p = off + 4 * w;
      out[p] = x;
      out[p + 1] = x >>> 8;
      out[p + 2] = x >>> 16;
      out[p + 3] = x >>> 24;
    }
  }

  /**
   * HOT: ChaCha20 encryption (RFC 8439 §2.4) of buf[off, off+len) in place,
   * with the current key and nonce and block counters starting at
   * `initialCounter`. Decryption is the same call. Returns the number of
   * 64-byte keystream blocks generated, ceil(len / 64): a partial last block
   * costs a whole block function call.
   */
  xorInPlace(buf: Uint8Array, off: number, len: number, initialCounter: number): number {
    const o = this.block;
    let p = off;
    let left = len;
    let counter = initialCounter >>> 0;
    let blocks = 0;
    while (left > 0) {
      this.computeBlock(counter);
      counter = (counter + 1) >>> 0;
      blocks++;
      if (left >= CHACHA_BLOCK_BYTES) {
        for (let w = 0; w < 16; w++) {
          const x = o[w]!;
          buf[p] ^= x;
          buf[p + 1] ^= x >>> 8;
          buf[p + 2] ^= x >>> 16;
          buf[p + 3] ^= x >>> 24;
          p += 4;
        }
        left -= CHACHA_BLOCK_BYTES;
      } else {
        for (let i = 0; i < left; i++) {
          buf[p + i] ^= o[i >>> 2]! >>> ((i & 3) << 3);
        }
        left = 0;
      }
    }
    return blocks;
  }
}
