/**
 * Scenario validation: raw parsed YAML/JSON in, resolved {@link Scenario} out.
 * Every problem in the input is collected first, then ONE ConfigError lists
 * them all (path, offending value, what was expected). COLD.
 *
 * Order of work: top-level fields, machine (its clock is needed to convert
 * durations), durations, ports, modules, then the cross-references (edges,
 * tasks, taps) that need the names seen so far. A reference to something that
 * was itself invalid may produce a second problem; that is preferred over
 * hiding one.
 */
import {
  ConfigError,

  Problems,
  asObject,
  didYouMeanHint,
  formatValue,
  indexPath,
  isPlainObject,
  joinPath,
  listNames,
  readArray,
  readBool,
  readInt,
  readNumber,
  readString,
  rejectUnknownKeys,
} from '../util/config-check.js';
import { resolve as resolvePath } from 'node:path';
import { checkIo } from './io-spec.js';
import { checkEvents, type EventNames } from './events.js';
import { MAX_BATCH } from '../packet/batch.js';
import type { MachinePreset } from '../hw/preset.js';
import { loadPresetFile } from '../hw/preset-file.js';
import { SHIPPED_PRESETS, findPreset } from '../hw/presets/index.js';
import { durationSecondsAt, parseDuration, parseFrequencyHz } from '../util/units.js';
import { ENTITY_NAME_HELP, ENTITY_NAME_RE, type ParsedEndpoint, formatEndpoint, parseEndpoint } from './endpoint.js';
import { DURATION_MAX_HELP, formatDurationSeconds, formatPps, readBitRate, readDurationCycles, readPath } from './readers.js';
import {
  MAX_CONTROL_POINTS,
  MAX_DURATION_SECONDS,
  MAX_EDGES,
  MAX_MODULES,
  MAX_OFFERED_FRAMES,
  MAX_PORTS,
  MAX_SCHEDULERS,
  MAX_TAPS,
  MAX_TASKS,
  MAX_TOTAL_FLOWS,
  MIN_CONTROL_PERIOD_SECONDS,
  MIN_LINE_RATE_BPS,
  MAX_LINE_RATE_BPS,
} from './limits.js';
import { controlPoints, formatCount, offeredFrames } from './work.js';
import { checkTraffic, generatorFlowIds, generatorsOf } from './traffic.js';
import { applySets } from './set-override.js';
import { POLICIES, defaultPolicyParams, type PolicyName } from '../sched/policy.js';
import type {
  EdgeSpec,
  Endpoint,
  MachineSpec,
  ModuleKindInfo,
  ModuleSpec,
  PortSpec,
  Scenario,
  TapPoint,
  TapSpec,
  TaskRoot,
  TaskSpec,
  SchedulerSpec,
  ControllerSpec,
  ControllerKindInfo,
  SyscallMode,
  ValidateOptions,
} from './types.js';
import { SYSCALL_MODES } from './types.js';

const TOP_KEYS = [
  'version',
  'name',
  'description',
  'seed',
  'duration',
  'warmup',
  'controlPeriod',
  'threads',
  'machine',
  'ports',
  'modules',
  'edges',
  'tasks',
  'schedulers',
  'taps',
  'io',
  'events',
  'controller',
] as const;
const MACHINE_KEYS = ['name', 'hz', 'cores', 'sockets', 'preset', 'presetFile', 'ddio'] as const;
const PORT_KEYS = ['name', 'lineRate', 'rxQueues', 'rxRingSize', 'senderBuffer', 'traffic'] as const;
const MODULE_KEYS = ['name', 'kind', 'config'] as const;
const EDGE_KEYS = ['from', 'to'] as const;
const TASK_KEYS = ['name', 'root', 'core', 'batch', 'weight', 'priority', 'nice', 'process', 'chain', 'detached', 'copy', 'syscalls'] as const;
const SCHEDULER_KEYS = ['cores', 'policy', 'switchCycles', 'syscallCycles', 'timeout', 'isolation', 'batchRule', 'rrSlice', 'wakeupGranularity', 'cfsSlice'] as const;
const TAP_KEYS = ['at', 'file'] as const;

export const SCENARIO_NAME_RE = /^[a-z0-9][a-z0-9._-]*$/;
const SCENARIO_NAME_HELP =
  'a name like rtc-vs-pl (lower-case letters, digits, "-", "_" or ".", starting with a letter or digit)';

export const DEFAULT_SEED = 1;
const MAX_SEED = 0xffff_ffff;
export const MAX_CORES = 1024;
export const MAX_THREADS = 1024;
const MIN_HZ = 1e6;
const MAX_HZ = 1e11;
export const MAX_RX_QUEUES = 128;
export const DEFAULT_RX_RING_SIZE = 1024;
export const DEFAULT_SENDER_BUFFER_FRAMES = 256;
const MAX_SENDER_BUFFER_FRAMES = 1 << 20;
export const DEFAULT_BATCH = 32;
/** Used only to keep converting durations after `machine.hz` was found invalid (a problem is already recorded). */
const FALLBACK_HZ = 1e9;

/** Extra checks that need the file system; supplied by load.ts. */
export interface CheckContext {
  sourcePath: string | null;
  /** What is wrong with the file at an absolute path ("file not found", "not a file"), or null. */
  fileCheck?: (absPath: string) => string | null;
  /** What is wrong with an absolute path a run would write (a tap's pcap), or null; absent: not checked. */
  outputCheck?: (absPath: string) => string | null;
}

