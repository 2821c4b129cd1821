/**
 * The set-associative LRU cache on tiny geometries, with every expectation
 * worked out by hand in the comments.
 */
import { describe, expect, it } from 'vitest';
import { NO_LINE, SetAssocCache } from '../../src/hw/cache.js';

describe('SetAssocCache: set index', () => {
  it('maps line addresses to line mod sets, exactly, up to 2^53', () => {
    const c = new SetAssocCache(4, 2);
    expect(c.setIndex(0)).toBe(0);
    expect(c.setIndex(5)).toBe(1);
    expect(c.setIndex(4 * 1000 + 3)).toBe(3);
    // 2^40 + 3: 2^40 is a multiple of 4.
    expect(c.setIndex(2 ** 40 + 3)).toBe(3);
    // 2^52 + 2^33 + 6 -> 6 mod 4 = 2 (ToUint32 keeps the low 32 bits: 6).
    expect(c.setIndex(2 ** 52 + 2 ** 33 + 6)).toBe(2);
    // 2^53 - 1 is odd and = 3 mod 4.
    expect(c.setIndex(2 ** 53 - 1)).toBe(3);
  });

  it('uses an exact modulo for set counts that are not powers of two', () => {
    const c = new SetAssocCache(3, 2);
    expect(c.setIndex(7)).toBe(1);
    // 2^50 = (2^2)^25 = 1 mod 3, so 2^50 + 1 = 2 mod 3.
    expect(c.setIndex(2 ** 50 + 1)).toBe(2);
    // 2^51 = 2 mod 3, so 2^51 + 1 = 0 mod 3.
    expect(c.setIndex(2 ** 51 + 1)).toBe(0);
  });

  it('keeps lines of different sets apart', () => {
    const c = new SetAssocCache(4, 2);
    for (const l of [0, 1, 2, 3, 4, 5, 6, 7]) expect(c.access(l, false)).toBe(false);
    // 8 lines, 2 per set: everything fits.
    for (const l of [0, 1, 2, 3, 4, 5, 6, 7]) expect(c.access(l, false)).toBe(true);
    expect(c.contents(1)).toEqual([5, 1]);
    expect(c.occupancy()).toBe(8);
  });
});

