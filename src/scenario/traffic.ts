/**
 * The `traffic:` block of a port: a synthetic generator, or a pcap replay
 * (chosen by the presence of `pcap:`).
 */
import {
  type Problems,
  asObject,
  indexPath,
  joinPath,
  readInt,
  readNumber,
  readString,
  rejectUnknownKeys,
} from '../util/config-check.js';
import { lineRatePps, parseRate } from '../util/units.js';
import { MAX_FRAME_SIZE_ENTRIES, MAX_OVERSUBSCRIPTION } from './limits.js';
import { formatBps, formatDurationSeconds, formatPps, readDurationCycles, readPath, readRate } from './readers.js';
import type { ChurnSpec, FrameSizeWeight, GeneratorSpec, GroupsSpec, PcapSpec, SloSpec, TrafficSpec } from './types.js';
import { IMIX_SIMPLE } from '../traffic/size-mix.js';
import { readFileSync } from 'node:fs';
import { MAX_PROFILE_POINTS, type RateProfileSpec, RateProfile, parseTraceCsv, profilePointCount } from '../traffic/rate-profile.js';
import { parseDuration, parseDurationSeconds, secondsToCycles } from '../util/units.js';
import { parseIpv4Prefix } from '../packet/addr-text.js';

/** Smallest Ethernet frame, FCS included. */
export const MIN_FRAME_BYTES = 64;
/** Largest frame: 1518 (1500-byte payload + 14 header + 4 FCS) plus a 4-byte 802.1Q VLAN tag. */
export const MAX_FRAME_BYTES = 1522;
export const DEFAULT_FRAME_BYTES = 64;
export const MAX_FLOWS = 1_000_000;

export const MAX_PCAP_LOOPS = 1_000_000;

/**
 * "Simple IMIX": 7 frames of 64 bytes, 4 of 594, 1 of 1518 (sizes include
 * FCS), the same mix as traffic/size-mix.ts IMIX_SIMPLE (see there for the
 * source of 594: a 576-byte IP datagram plus Ethernet header and FCS).
 */
export const IMIX: readonly FrameSizeWeight[] = Object.freeze(
  Array.from(IMIX_SIMPLE.frameBytes, (bytes, i) => Object.freeze({ bytes, weight: IMIX_SIMPLE.weights[i]! })),
);

const GENERATOR_KEYS = ['flows', 'proto', 'frameSize', 'frameSizes', 'rate', 'arrivals', 'start', 'srcNet', 'dstNet', 'dstHosts', 'profile', 'slo', 'churn', 'elephants'] as const;
/** A port's generator keys that `groups:` items inherit unless they set their own. */
const INHERITED_KEYS = ['flows', 'proto', 'frameSize', 'frameSizes', 'rate', 'arrivals', 'start', 'srcNet', 'dstNet', 'dstHosts', 'profile', 'slo', 'churn', 'elephants'] as const;
/** Most flow groups on one port. */
export const MAX_GROUPS_PER_PORT = 64;
const CHURN_DISTRIBUTIONS = ['fixed', 'exponential', 'pareto'] as const;
const PROFILE_SHAPES = ['step', 'ramp', 'sine', 'onoff', 'flash', 'trace'] as const;
const PCAP_KEYS = ['pcap', 'timing', 'loop'] as const;
const FRAME_BYTES_OPTS = { min: MIN_FRAME_BYTES, max: MAX_FRAME_BYTES };

export interface TrafficContext {
  hz: number;
  durationCycles: number;
  /** How `duration` was written, for messages. */
  durationText: string;
  baseDir: string | null;
  /** The port's line rate in bits per second; null when it was invalid (a problem is already recorded): rates are then not bounded. */
  lineRateBps: number | null;
  /** Returns what is wrong with the file at an absolute path (e.g. "file not found"), or null. Absent: files are not checked. */
  fileCheck?: (absPath: string) => string | null;
}

/** A port's `traffic`. Absent or null: no traffic (null returned, no problem). */
export function checkTraffic(p: Problems, raw: unknown, path: string, ctx: TrafficContext): TrafficSpec | null {
  if (raw === undefined || raw === null) return null;
  const obj = asObject(p, raw, path);
  if (obj === undefined) return null;
  if (obj['pcap'] !== undefined) return checkPcap(p, obj, path, ctx);
  return obj['groups'] !== undefined ? checkGroups(p, obj, path, ctx) : checkGenerator(p, obj, path, ctx);
}