/** Top-level lists and their limits (limits.ts), checked before any item is. */
const COUNT_LIMITS = [
  ['ports', MAX_PORTS, 'ports'],
  ['modules', MAX_MODULES, 'modules'],
  ['edges', MAX_EDGES, 'edges'],
  ['tasks', MAX_TASKS, 'tasks'],
  ['schedulers', MAX_SCHEDULERS, 'scheduler entries'],
  ['taps', MAX_TAPS, 'taps'],
] as const;

/**
 * Refuses lists longer than their limit, before their items are checked: a
 * file of 780 000 modules then costs one line and no time. False if any was.
 */
function checkCounts(p: Problems, top: Record<string, unknown>): boolean {
  const before = p.count;
  for (const [key, max, noun] of COUNT_LIMITS) {
    const v = top[key];
    if (Array.isArray(v) && v.length > max) {
      p.add(key, v, `a list of at most ${max} ${noun} (this one has ${v.length}; see "Limits" in docs/scenario-format.md)`);
    }
  }
  const io = top['io'];
  if (isPlainObject(io)) {
    const n = Object.keys(io).length;
    if (n > MAX_PORTS) p.add('io', io, `at most ${MAX_PORTS} entries, one per port (this one has ${n})`);
  }
  return p.count === before;
}

/**
 * Validates a parsed scenario (e.g. from JSON.parse). Relative paths resolve
 * against `opts.baseDir` (the cwd when null). One file is read:
 * `machine.presetFile`, a machine preset, which is part of the scenario's
 * meaning; the others it names (pcap traces, rule files, tap outputs) are
 * only resolved here and opened by their users (the run checks them before
 * it starts).
 * Throws a ConfigError("scenario <name>", problems) listing every problem.
 */
export function validateScenario(raw: unknown, opts: ValidateOptions): Scenario {
  const p = new Problems();
  const s = checkScenario(p, raw, opts, { sourcePath: null });
  p.throwIfAny(scenarioLabel(raw));
  return s!;
}

/** "scenario <name>" when the raw input has a usable name, else "scenario". */
export function scenarioLabel(raw: unknown): string {
  if (isPlainObject(raw) && typeof raw['name'] === 'string' && SCENARIO_NAME_RE.test(raw['name'])) {
    return `scenario ${raw['name']}`;
  }
  return 'scenario';
}

interface PortInfo {
  index: number;
  spec: PortSpec;
}

interface ModuleInfo {
  index: number;
  kind: ModuleKindInfo | undefined;
  /** undefined when the kind or config was invalid (gate checks are then skipped). */
  outputGates: number | undefined;
}

/** Name tables for resolving endpoints. */
interface Names {
  ports: Map<string, PortInfo>;
  modules: Map<string, ModuleInfo>;
  /** Owner of each name, e.g. "ports[0]" or "modules[2]". */
  owners: Map<string, string>;
}

/**
 * Checks `raw`, recording problems in `p`. Returns the resolved scenario, which
 * is meaningful only if `p` is still ok; undefined if `raw` is not an object.
 */