describe('SetAssocCache: LRU and write-back (4 sets x 2 ways)', () => {
  it('evicts the least recently used line of the set and reports it', () => {
    const c = new SetAssocCache(4, 2);
    expect(c.access(0, false)).toBe(false); // set 0: [0]
    expect(c.victimLine).toBe(NO_LINE);
    expect(c.access(4, false)).toBe(false); // set 0: [4, 0]
    expect(c.access(0, false)).toBe(true); // set 0: [0, 4] (0 is MRU again)
    expect(c.contents(0)).toEqual([0, 4]);
    expect(c.access(8, false)).toBe(false); // evicts 4, the LRU: [8, 0]
    expect(c.victimLine).toBe(4);
    expect(c.victimDirty).toBe(false);
    expect(c.contents(0)).toEqual([8, 0]);
    expect(c.contains(4)).toBe(false);
    // Other sets untouched.
    expect(c.contents(1)).toEqual([]);
  });

  it('reports a dirty victim for write-back, and only when it was written', () => {
    const c = new SetAssocCache(4, 2);
    c.access(0, false); // [0]
    c.access(4, false); // [4, 0]
    expect(c.access(0, true)).toBe(true); // store hit: [0*, 4]
    expect(c.isDirty(0)).toBe(true);
    expect(c.isDirty(4)).toBe(false);
    c.access(12, false); // evicts 4 (clean): [12, 0*]
    expect(c.victimLine).toBe(4);
    expect(c.victimDirty).toBe(false);
    c.access(16, false); // evicts 0 (dirty): [16, 12]
    expect(c.victimLine).toBe(0);
    expect(c.victimDirty).toBe(true);
    // A store miss allocates the line dirty.
    c.access(20, true); // evicts 12: [20*, 16]
    expect(c.victimLine).toBe(12);
    expect(c.isDirty(20)).toBe(true);
    // A hit clears the victim report.
    expect(c.access(20, false)).toBe(true);
    expect(c.victimLine).toBe(NO_LINE);
  });

  it('thrashes a 2-way set with 3 lines in a cycle: every access misses', () => {
    const c = new SetAssocCache(4, 2);
    let hits = 0;
    for (let r = 0; r < 10; r++) for (const l of [0, 4, 8]) if (c.access(l, false)) hits++;
    // LRU always evicts exactly the line needed next.
    expect(hits).toBe(0);
  });

  it('a 9-line loop over an 8-line cache: set 0 thrashes, the others hit', () => {
    // Lines 0..8: set 0 gets 0, 4, 8 (3 lines, 2 ways: always miss);
    // sets 1..3 get two lines each (fit). Round 1: 9 misses. Each later
    // round: 3 misses (set 0) + 6 hits. Over 10 rounds: 9 + 9*3 = 36 misses, 54 hits.
    const c = new SetAssocCache(4, 2);
    let hits = 0;
    let misses = 0;
    for (let r = 0; r < 10; r++) {
      for (let l = 0; l <= 8; l++) {
        if (c.access(l, false)) hits++;
        else misses++;
      }
    }
    expect(misses).toBe(36);
    expect(hits).toBe(54);
  });

  it('a loop over twice the capacity never hits', () => {
    const c = new SetAssocCache(4, 2);
    let hits = 0;
    for (let r = 0; r < 5; r++) for (let l = 0; l < 16; l++) if (c.access(l, false)) hits++;
    expect(hits).toBe(0);
  });

  it('lookup probes without allocating; insert ORs the dirty bit of a present line', () => {
    const c = new SetAssocCache(4, 2);
    expect(c.lookup(3, false)).toBe(false);
    expect(c.contains(3)).toBe(false);
    c.insert(3, false);
    c.insert(7, false); // set 3: [7, 3]
    c.insert(3, true); // present: MRU and dirty, no victim
    expect(c.victimLine).toBe(NO_LINE);
    expect(c.contents(3)).toEqual([3, 7]);
    expect(c.isDirty(3)).toBe(true);
    c.insert(3, false); // does not clear dirty
    expect(c.isDirty(3)).toBe(true);
  });

  it('invalidate removes a line, reports its dirty state, and keeps the order of the rest', () => {
    const c = new SetAssocCache(2, 4);
    for (const l of [0, 2, 4, 6]) c.access(l, l === 2); // set 0: [6, 4, 2*, 0]
    expect(c.invalidate(2)).toBe(1);
    expect(c.contents(0)).toEqual([6, 4, 0]);
    expect(c.invalidate(4)).toBe(0);
    expect(c.invalidate(4)).toBe(-1);
    expect(c.contents(0)).toEqual([6, 0]);
    // The freed ways are reused before anything is evicted.
    c.access(8, false);
    c.access(10, false);
    expect(c.victimLine).toBe(NO_LINE);
    expect(c.contents(0)).toEqual([10, 8, 6, 0]);
    c.access(12, false);
    expect(c.victimLine).toBe(0);
  });

  it('markDirty sets the bit without changing recency', () => {
    const c = new SetAssocCache(1, 2);
    c.access(1, false);
    c.access(2, false); // [2, 1]
    expect(c.markDirty(1)).toBe(true);
    expect(c.contents(0)).toEqual([2, 1]);
    expect(c.markDirty(3)).toBe(false);
    c.access(3, false); // evicts 1, dirty
    expect(c.victimLine).toBe(1);
    expect(c.victimDirty).toBe(true);
  });

  it('works with huge line addresses (no BigInt, no precision loss)', () => {
    const c = new SetAssocCache(4, 2);
    const a = 2 ** 47 + 4; // set 0
    const b = 2 ** 47 + 8; // set 0, differs from a only above bit 1
    c.access(a, false);
    c.access(b, false);
    expect(c.access(a, false)).toBe(true);
    expect(c.access(b, false)).toBe(true);
    c.access(2 ** 47 + 12, false); // evicts a (LRU)
    expect(c.victimLine).toBe(a);
  });

  it('ofSize derives the set count and rejects sizes that are not whole sets', () => {
    const c = SetAssocCache.ofSize(32768, 8, 64);
    expect(c.sets).toBe(64);
    expect(c.lines).toBe(512);
    expect(() => SetAssocCache.ofSize(1000, 8, 64)).toThrow(RangeError);
    expect(() => new SetAssocCache(0, 2)).toThrow(RangeError);
    expect(() => new SetAssocCache(4, 0)).toThrow(RangeError);
  });

  it('clear empties every set', () => {
    const c = new SetAssocCache(4, 2);
    for (let l = 0; l < 8; l++) c.access(l, true);
    c.clear();
    expect(c.occupancy()).toBe(0);
    expect(c.access(0, false)).toBe(false);
  });
});

