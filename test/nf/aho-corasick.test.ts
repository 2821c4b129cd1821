import { describe, expect, it } from 'vitest';
import { AhoCorasick } from '../../src/nf/aho-corasick.js';
import type { MemoryModel } from '../../src/nf/nf.js';
import { Prng } from '../../src/util/prng.js';

const enc = (s: string) => new TextEncoder().encode(s);
const sortPairs = (a: [number, number][]) => a.slice().sort((x, y) => x[1] - y[1] || x[0] - y[0]);

/** Reference: every (pattern, end) by direct comparison at every position. */
function naive(patterns: Uint8Array[], text: Uint8Array, nocase = false): [number, number][] {
  const f = (b: number) => (nocase && b >= 0x41 && b <= 0x5a ? b + 0x20 : b);
  const out: [number, number][] = [];
  for (let end = 1; end <= text.length; end++) {
    for (let id = 0; id < patterns.length; id++) {
      const p = patterns[id]!;
      if (p.length > end) continue;
      let k = 0;
      while (k < p.length && f(p[k]!) === f(text[end - p.length + k]!)) k++;
      if (k === p.length) out.push([id, end]);
    }
  }
  return out;
}

const noMem: MemoryModel = { read: () => 0, write: () => 0 };

describe('Aho–Corasick', () => {
  it('finds overlapping patterns, suffixes of other patterns and repeated patterns', () => {
    const pats = ['he', 'she', 'his', 'hers', 'e', 'she', 'ushers'].map(enc);
    const ac = AhoCorasick.build(pats, false);
    const text = enc('ushers and she hisses: hehe');
    expect(sortPairs(ac.findAll(text))).toEqual(sortPairs(naive(pats, text)));
    // "ushers" contains she(x2 ids), he, e, hers, ushers ending in it.
    expect(ac.findAll(enc('ushers')).filter(([, end]) => end === 6).map(([id]) => id).sort()).toEqual([3, 6]);
  });

  it('agrees with a naive search on random texts and pattern sets over small alphabets', () => {
    const rng = new Prng(1975);
    for (let t = 0; t < 300; t++) {
      const alphabet = 2 + rng.nextInt(4);
      const word = (n: number) => Uint8Array.from({ length: n }, () => 0x61 + rng.nextInt(alphabet));
      const pats: Uint8Array[] = [];
      const np = 1 + rng.nextInt(12);
      for (let i = 0; i < np; i++) {
        // Some patterns are suffixes or prefixes of earlier ones.
        if (pats.length > 0 && rng.nextInt(3) === 0) {
          const base = pats[rng.nextInt(pats.length)]!;
          const cut = rng.nextInt(base.length);
          pats.push(rng.nextInt(2) === 0 ? base.slice(cut) : base.slice(0, cut + 1));
        } else pats.push(word(1 + rng.nextInt(6)));
      }
      const text = word(rng.nextInt(200));
      const ac = AhoCorasick.build(pats, false);
      expect(sortPairs(ac.findAll(text))).toEqual(sortPairs(naive(pats, text)));
    }
  });

  it('nocase folds ASCII letters in patterns and text; without it case matters', () => {
    const pats = [enc('/CGI-bin/'), enc('Cmd.EXE')];
    const text = enc('GET /cgi-BIN/x?c=cMD.exe');
    expect(sortPairs(AhoCorasick.build(pats, true).findAll(text))).toEqual(naive(pats, text, true));
    expect(AhoCorasick.build(pats, true).findAll(text).length).toBe(2);
    expect(AhoCorasick.build(pats, false).findAll(text)).toEqual([]);
  });

  it('scan() carries the state across arbitrary splits of the text', () => {
    const rng = new Prng(7);
    const pats = ['abcab', 'bca', 'cc', 'abcabcabc'].map(enc);
    const ac = AhoCorasick.build(pats, false);
    for (let t = 0; t < 100; t++) {
      const text = Uint8Array.from({ length: 1 + rng.nextInt(80) }, () => 0x61 + rng.nextInt(3));
      const positions = new Set(ac.findAll(text).map(([, end]) => end)).size;
      let row = 0;
      let matches = 0;
      let at = 0;
      while (at < text.length) {
        const n = Math.min(text.length - at, rng.nextInt(7));
        ac.beginEpoch();
        row = ac.scan(text, at, n, row, false, noMem);
        expect(ac.consumed).toBe(n);
        matches += ac.matchCount;
        at += n;
      }
      expect(matches).toBe(positions);
    }
  });

  it('stopAtMatch stops right after the first byte that ends a pattern', () => {
    const ac = AhoCorasick.build([enc('needle')], false);
    const text = enc('haystack needle and needle');
    const row = ac.scan(text, 0, text.length, 0, true, noMem);
    expect(ac.consumed).toBe('haystack needle'.length);
    expect(ac.matchCount).toBe(1);
    ac.scan(text, ac.consumed, text.length - ac.consumed, row, false, noMem);
    expect(ac.matchCount).toBe(1);
  });

  it('declares each 64-byte line of the table once per epoch, plus the class map', () => {
    const ac = AhoCorasick.build([enc('abcdefgh'), enc('xyz')], false);
    ac.place(0x100000, 0x200000);
    const reads: [number, number][] = [];
    const mem: MemoryModel = { read: (a, s) => (reads.push([a, s]), 0), write: () => 0 };
    const text = enc('abcdefgh abcdefgh xyz');
    ac.beginEpoch();
    ac.scan(text, 0, text.length, 0, false, mem);
    const lines = reads.filter(([a]) => a >= 0x100000 && a < 0x200000);
    expect(reads.filter(([a]) => a === 0x200000)).toEqual([[0x200000, 256]]);
    expect(new Set(lines.map(([a]) => a)).size).toBe(lines.length);
    for (const [a, s] of lines) {
      expect(s).toBe(64);
      expect((a - 0x100000) % 64).toBe(0);
      expect(a - 0x100000).toBeLessThan(ac.deltaBytes);
    }
    const first = reads.length;
    ac.scan(text, 0, text.length, 0, false, mem); // same epoch: nothing new
    expect(reads.length).toBe(first);
    ac.beginEpoch();
    ac.scan(text, 0, text.length, 0, false, mem);
    expect(reads.length).toBe(2 * first);
  });

  it('compresses the alphabet: bytes in no pattern share class 0 and lead back to the root', () => {
    const ac = AhoCorasick.build([enc('ab'), enc('ba')], false);
    expect(ac.classCount).toBe(3);
    expect(ac.classOf[0x7a]).toBe(0);
    expect(ac.findAll(enc('azb'))).toEqual([]);
    expect(() => AhoCorasick.build([enc('')], false)).toThrow(/empty/);
    // A table whose row offsets could leave int32 range is refused at build time (COLD), before allocating it.
    const rng = new Prng(3);
    const huge = Array.from({ length: 1100 }, () => Uint8Array.from({ length: 255 }, () => rng.nextU32() & 0xff));
    expect(() => AhoCorasick.build(huge, false)).toThrow(/too large/);
  });
});