export function checkScenario(
  p: Problems,
  raw: unknown,
  opts: ValidateOptions,
  ctx: CheckContext,
): Scenario | undefined {
  const ov = opts.overrides ?? {};
  const before0 = p.count;
  const top = asObject(p, applySets(p, raw, ov.set ?? []), '');
  if (top === undefined || p.count !== before0) return undefined;
  if (!checkCounts(p, top)) return undefined;
  rejectUnknownKeys(p, top, TOP_KEYS, '');

  if (top['version'] !== undefined && top['version'] !== 1) {
    p.add('version', top['version'], '1 (the only version of the format so far)');
  }
  const name = readString(p, top, 'name', '', { pattern: SCENARIO_NAME_RE, patternHelp: SCENARIO_NAME_HELP });
  const description = readString(p, top, 'description', '', { default: '' });
  const seed =
    ov.seed !== undefined ? readSeed(p, ov.seed, '--seed') : readSeed(p, top['seed'], 'seed');
  const threads =
    ov.threads !== undefined ? readThreads(p, ov.threads, '--threads') : readThreads(p, top['threads'], 'threads');

  const machineOut = checkMachine(p, top['machine'], opts.baseDir);
  const machine = machineOut.spec;
  const hz = machineOut.hzOk ? machine.hz : FALLBACK_HZ;

  // Durations. The CLI's --duration replaces the file's value before checking.
  const durFromCli = ov.duration !== undefined;
  const durRaw = durFromCli ? ov.duration : top['duration'];
  const durWhere = durFromCli ? '--duration' : 'duration';
  let before = p.count;
  const durationCycles = readDurationCycles(p, durRaw, durWhere, hz, { positive: true });
  const durationOk = p.count === before;
  // Used in messages only when the duration is valid; formatValue for anything else (String() of {toString: 2} throws).
  const durationText =
    (typeof durRaw === 'number' ? `${durRaw}s` : typeof durRaw === 'string' ? durRaw : formatValue(durRaw)) + (durFromCli ? ', from --duration' : '');

  before = p.count;
  const warmupCycles = readDurationCycles(p, top['warmup'], 'warmup', hz, { default: 0 });
  if (durationOk && p.count === before && warmupCycles >= durationCycles) {
    p.add('warmup', top['warmup'], `a duration shorter than duration (${durationText})`);
  }
  before = p.count;
  const controlPeriodCycles = readDurationCycles(p, top['controlPeriod'], 'controlPeriod', hz, {
    default: durationCycles,
    positive: true,
  });
  if (durationOk && p.count === before) {
    if (controlPeriodCycles > durationCycles) {
      p.add('controlPeriod', top['controlPeriod'], `a duration no longer than duration (${durationText})`);
    } else {
      checkControlPoints(p, top['controlPeriod'], hz, durationCycles, controlPeriodCycles, durationText);
    }
  }

  const names: Names = { ports: new Map(), modules: new Map(), owners: new Map() };

  const ports: PortSpec[] = [];
  const portsBefore = p.count;
  const portsRaw = readArray(p, top, 'ports', '', { minLength: 1 });
  let flows = 0;
  const groupNames = new Map<string, string>();
  for (let i = 0; i < portsRaw.length; i++) {
    const path = indexPath('ports', i);
    const spec = checkPort(p, portsRaw[i], path, {
      hz,
      durationCycles: durationOk ? durationCycles : Number.MAX_SAFE_INTEGER,
      durationText,
      baseDir: opts.baseDir,
      lineRateBps: null,
      ...(ctx.fileCheck ? { fileCheck: ctx.fileCheck } : {}),
    });
    if (spec === undefined) continue;
    if (claimName(p, names, spec.name, joinPath(path, 'name'), path)) {
      names.ports.set(spec.name, { index: i, spec });
    }
    const portFlows = generatorsOf(spec.traffic).reduce((n, g) => n + generatorFlowIds(g), 0);
    if (portFlows > 0) {
      if (flows + portFlows > MAX_TOTAL_FLOWS) {
        p.add(
          joinPath(joinPath(path, 'traffic'), 'flows'),
          spec.traffic?.kind === 'generator' ? spec.traffic.flows : portFlows,
          `at most ${MAX_TOTAL_FLOWS - flows} flows here${generatorsOf(spec.traffic).some((g) => g.churn !== undefined) ? ' (with the new flows churn draws)' : ''}: all ports together may have at most ${MAX_TOTAL_FLOWS} (the ports before this one have ${flows})`,
        );
      }
      flows += portFlows;
    }
    // A flow group is named by controllers and reports: its name (a port's one generator: the port's) is unique in the scenario.
    for (const g of generatorsOf(spec.traffic)) {
      const gname = g.name ?? spec.name;
      if (groupNames.has(gname)) p.add(joinPath(path, 'traffic'), gname, `flow group names unique in the scenario: "${gname}" is also ${groupNames.get(gname)}`);
      else groupNames.set(gname, `a flow group of port ${spec.name}`);
    }
    ports.push(spec);
  }
  if (durationOk && p.count === portsBefore && opts.checkOfferedFrames !== false) {
    const offered = offeredFrames(ports, hz, durationCycles);
    if (offered.total > MAX_OFFERED_FRAMES && offered.largest !== null) {
      const l = offered.largest;
      p.add(
        durWhere,
        durRaw,
        `a run whose traffic generators offer at most ${formatCount(MAX_OFFERED_FRAMES)} frames (this one: about ${formatCount(offered.total)}, ` +
          `${formatCount(l.frames)} of them from port ${l.port} at ${formatPps(l.pps)}); that many would take hours of wall time: shorten it or lower the rate`,
      );
    }
  }

  const modules: ModuleSpec[] = [];
  const modulesRaw = readArray(p, top, 'modules', '', { default: [] });
  for (let i = 0; i < modulesRaw.length; i++) {
    const path = indexPath('modules', i);
    const out = checkModule(p, modulesRaw[i], path, opts.kinds);
    if (out === undefined) continue;
    if (claimName(p, names, out.spec.name, joinPath(path, 'name'), path)) {
      names.modules.set(out.spec.name, { index: i, kind: out.kind, outputGates: out.outputGates });
    }
    modules.push(out.spec);
  }

  const edges = checkEdges(p, readArray(p, top, 'edges', '', { default: [] }), names);
  const tasks = checkTasks(
    p,
    readArray(p, top, 'tasks', '', { minLength: 1 }),
    names,
    machineOut.coresOk ? machine.cores : undefined,
  );
  checkCoverage(p, names, tasks);
  const schedulers = checkSchedulers(p, readArray(p, top, 'schedulers', '', { default: [] }), hz, machineOut.coresOk ? machine.cores : undefined);
  const taps = checkTaps(p, readArray(p, top, 'taps', '', { default: [] }), names, opts.baseDir, ctx.outputCheck);
  const io = checkIo(p, top['io'], ports.map((x) => x.name));
  const events = checkEvents(p, readArray(p, top, 'events', '', { default: [] }), eventNames(names, machineOut.coresOk ? machine.cores : undefined), hz, durationCycles, controlPeriodCycles);
  const controller = top['controller'] === undefined ? null : checkController(p, top['controller'], opts.controllerKinds, { hz, taskNames: tasks.map((t) => t.name) });

  return {
    version: 1,
    name,
    description,
    seed,
    hz: machine.hz,
    durationCycles,
    warmupCycles,
    controlPeriodCycles,
    threads,
    machine,
    ports,
    modules,
    edges,
    tasks,
    schedulers,
    taps,
    // Only when given: virtual-time results (and their records) stay as they were.
    ...(io.length > 0 ? { io } : {}),
    ...(events.length > 0 ? { events } : {}),
    ...(controller !== null ? { controller } : {}),
    sourcePath: ctx.sourcePath,
  };
}

/**
 * Control points cost wall time (limits.ts): a period of at least
 * MIN_CONTROL_PERIOD_SECONDS, and at most MAX_CONTROL_POINTS per run.
 */
function checkControlPoints(
  p: Problems,
  raw: unknown,
  hz: number,
  durationCycles: number,
  periodCycles: number,
  durationText: string,
): void {
  const points = controlPoints(durationCycles, periodCycles);
  // Rounded: "1us" at a clock that is not a whole number of MHz is still 1 us.
  const minCycles = Math.max(1, Math.round(MIN_CONTROL_PERIOD_SECONDS * hz));
  if (points <= MAX_CONTROL_POINTS && periodCycles >= minCycles) return;
  const byCount = Math.ceil(durationCycles / MAX_CONTROL_POINTS);
  const minSeconds = Math.max(minCycles, byCount) / hz;
  p.add(
    'controlPeriod',
    raw,
    `a control period of at least ${formatDurationSeconds(minSeconds)}: at most ${MAX_CONTROL_POINTS} control points per run and none closer than ` +
      `${formatDurationSeconds(MIN_CONTROL_PERIOD_SECONDS)} (this one gives ${points} in ${durationText}; each costs about 0.3 ms of wall time)`,
  );
}

