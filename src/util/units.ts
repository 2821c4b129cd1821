/**
 * Units: the one place where emu converts between human units (seconds, Hz,
 * bits per second, packets per second) and the engine's units (integer
 * cycles of an emulated core, frames, bits on the wire).
 *
 * COLD: parsers are for scenario files, CLI options and NF configs.
 * The conversion helpers are plain arithmetic and safe anywhere.
 *
 * No `node:*` imports: this file is loaded inside worker threads and NF
 * config checkers.
 *
 * String syntax (a number, optional spaces, a unit; no sign):
 *   durations   "2s", "10ms", "250us" / "250µs", "1000ns", "1.5e-3s",
 *               and for {@link parseDuration} also "5000cycles", "5e3 cycles"
 *   rates       "14.88Mpps", "500kpps", "1000pps"          packets per second
 *               "10Gbps", "100Gb/s", "2.5Mbps", "1Tbit/s"  bits per second
 *               "line"                                      the port's line rate
 *   bit rates   as the bps forms above, or a plain number of bits per second.
 *               A bare "40G" is rejected: say "40Gbps".
 *   frequencies "2.6GHz", "3400MHz", "800kHz", "1e9Hz" (unit case-insensitive),
 *               or a plain number of Hz.
 * Prefixes for rates are SI and case-sensitive: k or K (1e3), M (1e6),
 * G (1e9), T (1e12, bit rates only). Lower-case "m" is rejected rather than
 * guessed (milli or mega?). Capital "B" (bytes) is rejected.
 */

/** Frame check sequence at the end of every Ethernet frame; frame sizes in emu include it. */
export const FCS_BYTES = 4;

/**
 * Per-frame overhead on the wire that is not part of the frame: preamble and
 * start-of-frame delimiter (8 bytes) plus the minimum inter-frame gap
 * (12 bytes), IEEE 802.3.
 */
export const WIRE_OVERHEAD_BYTES = 20;

const NS_PER_SECOND = 1e9;

// A non-negative decimal number, optionally with an exponent: "10", "1.5", ".5", "1e3", "1.5e-3".
const NUMBER_SRC = '((?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?)';

const DURATION_RE = new RegExp(`^${NUMBER_SRC}\\s*(s|ms|us|\u00b5s|\u03bcs|ns|cycles?)$`);
const PPS_RE = new RegExp(`^${NUMBER_SRC}\\s*([kKMG]?)pps$`);
const BPS_RE = new RegExp(`^${NUMBER_SRC}\\s*([kKMGT]?)(?:bps|b/s|bit/s)$`);
const HZ_RE = new RegExp(`^${NUMBER_SRC}\\s*([kmg]?)hz$`, 'i');

const SECONDS_PER_UNIT: Readonly<Record<string, number>> = {
  s: 1,
  ms: 1e-3,
  us: 1e-6,
  '\u00b5s': 1e-6, // MICRO SIGN
  '\u03bcs': 1e-6, // GREEK SMALL LETTER MU
  ns: 1e-9,
};

const SI_PREFIX: Readonly<Record<string, number>> = {
  '': 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
};

const HZ_PREFIX: Readonly<Record<string, number>> = { '': 1, k: 1e3, m: 1e6, g: 1e9 };

function isNonNegativeFinite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

function isPositiveFinite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}

/**
 * A duration in seconds. A number is taken as seconds; a string needs a unit
 * (s, ms, us, µs, ns). Negative, non-finite and unit-less strings give null.
 * Cycle counts are not accepted here (they need a clock): use {@link parseDuration}.
 */
export function parseDurationSeconds(v: unknown): number | null {
  if (typeof v === 'number') return isNonNegativeFinite(v) ? v : null;
  if (typeof v !== 'string') return null;
  const m = DURATION_RE.exec(v.trim());
  if (m === null) return null;
  const factor = SECONDS_PER_UNIT[m[2]!];
  if (factor === undefined) return null; // "cycles": needs a clock
  const seconds = Number(m[1]) * factor;
  return isNonNegativeFinite(seconds) ? seconds : null;
}

/**
 * A duration in whole cycles of a `hz` clock: everything
 * {@link parseDurationSeconds} accepts, plus "5000cycles" / "5e3 cycles".
 * Rounded to the nearest cycle (Math.round). Null if invalid, negative, or
 * beyond Number.MAX_SAFE_INTEGER cycles.
 */
