import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ChaCha20 } from '../../src/nf/chacha20.js';
import { Prng } from '../../src/util/prng.js';

const hex = (s: string) => Uint8Array.from(s.replace(/[\s:]/g, '').match(/../g)!.map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const key00to1f = Uint8Array.from({ length: 32 }, (_, i) => i);

/** Independent reference: OpenSSL's "chacha20" through node:crypto (IV = 32-bit LE counter || 96-bit nonce). */
function openssl(key: Uint8Array, nonce: Uint8Array, counter: number, data: Uint8Array): Uint8Array {
  const iv = Buffer.alloc(16);
  iv.writeUInt32LE(counter, 0);
  Buffer.from(nonce).copy(iv, 4);
  return new Uint8Array(createCipheriv('chacha20', key, iv).update(data));
}

describe('ChaCha20 (RFC 8439)', () => {
  it('§2.3.2: block function state and serialized block', () => {
    const c = new ChaCha20(key00to1f);
    c.setNonceBytes(hex('000000090000004a00000000'), 0);
    c.computeBlock(1);
    expect(Array.from(c.block)).toEqual([
      0xe4e7f110, 0x15593bd1, 0x1fdd0f50, 0xc47120a3,
      0xc7f4d1c7, 0x0368c033, 0x9aaa2204, 0x4e6cd4c3,
      0x466482d2, 0x09aa9f07, 0x05d7c214, 0xa2028bd9,
      0xd19c12b5, 0xb94e16de, 0xe883d0cb, 0x4e3c50a2,
    ]);
    const out = new Uint8Array(70);
    c.keystreamBlock(1, out, 3);
    expect(toHex(out.subarray(3, 67))).toBe(
      '10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e' +
      'd2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e');
  });

  it('§2.4.2: encryption of the "sunscreen" plaintext, and decryption back', () => {
    const plaintext = new TextEncoder().encode(
      "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    expect(plaintext.length).toBe(114);
    const c = new ChaCha20(key00to1f);
    c.setNonceBytes(hex('000000000000004a00000000'), 0);
    const buf = plaintext.slice();
    expect(c.xorInPlace(buf, 0, buf.length, 1)).toBe(2);
    expect(toHex(buf)).toBe(
      '6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b' +
      'f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8' +
      '07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736' +
      '5af90bbf74a35be6b40b8eedf2785e42874d');
    c.xorInPlace(buf, 0, buf.length, 1);
    expect(buf).toEqual(plaintext);
  });

  it('Appendix A.1 vector #1: all-zero key, nonce and counter', () => {
    const out = new Uint8Array(64);
    new ChaCha20(new Uint8Array(32)).keystreamBlock(0, out, 0);
    expect(toHex(out)).toBe(
      '76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7' +
      'da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586');
  });

  it('matches OpenSSL on random keys, nonces, counters, offsets and lengths', () => {
    const rng = new Prng(8439);
    const bytes = (n: number) => Uint8Array.from({ length: n }, () => rng.nextU32() & 0xff);
    for (let t = 0; t < 200; t++) {
      const key = bytes(32);
      const nonce = bytes(12);
      const len = rng.nextInt(300);
      const off = rng.nextInt(9);
      const data = bytes(len);
      const buf = new Uint8Array(off + len + 5);
      buf.set(data, off);
      const c = new ChaCha20(key);
      c.setNonceBytes(nonce, 0);
      // Counters stay far from 2^32: RFC 8439 leaves the wrap undefined.
      const ctr = t === 0 ? 0 : rng.nextU32() >>> 8;
      expect(c.xorInPlace(buf, off, len, ctr)).toBe(Math.ceil(len / 64));
      expect(toHex(buf.subarray(off, off + len))).toBe(toHex(openssl(key, nonce, ctr, data)));
      // Bytes outside the range are untouched.
      expect(Array.from(buf.subarray(0, off))).toEqual(new Array(off).fill(0));
      expect(Array.from(buf.subarray(off + len))).toEqual([0, 0, 0, 0, 0]);
    }
  });

  it('xorInPlace uses consecutive block counters (a long message = concatenated keystream blocks)', () => {
    const c = new ChaCha20(key00to1f);
    c.setNonce(1, 2, 3);
    const buf = new Uint8Array(200);
    c.xorInPlace(buf, 0, 200, 7);
    const ks = new Uint8Array(256);
    for (let b = 0; b < 4; b++) c.keystreamBlock(7 + b, ks, 64 * b);
    expect(buf).toEqual(ks.subarray(0, 200));
    expect(c.xorInPlace(buf, 0, 0, 7)).toBe(0);
  });

  describe('128-bit keys ("expand 16-byte k", draft-strombergson-chacha-test-vectors, 20 rounds)', () => {
    // The original ChaCha has a 64-bit counter (words 12-13) and a 64-bit IV
    // (words 14-15); with the counter below 2^32 that is RFC layout with
    // nonce = 4 zero bytes || IV.
    const blocks = (key: Uint8Array, iv: Uint8Array) => {
      const c = new ChaCha20(key);
      const nonce = new Uint8Array(12);
      nonce.set(iv, 4);
      c.setNonceBytes(nonce, 0);
      const out = new Uint8Array(128);
      c.keystreamBlock(0, out, 0);
      c.keystreamBlock(1, out, 64);
      return [toHex(out.subarray(0, 64)), toHex(out.subarray(64))];
    };

    it('TC1: all-zero key and IV', () => {
      expect(blocks(new Uint8Array(16), new Uint8Array(8))).toEqual([
        '89670952608364fd00b2f90936f031c8e756e15dba04b8493d00429259b20f46cc04f111246b6c2ce066be3bfb32d9aa0fddfbc12123d4b9e44f34dca05a103f',
        '6cd135c2878c832b5896b134f6142a9d4d8d0d8f1026d20a0a81512cbce6e9758a7143d021978022a384141a80cea3062f41f67a752e66ad3411984c787e30ad',
      ]);
    });

    it('TC7: sequence patterns in key and IV', () => {
      expect(blocks(hex('00112233445566778899aabbccddeeff'), hex('0f1e2d3c4b5a6978'))).toEqual([
        'd1abf630467eb4f67f1cfb47cd626aae8afedbbe4ff8fc5fe9cfae307e74ed451f1404425ad2b54569d5f18148939971abb8fafc88ce4ac7fe1c3d1f7a1eb7ca',
        'e76ca87b61a9713541497760dd9ae059350cad0dcedfaa80a883119a1a6f987fd1ce91fd8ee0828034b411200a9745a285554475d12afc04887fef3516d12a2c',
      ]);
    });

    it('differs from the 256-bit key made of the 128-bit key twice (the constants differ)', () => {
      const k16 = hex('00112233445566778899aabbccddeeff');
      const k32 = new Uint8Array(32);
      k32.set(k16, 0);
      k32.set(k16, 16);
      const a = new Uint8Array(64);
      const b = new Uint8Array(64);
      new ChaCha20(k16).keystreamBlock(0, a, 0);
      new ChaCha20(k32).keystreamBlock(0, b, 0);
      expect(toHex(a)).not.toBe(toHex(b));
      expect(new ChaCha20(k16).keyBits).toBe(128);
      expect(new ChaCha20(k32).keyBits).toBe(256);
    });
  });

  it('rejects keys of other sizes at construction (COLD)', () => {
    expect(() => new ChaCha20(new Uint8Array(24))).toThrow(/16 or 32 bytes/);
  });
});