function readSeed(p: Problems, v: unknown, where: string): number {
  if (v === undefined) return DEFAULT_SEED;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= MAX_SEED) return v;
  p.add(where, v, `an integer between 0 and ${MAX_SEED} (uint32)`);
  return DEFAULT_SEED;
}

function readThreads(p: Problems, v: unknown, where: string): number | 'auto' {
  if (v === undefined || v === 'auto') return 'auto';
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && v <= MAX_THREADS) return v;
  p.add(where, v, `auto, or an integer between 1 and ${MAX_THREADS} (worker threads)`);
  return 'auto';
}

/** Records the name as taken by `owner`; false (and a problem) if it already was. */
function claimName(p: Problems, names: Names, name: string, where: string, owner: string): boolean {
  if (name === '') return false; // invalid name, already reported
  const prev = names.owners.get(name);
  if (prev !== undefined) {
    p.add(where, name, `a name not used by another module or port (${prev} is already named ${name})`);
    return false;
  }
  names.owners.set(name, owner);
  return true;
}

function checkMachine(p: Problems, raw: unknown, baseDir: string | null): { spec: MachineSpec; hzOk: boolean; coresOk: boolean } {
  const fallback: MachineSpec = { name: 'generic', hz: FALLBACK_HZ, cores: 1, sockets: 1, preset: null, ddio: false };
  if (raw === undefined) {
    p.add('machine', raw, 'a machine, like { preset: xeon-8168-2s } or { hz: 2.6GHz, cores: 4 }');
    return { spec: fallback, hzOk: false, coresOk: false };
  }
  const m = asObject(p, raw, 'machine');
  if (m === undefined) return { spec: fallback, hzOk: false, coresOk: false };
  rejectUnknownKeys(p, m, MACHINE_KEYS, 'machine');
  if (m['preset'] !== undefined || m['presetFile'] !== undefined) return checkPresetMachine(p, m, baseDir);
  const name = readString(p, m, 'name', 'machine', { default: 'generic' });
  let hzOk = true;
  let hz = parseFrequencyHz(m['hz']);
  if (hz === null || hz < MIN_HZ || hz > MAX_HZ) {
    p.add('machine.hz', m['hz'], 'a clock frequency like 2.6GHz, 3400MHz or 2.6e9 (Hz), between 1MHz and 100GHz');
    hz = FALLBACK_HZ;
    hzOk = false;
  }
  let before = p.count;
  const cores = readInt(p, m, 'cores', 'machine', { min: 1, max: MAX_CORES });
  const coresOk = p.count === before;
  before = p.count;
  const sockets = readInt(p, m, 'sockets', 'machine', { min: 1, max: MAX_CORES, default: 1 });
  if (coresOk && p.count === before && cores % sockets !== 0) {
    p.add('machine.sockets', m['sockets'], `a number of sockets that divides machine.cores (${cores})`);
  }
  if (m['ddio'] !== undefined) p.add('machine.ddio', m['ddio'], 'ddio only with a preset (machine.preset or machine.presetFile): without one there is no cache model');
  return { spec: { name, hz, cores, sockets, preset: null, ddio: false }, hzOk, coresOk };
}

/** `machine: { preset: NAME | presetFile: PATH, cores?: N, ddio?: bool }`: the hardware model's machine. */
function checkPresetMachine(p: Problems, m: Record<string, unknown>, baseDir: string | null): { spec: MachineSpec; hzOk: boolean; coresOk: boolean } {
  const fallback: MachineSpec = { name: 'generic', hz: FALLBACK_HZ, cores: 1, sockets: 1, preset: null, ddio: false };
  for (const k of ['hz', 'sockets', 'name'] as const) {
    if (m[k] !== undefined) p.add(`machine.${k}`, m[k], `nothing: with a preset, ${k} comes from the preset (write your own preset file to change it)`);
  }
  if (m['preset'] !== undefined && m['presetFile'] !== undefined) {
    p.add('machine.presetFile', m['presetFile'], 'either machine.preset or machine.presetFile, not both');
    return { spec: fallback, hzOk: false, coresOk: false };
  }
  let preset: MachinePreset;
  if (m['preset'] !== undefined) {
    const name = readString(p, m, 'preset', 'machine', {});
    const found = findPreset(name);
    if (found === undefined) {
      const names = SHIPPED_PRESETS.map((x) => x.name);
      p.add('machine.preset', name, `a machine preset: ${names.join(', ')}${didYouMeanHint(name, names)} (or machine.presetFile)`);
      return { spec: fallback, hzOk: false, coresOk: false };
    }
    preset = found;
  } else {
    const file = readString(p, m, 'presetFile', 'machine', {});
    try {
      preset = loadPresetFile(baseDir === null ? resolvePath(file) : resolvePath(baseDir, file));
    } catch (e) {
      if (e instanceof ConfigError) for (const pr of e.problems) p.add(`machine.presetFile: ${pr.path}`, pr.value, pr.expected);
      else p.add('machine.presetFile', file, `a readable preset file (${(e as Error).message})`);
      return { spec: fallback, hzOk: false, coresOk: false };
    }
  }
  const all = preset.sockets * preset.coresPerSocket;
  const before = p.count;
  const cores = readInt(p, m, 'cores', 'machine', { min: 1, max: all, default: all });
  const ddio = readBool(p, m, 'ddio', 'machine', { default: preset.nic.ddio });
  const sockets = Math.ceil(cores / preset.coresPerSocket);
  return { spec: { name: preset.name, hz: preset.hz, cores, sockets, preset, ddio }, hzOk: true, coresOk: p.count === before };
}

