import { describe, expect, it } from 'vitest';
import { formatCount, formatNumber, formatSi, renderTable } from '../../src/report/table.js';

describe('renderTable', () => {
  it('renders header, rule and rows; numbers right, strings left, units in the header', () => {
    const out = renderTable(
      [{ title: 'task' }, { title: 'p50', unit: 'cycles' }, { title: 'p99', unit: 'cycles' }, { title: 'drop rate' }],
      [
        ['rx', 312, 1204, 0.5],
        ['firewall', 45_000, 1_234_567, null],
        ['tx', 7, 80, 0.000123],
      ],
    );
    expect(out).toBe(
      [
        'task      p50 (cycles)  p99 (cycles)  drop rate',
        '--------  ------------  ------------  ---------',
        'rx                 312          1204        0.5',
        'firewall         45000       1234567          -',
        'tx                   7            80   0.000123',
        '',
      ].join('\n'),
    );
  });

  it('prints the title above and honours explicit alignment', () => {
    const out = renderTable(
      [
        { title: 'rate', align: 'right' },
        { title: 'n', align: 'left' },
      ],
      [
        ['14.9 Mpps', 3],
        ['980 kpps', 12],
      ],
      { title: 'Throughput' },
    );
    expect(out).toBe(['Throughput', '     rate  n', '---------  --', '14.9 Mpps  3', ' 980 kpps  12', ''].join('\n'));
  });

  it('uses numberFormat for numbers only, with the column index', () => {
    const out = renderTable([{ title: 'a' }, { title: 'b' }], [[1.5, null], [2, 'x']], {
      numberFormat: (v, col) => `${v}@${col}`,
    });
    expect(out).toBe(['    a  b', '-----  -', '1.5@0  -', '  2@0  x', ''].join('\n'));
  });

  it('renders NaN like null, infinities as inf, and keeps empty tables to header and rule', () => {
    expect(renderTable([{ title: 'v' }], [[NaN], [Infinity], [-Infinity]])).toBe(
      ['   v', '----', '   -', ' inf', '-inf', ''].join('\n'),
    );
    expect(renderTable([{ title: 'name' }, { title: 'count' }], [])).toBe('name  count\n----  -----\n');
  });

  it('measures code points, so µ and other non-ASCII text line up', () => {
    expect(renderTable([{ title: 'lat' }, { title: 'x' }], [['1.20 µs', 'é'], ['900 ns', 'ab']])).toBe(
      ['lat      x', '-------  --', '1.20 µs  é', '900 ns   ab', ''].join('\n'),
    );
  });

  it('keeps one line per row even if a cell holds a newline', () => {
    expect(renderTable([{ title: 't' }], [['a\nb']])).toBe('t\n---\na b\n');
  });

  it('rejects rows whose length does not match the columns', () => {
    expect(() => renderTable([{ title: 'a' }, { title: 'b' }], [[1, 2], [3]])).toThrow(
      'rows[1] has 1 cells, expected 2 (one per column)',
    );
  });
});

describe('formatNumber', () => {
  it('keeps integers, limits decimals, drops trailing zeros', () => {
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(-0)).toBe('0');
    expect(formatNumber(1234567)).toBe('1234567');
    expect(formatNumber(-42)).toBe('-42');
    expect(formatNumber(3.14159)).toBe('3.142');
    expect(formatNumber(2.5)).toBe('2.5');
    expect(formatNumber(12345.6789)).toBe('12345.679');
    expect(formatNumber(999.9996)).toBe('1000');
    expect(formatNumber(0.5)).toBe('0.5');
    expect(formatNumber(0.000123456)).toBe('0.000123');
    expect(formatNumber(-0.25)).toBe('-0.25');
    expect(formatNumber(1.5e-9)).toBe('1.5e-9');
    expect(formatNumber(NaN)).toBe('-');
  });
});

describe('formatSi', () => {
  it('matches the documented examples', () => {
    expect(formatSi(14.88e6, 'pps')).toBe('14.9 Mpps');
    expect(formatSi(1.2e-6, 's')).toBe('1.20 \u00b5s');
  });

  it('picks the prefix that keeps the mantissa in [1, 1000), including after rounding', () => {
    expect(formatSi(1, 'B')).toBe('1.00 B');
    expect(formatSi(999, 'B')).toBe('999 B');
    expect(formatSi(999.6, 'B')).toBe('1.00 kB');
    expect(formatSi(1000, 'B')).toBe('1.00 kB');
    expect(formatSi(0.001, 's')).toBe('1.00 ms');
    expect(formatSi(0.0009996, 's')).toBe('1.00 ms');
    expect(formatSi(2.5e9, 'Hz')).toBe('2.50 GHz');
    expect(formatSi(123.456e-9, 's')).toBe('123 ns');
    expect(formatSi(4.2e-12, 's')).toBe('4.20 ps');
    expect(formatSi(100e-3, 's')).toBe('100 ms');
  });

  it('honours digits, sign, zero, non-finite values and an empty unit', () => {
    expect(formatSi(14.88e6, 'pps', 2)).toBe('15 Mpps');
    expect(formatSi(14.88e6, 'pps', 4)).toBe('14.88 Mpps');
    expect(formatSi(150, 'B', 1)).toBe('200 B');
    expect(formatSi(-2.5e-3, 'V')).toBe('-2.50 mV');
    expect(formatSi(0, 's')).toBe('0 s');
    expect(formatSi(14.88e6, '')).toBe('14.9 M');
    expect(formatSi(12, '')).toBe('12.0');
    expect(formatSi(Infinity, 's')).toBe('inf s');
    expect(formatSi(-Infinity, 's')).toBe('-inf s');
    expect(formatSi(NaN, 's')).toBe('-');
  });

  it('stays at the outermost prefixes beyond them', () => {
    expect(formatSi(5e20, 'B')).toBe('500 EB');
    expect(formatSi(3e-17, 's')).toBe('0.0300 fs');
  });

  it('rejects bad digits', () => {
    expect(() => formatSi(1, 's', 0)).toThrow('digits must be an integer in [1, 21] (got 0)');
    expect(() => formatSi(1, 's', 2.5)).toThrow(RangeError);
  });
});

describe('formatCount', () => {
  it('is exact below 10 000, compact above', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(7)).toBe('7');
    expect(formatCount(9999)).toBe('9999');
    expect(formatCount(10_000)).toBe('10.0k');
    expect(formatCount(12_345)).toBe('12.3k');
    expect(formatCount(999_999)).toBe('1.00M');
    expect(formatCount(14_880_000)).toBe('14.9M');
    expect(formatCount(2 ** 32)).toBe('4.29G');
    expect(formatCount(-12_345)).toBe('-12.3k');
    expect(formatCount(41.6)).toBe('42');
    expect(formatCount(-0.2)).toBe('0');
    expect(formatCount(NaN)).toBe('-');
    expect(formatCount(Infinity)).toBe('inf');
  });
});
