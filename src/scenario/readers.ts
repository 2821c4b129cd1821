/**
 * Readers for unit-carrying scenario fields (durations, rates, paths), in the
 * style of util/config-check.ts: record a problem, return a fallback, go on.
 */
import { isAbsolute, resolve } from 'node:path';
import type { Problems } from '../util/config-check.js';
import { durationSecondsAt, parseBitRate, parseDuration, parseRate } from '../util/units.js';
import { MAX_DURATION_SECONDS } from './limits.js';
import type { RateSpec } from './types.js';

export const DURATION_HELP = 'a duration like 10ms, 250us, 2s or 5000cycles (a bare number is seconds)';
export const RATE_HELP =
  'a rate like line, 10Gbps, 100Gb/s, 14.88Mpps or 500kpps (a bare number is ambiguous: add pps or bps)';
export const BIT_RATE_HELP = 'a bit rate like 10Gbps, 100Gb/s or 2.5e10 (bits per second)';

/** "at most 86400s (one day)": appended to what a duration field expects when the value is too long. */
export const DURATION_MAX_HELP = `at most ${MAX_DURATION_SECONDS}s (one day, the longest emu accepts)`;

/**
 * A duration value (already taken out of its object, so overrides can use it
 * too) converted to cycles of `hz`. `undefined` gives `opts.default`, or a
 * problem if there is none. `positive`: 0 is a problem. Longer than
 * MAX_DURATION_SECONDS: a problem that says so.
 */
export function readDurationCycles(
  p: Problems,
  v: unknown,
  where: string,
  hz: number,
  opts: { default?: number; positive?: boolean } = {},
): number {
  const expected = opts.positive ? `${DURATION_HELP}, > 0` : DURATION_HELP;
  const fallback = opts.default ?? (opts.positive ? 1 : 0);
  if (v === undefined) {
    if (opts.default !== undefined) return opts.default;
    p.add(where, v, expected);
    return fallback;
  }
  const seconds = durationSecondsAt(v, hz);
  if (seconds !== null && seconds > MAX_DURATION_SECONDS) {
    p.add(where, v, `a duration ${DURATION_MAX_HELP}`);
    return fallback;
  }
  const d = parseDuration(v, hz);
  if (d === null || (opts.positive === true && d.cycles === 0)) {
    p.add(where, v, expected);
    return fallback;
  }
  return d.cycles;
}

/** A traffic rate; see {@link RATE_HELP}. Missing: a problem. */
export function readRate(p: Problems, v: unknown, where: string): RateSpec {
  const r = parseRate(v);
  if (r === null) {
    p.add(where, v, RATE_HELP);
    return { kind: 'line' };
  }
  return r;
}

/** "20us", "1.5ms", "86400s": a duration as the scenario format writes it, 4 significant digits. */
export function formatDurationSeconds(seconds: number): string {
  const units: [number, string][] = [[1, 's'], [1e-3, 'ms'], [1e-6, 'us']];
  for (const [f, unit] of units) {
    if (seconds >= f) return `${Number((seconds / f).toPrecision(4))}${unit}`;
  }
  return `${Number((seconds / 1e-9).toPrecision(4))}ns`;
}

/** "148.8Mpps": a packet rate as the scenario format writes it, 4 significant digits. */
export function formatPps(pps: number): string {
  return siText(pps, 'pps', false);
}

/** "100Gbps": a bit rate as the scenario format writes it, 4 significant digits. */
export function formatBps(bps: number): string {
  return siText(bps, 'bps', true);
}

function siText(v: number, unit: string, tera: boolean): string {
  const prefixes: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [f, pre] of prefixes) {
    if ((pre !== 'T' || tera) && v >= f) return `${Number((v / f).toPrecision(4))}${pre}${unit}`;
  }
  return `${Number(v.toPrecision(4))}${unit}`;
}

/** A bit rate in [minBps, maxBps]. */
export function readBitRate(
  p: Problems,
  v: unknown,
  where: string,
  minBps: number,
  maxBps: number,
  rangeText: string,
): number {
  const bps = parseBitRate(v);
  if (bps === null || bps < minBps || bps > maxBps) {
    p.add(where, v, `${BIT_RATE_HELP}, ${rangeText}`);
    return minBps;
  }
  return bps;
}

/** A non-empty path string, made absolute against `baseDir` (or the cwd when null). */
export function readPath(p: Problems, v: unknown, where: string, baseDir: string | null, what: string): string {
  if (typeof v !== 'string' || v.trim() === '') {
    p.add(where, v, what);
    return '';
  }
  return isAbsolute(v) ? resolve(v) : resolve(baseDir ?? process.cwd(), v);
}