describe('SetAssocCache: dirty bits follow the recency shifts (edge geometries)', () => {
  it('32 ways: hits, invalidations and evictions at position 31 keep each line\'s dirty bit', () => {
    const c = new SetAssocCache(1, 32);
    // Lines 0..31, written when odd; MRU first: [31*, 30, 29*, ..., 1*, 0].
    for (let l = 0; l < 32; l++) c.access(l, l % 2 === 1);
    for (let l = 0; l < 32; l++) expect(c.isDirty(l), `line ${l}`).toBe(l % 2 === 1);
    // Hit at position 31 (line 0, clean) moves it to the front; nothing else changes state.
    expect(c.access(0, false)).toBe(true);
    expect(c.contents(0)[0]).toBe(0);
    for (let l = 0; l < 32; l++) expect(c.isDirty(l), `after hit, line ${l}`).toBe(l % 2 === 1);
    // Now line 1 (dirty) is at position 31: a miss evicts it dirty.
    expect(c.contents(0)[31]).toBe(1);
    c.access(100, false);
    expect(c.victimLine).toBe(1);
    expect(c.victimDirty).toBe(true);
    // Line 2 (clean) is at 31: invalidate it there; the others keep their bits.
    expect(c.contents(0)[31]).toBe(2);
    expect(c.invalidate(2)).toBe(0);
    for (let l = 3; l < 32; l++) expect(c.isDirty(l), `after invalidate, line ${l}`).toBe(l % 2 === 1);
    // A dirty line at position 31 invalidated reports dirty.
    c.access(101, false); // fills the freed way: 3 now at position 31
    expect(c.contents(0)[31]).toBe(3);
    expect(c.invalidate(3)).toBe(1);
    // A write hit deep in the set.
    expect(c.access(4, true)).toBe(true);
    expect(c.isDirty(4)).toBe(true);
    expect(c.isDirty(5)).toBe(true);
    expect(c.isDirty(6)).toBe(false);
  });

  it('a hit in the middle moves only the more recent lines\' bits', () => {
    const c = new SetAssocCache(1, 4);
    c.access(1, true);
    c.access(2, false);
    c.access(3, true);
    c.access(4, false); // [4, 3*, 2, 1*]
    expect(c.access(2, false)).toBe(true); // [2, 4, 3*, 1*]
    expect(c.contents(0)).toEqual([2, 4, 3, 1]);
    expect([1, 2, 3, 4].map((l) => c.isDirty(l))).toEqual([true, false, true, false]);
    expect(c.invalidate(4)).toBe(0); // [2, 3*, 1*]
    expect([1, 2, 3].map((l) => c.isDirty(l))).toEqual([true, false, true]);
  });

  it('1 way: direct-mapped', () => {
    const c = new SetAssocCache(2, 1);
    c.access(0, true);
    c.access(2, false);
    expect(c.victimLine).toBe(0);
    expect(c.victimDirty).toBe(true);
    expect(c.access(1, false)).toBe(false);
    expect(c.access(2, false)).toBe(true);
  });

  it('rejects more than 32 ways', () => {
    expect(() => new SetAssocCache(1, 33)).toThrow(RangeError);
  });
});
