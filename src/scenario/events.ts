/**
 * `events:` — things that happen to the emulated server at given virtual
 * times, for load-testing how a chain (and its controller) copes:
 *
 *   events:
 *     - { at: 1ms, kind: nf-slowdown, module: lb, factor: 3 }   # lb's batches cost 3x from 1 ms on
 *     - { at: 2ms, kind: nf-fail, module: lb }                  # lb stops taking packets: what reaches it is dropped (nf_failed)
 *     - { at: 3ms, kind: nf-recover, module: lb }               # back, at its normal cost
 *     - { at: 1ms, kind: link-down, port: eth0 }                # frames offered meanwhile are lost on the wire (link_down)
 *     - { at: 1.2ms, kind: link-up, port: eth0 }
 *     - { at: 4ms, kind: telemetry-loss }                       # the next control point's telemetry never reaches the controller
 *     - { at: 5ms, kind: telemetry-delay, periods: 2, for: 1ms } # control points in [5, 6) ms: the controller sees telemetry 2 points old
 *
 * An NF event takes effect for the batches that start at or after `at` on the
 * NF's core (a batch already running finishes as it began); a link event for
 * the frames offered at or after `at`. Events are applied by the actor that
 * owns what they change, on its own clock, so they do not depend on threads.
 * COLD: validation only.
 */
import { asObject, joinPath, readInt, readNumber, readString, rejectUnknownKeys, indexPath, type Problems } from '../util/config-check.js';
import { readBitRate, readDurationCycles } from './readers.js';
import { MAX_LINE_RATE_BPS, MIN_LINE_RATE_BPS } from './limits.js';
import type { ScenarioEvent } from './types.js';

export const EVENT_KINDS = ['nf-slowdown', 'nf-fail', 'nf-recover', 'link-down', 'link-up', 'line-rate', 'core-offline', 'core-online', 'telemetry-loss', 'telemetry-delay'] as const;

/** Largest slowdown factor (a batch costing a million times more is already a failure). */
export const MAX_SLOWDOWN_FACTOR = 1e6;
/** Most events in one scenario. */
export const MAX_EVENTS = 10_000;

const KEYS: Record<(typeof EVENT_KINDS)[number], readonly string[]> = {
  'nf-slowdown': ['at', 'kind', 'module', 'factor'],
  'nf-fail': ['at', 'kind', 'module'],
  'nf-recover': ['at', 'kind', 'module'],
  'link-down': ['at', 'kind', 'port'],
  'link-up': ['at', 'kind', 'port'],
  'line-rate': ['at', 'kind', 'port', 'rate'],
  'core-offline': ['at', 'kind', 'core'],
  'core-online': ['at', 'kind', 'core'],
  'telemetry-loss': ['at', 'kind', 'for'],
  'telemetry-delay': ['at', 'kind', 'for', 'periods'],
};

/** Most control points a telemetry message may be late. */
export const MAX_TELEMETRY_DELAY = 1000;

export interface EventNames {
  /** Modules that run NF code (not queues), by name. */
  nfModules: ReadonlySet<string>;
  /** Ports with traffic, by name. */
  trafficPorts: ReadonlySet<string>;
  /** machine.cores (undefined when it was invalid: core numbers are then not checked). */
  cores: number | undefined;
}

/** Sorted by time (stable: events at the same time keep the file's order). */
export function checkEvents(p: Problems, raw: unknown[], names: EventNames, hz: number, durationCycles: number, controlPeriodCycles = durationCycles): ScenarioEvent[] {
  const out: ScenarioEvent[] = [];
  if (raw.length > MAX_EVENTS) {
    p.add('events', `${raw.length} events`, `at most ${MAX_EVENTS} events`);
    return out;
  }
  for (let i = 0; i < raw.length; i++) {
    const path = indexPath('events', i);
    const o = asObject(p, raw[i], path);
    if (o === undefined) continue;
    const kind = readString(p, o, 'kind', path, { oneOf: EVENT_KINDS }) as (typeof EVENT_KINDS)[number];
    if (!(EVENT_KINDS as readonly string[]).includes(kind)) continue;
    rejectUnknownKeys(p, o, KEYS[kind], path);
    const atCycles = readDurationCycles(p, o['at'], joinPath(path, 'at'), hz);
    if (atCycles >= durationCycles) p.add(joinPath(path, 'at'), o['at'], 'a time within the run (below its duration)');
    if (kind === 'link-down' || kind === 'link-up' || kind === 'line-rate') {
      const port = readString(p, o, 'port', path, { oneOf: [...names.trafficPorts] });
      if (kind === 'line-rate') {
        const lineRateBps = readBitRate(p, o['rate'], joinPath(path, 'rate'), MIN_LINE_RATE_BPS, MAX_LINE_RATE_BPS, 'between 1kbps and 10Tbps');
        out.push({ atCycles, kind, port, lineRateBps });
      } else {
        out.push({ atCycles, kind, port });
      }
      continue;
    }
    if (kind === 'telemetry-loss' || kind === 'telemetry-delay') {
      // The control points in [at, at + for) are hit: by default the next one only.
      const forCycles = readDurationCycles(p, o['for'], joinPath(path, 'for'), hz, { positive: true, default: controlPeriodCycles });
      if (kind === 'telemetry-loss') out.push({ atCycles, kind, forCycles });
      else out.push({ atCycles, kind, forCycles, periods: readInt(p, o, 'periods', path, { min: 1, max: MAX_TELEMETRY_DELAY }) });
      continue;
    }
    if (kind === 'core-offline' || kind === 'core-online') {
      const core = readInt(p, o, 'core', path, { min: 0, ...(names.cores !== undefined ? { max: names.cores - 1 } : {}) });
      out.push({ atCycles, kind, core });
      continue;
    }
    const module = readString(p, o, 'module', path, {});
    if (module !== '' && !names.nfModules.has(module)) {
      p.add(joinPath(path, 'module'), module, `an NF module of this scenario (not a queue): ${[...names.nfModules].join(', ')}`);
    }
    if (kind === 'nf-slowdown') {
      const factor = readNumber(p, o, 'factor', path, { min: 0, exclusiveMin: true, max: MAX_SLOWDOWN_FACTOR });
      out.push({ atCycles, kind, module, factor });
    } else {
      out.push({ atCycles, kind, module });
    }
  }
  return out.map((e, i) => ({ e, i })).sort((a, b) => a.e.atCycles - b.e.atCycles || a.i - b.i).map((x) => x.e);
}