function checkPort(
  p: Problems,
  raw: unknown,
  path: string,
  tctx: Parameters<typeof checkTraffic>[3],
): PortSpec | undefined {
  const o = asObject(p, raw, path);
  if (o === undefined) return undefined;
  rejectUnknownKeys(p, o, PORT_KEYS, path);
  const name = readString(p, o, 'name', path, { pattern: ENTITY_NAME_RE, patternHelp: ENTITY_NAME_HELP });
  const lineBefore = p.count;
  const lineRateBps = readBitRate(
    p,
    o['lineRate'],
    joinPath(path, 'lineRate'),
    MIN_LINE_RATE_BPS,
    MAX_LINE_RATE_BPS,
    'between 1kbps and 10Tbps',
  );
  const lineRateOk = p.count === lineBefore;
  const rxQueues = readInt(p, o, 'rxQueues', path, { min: 1, max: MAX_RX_QUEUES, default: 1 });
  const rxRingSize = readInt(p, o, 'rxRingSize', path, {
    min: 16,
    max: 65536,
    powerOfTwo: true,
    default: DEFAULT_RX_RING_SIZE,
  });
  const senderBufferFrames = readInt(p, o, 'senderBuffer', path, {
    min: 1,
    max: MAX_SENDER_BUFFER_FRAMES,
    default: DEFAULT_SENDER_BUFFER_FRAMES,
  });
  const traffic = checkTraffic(p, o['traffic'], joinPath(path, 'traffic'), { ...tctx, lineRateBps: lineRateOk ? lineRateBps : null });
  return { name, lineRateBps, rxQueues, rxRingSize, senderBufferFrames, traffic };
}

function checkModule(
  p: Problems,
  raw: unknown,
  path: string,
  kinds: readonly ModuleKindInfo[],
): { spec: ModuleSpec; kind: ModuleKindInfo | undefined; outputGates: number | undefined } | undefined {
  const o = asObject(p, raw, path);
  if (o === undefined) return undefined;
  rejectUnknownKeys(p, o, MODULE_KEYS, path);
  const name = readString(p, o, 'name', path, { pattern: ENTITY_NAME_RE, patternHelp: ENTITY_NAME_HELP });
  const kindNames = kinds.map((k) => k.name);
  const kindRaw = o['kind'];
  const kind = typeof kindRaw === 'string' ? kinds.find((k) => k.name === kindRaw) : undefined;
  if (kind === undefined) {
    const hint = typeof kindRaw === 'string' ? didYouMeanHint(kindRaw, kindNames) : '';
    p.add(joinPath(path, 'kind'), kindRaw, `a module kind, one of: ${listNames(kindNames)}${hint}`);
    const spec = { name, kind: typeof kindRaw === 'string' ? kindRaw : '', config: o['config'], outputGates: 0 };
    return { spec, kind: undefined, outputGates: undefined };
  }
  const configPath = joinPath(path, 'config');
  const configRaw = o['config'] === undefined ? {} : o['config'];
  const before = p.count;
  let config: unknown;
  try {
    config = kind.checkConfig(configRaw, configPath, p);
  } catch (e) {
    // A checker should record problems, not throw; if it throws anyway, the
    // user still gets a message, not a stack trace.
    if (e instanceof ConfigError) p.addAll(e.problems);
    else {
      const msg = e instanceof Error ? e.message : String(e);
      p.add(configPath, configRaw, `a config the ${kind.name} checker accepts (it failed: ${msg})`);
    }
  }
  let outputGates: number | undefined;
  if (p.count === before) {
    outputGates = kind.outputGates(config);
    if (!Number.isSafeInteger(outputGates) || outputGates < 0) {
      // Not the user's fault: the catalog entry is broken.
      throw new Error(`module kind ${kind.name}: outputGates() returned ${formatValue(outputGates)}`);
    }
  }
  return { spec: { name, kind: kind.name, config, outputGates: outputGates ?? 0 }, kind, outputGates };
}

// ---------------------------------------------------------------- references

function nameList(names: Names): string {
  return `modules: ${listNames([...names.modules.keys()])}; ports: ${listNames([...names.ports.keys()])}`;
}

function rxQueueList(port: string, n: number): string {
  return n === 1 ? `${port} has 1 rx queue: ${port}.rx0` : `${port} has ${n} rx queues: ${port}.rx0 to ${port}.rx${n - 1}`;
}

function gateList(module: string, info: ModuleInfo): string {
  const n = info.outputGates ?? 0;
  const who = `${module}, a ${info.kind?.name ?? '?'} module,`;
  if (n === 0) return `${who} has no output gates`;
  return n === 1 ? `${who} has 1 output gate: ${module}:0` : `${who} has ${n} output gates: ${module}:0 to ${module}:${n - 1}`;
}

/**
 * Checks that the module or port an endpoint names exists, that an rx queue is
 * in range and, when `checkGate`, that a module output gate is in range.
 * Returns false after recording a problem.
 */