/** The generators of a port's traffic: one, one per flow group, or none (pcap replay, no traffic). */
export function generatorsOf(t: TrafficSpec | null): readonly GeneratorSpec[] {
  if (t === null || t.kind === 'pcap') return [];
  return t.kind === 'groups' ? t.groups : [t];
}

/** Flow ids a generator uses: its flows, plus the fresh ones its churn draws. */
export function generatorFlowIds(g: GeneratorSpec): number {
  return g.flows + (g.churn?.reserve ?? 0);
}

/**
 * `groups:` — several flow groups on one port, each a generator of its own
 * (its keys as a port's generator; keys given beside `groups` are inherited
 * by every group that does not set them), named, with an optional SLO.
 */
function checkGroups(p: Problems, obj: Record<string, unknown>, path: string, ctx: TrafficContext): GroupsSpec {
  rejectUnknownKeys(p, obj, [...INHERITED_KEYS, 'groups'], path);
  const where = joinPath(path, 'groups');
  const raw = obj['groups'];
  const groups: (GeneratorSpec & { name: string })[] = [];
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_GROUPS_PER_PORT) {
    p.add(where, raw, `a list of 1..${MAX_GROUPS_PER_PORT} flow groups, each { name, flows, rate, ... } as a port's traffic`);
    return { kind: 'groups', groups };
  }
  const names = new Set<string>();
  for (let i = 0; i < raw.length; i++) {
    const ip = indexPath(where, i);
    const g = asObject(p, raw[i], ip);
    if (g === undefined) continue;
    const merged: Record<string, unknown> = {};
    for (const k of INHERITED_KEYS) if (obj[k] !== undefined) merged[k] = obj[k];
    for (const [k, v] of Object.entries(g)) if (k !== 'name') merged[k] = v;
    const name = readString(p, g, 'name', ip, {});
    if (name !== '' && !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) p.add(joinPath(ip, 'name'), name, 'a name of 1..64 letters, digits, _ . -');
    if (names.has(name)) p.add(joinPath(ip, 'name'), name, 'a name no other group of this port has');
    names.add(name);
    groups.push({ ...checkGenerator(p, merged, ip, ctx), name });
  }
  return { kind: 'groups', groups };
}

/** A share: a number in [0, 1] or a percentage like "80%". */
function readShare(p: Problems, obj: Record<string, unknown>, key: string, path: string, opts: { exclusive?: boolean } = {}): number {
  const v = obj[key];
  const n = typeof v === 'string' && /^\s*[0-9.]+\s*%\s*$/.test(v) ? Number(v.trim().slice(0, -1).trim()) / 100 : typeof v === 'number' ? v : NaN;
  const ok = Number.isFinite(n) && (opts.exclusive ? n > 0 && n < 1 : n >= 0 && n <= 1);
  if (!ok) {
    p.add(joinPath(path, key), v, `a share ${opts.exclusive ? 'strictly between 0 and 1' : 'from 0 to 1'}: a number like 0.25 or a percentage like "25%"`);
    return opts.exclusive ? 0.5 : 0;
  }
  return n;
}