export function parseDuration(v: unknown, hz: number): { cycles: number } | null {
  let cycles: number;
  if (typeof v === 'string') {
    const m = DURATION_RE.exec(v.trim());
    if (m === null) return null;
    if (m[2] === 'cycles' || m[2] === 'cycle') {
      cycles = Math.round(Number(m[1]));
    } else {
      const seconds = parseDurationSeconds(v);
      if (seconds === null) return null;
      cycles = Math.round(secondsToCycles(seconds, hz));
    }
  } else {
    const seconds = parseDurationSeconds(v);
    if (seconds === null) return null;
    cycles = Math.round(secondsToCycles(seconds, hz));
  }
  if (!Number.isSafeInteger(cycles) || cycles < 0) return null;
  return { cycles };
}

/**
 * The length in seconds of anything written as a duration, "5000cycles"
 * included (at `hz`), however long: for telling "too long" from "not a
 * duration" where {@link parseDuration} says null to both. Null if it is not
 * a duration (wrong syntax, negative, not finite).
 */
export function durationSecondsAt(v: unknown, hz: number): number | null {
  if (typeof v === 'string') {
    const m = DURATION_RE.exec(v.trim());
    if (m !== null && (m[2] === 'cycles' || m[2] === 'cycle')) {
      const seconds = Number(m[1]) / hz;
      return isNonNegativeFinite(seconds) ? seconds : null;
    }
  }
  return parseDurationSeconds(v);
}

/**
 * A traffic rate: packets per second, bits per second, or "line" (the port's
 * line rate). A bare number is rejected because it is ambiguous (pps or bps?).
 * Zero and negative rates give null.
 */
export function parseRate(
  v: unknown,
): { kind: 'pps'; pps: number } | { kind: 'bps'; bps: number } | { kind: 'line' } | null {
  if (typeof v !== 'string') return null;
  const s = v.trim();
  if (s === 'line') return { kind: 'line' };
  const pm = PPS_RE.exec(s);
  if (pm !== null) {
    const pps = Number(pm[1]) * SI_PREFIX[pm[2]!]!;
    return isPositiveFinite(pps) ? { kind: 'pps', pps } : null;
  }
  const bps = parseBitRate(s);
  return bps === null ? null : { kind: 'bps', bps };
}

/**
 * A bit rate in bits per second: a positive number (already bits per second)
 * or a string such as "10Gbps", "100Gb/s", "2.5Mbps", "1Tbit/s".
 * Decision: a unit-less "40G" is rejected; NIC marketing names are not units.
 */
export function parseBitRate(v: unknown): number | null {
  if (typeof v === 'number') return isPositiveFinite(v) ? v : null;
  if (typeof v !== 'string') return null;
  const m = BPS_RE.exec(v.trim());
  if (m === null) return null;
  const bps = Number(m[1]) * SI_PREFIX[m[2]!]!;
  return isPositiveFinite(bps) ? bps : null;
}

/**
 * A clock frequency in Hz: a positive number of Hz (2.6e9) or a string such as
 * "2.6GHz", "3400MHz", "800kHz", "1e9Hz" (the unit is case-insensitive).
 */
export function parseFrequencyHz(v: unknown): number | null {
  if (typeof v === 'number') return isPositiveFinite(v) ? v : null;
  if (typeof v !== 'string') return null;
  const m = HZ_RE.exec(v.trim());
  if (m === null) return null;
  const hz = Number(m[1]) * HZ_PREFIX[m[2]!.toLowerCase()]!;
  return isPositiveFinite(hz) ? hz : null;
}

/** Nanoseconds taken by `cycles` cycles of a `hz` clock (not rounded). */
export function cyclesToNs(cycles: number, hz: number): number {
  return (cycles * NS_PER_SECOND) / hz;
}

/** Cycles of a `hz` clock in `ns` nanoseconds (not rounded: the caller decides how). */
export function nsToCycles(ns: number, hz: number): number {
  return (ns * hz) / NS_PER_SECOND;
}

/** Seconds taken by `c` cycles of a `hz` clock. */
export function cyclesToSeconds(c: number, hz: number): number {
  return c / hz;
}

/** Cycles of a `hz` clock in `s` seconds (not rounded). */
export function secondsToCycles(s: number, hz: number): number {
  return s * hz;
}

/** Bits one frame occupies on the wire: the frame (FCS included) plus preamble and inter-frame gap. */
export function wireBitsPerFrame(frameBytes: number): number {
  return (frameBytes + WIRE_OVERHEAD_BYTES) * 8;
}

/**
 * Frames per second that fill a link of `lineRateBps` with frames of
 * `frameBytes` (FCS included): 10e9 bps and 64-byte frames give 14 880 952.38.
 */
export function lineRatePps(lineRateBps: number, frameBytes: number): number {
  return lineRateBps / wireBitsPerFrame(frameBytes);
}
