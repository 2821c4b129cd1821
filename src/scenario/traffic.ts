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
import { formatBps, formatPps, readDurationCycles, readPath, readRate } from './readers.js';
import type { FrameSizeWeight, GeneratorSpec, PcapSpec, TrafficSpec } from './types.js';
import { IMIX_SIMPLE } from '../traffic/size-mix.js';
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

const GENERATOR_KEYS = ['flows', 'proto', 'frameSize', 'frameSizes', 'rate', 'arrivals', 'start', 'srcNet', 'dstNet', 'dstHosts'] as const;
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
  return obj['pcap'] !== undefined ? checkPcap(p, obj, path, ctx) : checkGenerator(p, obj, path, ctx);
}

function checkGenerator(p: Problems, obj: Record<string, unknown>, path: string, ctx: TrafficContext): GeneratorSpec {
  rejectUnknownKeys(p, obj, GENERATOR_KEYS, path);
  const flows = readInt(p, obj, 'flows', path, { min: 1, max: MAX_FLOWS, default: 1 });
  const proto = readString(p, obj, 'proto', path, { oneOf: ['udp', 'tcp'], default: 'udp' }) as 'udp' | 'tcp';
  const sizes = readFrameSizes(p, obj, path);
  const rate = readRate(p, obj['rate'], joinPath(path, 'rate'));
  if (rate.kind !== 'line') checkRateBound(p, rate, obj['rate'], joinPath(path, 'rate'), ctx.lineRateBps);
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
  return { kind: 'generator', flows, proto, sizes, rate, arrivals, startCycles, srcNet, dstNet, dstHosts };
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
): void {
  if (lineRateBps === null) return;
  const maxPps = MAX_OVERSUBSCRIPTION * lineRatePps(lineRateBps, MIN_FRAME_BYTES);
  const maxBps = MAX_OVERSUBSCRIPTION * lineRateBps;
  if (r.kind === 'pps' ? r.pps <= maxPps : r.bps <= maxBps) return;
  p.add(
    where,
    raw,
    `a rate of at most ${formatPps(maxPps)} or ${formatBps(maxBps)}: ${MAX_OVERSUBSCRIPTION} times what the port's ${formatBps(lineRateBps)} line carries of ${MIN_FRAME_BYTES}-byte frames (the sender drops whatever the line cannot carry)`,
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
