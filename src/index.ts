/**
 * The library API: `import { run } from 'emu-nfv'`. A thin, stable facade
 * over the layers below (scenario loading, the engine, external controllers,
 * experiments); it adds no behaviour of its own beyond choosing defaults as
 * the CLI does and always ending what it starts. docs/api.md documents it.
 *
 * It imports nothing from src/cli/ (test/layering.test.ts): the CLI is a
 * user of the same layers, not a layer below this one.
 */
import { dirname } from 'node:path';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { unpack } from 'msgpackr';
import { connectController, DEFAULT_REPLY_TIMEOUT_MS, type ExternalController } from './control/index.js';
import { findExperiment, EXPERIMENTS } from './experiments/catalog.js';
import type { Experiment, ExperimentParams } from './experiments/experiment.js';
import { planExperiment, runExperiment as runExperimentPoints, type ExperimentOutput, type ExperimentRunOptions } from './experiments/run.js';
import { runScenario, type RunOptions } from './engine/run.js';
import { buildPlan, PlanError } from './graph/plan.js';
import { RECORD_SCHEMA, type ResultRecord } from './metrics/record.js';
import { NF_KINDS } from './nf/catalog.js';
import { builtinController, CONTROLLER_KINDS } from './control/builtin/index.js';
import { MAX_OFFERED_FRAMES } from './scenario/limits.js';
import { loadScenarioFile, loadScenarioText, type ScenarioFormat } from './scenario/load.js';
import type { Scenario, ScenarioOverrides } from './scenario/types.js';
import { validateScenario } from './scenario/validate.js';
import { PcapError, readPcapFile } from './traffic/pcap.js';
import { ConfigError, isPlainObject, type Problem } from './util/config-check.js';

// ---- Re-exports: the public types and error classes --------------------------------------------

export type { Scenario, ScenarioEvent, ScenarioOverrides } from './scenario/types.js';
export type { ScenarioFormat } from './scenario/load.js';
export type { ResultRecord, LatencySummary } from './metrics/record.js';
export type { Series, SeriesMeta, PeriodPoint, GroupPoint, TaskPoint, PeriodLatency, Score, SloSpec, SeriesEvent, ControlOutcome } from './metrics/series.js';
export { scoreSeries } from './metrics/score.js';
export { seriesToCsv } from './metrics/series-csv.js';
export { CONTROLLER_KINDS, builtinController, type ControllerKind } from './control/builtin/index.js';
export type { Telemetry, CoreTelemetry, TaskTelemetry, ControlAction, Controller } from './engine/telemetry.js';
export type { RunOptions } from './engine/run.js';
export type { Experiment, ExperimentParams, ExperimentPoint, ExperimentSummary } from './experiments/experiment.js';
export type { ExperimentOutput, ExperimentRunOptions } from './experiments/run.js';
export type { Problem } from './util/config-check.js';
export { ConfigError } from './util/config-check.js';
export { PlanError } from './graph/plan.js';
export { PcapError } from './traffic/pcap.js';
export { RunError, CONTROLLER_TIMEOUT_MS } from './engine/run.js';
export { ProtocolError, WireError, DEFAULT_REPLY_TIMEOUT_MS, PROTOCOL_VERSION } from './control/index.js';
export { RECORD_SCHEMA, recordToJson, recordToMsgpack } from './metrics/record.js';
export { EXPERIMENT_SCHEMA, experimentCsv } from './experiments/run.js';
export { EMU_VERSION } from './version.js';

