/**
 * Readers for unit-carrying scenario fields (durations, rates, paths), in the
 * style of util/config-check.ts: record a problem, return a fallback, go on.
 */
import { isAbsolute, resolve } from 'node:path';
import type { Problems } from '../util/config-check.js';
import { parseBitRate, parseDuration, parseRate } from '../util/units.js';
import type { RateSpec } from './types.js';

export const DURATION_HELP = 'a duration like 10ms, 250us, 2s or 5000cycles (a bare number is seconds)';
export const RATE_HELP =
  'a rate like line, 10Gbps, 100Gb/s, 14.88Mpps or 500kpps (a bare number is ambiguous: add pps or bps)';
export const BIT_RATE_HELP = 'a bit rate like 10Gbps, 100Gb/s or 2.5e10 (bits per second)';

/**
 * A duration value (already taken out of its object, so overrides can use it
 * too) converted to cycles of `hz`. `undefined` gives `opts.default`, or a
 * problem if there is none. `positive`: 0 is a problem.
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
