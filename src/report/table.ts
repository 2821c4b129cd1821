/**
 * Plain-text tables and number formatting for terminal reports. COLD code:
 * runs once per report, so it favours clarity over speed.
 *
 * Output is ASCII apart from cell text and the micro sign, with no colours
 * or box drawing, so it reads the same in a terminal, a CI log and a file.
 */

export interface TableColumn {
  title: string;
  /** Default: 'right' when the column holds at least one number, else 'left'. */
  align?: 'left' | 'right';
  /** Shown in the header as `title (unit)`, so cells stay bare numbers. */
  unit?: string;
}

/** null (and NaN) mean "no value" and render as NO_VALUE. */
export type TableCell = string | number | null;

export interface RenderTableOptions {
  /** A line printed above the table. */
  title?: string;
  /** Formats number cells (never null or NaN); default `formatNumber`. `col` is the column index. */
  numberFormat?: (v: number, col: number) => string;
}

export const NO_VALUE = '-';
const COLUMN_GAP = '  ';

/**
 * Renders a table: optional title line, header, a rule of dashes, one line
 * per row; columns separated by two spaces, no trailing spaces, every line
 * ending in '\n' (so tables concatenate and go straight to `stream.write`).
 * Width counts code points: East Asian wide characters and combining marks
 * are not measured (emu's tables hold names and numbers).
 * Throws RangeError when a row's length differs from the column count.
 */
export function renderTable(columns: TableColumn[], rows: TableCell[][], opts: RenderTableOptions = {}): string {
  const format = opts.numberFormat ?? formatNumber;
  rows.forEach((row, r) => {
    if (row.length !== columns.length) {
      throw new RangeError(`rows[${r}] has ${row.length} cells, expected ${columns.length} (one per column)`);
    }
  });

  const headers = columns.map((c) => oneLine(c.unit ? `${c.title} (${c.unit})` : c.title));
  const cells = rows.map((row) =>
    row.map((cell, col) => {
      if (cell === null || (typeof cell === 'number' && Number.isNaN(cell))) return NO_VALUE;
      return oneLine(typeof cell === 'number' ? format(cell, col) : cell);
    }),
  );
  const aligns = columns.map((c, col) => c.align ?? (rows.some((row) => typeof row[col] === 'number') ? 'right' : 'left'));
  const widths = headers.map((h, col) => Math.max(width(h), ...cells.map((row) => width(row[col]!))));

  const line = (texts: string[]): string =>
    texts
      .map((t, col) => (aligns[col] === 'right' ? pad(t, widths[col]!, 'left') : pad(t, widths[col]!, 'right')))
      .join(COLUMN_GAP)
      .trimEnd() + '\n';

  let out = opts.title === undefined ? '' : oneLine(opts.title) + '\n';
  out += line(headers);
  out += line(widths.map((w) => '-'.repeat(w)));
  for (const row of cells) out += line(row);
  return out;
}

/**
 * Default number format: integers as they are (no thousands separators);
 * other values with up to 3 decimals when |v| >= 1 and 3 significant digits
 * below 1 (so 0.000123 stays visible), trailing zeros dropped; infinities as
 * 'inf' / '-inf'; NaN as NO_VALUE.
 */
export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return NO_VALUE;
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Number.isInteger(v)) return String(v); // String(-0) is '0'
  const s = Math.abs(v) >= 1 ? v.toFixed(3) : v.toPrecision(3);
  return dropTrailingZeros(s);
}

/** SI prefixes from 1e-15 to 1e18; U+00B5 MICRO SIGN for micro, as most terminal tools print it. */
const SI_PREFIXES = ['f', 'p', 'n', '\u00b5', 'm', '', 'k', 'M', 'G', 'T', 'P', 'E'];
const SI_UNITY_INDEX = 5;

/**
 * `value` with an SI prefix and `digits` significant digits, trailing zeros
 * kept so columns of them line up: formatSi(14.88e6, 'pps') === '14.9 Mpps',
 * formatSi(1.2e-6, 's') === '1.20 µs', formatSi(0, 's') === '0 s'.
 * NaN gives NO_VALUE. Throws RangeError unless digits is an integer in [1, 21].
 */