/** `slo:` { latency: { percentile: 99, bound: 50us }, loss: 0.1%, rate: 1Mpps } — every part optional, at least one. */
function checkSlo(p: Problems, raw: unknown, path: string, hz: number): SloSpec | null {
  const o = asObject(p, raw, path);
  if (o === undefined) return null;
  rejectUnknownKeys(p, o, ['latency', 'loss', 'rate'], path);
  if (o['latency'] === undefined && o['loss'] === undefined && o['rate'] === undefined) {
    p.add(path, raw, 'at least one of latency: { percentile, bound }, loss: SHARE, rate: PPS');
    return null;
  }
  let latency: SloSpec['latency'] = null;
  if (o['latency'] !== undefined) {
    const lp = joinPath(path, 'latency');
    const l = asObject(p, o['latency'], lp);
    if (l !== undefined) {
      rejectUnknownKeys(p, l, ['percentile', 'bound'], lp);
      const percentile = readNumber(p, l, 'percentile', lp, { min: 0, exclusiveMin: true, max: 100 });
      const boundCycles = readDurationCycles(p, l['bound'], joinPath(lp, 'bound'), hz, { positive: true });
      latency = { percentile, boundUs: (boundCycles / hz) * 1e6 };
    }
  }
  const maxLoss = o['loss'] === undefined ? null : readShare(p, o, 'loss', path);
  let minRatePps: number | null = null;
  if (o['rate'] !== undefined) {
    const r = parseRate(o['rate']);
    if (r === null || r.kind !== 'pps') p.add(joinPath(path, 'rate'), o['rate'], 'a packet rate like 1Mpps or 500kpps (the least the group must be delivered, or all it offers when it offers less)');
    else minRatePps = r.pps;
  }
  return { latency, maxLoss, minRatePps };
}

/** Renewals expected of `flows` flows living `lifetimeCycles` on average, over a run: the churn's fresh tuples, with head-room. */
function churnReserve(flows: number, lifetimeCycles: number, durationCycles: number): number {
  return Math.ceil(1.25 * flows * (durationCycles / lifetimeCycles)) + 16;
}

/** `churn:` { lifetime: 10ms, distribution: exponential }. */
function checkChurn(p: Problems, raw: unknown, path: string, flows: number, ctx: TrafficContext): ChurnSpec | null {
  const o = asObject(p, raw, path);
  if (o === undefined) return null;
  rejectUnknownKeys(p, o, ['lifetime', 'distribution'], path);
  const lifetimeCycles = readDurationCycles(p, o['lifetime'], joinPath(path, 'lifetime'), ctx.hz, { positive: true });
  const distribution = readString(p, o, 'distribution', path, { oneOf: CHURN_DISTRIBUTIONS, default: 'exponential' }) as ChurnSpec['distribution'];
  if (!(lifetimeCycles > 0)) return null;
  const reserve = churnReserve(flows, lifetimeCycles, ctx.durationCycles);
  if (flows + reserve > MAX_FLOWS) {
    p.add(joinPath(path, 'lifetime'), o['lifetime'], `a longer lifetime: ${flows} flows renewed every ${formatDurationSeconds(lifetimeCycles / ctx.hz)} over the run need ~${reserve} new flows, and a group may have at most ${MAX_FLOWS}`);
    return null;
  }
  return { lifetimeCycles, distribution, reserve };
}

