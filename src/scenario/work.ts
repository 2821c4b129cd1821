/**
 * How much work a resolved scenario asks of the engine before it runs: the
 * frames its generators offer and its control points. The validator bounds
 * both (limits.ts); the CLI prints a wall-time estimate for big runs. COLD.
 *
 * The frame count follows the generator in engine/nic.ts: it creates every
 * frame at `rate` from `start` to the end of the run, whether or not the wire
 * carries it; a bit rate counts wire bits (frame + 20 bytes) of the mean
 * frame. A rate profile scales that by its integral from `start` to the end
 * (traffic/rate-profile.ts). Pcap replay is left out: how many frames a trace holds is known only
 * once it is read.
 */
import { generatorsOf } from './traffic.js';
import { WIRE_OVERHEAD_BYTES } from '../util/units.js';
import { MAX_CONTROL_POINTS, MIN_CONTROL_PERIOD_SECONDS } from './limits.js';
import type { GeneratorSpec, PortSpec } from './types.js';
import { RateProfile } from '../traffic/rate-profile.js';

/** Frames per second a generator offers on a port of `lineRateBps`. */
export function generatorPps(t: GeneratorSpec, lineRateBps: number): number {
  if (t.rate.kind === 'pps') return t.rate.pps;
  let bytes = 0;
  let weight = 0;
  for (const s of t.sizes) {
    bytes += s.bytes * s.weight;
    weight += s.weight;
  }
  const meanFrameBytes = weight > 0 ? bytes / weight : 64;
  const bps = t.rate.kind === 'bps' ? t.rate.bps : lineRateBps;
  return bps / ((meanFrameBytes + WIRE_OVERHEAD_BYTES) * 8);
}

export interface OfferedFrames {
  total: number;
  /** The port offering the most, for messages; null without generators. */
  largest: { port: string; pps: number; frames: number } | null;
}

/** Frames the generators of `ports` offer in a run of `durationCycles` at `hz`. */
export function offeredFrames(ports: readonly PortSpec[], hz: number, durationCycles: number): OfferedFrames {
  let total = 0;
  let largest: OfferedFrames['largest'] = null;
  for (const port of ports) {
    const t = port.traffic;
    const gens = generatorsOf(t);
    if (gens.length === 0) continue;
    let pps = 0;
    let frames = 0;
    for (const g of gens) {
      const gp = generatorPps(g, port.lineRateBps);
      pps += gp;
      frames += (gp * offeredCycles(g, durationCycles)) / hz;
    }
    total += frames;
    if (largest === null || frames > largest.frames) largest = { port: port.name, pps, frames };
  }
  return { total, largest };
}

/** Cycles of the run at the base rate that `t` offers: from its start to the end, weighted by its profile. */
function offeredCycles(t: GeneratorSpec, durationCycles: number): number {
  if (t.startCycles >= durationCycles) return 0;
  if (t.profile === undefined) return durationCycles - t.startCycles;
  const profile = RateProfile.fromSpec(t.profile, durationCycles);
  return profile.integral(durationCycles) - profile.integral(t.startCycles);
}

/** Control points of a run (the last one is its end), as engine/run.ts counts them. */
export function controlPoints(durationCycles: number, controlPeriodCycles: number): number {
  return Math.ceil(durationCycles / controlPeriodCycles);
}

/** The shortest control period, in seconds, that the limits allow in a run of `durationSeconds`. */
export function minControlPeriodSeconds(durationSeconds: number): number {
  return Math.max(MIN_CONTROL_PERIOD_SECONDS, durationSeconds / MAX_CONTROL_POINTS);
}

/**
 * Wall time a run may take, [fast, slow] in seconds: 2 million down to 0.1
 * million frames per second, plus 0.1 to 1 ms per control point. Measured
 * on a 2-vCPU machine: l2fwd (one macswap, no cache model) 1.1 million
 * frames/s, chain-rtc (three NFs, cache model) 0.3 million, rtc-vs-pl's
 * points about 0.15 million (bench/README.md: 1-15 million packet-NF hops
 * per second per thread without the cache model, about 1 with it). A range,
 * because it depends on the chain, the hardware model and the host.
 */
export function wallSecondsRange(frames: number, points: number): [number, number] {
  return [frames / 2e6 + points * 1e-4, frames / 1e5 + points * 1e-3];
}

/** "40 s", "12 min", "3.1 h". */
export function formatWallSeconds(s: number): string {
  if (s < 90) return `${Math.max(1, Math.round(s))} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** "3.2e+8" -> "3.2e8"; small counts as integers. */
export function formatCount(n: number): string {
  if (n < 1e6) return String(Math.round(n));
  const [m, e] = n.toExponential(1).split('e');
  return `${m!.replace(/\.0$/, '')}e${Number(e)}`;
}