export function formatSi(value: number, unit: string, digits = 3): string {
  return scaled(value, digits, 1000, SI_PREFIXES, SI_UNITY_INDEX, ' ', unit);
}

const COUNT_SUFFIXES = ['', 'k', 'M', 'G', 'T', 'P', 'E'];
/** Counts below this are printed exactly: four digits fit the width of '12.3k'. */
const COUNT_EXACT_BELOW = 10_000;

/**
 * A count for humans: exact below 10 000 ('9999'), then 3 significant digits
 * with a k/M/G/T/P/E suffix and no space ('12.3k', '14.9M', '4.29G').
 * Non-integers are rounded; NaN gives NO_VALUE. Put the raw number in the
 * table instead when exactness matters (e.g. packet conservation).
 */
export function formatCount(n: number): string {
  if (Number.isNaN(n)) return NO_VALUE;
  const rounded = Math.round(n);
  if (Math.abs(rounded) < COUNT_EXACT_BELOW) return String(rounded === 0 ? 0 : rounded);
  return scaled(rounded, 3, 1000, COUNT_SUFFIXES, 0, '', '');
}

/** Shared by formatSi / formatCount: pick the prefix that puts the mantissa in [1, 1000). */
function scaled(
  value: number,
  digits: number,
  base: number,
  prefixes: string[],
  unityIndex: number,
  sep: string,
  unit: string,
): string {
  if (!Number.isInteger(digits) || digits < 1 || digits > 21) {
    throw new RangeError(`digits must be an integer in [1, 21] (got ${String(digits)})`);
  }
  if (Number.isNaN(value)) return NO_VALUE;
  const sign = value < 0 ? '-' : '';
  const a = Math.abs(value);
  const join = (num: string, prefix: string): string =>
    prefix + unit === '' ? sign + num : `${sign}${num}${sep}${prefix}${unit}`;
  if (a === Infinity) return join('inf', '');
  if (a === 0) return join('0', '');

  const lowest = -unityIndex;
  const highest = prefixes.length - 1 - unityIndex;
  const clampExp = (k: number): number => Math.min(highest, Math.max(lowest, k));
  // log10 can be off by one ulp at exact powers (e.g. 1000); the two fix-ups below correct that and rounding.
  let k = clampExp(Math.floor(Math.log10(a) / Math.log10(base)));
  let text = mantissa(a, base, k, digits);
  if (Number(text) >= base && k < highest) text = mantissa(a, base, ++k, digits);
  else if (Number(text) < 1 && k > lowest) {
    const down = mantissa(a, base, k - 1, digits);
    if (Number(down) < base) text = mantissa(a, base, --k, digits);
  }
  return join(text, prefixes[k + unityIndex]!);
}

function mantissa(a: number, base: number, k: number, digits: number): string {
  // For k < 0 multiply by the exact integer base^-k: base^k (e.g. 1e-6) is not exact in binary.
  const m = k >= 0 ? a / base ** k : a * base ** -k;
  const s = m.toPrecision(digits);
  // toPrecision switches to exponent form when the integer part has more digits than `digits`.
  return s.includes('e') ? String(Number(s)) : s;
}

function dropTrailingZeros(s: string): string {
  const e = s.indexOf('e');
  const mant = e < 0 ? s : s.slice(0, e);
  const exp = e < 0 ? '' : s.slice(e);
  const trimmed = mant.includes('.') ? mant.replace(/\.?0+$/, '') : mant;
  return (trimmed === '-0' ? '0' : trimmed) + exp;
}

function oneLine(s: string): string {
  return s.replace(/[\r\n\t]/g, ' ');
}

function width(s: string): number {
  let n = 0;
  for (const _ of s) n++; // code points, not UTF-16 units
  return n;
}

function pad(s: string, w: number, side: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, w - width(s)));
  return side === 'left' ? fill + s : s + fill;
}