function checkGenerator(p: Problems, obj: Record<string, unknown>, path: string, ctx: TrafficContext): GeneratorSpec {
  rejectUnknownKeys(p, obj, GENERATOR_KEYS, path);
  const flows = readInt(p, obj, 'flows', path, { min: 1, max: MAX_FLOWS, default: 1 });
  const proto = readString(p, obj, 'proto', path, { oneOf: ['udp', 'tcp'], default: 'udp' }) as 'udp' | 'tcp';
  const sizes = readFrameSizes(p, obj, path);
  const rate = readRate(p, obj['rate'], joinPath(path, 'rate'));
  const profile = obj['profile'] === undefined ? null : checkProfile(p, obj['profile'], joinPath(path, 'profile'), ctx);
  const peak = profile === null ? 1 : profilePeak(profile, ctx.durationCycles);
  if (rate.kind !== 'line' || peak > 1) {
    // The peak of a profile is what the generator offers at its busiest: it counts against the same bound.
    const peakRate = rate.kind === 'pps' ? { kind: 'pps' as const, pps: rate.pps * peak }
      : { kind: 'bps' as const, bps: (rate.kind === 'bps' ? rate.bps : (ctx.lineRateBps ?? 0)) * peak };
    const note = peak === 1 ? '' : ` at the profile's peak (${peak} times the rate)`;
    checkRateBound(p, peakRate, obj['rate'], joinPath(path, 'rate'), ctx.lineRateBps, note);
  }
  const arrivals = readString(p, obj, 'arrivals', path, {
    oneOf: ['constant', 'poisson'],
    default: 'constant',
  }) as 'constant' | 'poisson';
  const startPath = joinPath(path, 'start');
  const startCycles = readDurationCycles(p, obj['start'], startPath, ctx.hz, { default: 0 });
  if (obj['start'] !== undefined && startCycles >= ctx.durationCycles) {
    p.add(startPath, obj['start'], `a start time before the end of the run (duration is ${ctx.durationText})`);
  }
  const srcNet = readPrefix(p, obj, 'srcNet', path, '10.0.0.0/8');
  const dstNet = readPrefix(p, obj, 'dstNet', path, '192.168.0.0/16');
  let dstHosts: number | null = null;
  if (obj['dstHosts'] !== undefined) {
    const hosts = 2 ** (32 - dstNet[1]);
    const usable = hosts > 2 ? hosts - 2 : hosts;
    dstHosts = readInt(p, obj, 'dstHosts', path, { min: 1, max: usable });
  }
  const spec: GeneratorSpec = { kind: 'generator', flows, proto, sizes, rate, arrivals, startCycles, srcNet, dstNet, dstHosts };
  // Only when given: a scenario without a profile resolves (and records) exactly as before.
  if (profile !== null) spec.profile = profile;
  if (obj['slo'] !== undefined) {
    const slo = checkSlo(p, obj['slo'], joinPath(path, 'slo'), ctx.hz);
    if (slo !== null) spec.slo = slo;
  }
  if (obj['churn'] !== undefined) {
    const churn = checkChurn(p, obj['churn'], joinPath(path, 'churn'), flows, ctx);
    if (churn !== null) spec.churn = churn;
  }
  if (obj['elephants'] !== undefined) {
    const ep = joinPath(path, 'elephants');
    const e = asObject(p, obj['elephants'], ep);
    if (e !== undefined) {
      rejectUnknownKeys(p, e, ['flows', 'traffic'], ep);
      const flowShare = readShare(p, e, 'flows', ep, { exclusive: true });
      const trafficShare = readShare(p, e, 'traffic', ep, { exclusive: true });
      if (flows < 2) p.add(ep, obj['elephants'], 'elephants and mice need at least 2 flows');
      spec.elephants = { flowShare, trafficShare };
    }
  }
  return spec;
}

/** COLD: the largest factor of a valid profile over the run. */
function profilePeak(spec: RateProfileSpec, durationCycles: number): number {
  if (profilePointCount(spec, durationCycles) > MAX_PROFILE_POINTS) return 1; // already refused
  return RateProfile.fromSpec(spec, durationCycles).peakFactor;
}

/**
 * `traffic.profile`: the offered rate over time as a multiple of `rate`, one
 * of PROFILE_SHAPES (docs/scenario-format.md). Times are from the start of
 * the run. A trace CSV is read here, because its peak and its integral bound
 * the run (limits.ts, work.ts) before anything starts.
 */
function checkProfile(p: Problems, raw: unknown, path: string, ctx: TrafficContext): RateProfileSpec | null {
  const obj = asObject(p, raw, path);
  if (obj === undefined) return null;
  const keys = Object.keys(obj);
  if (keys.length !== 1 || !(PROFILE_SHAPES as readonly string[]).includes(keys[0]!)) {
    rejectUnknownKeys(p, obj, PROFILE_SHAPES, path);
    if (keys.length !== 1) p.add(path, raw, `exactly one of ${PROFILE_SHAPES.join(', ')}`);
    return null;
  }
  const shape = keys[0] as (typeof PROFILE_SHAPES)[number];
  const where = joinPath(path, shape);
  const before = p.count;
  const spec = readShape(p, shape, obj[shape], where, ctx);
  if (spec === null || p.count !== before) return null;
  if (profilePointCount(spec, ctx.durationCycles) > MAX_PROFILE_POINTS) {
    p.add(where, obj[shape], `a profile of at most ${MAX_PROFILE_POINTS} points over the run (a period or on/off cycle at least ${MAX_PROFILE_POINTS}th of the duration ${ctx.durationText}, divided by the points per cycle)`);
    return null;
  }
  return spec;
}

const FACTOR = { min: 0 };

