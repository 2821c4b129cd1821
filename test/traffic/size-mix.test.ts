import { describe, expect, it } from 'vitest';
import { Prng } from '../../src/util/prng.js';
import { IMIX_SIMPLE, SizeSampler, fixedSize, meanFrameBytesOf, sizeMixFrom } from '../../src/traffic/size-mix.js';

describe('size mixes', () => {
  it('IMIX_SIMPLE is 7:4:1 of 64, 594 and 1518-byte frames', () => {
    expect(Array.from(IMIX_SIMPLE.frameBytes)).toEqual([64, 594, 1518]);
    expect(Array.from(IMIX_SIMPLE.weights)).toEqual([7, 4, 1]);
    expect(meanFrameBytesOf(IMIX_SIMPLE)).toBeCloseTo(4342 / 12, 10);
  });

  it('fixedSize makes a one-entry mix and validates it', () => {
    const m = fixedSize(64);
    expect(Array.from(m.frameBytes)).toEqual([64]);
    expect(Array.from(m.weights)).toEqual([1]);
    expect(() => fixedSize(60)).toThrow(/sizes\[0\]\.bytes must be an integer in 64\.\.1522/);
    expect(() => fixedSize(1522)).not.toThrow();
  });

  it('sizeMixFrom names every bad entry in one RangeError', () => {
    let msg = '';
    try {
      sizeMixFrom([
        { bytes: 64, weight: 1 },
        { bytes: 40, weight: 1 },
        { bytes: 128.5, weight: -2 },
        { bytes: 64, weight: Number.NaN },
        { bytes: 9000, weight: 1 },
      ]);
    } catch (e) {
      expect(e).toBeInstanceOf(RangeError);
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/sizes\[1\]\.bytes must be an integer in 64\.\.1522 \(frame length with FCS\), got 40/);
    expect(msg).toMatch(/sizes\[2\]\.bytes .* got 128\.5/);
    expect(msg).toMatch(/sizes\[2\]\.weight must be a finite number >= 0, got -2/);
    expect(msg).toMatch(/sizes\[3\]\.bytes 64 repeats sizes\[0\]/);
    expect(msg).toMatch(/sizes\[3\]\.weight .* got NaN/);
    expect(msg).toMatch(/sizes\[4\]\.bytes .* got 9000/);
    expect(() => sizeMixFrom([])).toThrow(/the list is empty/);
    expect(() => sizeMixFrom([{ bytes: 64, weight: 0 }])).toThrow(/weights sum to 0/);
  });
});

describe('SizeSampler', () => {
  it('draws IMIX sizes with the right frequencies (one draw per frame)', () => {
    const p = new Prng(1);
    const s = new SizeSampler(IMIX_SIMPLE, p);
    const draws = 120000;
    const counts = new Map<number, number>();
    for (let i = 0; i < draws; i++) {
      const b = s.next();
      counts.set(b, (counts.get(b) ?? 0) + 1);
    }
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([64, 594, 1518]);
    const expected = new Map([[64, (7 / 12) * draws], [594, (4 / 12) * draws], [1518, (1 / 12) * draws]]);
    let chi = 0;
    for (const [b, e] of expected) chi += (counts.get(b)! - e) ** 2 / e;
    // 2 degrees of freedom: P(chi2 > 13.82) = 0.001.
    expect(chi).toBeLessThan(13.82);
    // Exactly one nextU32 per frame: a twin generator lines up afterwards.
    const twin = new Prng(1);
    for (let i = 0; i < draws; i++) twin.nextU32();
    expect(p.state()).toEqual(twin.state());
    expect(s.meanFrameBytes()).toBeCloseTo(4342 / 12, 10);
  });

  it('maps draws to sizes through cumulative thresholds, deterministically', () => {
    const a = new SizeSampler(IMIX_SIMPLE, new Prng(9));
    const b = new SizeSampler(IMIX_SIMPLE, new Prng(9));
    const p = new Prng(9);
    for (let i = 0; i < 2000; i++) {
      const x = p.nextU32();
      const want = x < Math.round((7 / 12) * 2 ** 32) ? 64 : x < Math.round((11 / 12) * 2 ** 32) ? 594 : 1518;
      const got = a.next();
      expect(got).toBe(want);
      expect(b.next()).toBe(got);
    }
  });

  it('a single-size mix never consumes PRNG draws', () => {
    const p = new Prng(3);
    const before = p.state();
    const s = new SizeSampler(fixedSize(1518), p);
    for (let i = 0; i < 1000; i++) expect(s.next()).toBe(1518);
    expect(p.state()).toEqual(before);
    expect(s.meanFrameBytes()).toBe(1518);
    // Also when only one entry has a positive weight.
    const one = new SizeSampler(sizeMixFrom([{ bytes: 64, weight: 0 }, { bytes: 256, weight: 2 }, { bytes: 512, weight: 0 }]), p);
    for (let i = 0; i < 100; i++) expect(one.next()).toBe(256);
    expect(p.state()).toEqual(before);
    expect(one.meanFrameBytes()).toBe(256);
  });

  it('never draws zero-weight sizes in a varying mix', () => {
    const mix = sizeMixFrom([
      { bytes: 64, weight: 0 },
      { bytes: 128, weight: 1 },
      { bytes: 256, weight: 0 },
      { bytes: 512, weight: 3 },
      { bytes: 1024, weight: 0 },
    ]);
    const s = new SizeSampler(mix, new Prng(4));
    const seen = new Set<number>();
    let small = 0;
    for (let i = 0; i < 40000; i++) {
      const b = s.next();
      seen.add(b);
      if (b === 128) small++;
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([128, 512]);
    expect(Math.abs(small / 40000 - 0.25)).toBeLessThan(0.015);
    expect(s.meanFrameBytes()).toBe((128 + 3 * 512) / 4);
  });

  it('rejects malformed mixes built by hand', () => {
    const p = new Prng(1);
    expect(() => new SizeSampler({ frameBytes: new Uint16Array(0), weights: new Float64Array(0) }, p)).toThrow(RangeError);
    expect(() => new SizeSampler({ frameBytes: Uint16Array.of(64, 128), weights: Float64Array.of(1) }, p)).toThrow(RangeError);
    expect(() => new SizeSampler({ frameBytes: Uint16Array.of(64), weights: Float64Array.of(0) }, p)).toThrow(/sum to 0/);
    expect(() => new SizeSampler({ frameBytes: Uint16Array.of(64), weights: Float64Array.of(-1) }, p)).toThrow(/weights\[0\]/);
  });
});