function checkRefs(p: Problems, names: Names, e: Endpoint, raw: unknown, where: string, checkGate: boolean): boolean {
  if (e.type === 'module') {
    const info = names.modules.get(e.module);
    if (info === undefined) {
      if (names.ports.has(e.module)) {
        const why = `${e.module} is a port: write ${e.module}.rx0 or ${e.module}.tx`;
        p.add(where, raw, `the name of a module or port endpoint (${why})`);
        return false;
      }
      const hint = didYouMeanHint(e.module, [...names.modules.keys(), ...names.ports.keys()]);
      p.add(where, raw, `the name of a module or port endpoint (${nameList(names)})${hint}`);
      return false;
    }
    if (checkGate && info.outputGates !== undefined && e.gate >= info.outputGates) {
      p.add(where, raw, `an output gate of ${e.module} (${gateList(e.module, info)})`);
      return false;
    }
    return true;
  }
  const port = names.ports.get(e.port);
  if (port === undefined) {
    const hint = didYouMeanHint(e.port, [...names.ports.keys()]);
    p.add(where, raw, `an endpoint of an existing port (ports: ${listNames([...names.ports.keys()])})${hint}`);
    return false;
  }
  if (e.type === 'rx' && e.queue >= port.spec.rxQueues) {
    p.add(where, raw, `an rx queue of ${e.port} (${rxQueueList(e.port, port.spec.rxQueues)})`);
    return false;
  }
  return true;
}

function checkEdges(p: Problems, raw: unknown[], names: Names): EdgeSpec[] {
  const edges: EdgeSpec[] = [];
  /** Canonical "from" endpoint -> index of the edge that uses it. */
  const used = new Map<string, number>();
  for (let i = 0; i < raw.length; i++) {
    const path = indexPath('edges', i);
    const o = asObject(p, raw[i], path);
    if (o === undefined) continue;
    rejectUnknownKeys(p, o, EDGE_KEYS, path);
    const fromPath = joinPath(path, 'from');
    const toPath = joinPath(path, 'to');
    const from = parseEndpoint(p, o['from'], fromPath, 'a module output gate like fw or fw:1, or an rx queue like eth0.rx0');
    const to = parseEndpoint(p, o['to'], toPath, 'a module like fw, or a port transmit endpoint like eth0.tx');
    let ok = from !== undefined && to !== undefined;
    if (from !== undefined) {
      if (from.endpoint.type === 'tx') {
        p.add(fromPath, o['from'], 'a module output gate or an rx queue (packets leave the emulator at a tx endpoint)');
        ok = false;
      } else if (checkRefs(p, names, from.endpoint, o['from'], fromPath, true)) {
        const key = formatEndpoint(from.endpoint);
        const prev = used.get(key);
        if (prev !== undefined) {
          p.add(
            fromPath,
            o['from'],
            `an output with no other edge (gate already connected by edges[${prev}]; use a module to fan out)`,
          );
          ok = false;
        } else used.set(key, i);
      } else ok = false;
    }
    if (to !== undefined) ok = checkEdgeTo(p, names, to, o['to'], toPath) && ok;
    if (ok) edges.push({ from: from!.endpoint, to: to!.endpoint });
  }
  return edges;
}

function checkEdgeTo(p: Problems, names: Names, to: ParsedEndpoint, raw: unknown, where: string): boolean {
  const e = to.endpoint;
  if (e.type === 'rx') {
    p.add(where, raw, 'a module or a port transmit endpoint like eth0.tx (packets cannot be sent into an rx queue)');
    return false;
  }
  if (e.type === 'module' && e.gate !== 0) {
    p.add(where, raw, `a module input: ${e.module} or ${e.module}:0 (a module has one input gate, 0)`);
    return false;
  }
  return checkRefs(p, names, e, raw, where, false);
}

function taskRootString(r: TaskRoot): string {
  return r.type === 'rx' ? `${r.port}.rx${r.queue}` : r.module;
}

function queueModules(names: Names): string[] {
  const out: string[] = [];
  for (const [n, info] of names.modules) if (info.kind?.isQueue) out.push(n);
  return out;
}

function checkTaskRoot(p: Problems, names: Names, raw: unknown, where: string): TaskRoot | undefined {
  const help = `an rx queue like eth0.rx0, or the name of a queue module (queue modules: ${listNames(queueModules(names))})`;
  if (raw === undefined) {
    p.add(where, raw, help);
    return undefined;
  }
  const parsed = parseEndpoint(p, raw, where, help);
  if (parsed === undefined) return undefined;
  const e = parsed.endpoint;
  if (e.type === 'tx' || (e.type === 'module' && parsed.explicitGate)) {
    p.add(where, raw, help);
    return undefined;
  }
  if (!checkRefs(p, names, e, raw, where, false)) return undefined;
  if (e.type === 'module') {
    const info = names.modules.get(e.module)!;
    if (info.kind !== undefined && !info.kind.isQueue) {
      p.add(where, raw, `${help}; ${e.module} is a ${info.kind.name} module, not a queue`);
      return undefined;
    }
    return { type: 'queue', module: e.module };
  }
  return { type: 'rx', port: e.port, queue: e.queue };
}

