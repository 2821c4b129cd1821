import { describe, expect, it } from 'vitest';
import { ChaCha20 } from '../../src/nf/chacha20.js';
import { INITIAL_BLOCK_COUNTER, decryptFrame, encryptKind, flowHash } from '../../src/nf/encrypt.js';
import { ParsedPacket, parsePacket } from '../../src/packet/parse.js';
import { ConfigError, Problems } from '../../src/util/config-check.js';
import { NfHarness } from './harness.js';
import { arpFrame, seg, truncations, withTcpDataOffset } from './tcp-frames.js';

const KEY256 = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const KEY128 = '00112233445566778899aabbccddeeff';
const hexBytes = (h: string) => Uint8Array.from(h.match(/../g)!.map((b) => parseInt(b, 16)));
const text = (n: number, salt = 0) => String.fromCharCode(...Array.from({ length: n }, (_, i) => 0x20 + ((i * 7 + salt) % 90)));
const parsed = (f: Uint8Array) => {
  const pp = new ParsedPacket();
  parsePacket(f, 0, f.length, pp, false);
  return pp;
};

function problemsOf(raw: unknown): string[] {
  const p = new Problems();
  encryptKind.checkConfig(raw, 'config', p);
  return p.list.map((x) => x.path);
}

describe('encrypt', () => {
  const frames = () => [
    seg({ payload: text(100) }),
    seg({ payload: text(1400, 3), sport: 1234 }),
    seg({ udp: true, payload: text(37) }),
    seg({ ipv6: true, payload: text(64, 5) }),
    seg({ vlan: 7, payload: text(3) }),
    seg({ payload: text(10), padBytes: 6 }),
  ];

  for (const [keyBits, key] of [[256, KEY256], [128, KEY128]] as const) {
    for (const scope of ['payload', 'l3'] as const) {
      it(`keyBits ${keyBits}, scope ${scope}: ciphertext differs, headers and length untouched, decryptFrame restores it`, () => {
        const input = frames();
        const nf = new NfHarness(encryptKind, { key, keyBits, scope });
        const r = nf.batch(input);
        expect(r.gates[0]).toEqual(r.handles);
        for (let i = 0; i < input.length; i++) {
          const before = input[i]!;
          const after = Uint8Array.from(r.frame(r.handles[i]!));
          const pp = parsed(before);
          const start = scope === 'l3' ? pp.l4Off : pp.payloadOff;
          const end = pp.l3Off + pp.ipTotalLen;
          expect(after.length).toBe(before.length);
          expect(after.subarray(0, start)).toEqual(before.subarray(0, start));
          expect(after.subarray(end)).toEqual(before.subarray(end)); // Ethernet padding untouched
          expect(after.subarray(start, end)).not.toEqual(before.subarray(start, end));
          expect(decryptFrame(after, hexBytes(key), scope, i)).toBe(true);
          expect(after).toEqual(before);
        }
        expect(Array.from(r.counters)).toEqual([input.length, input.reduce((s, f) => {
          const pp = parsed(f);
          return s + pp.l3Off + pp.ipTotalLen - (scope === 'l3' ? pp.l4Off : pp.payloadOff);
        }, 0)]);
      });
    }
  }

  it('uses ChaCha20 with nonce (flow hash, packet counter) and block counter 1, as documented', () => {
    const f = seg({ payload: text(130) });
    const nf = new NfHarness(encryptKind, { key: KEY256 });
    nf.batch([seg({ payload: 'x' })]); // packet 0
    const r = nf.batch([f]); // packet 1
    const expected = f.slice();
    const pp = parsed(expected);
    const c = new ChaCha20(hexBytes(KEY256));
    c.setNonce(flowHash(expected, pp, true), 1, 0);
    c.xorInPlace(expected, pp.payloadOff, pp.payloadLen, INITIAL_BLOCK_COUNTER);
    expect(r.frame(r.handles[0]!)).toEqual(Array.from(expected));
  });

  it('never reuses a keystream: the same packet twice encrypts differently', () => {
    const nf = new NfHarness(encryptKind, { key: KEY256 });
    const f = seg({ payload: text(80) });
    const r = nf.batch([f, f]);
    expect(r.frame(r.handles[0]!)).not.toEqual(r.frame(r.handles[1]!));
  });

  it('declares the region read and written and charges cyclesPerByte per 64-byte keystream block', () => {
    const nf = new NfHarness(encryptKind, { key: KEY256, cyclesPerByte: 2 });
    const r = nf.batch([seg({ payload: text(100) }), seg({ payload: '' })]);
    const [h0, h1] = r.handles as [number, number];
    expect(r.pktWrites).toEqual([{ h: h0, off: 54, size: 100 }]);
    expect(r.pktReads).toEqual([{ h: h0, off: 0, size: 54 }, { h: h0, off: 54, size: 100 }, { h: h1, off: 0, size: 54 }]);
    expect(r.chargedCycles).toBe(2 * 64 * 2);
    expect(Array.from(r.counters)).toEqual([2, 100]);
    expect(r.gates[0]).toEqual([h0, h1]);
    expect(nf.instance.cost).toEqual({ cyclesPerBatch: 0, cyclesPerPacket: 40, cyclesPerByte: 0 });
  });

  it('without a key, derives one from the seed: deterministic per seed, decryptable with instance.keyBytes', () => {
    const f = seg({ payload: text(50) });
    const a = new NfHarness(encryptKind, { keyBits: 128 }, { seed: 5 });
    const b = new NfHarness(encryptKind, { keyBits: 128 }, { seed: 5 });
    const c = new NfHarness(encryptKind, { keyBits: 128 }, { seed: 6 });
    const ra = a.batch([f]);
    const rb = b.batch([f]);
    expect(rb.frame(rb.handles[0]!)).toEqual(ra.frame(ra.handles[0]!));
    const rc = c.batch([f]);
    expect(rc.frame(rc.handles[0]!)).not.toEqual(ra.frame(ra.handles[0]!));
    const key = (a.instance as unknown as { keyBytes: Uint8Array }).keyBytes;
    expect(key.length).toBe(16);
    const out = Uint8Array.from(ra.frame(ra.handles[0]!));
    decryptFrame(out, key, 'payload', 0);
    expect(out).toEqual(f);
  });

  it('malformed frames, non-IP frames and every truncation length are counted drops, never exceptions', () => {
    const nf = new NfHarness(encryptKind, { key: KEY256 });
    const cases = [
      ...truncations(seg({ payload: text(20) })), ...truncations(seg({ ipv6: true, udp: true, payload: 'abc' })),
      withTcpDataOffset(seg({ payload: 'abc' }), 2), arpFrame(),
    ];
    const r = nf.batch(cases);
    expect(r.gates[0]).toEqual([]);
    expect(r.drops.length).toBe(cases.length);
    expect(new Set(r.drops.map((d) => d.reason))).toEqual(new Set(['truncated_ethernet', 'truncated_ip', 'bad_l4_header_len', 'unsupported_ethertype']));
    for (const d of r.drops) expect(encryptKind.dropReasons).toContain(d.reason);
    expect(Array.from(r.counters)).toEqual([0, 0]);
    for (const h of r.handles) {
      const i = r.handles.indexOf(h);
      expect(r.frame(h)).toEqual(Array.from(cases[i]!)); // dropped frames are not modified
    }
  });

  it('reports config problems with their paths', () => {
    expect(problemsOf({ key: KEY256, keyBits: 128, scope: 'all', cyclesPerByte: -1, salt: 1 }).sort())
      .toEqual(['config.cyclesPerByte', 'config.key', 'config.salt', 'config.scope']);
    expect(problemsOf({ keyBits: 192 })).toEqual(['config.keyBits']);
    expect(problemsOf({ key: 'xyz' })).toEqual(['config.key']);
    expect(problemsOf({ key: KEY128, keyBits: 128 })).toEqual([]);
    expect(problemsOf({})).toEqual([]);
    expect(encryptKind.outputGates(encryptKind.checkConfig({}, 'c', new Problems()))).toBe(encryptKind.gateNames.length);
    expect(() => new NfHarness(encryptKind, { key: 5 })).toThrow(ConfigError);
  });
});