function readShape(p: Problems, shape: (typeof PROFILE_SHAPES)[number], v: unknown, where: string, ctx: TrafficContext): RateProfileSpec | null {
  const inRun = (o: Record<string, unknown>, key: string, path: string, opts: { default?: number; positive?: boolean } = {}): number => {
    const c = readDurationCycles(p, o[key], joinPath(path, key), ctx.hz, opts);
    if (o[key] !== undefined && c > ctx.durationCycles) p.add(joinPath(path, key), o[key], `a time within the run (duration is ${ctx.durationText})`);
    return c;
  };
  if (shape === 'trace') return readTrace(p, v, where, ctx);
  if (shape === 'step') {
    if (!Array.isArray(v) || v.length === 0) {
      p.add(where, v, 'a list of { at: time, factor: >= 0 } sorted by time (at least one)');
      return null;
    }
    if (v.length > MAX_PROFILE_POINTS / 2) {
      p.add(where, v, `at most ${MAX_PROFILE_POINTS / 2} steps`);
      return null;
    }
    const steps: { atCycles: number; factor: number }[] = [];
    for (let i = 0; i < v.length; i++) {
      const ip = indexPath(where, i);
      const e = asObject(p, v[i], ip);
      if (e === undefined) continue;
      rejectUnknownKeys(p, e, ['at', 'factor'], ip);
      const atCycles = inRun(e, 'at', ip);
      const factor = readNumber(p, e, 'factor', ip, FACTOR);
      const prev = steps[steps.length - 1];
      if (prev !== undefined && e['at'] !== undefined && atCycles <= prev.atCycles) p.add(joinPath(ip, 'at'), e['at'], 'a time after the previous step\'s (steps sorted by time)');
      steps.push({ atCycles, factor });
    }
    return { shape, steps };
  }
  const o = asObject(p, v, where);
  if (o === undefined) return null;
  switch (shape) {
    case 'ramp': {
      rejectUnknownKeys(p, o, ['from', 'to', 'start', 'end'], where);
      const from = readNumber(p, o, 'from', where, FACTOR);
      const to = readNumber(p, o, 'to', where, FACTOR);
      const startCycles = inRun(o, 'start', where, { default: 0 });
      const endCycles = inRun(o, 'end', where);
      if (o['end'] !== undefined && endCycles <= startCycles) p.add(joinPath(where, 'end'), o['end'], 'a time after start');
      return { shape, from, to, startCycles, endCycles };
    }
    case 'sine': {
      rejectUnknownKeys(p, o, ['mean', 'amplitude', 'period', 'phase'], where);
      const mean = readNumber(p, o, 'mean', where, { min: 0, default: 1 });
      const amplitude = readNumber(p, o, 'amplitude', where, FACTOR);
      const periodCycles = readDurationCycles(p, o['period'], joinPath(where, 'period'), ctx.hz, { positive: true });
      const phase = readNumber(p, o, 'phase', where, { default: 0 });
      if (amplitude > mean) p.add(joinPath(where, 'amplitude'), o['amplitude'], `an amplitude of at most the mean (${mean}): the factor must stay >= 0`);
      return { shape, mean, amplitude, periodCycles, phase };
    }
    case 'onoff': {
      rejectUnknownKeys(p, o, ['on', 'off', 'factor'], where);
      const onCycles = readDurationCycles(p, o['on'], joinPath(where, 'on'), ctx.hz, { positive: true });
      const offCycles = readDurationCycles(p, o['off'], joinPath(where, 'off'), ctx.hz, { positive: true });
      const factor = readNumber(p, o, 'factor', where, { min: 0, default: 1 });
      return { shape, onCycles, offCycles, factor };
    }
    default: {
      rejectUnknownKeys(p, o, ['at', 'peak', 'rise', 'decay'], where);
      const atCycles = inRun(o, 'at', where);
      const peak = readNumber(p, o, 'peak', where, FACTOR);
      const riseCycles = readDurationCycles(p, o['rise'], joinPath(where, 'rise'), ctx.hz);
      const decayCycles = readDurationCycles(p, o['decay'], joinPath(where, 'decay'), ctx.hz);
      return { shape: 'flash', atCycles, peak, riseCycles, decayCycles };
    }
  }
}

