import { describe, expect, it } from 'vitest';
import {
  FCS_BYTES,
  WIRE_OVERHEAD_BYTES,
  cyclesToNs,
  cyclesToSeconds,
  lineRatePps,
  nsToCycles,
  parseBitRate,
  parseDuration,
  parseDurationSeconds,
  parseFrequencyHz,
  parseRate,
  secondsToCycles,
  wireBitsPerFrame,
} from '../../src/util/units.js';

describe('parseDurationSeconds', () => {
  it.each([
    [2, 2],
    [0, 0],
    [0.5, 0.5],
    ['2s', 2],
    ['10ms', 0.01],
    ['250us', 250e-6],
    ['250\u00b5s', 250e-6], // micro sign
    ['250\u03bcs', 250e-6], // greek mu
    ['1000ns', 1e-6],
    ['1.5e-3s', 1.5e-3],
    ['.5s', 0.5],
    [' 10 ms ', 0.01],
    ['0s', 0],
  ])('%j -> %f s', (input, seconds) => {
    expect(parseDurationSeconds(input)).toBeCloseTo(seconds, 15);
  });

  it.each([[-1], [NaN], [Infinity], ['10'], ['10 sec'], ['-5ms'], ['ms'], ['10MS'], ['5000cycles'], [''], [null], [true], [{}], [[1]]])(
    'rejects %j',
    (input) => {
      expect(parseDurationSeconds(input)).toBeNull();
    },
  );
});

describe('parseDuration', () => {
  const hz = 2.6e9;
  it('converts to whole cycles', () => {
    expect(parseDuration('10ms', hz)).toEqual({ cycles: 26_000_000 });
    expect(parseDuration(1, hz)).toEqual({ cycles: 2_600_000_000 });
    expect(parseDuration('1ns', hz)).toEqual({ cycles: 3 }); // 2.6 rounds to 3
    expect(parseDuration('0.1ns', hz)).toEqual({ cycles: 0 });
    expect(parseDuration('250us', 1e9)).toEqual({ cycles: 250_000 });
  });
  it('accepts cycle counts, which need no clock', () => {
    expect(parseDuration('5000cycles', hz)).toEqual({ cycles: 5000 });
    expect(parseDuration('5e3 cycles', hz)).toEqual({ cycles: 5000 });
    expect(parseDuration('1cycle', hz)).toEqual({ cycles: 1 });
    expect(parseDuration('2.5cycles', hz)).toEqual({ cycles: 3 });
  });
  it.each([['-1ms'], [-1], ['5000'], ['5000 cyc'], ['1e400s'], [1e300], [undefined]])('rejects %j', (input) => {
    expect(parseDuration(input, hz)).toBeNull();
  });
});

describe('parseRate', () => {
  it.each([
    ['14.88Mpps', { kind: 'pps', pps: 14.88e6 }],
    ['500kpps', { kind: 'pps', pps: 500e3 }],
    ['500Kpps', { kind: 'pps', pps: 500e3 }],
    ['1000pps', { kind: 'pps', pps: 1000 }],
    ['1Gpps', { kind: 'pps', pps: 1e9 }],
    ['10Gbps', { kind: 'bps', bps: 10e9 }],
    ['100Gb/s', { kind: 'bps', bps: 100e9 }],
    ['2.5Mbps', { kind: 'bps', bps: 2.5e6 }],
    ['1Tbit/s', { kind: 'bps', bps: 1e12 }],
    ['10 Gbps', { kind: 'bps', bps: 10e9 }],
    ['line', { kind: 'line' }],
  ])('%j', (input, expected) => {
    const r = parseRate(input);
    expect(r?.kind).toBe(expected.kind);
    if (r?.kind === 'pps') expect(r.pps).toBeCloseTo((expected as { pps: number }).pps, 3);
    if (r?.kind === 'bps') expect(r.bps).toBeCloseTo((expected as { bps: number }).bps, 3);
  });
  it.each([[1e6], ['1e6'], ['10GBps'], ['10mbps'], ['10 gigabits'], ['0pps'], ['-1Mpps'], ['Line'], ['10Tpps'], [null]])(
    'rejects %j',
    (input) => {
      expect(parseRate(input)).toBeNull();
    },
  );
});

describe('parseBitRate', () => {
  it('accepts bit rates and plain numbers of bits per second', () => {
    expect(parseBitRate('10Gbps')).toBe(10e9);
    expect(parseBitRate('100Gb/s')).toBe(100e9);
    expect(parseBitRate('2.5Mbps')).toBe(2.5e6);
    expect(parseBitRate(25e9)).toBe(25e9);
  });
  it.each([['40G'], ['10Mpps'], ['line'], [0], [-1], ['10GBps'], [NaN]])('rejects %j', (input) => {
    expect(parseBitRate(input)).toBeNull();
  });
});

describe('parseFrequencyHz', () => {
  it('accepts numbers of Hz and strings with units', () => {
    expect(parseFrequencyHz(2.6e9)).toBe(2.6e9);
    expect(parseFrequencyHz('2.6GHz')).toBe(2.6e9);
    expect(parseFrequencyHz('3400MHz')).toBe(3.4e9);
    expect(parseFrequencyHz('3400mhz')).toBe(3.4e9);
    expect(parseFrequencyHz('800kHz')).toBe(800e3);
    expect(parseFrequencyHz('1e9 Hz')).toBe(1e9);
  });
  it.each([['2.6'], ['2.6G'], [0], [-2.6e9], ['GHz'], [Infinity], [[]]])('rejects %j', (input) => {
    expect(parseFrequencyHz(input)).toBeNull();
  });
});

describe('conversions', () => {
  it('cycles <-> ns and seconds round-trip', () => {
    expect(cyclesToNs(2600, 2.6e9)).toBeCloseTo(1000, 9);
    expect(nsToCycles(1000, 2.6e9)).toBeCloseTo(2600, 9);
    expect(cyclesToSeconds(2.6e9, 2.6e9)).toBe(1);
    expect(secondsToCycles(0.5, 2e9)).toBe(1e9);
    expect(nsToCycles(cyclesToNs(12345, 3.1e9), 3.1e9)).toBeCloseTo(12345, 6);
  });
  it('wire overhead is preamble+SFD (8) and inter-frame gap (12)', () => {
    expect(FCS_BYTES).toBe(4);
    expect(WIRE_OVERHEAD_BYTES).toBe(20);
    expect(wireBitsPerFrame(64)).toBe(672);
    expect(wireBitsPerFrame(1518)).toBe(12304);
  });
  it('line rate in packets per second', () => {
    expect(lineRatePps(10e9, 64)).toBeCloseTo(14_880_952.38, 2);
    expect(lineRatePps(100e9, 64)).toBeCloseTo(148_809_523.8, 1);
    expect(lineRatePps(10e9, 1518)).toBeCloseTo(812_743.82, 2);
  });
});