function checkTasks(p: Problems, raw: unknown[], names: Names, cores: number | undefined): TaskSpec[] {
  const tasks: TaskSpec[] = [];
  const roots = new Map<string, number>();
  const taskNames = new Map<string, number>();
  for (let i = 0; i < raw.length; i++) {
    const path = indexPath('tasks', i);
    const o = asObject(p, raw[i], path);
    if (o === undefined) continue;
    rejectUnknownKeys(p, o, TASK_KEYS, path);
    const rootPath = joinPath(path, 'root');
    const root = checkTaskRoot(p, names, o['root'], rootPath);
    const before = p.count;
    let core = readInt(p, o, 'core', path, { min: 0 });
    if (p.count === before && cores !== undefined && core >= cores) {
      p.add(joinPath(path, 'core'), o['core'], `a core number between 0 and ${cores - 1} (machine.cores is ${cores})`);
      core = 0;
    }
    const batch = readInt(p, o, 'batch', path, { min: 1, max: MAX_BATCH, default: DEFAULT_BATCH });
    let name = readString(p, o, 'name', path, { default: '' });
    if (o['name'] !== undefined && name === '') p.add(joinPath(path, 'name'), o['name'], 'a non-empty task name');
    if (root === undefined) continue;
    const rootKey = taskRootString(root);
    const prevRoot = roots.get(rootKey);
    if (prevRoot !== undefined) {
      p.add(rootPath, o['root'], `a root no other task has (tasks[${prevRoot}] is already rooted at ${rootKey})`);
      continue;
    }
    roots.set(rootKey, i);
    if (o['name'] === undefined) name = `${rootKey}@${core}`;
    const prevName = taskNames.get(name);
    if (prevName !== undefined) {
      p.add(joinPath(path, 'name'), o['name'] ?? name, `a task name not used by another task (tasks[${prevName}] is named ${name})`);
    } else taskNames.set(name, i);
    const weight = readNumber(p, o, 'weight', path, { min: 0, exclusiveMin: true, default: 1 });
    const priority = readInt(p, o, 'priority', path, { min: -1000, max: 1000, default: 0 });
    const nice = readInt(p, o, 'nice', path, { min: -20, max: 19, default: 0 });
    const process = readString(p, o, 'process', path, { default: '' });
    const chain = readString(p, o, 'chain', path, { default: name });
    const detached = readBool(p, o, 'detached', path, { default: false });
    const copy = readBool(p, o, 'copy', path, { default: false });
    const syscalls = readString(p, o, 'syscalls', path, { oneOf: SYSCALL_MODES, default: 'none' }) as SyscallMode;
    tasks.push({ name, root, core, batch, weight, priority, nice, process, chain, detached, copy, syscalls });
  }
  return tasks;
}

function checkSchedulers(p: Problems, raw: unknown[], hz: number, cores: number | undefined): SchedulerSpec[] {
  const out: SchedulerSpec[] = [];
  const owner = new Map<number, number>();
  for (let i = 0; i < raw.length; i++) {
    const path = indexPath('schedulers', i);
    const o = asObject(p, raw[i], path);
    if (o === undefined) continue;
    rejectUnknownKeys(p, o, SCHEDULER_KEYS, path);
    const policy = readString(p, o, 'policy', path, { oneOf: POLICIES }) as PolicyName;
    const list: number[] = [];
    const cw = joinPath(path, 'cores');
    const rawCores = o['cores'];
    const items = Array.isArray(rawCores) ? rawCores : [rawCores];
    const coreHelp = cores === undefined ? 'a core number or a list of core numbers' : `a core number 0..${cores - 1} or a list of them`;
    if (rawCores === undefined || items.length === 0) p.add(cw, rawCores, coreHelp);
    else {
      for (const c of items) {
        if (typeof c !== 'number' || !Number.isSafeInteger(c) || c < 0 || (cores !== undefined && c >= cores)) { p.add(cw, rawCores, coreHelp); break; }
        const prev = owner.get(c);
        if (prev !== undefined) { p.add(cw, rawCores, `cores not already given a scheduler (core ${c} is in schedulers[${prev}])`); break; }
        owner.set(c, i);
        list.push(c);
      }
    }
    const optCycles = (key: string): number | null => (o[key] === undefined ? null : readNumber(p, o, key, path, { min: 0 }));
    const switchCycles = optCycles('switchCycles');
    const syscallCycles = optCycles('syscallCycles');
    const only = (key: string, pol: readonly PolicyName[]) => {
      if (o[key] !== undefined && !pol.includes(policy)) p.add(joinPath(path, key), o[key], `no ${key} for policy ${policy} (it applies to ${pol.join(', ')})`);
    };
    only('timeout', ['coop']);
    only('isolation', ['coop']);
    only('batchRule', ['coop']);
    only('rrSlice', ['rt-rr']);
    only('wakeupGranularity', ['cfs']);
    only('cfsSlice', ['cfs', 'cfs-batch']);
    const dp = defaultPolicyParams(hz);
    let cfsSlice: SchedulerSpec['cfsSlice'] = 'nice';
    const rawSlice = o['cfsSlice'];
    if (rawSlice === 'nice' || rawSlice === 'linux') cfsSlice = rawSlice;
    else if (rawSlice !== undefined) {
      const d = parseDuration(rawSlice, hz);
      const seconds = durationSecondsAt(rawSlice, hz);
      if (seconds !== null && seconds > MAX_DURATION_SECONDS) p.add(joinPath(path, 'cfsSlice'), rawSlice, `nice, linux or a duration ${DURATION_MAX_HELP}`);
      else if (d === null || d.cycles <= 0) p.add(joinPath(path, 'cfsSlice'), rawSlice, 'nice ([SCC]\'s slices from nice values, docs/scheduling.md), linux (the kernel\'s 6 ms period shared by weight) or a duration like 3ms');
      else cfsSlice = d.cycles;
    }
    out.push({
      cores: list,
      policy,
      switchCycles,
      syscallCycles,
      timeoutCycles: readDurationCycles(p, o['timeout'], joinPath(path, 'timeout'), hz, { default: 0 }),
      isolation: readBool(p, o, 'isolation', path, { default: false }),
      batchRuleOverhead: readNumber(p, o, 'batchRule', path, { min: 0, max: 10, exclusiveMin: true, default: 0 }),
      rrSliceCycles: readDurationCycles(p, o['rrSlice'], joinPath(path, 'rrSlice'), hz, { default: dp.rrSliceCycles, positive: true }),
      wakeupGranularityCycles: readDurationCycles(p, o['wakeupGranularity'], joinPath(path, 'wakeupGranularity'), hz, { default: dp.wakeupGranularityCycles }),
      cfsSlice,
    });
  }
  return out;
}