/** A trace time: a duration with units (1.5ms, 2000cycles) or a bare number of seconds. */
function traceTimeCycles(field: string, hz: number): number | null {
  if (/^[0-9.eE+-]+$/.test(field)) {
    const seconds = parseDurationSeconds(Number(field));
    return seconds === null || field === '' ? null : secondsToCycles(seconds, hz);
  }
  const d = parseDuration(field, hz);
  return d === null ? null : d.cycles;
}

function readTrace(p: Problems, v: unknown, where: string, ctx: TrafficContext): RateProfileSpec | null {
  if (Array.isArray(v)) return readInlineTrace(p, v, where, ctx);
  const file = readPath(p, v, where, ctx.baseDir, 'the path of a CSV file of time,factor lines (relative to the scenario file)');
  if (file === '') return null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    p.add(where, v, `a readable CSV file (${code === 'ENOENT' ? 'file not found' : (code ?? String(e))}: ${file})`);
    return null;
  }
  const r = parseTraceCsv(text, (f) => traceTimeCycles(f, ctx.hz));
  if ('problem' in r) {
    const pr = r.problem;
    p.add(where, v, `a CSV of time,factor lines: ${file} line ${pr.line} (${JSON.stringify(pr.text)}): expected ${pr.expected}`);
    return null;
  }
  if (r.points.length > MAX_PROFILE_POINTS - 1) {
    p.add(where, v, `a trace of at most ${MAX_PROFILE_POINTS - 1} lines (${file} has ${r.points.length})`);
    return null;
  }
  return { shape: 'trace', file, points: r.points };
}

/** `trace: [{ at, factor }, ...]`: a trace written in the scenario instead of a CSV file (recorded with file ""). */
function readInlineTrace(p: Problems, v: unknown[], where: string, ctx: TrafficContext): RateProfileSpec | null {
  if (v.length === 0 || v.length > MAX_PROFILE_POINTS - 1) {
    p.add(where, `${v.length} points`, `a path to a CSV file, or a list of 1..${MAX_PROFILE_POINTS - 1} { at: time, factor: >= 0 } points (times not decreasing)`);
    return null;
  }
  const before = p.count;
  const points: { atCycles: number; factor: number }[] = [];
  for (let i = 0; i < v.length; i++) {
    const ip = indexPath(where, i);
    const e = asObject(p, v[i], ip);
    if (e === undefined) continue;
    rejectUnknownKeys(p, e, ['at', 'factor'], ip);
    const atCycles = readDurationCycles(p, e['at'], joinPath(ip, 'at'), ctx.hz, { default: 0 });
    const factor = readNumber(p, e, 'factor', ip, FACTOR);
    const prev = points[points.length - 1];
    if (prev !== undefined && atCycles < prev.atCycles) p.add(joinPath(ip, 'at'), e['at'], 'a time not before the previous point\'s');
    points.push({ atCycles, factor });
  }
  return p.count === before ? { shape: 'trace', file: '', points } : null;
}

/**
 * An offered rate may exceed the line rate (the sender buffer drops the
 * excess), up to MAX_OVERSUBSCRIPTION times the wire's rate of the smallest
 * frames: beyond that the generator would only make frames to drop, at a
 * cost in wall time (limits.ts).
 */
function checkRateBound(
  p: Problems,
  r: { kind: 'pps'; pps: number } | { kind: 'bps'; bps: number },
  raw: unknown,
  where: string,
  lineRateBps: number | null,
  note = '',
): void {
  if (lineRateBps === null) return;
  const maxPps = MAX_OVERSUBSCRIPTION * lineRatePps(lineRateBps, MIN_FRAME_BYTES);
  const maxBps = MAX_OVERSUBSCRIPTION * lineRateBps;
  if (r.kind === 'pps' ? r.pps <= maxPps : r.bps <= maxBps) return;
  p.add(
    where,
    raw,
    `a rate of at most ${formatPps(maxPps)} or ${formatBps(maxBps)}${note}: ${MAX_OVERSUBSCRIPTION} times what the port's ${formatBps(lineRateBps)} line carries of ${MIN_FRAME_BYTES}-byte frames (the sender drops whatever the line cannot carry)`,
  );
}