/** An external controller could not be started or reached (before the run began). */
export class ControllerStartError extends Error {
  constructor(readonly spec: string, cause: unknown) {
    super(`controller ${spec}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ControllerStartError';
  }
}

/** A file given to readRecord is not a result record emu wrote. */
export class RecordError extends Error {
  constructor(readonly file: string, why: string) {
    super(`${file}: ${why}`);
    this.name = 'RecordError';
  }
}

// ---- Scenarios ------------------------------------------------------------------------------------

/**
 * A scenario to load: a file path (.yaml, .yml, .json), scenario text with
 * its format, or a scenario as a plain object (what a YAML file parses to).
 */
export type ScenarioInput = string | ScenarioText | Record<string, unknown>;

export interface ScenarioText {
  text: string;
  /** Default 'auto': JSON, else YAML. */
  format?: ScenarioFormat;
}

export interface LoadScenarioOptions {
  /** Overrides the scenario's `seed` (uint32). */
  seed?: number;
  /** Overrides the scenario's `threads`. */
  threads?: number | 'auto';
  /** Overrides the scenario's `duration`, e.g. "2ms" (a number is seconds, as in the file). */
  duration?: string | number;
  /** Sets fields before the scenario is checked, as `--set` does: ["ports[0].traffic.rate=5Mpps", "duration=2ms"]. */
  set?: readonly string[];
  /** What relative paths inside text or an object (pcap files, taps) resolve against; default the current directory. */
  baseDir?: string;
}

function isScenarioText(x: unknown): x is ScenarioText {
  // A scenario has no top-level `text` field, so this cannot be mistaken for one.
  return isPlainObject(x) && typeof x['text'] === 'string';
}

function overridesOf(o: { seed?: number; threads?: number | 'auto'; duration?: string | number; set?: readonly string[] }): ScenarioOverrides {
  const ov: ScenarioOverrides = {};
  if (o.set !== undefined && o.set.length > 0) ov.set = o.set;
  if (o.seed !== undefined) ov.seed = o.seed;
  if (o.threads !== undefined) ov.threads = o.threads;
  if (o.duration !== undefined) ov.duration = o.duration;
  return ov;
}

/**
 * Loads and validates a scenario for a run in virtual time, with the checks
 * `emu run` makes (taps writable, offered frames bounded). Throws a
 * ConfigError whose `problems` lists everything wrong (a missing file is
 * one problem). Synchronous: it reads at most the scenario file and a
 * machine preset file.
 */
export function loadScenario(input: ScenarioInput, opts: LoadScenarioOptions = {}): Scenario {
  const load = { kinds: NF_KINDS, controllerKinds: CONTROLLER_KINDS, overrides: overridesOf(opts), outputs: 'check' as const, checkOfferedFrames: true };
  if (typeof input === 'string') return loadScenarioFile(input, load);
  const baseDir = opts.baseDir ?? process.cwd();
  if (isScenarioText(input)) {
    return loadScenarioText(input.text, { what: 'scenario (text)', format: input.format ?? 'auto', baseDir, sourcePath: null }, load);
  }
  if (!isPlainObject(input)) {
    throw new ConfigError('scenario', [{ path: '', value: input, expected: 'a file path, { text, format }, or a scenario object' }]);
  }
  // Validated as the engine will see it; the files it names are checked when the run opens them.
  return validateScenario(input, { kinds: NF_KINDS, controllerKinds: CONTROLLER_KINDS, baseDir, overrides: load.overrides, checkOfferedFrames: true });
}

export interface ValidationResult {
  ok: boolean;
  /** Everything wrong, as ConfigError lists it; graph and pcap problems are included with paths "graph" and the pcap file. */
  problems: Problem[];
  /** Things that will run but look unintended (as `emu validate` prints them). */
  warnings: string[];
  /** The resolved scenario when ok. */
  scenario?: Scenario;
}

/**
 * What `emu validate` checks, without throwing: the scenario, its pcap
 * traces and its graph. Errors other than bad input (a bug) still throw.
 */
export function validate(input: ScenarioInput, opts: LoadScenarioOptions = {}): ValidationResult {
  try {
    const scenario = loadScenario(input, opts);
    for (const p of scenario.ports) if (p.traffic?.kind === 'pcap') readPcapFile(p.traffic.file);
    const plan = buildPlan(scenario);
    return { ok: true, problems: [], warnings: plan.warnings, scenario };
  } catch (e) {
    if (e instanceof ConfigError) return { ok: false, problems: e.problems, warnings: [] };
    if (e instanceof PlanError) return { ok: false, problems: e.problems.map((p) => ({ path: 'graph', value: undefined, expected: p })), warnings: [] };
    if (e instanceof PcapError) return { ok: false, problems: [{ path: e.file, value: `byte ${e.offsetBytes}`, expected: `a pcap file (${e.what})` }], warnings: [] };
    throw e;
  }
}

// ---- Runs -----------------------------------------------------------------------------------------

/**
 * Everything the engine takes (RunOptions, passed through as given, so
 * options the engine gains reach it without changes here), plus the
 * scenario overrides and an external controller.
 */
export interface ApiRunOptions extends RunOptions, LoadScenarioOptions {
  /**
   * An external controller (docs/controller-protocol.md): a command line to
   * start ("python3 ctl.py"; no shell), or tcp://HOST:PORT, or unix:/PATH
   * where one listens. Exclusive with `controller`. `controllerTimeoutMs`
   * then bounds each of its replies (default DEFAULT_REPLY_TIMEOUT_MS).
   */
  externalController?: string;
  /** Where the external controller process's stderr goes; default process.stderr. */
  onControllerStderr?: (chunk: Buffer) => void;
}

export interface RunResult {
  /** The result record (docs/results.md): the same bytes for the same scenario and seed, whatever `threads`. */
  record: ResultRecord;
  /** The scenario as run (overrides applied). */
  scenario: Scenario;
  /** Worker threads used. */
  threads: number;
  wallSeconds: number;
  /** Things the run noticed that look unintended (as `emu run` prints them). */
  warnings: string[];
}

function isResolvedScenario(x: unknown): x is Scenario {
  // Only a resolved scenario has durationCycles (a scenario file may not: it is not a field).
  return isPlainObject(x) && typeof x['durationCycles'] === 'number' && typeof x['hz'] === 'number';
}

/** The scenario to run: `input` loaded with the overrides, or a resolved one with the overrides it can take. */
function scenarioToRun(input: ScenarioInput | Scenario, opts: ApiRunOptions): Scenario {
  if (!isResolvedScenario(input)) return loadScenario(input, opts);
  if (opts.set !== undefined && opts.set.length > 0) {
    throw new ConfigError('run options', [{
      path: 'set',
      value: opts.set,
      expected: 'no set override for a scenario already loaded: pass it to loadScenario(file, { set }), or give run() the file',
    }]);
  }
  if (opts.duration !== undefined) {
    throw new ConfigError('run options', [{
      path: 'duration',
      value: opts.duration,
      expected: 'no duration override for a scenario already loaded: pass it to loadScenario(file, { duration }), or give run() the file',
    }]);
  }
  if (opts.seed === undefined || opts.seed === input.seed) return input;
  if (!Number.isInteger(opts.seed) || opts.seed < 0 || opts.seed > 0xffff_ffff) {
    throw new ConfigError('run options', [{ path: 'seed', value: opts.seed, expected: 'an integer between 0 and 4294967295' }]);
  }
  return { ...input, seed: opts.seed };
}

/**
 * Runs a scenario in virtual time. `input` is what loadScenario takes, or a
 * scenario it returned. Throws ConfigError / PlanError / PcapError for bad
 * input, ControllerStartError when the external controller cannot be
 * started or reached, RunError (or the controller's error) when the run
 * fails. An external controller is always ended, whatever happens.
 */
export async function run(input: ScenarioInput | Scenario, opts: ApiRunOptions = {}): Promise<RunResult> {
  const { seed: _seed, duration: _duration, set: _set, baseDir: _baseDir, externalController, onControllerStderr, ...engineOpts } = opts;
  if (externalController !== undefined && opts.controller !== undefined) {
    throw new ConfigError('run options', [{ path: 'externalController', value: externalController, expected: 'either controller or externalController, not both' }]);
  }
  const scenario = scenarioToRun(input, opts);
  // Without a controller of the caller's, the scenario's controller.command (started in the scenario file's folder).
  const fromScenario = externalController === undefined && opts.controller === undefined ? (scenario.controller?.command ?? undefined) : undefined;
  const spec = externalController ?? fromScenario;
  if (spec === undefined) {
    // Or the scenario's built-in controller (controller: { kind }), unless the caller gave one.
    const builtin = opts.controller === undefined ? builtinController(scenario) : null;
    return resultOf(scenario, await runScenario(scenario, builtin === null ? engineOpts : { ...engineOpts, controller: builtin }));
  }

  let ext: ExternalController;
  try {
    ext = await connectController(spec, {
      replyTimeoutMs: opts.controllerTimeoutMs ?? (fromScenario !== undefined ? scenario.controller?.timeoutMs : undefined) ?? DEFAULT_REPLY_TIMEOUT_MS,
      ...(onControllerStderr ? { onStderr: onControllerStderr } : {}),
      ...(fromScenario !== undefined && scenario.sourcePath !== null ? { cwd: dirname(scenario.sourcePath) } : {}),
    });
  } catch (e) {
    throw new ControllerStartError(spec, e);
  }
  try {
    ext.hello(scenario);
    // The session bounds each reply itself (and names the controller when it is late), as `emu run --controller` does.
    const { controllerTimeoutMs: _t, ...rest } = engineOpts;
    const out = await runScenario(scenario, { ...rest, controller: ext.controller });
    ext.summary(out.record.totals);
    await ext.close();
    return resultOf(scenario, out);
  } finally {
    // Whatever happened, no controller process is left behind (a no-op after close()).
    await ext.abort();
  }
}

function resultOf(scenario: Scenario, out: Awaited<ReturnType<typeof runScenario>>): RunResult {
  return { record: out.record, scenario, threads: out.threads, wallSeconds: out.wallSeconds, warnings: out.warnings };
}

// ---- Experiments ----------------------------------------------------------------------------------

export interface ExperimentInfo {
  name: string;
  title: string;
  description: string;
  /** Its parameters (window, warmup, seed and its own), with their help and default as text. */
  parameters: { name: string; help: string; default: string }[];
  /** All parameters with their defaults. */
  defaults: ExperimentParams;
}

/** The experiments shipped with emu (`emu scenario list`). */
export function listExperiments(): ExperimentInfo[] {
  return EXPERIMENTS.map((e) => ({ name: e.name, title: e.title, description: e.description, parameters: e.parameters, defaults: e.defaults() }));
}

/** The most points an experiment may have, as `emu scenario run` allows. */
const MAX_EXPERIMENT_POINTS = 1000;

/**
 * Runs a shipped experiment: `params` over its defaults (window, warmup,
 * seed, and the parameters listExperiments() names). Every point is
 * validated, and the work bounded as `emu scenario` bounds it, before the
 * first runs (ConfigError otherwise). Threads default to the host's cores.
 */
export async function runExperiment(
  name: string,
  params: Partial<ExperimentParams> = {},
  opts: ExperimentRunOptions = {},
): Promise<{ output: ExperimentOutput; wallSeconds: number }> {
  const exp: Experiment | undefined = findExperiment(name);
  const what = `experiment ${name}`;
  if (!exp) throw new ConfigError(what, [{ path: 'name', value: name, expected: `one of: ${EXPERIMENTS.map((e) => e.name).join(', ')}` }]);
  const known = new Set(['window', 'warmup', 'seed', ...exp.parameters.map((p) => p.name)]);
  const unknown = Object.keys(params).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new ConfigError(what, unknown.map((k) => ({ path: `params.${k}`, value: params[k], expected: `a parameter of ${name}: one of ${[...known].join(', ')}` })));
  }
  const full: ExperimentParams = { ...exp.defaults() };
  for (const [k, v] of Object.entries(params)) if (v !== undefined) full[k] = v;
  const n = exp.points(full).length;
  if (n > MAX_EXPERIMENT_POINTS) {
    throw new ConfigError(what, [{ path: 'params', value: `${n} points`, expected: `parameters that make at most ${MAX_EXPERIMENT_POINTS} points (each is one run)` }]);
  }
  const plan = planExperiment(exp, full);
  if (plan.totalFrames > MAX_OFFERED_FRAMES) {
    throw new ConfigError(what, [{ path: 'params.window', value: full.window, expected: `a shorter window: the points may offer at most ${MAX_OFFERED_FRAMES} frames in all (these offer about ${plan.totalFrames})` }]);
  }
  return runExperimentPoints(exp, full, { ...opts, threads: opts.threads ?? Math.max(1, availableParallelism()) });
}

// ---- Records --------------------------------------------------------------------------------------

/**
 * Reads a result record written by `emu run --out` (JSON) or `--msgpack`.
 * Throws RecordError when the file cannot be read or parsed, or is not a
 * record of the schema this emu writes (RECORD_SCHEMA).
 */
export function readRecord(file: string): ResultRecord {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new RecordError(file, `cannot read the file (${(e as Error).message})`);
  }
  // JSON records start with "{" (recordToJson); msgpack ones with a map header byte, never "{" or white space.
  const first = bytes.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  const isJson = first === 0x7b;
  let value: unknown;
  try {
    value = isJson ? JSON.parse(bytes.toString('utf8')) : unpack(bytes);
  } catch (e) {
    throw new RecordError(file, `not a result record: it does not parse as ${isJson ? 'JSON' : 'msgpack'} (${(e as Error).message})`);
  }
  const schema = isPlainObject(value) ? value['schema'] : undefined;
  if (schema !== RECORD_SCHEMA) {
    const found = schema === undefined ? 'no "schema" field' : `schema ${JSON.stringify(schema)}`;
    throw new RecordError(file, `not a result record of schema "${RECORD_SCHEMA}" (found ${found}; records are written by \`emu run --out\` or \`--msgpack\`)`);
  }
  return value as ResultRecord;
}