/** Every rx queue of a port with traffic, and every queue module, must be the root of a task. */
function checkCoverage(p: Problems, names: Names, tasks: TaskSpec[]): void {
  const rooted = new Set(tasks.map((t) => taskRootString(t.root)));
  const present = tasks.map((t) => taskRootString(t.root));
  for (const [portName, port] of names.ports) {
    if (port.spec.traffic === null) continue;
    for (let q = 0; q < port.spec.rxQueues; q++) {
      const r = `${portName}.rx${q}`;
      if (!rooted.has(r)) {
        p.add('tasks', present, `a task with root ${r} (packets arriving on ${r} would never be polled)`);
      }
    }
  }
  for (const m of queueModules(names)) {
    if (!rooted.has(m)) {
      p.add('tasks', present, `a task with root ${m} (packets entering queue module ${m} would never be drained)`);
    }
  }
}

/** What events may name: NF modules (not queues) and ports with traffic. */
/** Most control points an answer may wait before it takes effect. */
export const MAX_ACTUATION_DELAY = 1000;

/** The generic `controller:` fields; a built-in kind takes the others. */
const CONTROLLER_KEYS = ['kind', 'command', 'onMiss', 'actuationDelay', 'timeout'] as const;

/** `controller:` { kind: NAME, ... | command: CMD | URL, onMiss: fail | no-action, actuationDelay: K, timeout: MS }. */
function checkController(p: Problems, raw: unknown, kinds: readonly ControllerKindInfo[] | undefined, ctx: { hz: number; taskNames: readonly string[] }): ControllerSpec | null {
  const o = asObject(p, raw, 'controller');
  if (o === undefined) return null;
  let builtin: ControllerSpec['builtin'] = null;
  if (o['kind'] === undefined) {
    rejectUnknownKeys(p, o, CONTROLLER_KEYS, 'controller');
  } else {
    const names = kinds?.map((k) => k.name);
    const kind = readString(p, o, 'kind', 'controller', names === undefined ? {} : { oneOf: names });
    const rest: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) if (!(CONTROLLER_KEYS as readonly string[]).includes(k)) rest[k] = v;
    const info = kinds?.find((k) => k.name === kind);
    builtin = { kind, params: info === undefined ? rest : info.checkParams(rest, 'controller', p, ctx), checked: info !== undefined };
    if (o['command'] !== undefined) p.add('controller.command', o['command'], 'either kind (a built-in controller) or command (an external one), not both');
  }
  let command: string | null = null;
  if (o['command'] !== undefined && builtin === null) {
    command = readString(p, o, 'command', 'controller', {});
    if (command.trim() === '' || command.length > 4096) p.add('controller.command', o['command'], 'a command line that starts the controller (run in the scenario file\'s folder), or tcp://HOST:PORT or unix:PATH where one listens');
  }
  const onMiss = readString(p, o, 'onMiss', 'controller', { oneOf: ['fail', 'no-action'], default: 'fail' }) as ControllerSpec['onMiss'];
  const actuationDelay = readInt(p, o, 'actuationDelay', 'controller', { min: 0, max: MAX_ACTUATION_DELAY, default: 0 });
  const timeoutMs = o['timeout'] === undefined ? null : readInt(p, o, 'timeout', 'controller', { min: 1, max: 3_600_000 });
  return { builtin, command, onMiss, actuationDelay, timeoutMs };
}

function eventNames(names: Names, cores: number | undefined): EventNames {
  const nfModules = new Set<string>();
  for (const [n, info] of names.modules) if (info.kind !== undefined && !info.kind.isQueue) nfModules.add(n);
  const trafficPorts = new Set<string>();
  for (const [n, info] of names.ports) if (info.spec.traffic !== null) trafficPorts.add(n);
  return { nfModules, trafficPorts, cores };
}

function checkTaps(
  p: Problems,
  raw: unknown[],
  names: Names,
  baseDir: string | null,
  outputCheck: CheckContext['outputCheck'],
): TapSpec[] {
  const taps: TapSpec[] = [];
  const files = new Map<string, number>();
  for (let i = 0; i < raw.length; i++) {
    const path = indexPath('taps', i);
    const o = asObject(p, raw[i], path);
    if (o === undefined) continue;
    rejectUnknownKeys(p, o, TAP_KEYS, path);
    const atPath = joinPath(path, 'at');
    const help = 'a module output gate like fw:1, an rx queue like eth0.rx0 or a port transmit endpoint like eth0.tx';
    let at: TapPoint | undefined;
    if (o['at'] === undefined) p.add(atPath, undefined, help);
    else {
      const parsed = parseEndpoint(p, o['at'], atPath, help);
      if (parsed !== undefined && checkRefs(p, names, parsed.endpoint, o['at'], atPath, true)) {
        const e = parsed.endpoint;
        at = e.type === 'module' ? { type: 'gate', module: e.module, gate: e.gate } : e;
      }
    }
    const filePath = joinPath(path, 'file');
    const file = readPath(p, o['file'], filePath, baseDir, 'the path of the pcap file to write (relative to the scenario file)');
    if (file !== '') {
      const prev = files.get(file);
      if (prev !== undefined) p.add(filePath, o['file'], `a file no other tap writes (taps[${prev}] writes ${file})`);
      else files.set(file, i);
      const wrong = outputCheck?.(file) ?? null;
      if (wrong !== null) p.add(filePath, o['file'], `a pcap file the run can write (${wrong})`);
    }
    if (at !== undefined && file !== '') taps.push({ at, file });
  }
  return taps;
}