/** An IPv4 prefix like "10.0.0.0/8" with no host bits set, as [base, length]. */
function readPrefix(p: Problems, obj: Record<string, unknown>, key: string, path: string, fallback: string): [number, number] {
  const text = readString(p, obj, key, path, { default: fallback });
  const prefix = parseIpv4Prefix(text);
  if (prefix === null || prefix.hostBits) {
    p.add(joinPath(path, key), text, prefix === null ? 'an IPv4 prefix like "10.0.0.0/8"' : `a prefix with no host bits set (e.g. the network address of ${text})`);
    return key === 'srcNet' ? [0x0a000000, 8] : [0xc0a80000, 16];
  }
  return [prefix.addr, prefix.len];
}

function readFrameSizes(p: Problems, obj: Record<string, unknown>, path: string): FrameSizeWeight[] {
  const one = obj['frameSize'];
  const many = obj['frameSizes'];
  if (one !== undefined && many !== undefined) {
    p.add(joinPath(path, 'frameSizes'), many, 'either frameSize or frameSizes, not both');
    return [{ bytes: DEFAULT_FRAME_BYTES, weight: 1 }];
  }
  if (many === undefined) {
    const bytes = readInt(p, obj, 'frameSize', path, { ...FRAME_BYTES_OPTS, default: DEFAULT_FRAME_BYTES });
    return [{ bytes, weight: 1 }];
  }
  const where = joinPath(path, 'frameSizes');
  const help = `imix, or a list of { bytes: ${MIN_FRAME_BYTES}..${MAX_FRAME_BYTES}, weight: > 0 } (at least one)`;
  if (many === 'imix') return IMIX.map((s) => ({ bytes: s.bytes, weight: s.weight }));
  if (!Array.isArray(many) || many.length === 0) {
    p.add(where, many, help);
    return [{ bytes: DEFAULT_FRAME_BYTES, weight: 1 }];
  }
  if (many.length > MAX_FRAME_SIZE_ENTRIES) {
    p.add(where, many, `a list of at most ${MAX_FRAME_SIZE_ENTRIES} sizes (one per frame size ${MIN_FRAME_BYTES}..${MAX_FRAME_BYTES}; this one has ${many.length})`);
    return [{ bytes: DEFAULT_FRAME_BYTES, weight: 1 }];
  }
  const out: FrameSizeWeight[] = [];
  for (let i = 0; i < many.length; i++) {
    const ip = indexPath(where, i);
    const e = asObject(p, many[i], ip);
    if (e === undefined) continue;
    rejectUnknownKeys(p, e, ['bytes', 'weight'], ip);
    const bytes = readInt(p, e, 'bytes', ip, FRAME_BYTES_OPTS);
    const weight = readNumber(p, e, 'weight', ip, { min: 0, exclusiveMin: true });
    out.push({ bytes, weight });
  }
  return out;
}

function checkPcap(p: Problems, obj: Record<string, unknown>, path: string, ctx: TrafficContext): PcapSpec {
  rejectUnknownKeys(p, obj, PCAP_KEYS, path);
  const where = joinPath(path, 'pcap');
  const file = readPath(p, obj['pcap'], where, ctx.baseDir, 'the path of a pcap file (relative to the scenario file)');
  if (file !== '' && ctx.fileCheck !== undefined) {
    const wrong = ctx.fileCheck(file);
    if (wrong !== null) p.add(where, obj['pcap'], `an existing pcap file (${wrong}: ${file})`);
  }
  let timing: PcapSpec['timing'] = 'recorded';
  const t = obj['timing'];
  if (t !== undefined && t !== 'recorded') {
    const r = parseRate(t);
    if (r === null || r.kind === 'line') {
      p.add(joinPath(path, 'timing'), t, 'recorded, or a rate like 1Mpps or 5Gbps');
    } else {
      timing = r;
      checkRateBound(p, r, t, joinPath(path, 'timing'), ctx.lineRateBps);
    }
  }
  const loop = readInt(p, obj, 'loop', path, { min: 1, max: MAX_PCAP_LOOPS, default: 1 });
  return { kind: 'pcap', file, timing, loop };
}
