/**
 * The `emu` command line. Built from a factory so every test gets a fresh
 * program with its own output streams; actions stay thin (parse, call a pure
 * function, render) and one place maps errors to exit codes.
 *
 * Exit codes (scripts rely on them):
 *   0  success
 *   1  the run failed (an NF threw, the engine stalled, a controller failed)
 *   2  bad input: CLI usage, scenario file, pcap file
 *   3  the run finished but packet conservation does not hold (an engine bug)
 */
import { dirname } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { PlanError } from '../graph/plan.js';
import { recordToJson, recordToMsgpack } from '../metrics/record.js';
import { NF_KINDS } from '../nf/catalog.js';
import { seriesToCsv } from '../metrics/series-csv.js';
import { builtinController, CONTROLLER_KINDS } from '../control/builtin/index.js';
import { loadScenarioFile, loadScenarioText } from '../scenario/load.js';
import type { Scenario } from '../scenario/types.js';
import { ConfigError } from '../util/config-check.js';
import { PcapError, readPcapFile } from '../traffic/pcap.js';
import { runScenario, RunError } from '../engine/run.js';
import { connectController, DEFAULT_REPLY_TIMEOUT_MS, type ExternalController } from '../control/index.js';
import { buildPlan } from '../graph/plan.js';
import { EMU_VERSION } from '../version.js';
import { Progress } from './progress.js';
import { checkOutputs, STDOUT } from './outputs.js';
import { renderRunSummary, renderNfList, renderWorkNote } from './render.js';
import { controlPoints, offeredFrames } from '../scenario/work.js';
import { addScenarioCommand, UsageError } from './scenario-cmd.js';
import { addHwCommand, HwCheckFailed } from './hw-cmd.js';
import { IoOpenError } from '../io/backends.js';
import { RealtimeError, RealtimeStartError } from '../engine/realtime/rt-run.js';
import { renderHtmlReport } from '../report/html.js';
import { startLiveView, type LiveView } from '../report/live.js';
import { renderScoreTable, seriesReportDoc } from '../report/series-report.js';

export const EXIT_OK = 0;
export const EXIT_RUN_FAILED = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_NOT_CONSERVED = 3;

export interface CliIo {
  /** Text, and the bytes of `--msgpack -`. */
  out: { write(s: string | Uint8Array): unknown; isTTY?: boolean };
  err: { write(s: string): unknown; isTTY?: boolean };
  /** All of standard input, for a scenario file given as "-"; default: read file descriptor 0. */
  readStdin?: () => string;
}

class ExitCode extends Error {
  constructor(readonly code: number) { super(`exit ${code}`); }
}

function parseSeed(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw new InvalidArgumentError(`expected an integer between 0 and 4294967295, got "${v}"`);
  return Number(v);
}

function parseTimeoutMs(v: string): number {
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v) || n <= 0 || n > 86_400_000) throw new InvalidArgumentError(`expected a time in milliseconds, more than 0 and at most a day (86400000), got "${v}"`);
  return n;
}

/** Start or reach the controller and greet it; a controller that cannot be started or reached is bad input. */
async function openController(spec: string, replyTimeoutMs: number, s: Scenario, from: { flag: string; cwd?: string } = { flag: '--controller' }): Promise<ExternalController> {
  let ext: ExternalController;
  try {
    ext = await connectController(spec, { replyTimeoutMs, ...(from.cwd !== undefined ? { cwd: from.cwd } : {}) });
  } catch (e) {
    throw new UsageError(`${from.flag}: ${(e as Error).message}`);
  }
  ext.hello(s);
  return ext;
}

/**
 * A controller process runs in its own process group (so that emu can end
 * what it started), which also means a Ctrl-C at the terminal does not reach
 * it: on SIGINT or SIGTERM, kill its group before emu exits. Returns the
 * function that removes the handlers.
 */
function killOnSignal(ext: ExternalController): () => void {
  const pid = ext.pid;
  if (pid === undefined) return () => {};
  const handler = (signal: NodeJS.Signals): void => {
    try { process.kill(-pid, 'SIGKILL'); } catch { /* already gone */ }
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => { process.off('SIGINT', handler); process.off('SIGTERM', handler); };
}

function parsePort(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new InvalidArgumentError(`expected a port between 0 and 65535 (0: a free one), got "${v}"`);
  return Number(v);
}

/** Until Ctrl-C: the live view keeps serving the report to whoever looks at it. */
function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => process.once('SIGINT', () => resolve()));
}

/** Commander's collector for a repeatable --set. */
function collectSets(v: string, prev: string[]): string[] {
  return [...prev, v];
}

function parseThreads(v: string): number | 'auto' {
  if (v === 'auto') return 'auto';
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 1024) throw new InvalidArgumentError(`expected "auto" or an integer between 1 and 1024, got "${v}"`);
  return Number(v);
}

/**
 * A scenario file, or standard input for "-". For a run in virtual time (or
 * `validate`, which says whether one would run) the files it writes (taps)
 * must be writable and its generators may offer at most MAX_OFFERED_FRAMES;
 * a real-time run writes no taps and generates no traffic, so neither holds.
 */
function loadScenario(
  io: CliIo,
  file: string,
  o: { seed?: number; threads?: number | 'auto'; duration?: string; set?: string[] },
  time: 'virtual' | 'real',
): Scenario {
  const overrides: { seed?: number; threads?: number | 'auto'; duration?: string; set?: string[] } = {};
  if (o.set !== undefined && o.set.length > 0) overrides.set = o.set;
  if (o.seed !== undefined) overrides.seed = o.seed;
  if (o.threads !== undefined) overrides.threads = o.threads;
  if (o.duration !== undefined) overrides.duration = o.duration;
  const opts = { kinds: NF_KINDS, controllerKinds: CONTROLLER_KINDS, overrides, outputs: time === 'virtual' ? 'check' as const : 'ignore' as const, checkOfferedFrames: time === 'virtual' };
  if (file !== STDOUT) return loadScenarioFile(file, opts);
  const what = 'scenario (standard input)';
  let text: string;
  try {
    text = (io.readStdin ?? (() => readFileSync(0, 'utf8')))();
  } catch (e) {
    throw new ConfigError(what, [{ path: '-', value: undefined, expected: `a scenario on standard input (${(e as Error).message})` }]);
  }
  return loadScenarioText(text, { what, format: 'auto', baseDir: process.cwd(), sourcePath: null }, opts);
}

/** Before a big run: how much it offers and how long it may take (stderr; nothing for small runs). */
function noteWork(io: CliIo, s: Scenario): void {
  const note = renderWorkNote({
    frames: offeredFrames(s.ports, s.hz, s.durationCycles).total,
    controlPoints: controlPoints(s.durationCycles, s.controlPeriodCycles),
    virtualSeconds: s.durationCycles / s.hz,
    points: 1,
  });
  if (note !== null) io.err.write(note);
}

export function createProgram(io: CliIo): Command {
  const program = new Command('emu');
  program
    .description('NFV dataplane emulator: real NF code on real packet bytes, worker threads as CPU cores, virtual time')
    .version(EMU_VERSION, '-V, --version')
    .configureOutput({ writeOut: (s) => void io.out.write(s), writeErr: (s) => void io.err.write(s) })
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');

  program
    .command('run')
    .description('run a scenario file in virtual time and print its results')
    .argument('<file>', 'scenario file (.yaml, .yml or .json), or - for standard input')
    .option('--json', 'print the result record as JSON on stdout')
    .option('--out <file>', 'also write the result record as JSON to <file> (- for stdout, instead of the summary)')
    .option('--msgpack <file>', 'also write the result record as msgpack to <file> (- for stdout)')
    .option('--seed <n>', 'override the scenario seed', parseSeed)
    .option('--threads <n>', 'worker threads: an integer or "auto" (one per emulated core); results do not depend on it', parseThreads)
    .option('--duration <d>', 'override the virtual duration, e.g. 10ms or 2s')
    .option('--set <path=value>', 'set one field of the scenario before it is checked, e.g. --set ports[0].traffic.rate=5Mpps (repeatable)', collectSets, [])
    .option('-q, --quiet', 'no progress indicator')
    .option('--controller <cmd|url>', 'drive the run with an external controller (docs/controller-protocol.md): a command line emu starts and talks to over its stdin/stdout, or tcp://HOST:PORT or unix:/PATH where one listens')
    .option('--controller-timeout <ms>', 'how long to wait for the controller\'s reply at each control point, in ms', parseTimeoutMs, DEFAULT_REPLY_TIMEOUT_MS)
    .option('--csv <file>', 'also write the run over time as CSV to <file>, one row per control period (- for stdout); needs more than one control period')
    .option('--report <file>', 'also write the run report (HTML: score against the SLOs, traffic, latency, knobs, control over time) to <file>; needs more than one control period')
    .option('--live [port]', 'show the run live in a browser on http://127.0.0.1:PORT/ (default: a free port), ending on the run report', parsePort)
    .addHelpText('after', '\nExamples:\n  emu run scenarios/pipeline-3.yaml\n  emu run scenarios/pipeline-3.yaml --json --seed 7 > result.json\n  emu run scenarios/pipeline-3.yaml --controller "python3 examples/controllers/python/threshold.py"\n  emu run scenarios/loadtest.yaml --controller "node examples/controllers/ts/threshold.mjs" --live --report loadtest.html\n' +
      '\nLoad-testing a controller: in the scenario, give traffic flow groups with SLOs (traffic.groups, slo, churn,\n' +
      'elephants), an events: timeline (NF slowdown/failure, core offline, link down, telemetry-loss/-delay) and\n' +
      'controller: { command, onMiss: no-action, actuationDelay: K } (docs/scenario-format.md). Each control period is then\n' +
      'one point of the record\'s series, scored against the SLOs. A controller may answer setBatch, setWeight,\n' +
      'setPriority, attach, detach, steer, moveFlow, scaleOut, scaleIn and rateLimit (docs/controller-protocol.md).\n')
    .action(async (file: string, o: { json?: boolean; out?: string; msgpack?: string; csv?: string; report?: string; live?: number | true; seed?: number; threads?: number | 'auto'; duration?: string; set: string[]; quiet?: boolean; controller?: string; controllerTimeout: number }, cmd: Command) => {
      const s = loadScenario(io, file, o, 'virtual');
      // Before the run, so a wrong folder costs a second, not the whole run.
      const toStdout = checkOutputs([{ flag: '--out', file: o.out }, { flag: '--msgpack', file: o.msgpack }, { flag: '--csv', file: o.csv }, { flag: '--report', file: o.report }], o.json ? '--json' : null);
      const overTime = o.report !== undefined ? '--report' : o.csv !== undefined ? '--csv' : o.live !== undefined ? '--live' : null;
      if (overTime !== null && controlPoints(s.durationCycles, s.controlPeriodCycles) <= 1) {
        throw new UsageError(`${overTime}: the run has a single control period, so there is nothing over time to show (set a controlPeriod shorter than the duration)`);
      }
      if (!o.quiet) noteWork(io, s);
      const showProgress = !o.quiet && io.err.isTTY === true;
      const progress = showProgress ? new Progress(io.err as never, { label: s.name }) : null;
      const runOpts: Parameters<typeof runScenario>[1] = {};
      if (o.threads !== undefined) runOpts.threads = o.threads;
      if (progress) runOpts.onProgress = (f) => progress.update(f);
      // --controller, or else the scenario's controller.command (started in the scenario file's folder).
      const fromScenario = o.controller === undefined ? (s.controller?.command ?? null) : null;
      const timeoutGiven = cmd.getOptionValueSource('controllerTimeout') === 'cli';
      const ext = o.controller !== undefined ? await openController(o.controller, o.controllerTimeout, s)
        : fromScenario === null ? null
        : await openController(fromScenario, timeoutGiven ? o.controllerTimeout : (s.controller?.timeoutMs ?? o.controllerTimeout), s,
          { flag: 'controller.command', cwd: s.sourcePath === null ? process.cwd() : dirname(s.sourcePath) });
      if (ext !== null) runOpts.controller = ext.controller;
      else if (o.controller === undefined) {
        const builtin = builtinController(s);
        if (builtin !== null) runOpts.controller = builtin;
      }
      const unhook = ext === null ? null : killOnSignal(ext);
      let live: LiveView | null = null;
      let res: Awaited<ReturnType<typeof runScenario>>;
      try {
        if (o.live !== undefined) {
          live = await startLiveView({ host: '127.0.0.1', port: o.live === true ? 0 : o.live });
          io.err.write(`live view: ${live.url}\n`);
          const view = live;
          runOpts.onSeries = { meta: (m) => view.meta(m), point: (p) => view.point(p) };
        }
        res = await runScenario(s, runOpts);
        if (ext !== null) { ext.summary(res.record.totals); await ext.close(); }
      } catch (e) {
        await live?.close();
        throw e;
      } finally {
        // Whatever happened, no controller process is left behind.
        if (ext !== null) await ext.abort();
        unhook?.();
      }
      progress?.done(`${res.wallSeconds.toFixed(1)} s wall`);
      for (const w of res.warnings) io.err.write(`warning: ${w}\n`);
      if (o.out !== undefined) {
        if (o.out === STDOUT) io.out.write(recordToJson(res.record));
        else writeFileSync(o.out, recordToJson(res.record));
      }
      if (o.msgpack !== undefined) {
        if (o.msgpack === STDOUT) io.out.write(recordToMsgpack(res.record));
        else writeFileSync(o.msgpack, recordToMsgpack(res.record));
      }
      const series = res.record.series;
      if (o.csv !== undefined && series !== undefined) {
        if (o.csv === STDOUT) io.out.write(seriesToCsv(series));
        else writeFileSync(o.csv, seriesToCsv(series));
      }
      if (o.report !== undefined || live !== null) {
        if (series === undefined) {
          await live?.close();
          throw new UsageError(`${o.report !== undefined ? '--report' : '--live'}: the run recorded no series (a single control period)`);
        }
        const command = ['emu run', file, ...(o.seed === undefined ? [] : [`--seed ${o.seed}`]), ...(o.duration === undefined ? [] : [`--duration ${o.duration}`]),
          ...(o.controller === undefined ? [] : [`--controller ${JSON.stringify(o.controller)}`])].join(' ');
        const html = renderHtmlReport(seriesReportDoc(series, { scenario: s.name, seed: res.record.seed, emuVersion: EMU_VERSION, date: new Date().toISOString(), command }));
        if (o.report === STDOUT) io.out.write(html);
        else if (o.report !== undefined) writeFileSync(o.report, html);
        live?.finish(html);
      }
      if (o.json) io.out.write(recordToJson(res.record));
      // Standard output carries one thing: what "-" asked for, or the summary.
      else if (toStdout === null) {
        io.out.write(renderRunSummary(res.record, res.wallSeconds, res.threads));
        if (series !== undefined) io.out.write(`\n${renderScoreTable(series.score)}`);
      }
      if (live !== null) {
        // On a terminal the report stays up for whoever looks at it; a script's run just ends.
        if (io.out.isTTY === true) {
          io.err.write(`live view: the report stays at ${live.url} until Ctrl-C\n`);
          await untilInterrupted();
        }
        await live.close();
      }
      if (!res.record.totals.conserved) {
        const t = res.record.totals;
        io.err.write(`emu: packet conservation violated: generated ${t.generated} != delivered ${t.delivered} + dropped ${t.dropped} + in flight ${t.inFlight}\n`);
        throw new ExitCode(EXIT_NOT_CONSERVED);
      }
    });

  program
    .command('validate')
    .description('check a scenario file and its graph without running it')
    .argument('<file>', 'scenario file, or - for standard input')
    .option('--json', 'print the outcome as JSON: { ok, file, modules, tasks, cores, rings, warnings }, or { ok: false, problems } for a bad one (exit 2)')
    .option('--set <path=value>', 'set one field of the scenario before it is checked (repeatable)', collectSets, [])
    .action((file: string, o: { json?: boolean; set: string[] }) => {
      let s: Scenario;
      let plan: ReturnType<typeof buildPlan>;
      try {
        s = loadScenario(io, file, { set: o.set }, 'virtual');
        // Read the pcap traffic files too: a malformed one is bad input, as for `run`.
        for (const p of s.ports) if (p.traffic?.kind === 'pcap') readPcapFile(p.traffic.file);
        plan = buildPlan(s);
      } catch (e) {
        if (o.json && (e instanceof ConfigError || e instanceof PlanError || e instanceof PcapError)) {
          const problems = e instanceof ConfigError ? e.problems.map((pr) => ({ path: pr.path, value: pr.value, expected: pr.expected })) : [{ path: e instanceof PlanError ? 'graph' : 'pcap', value: null, expected: e.message }];
          io.out.write(`${JSON.stringify({ ok: false, file, problems }, null, 2)}\n`);
          throw new ExitCode(EXIT_BAD_INPUT);
        }
        throw e;
      }
      if (o.json) {
        io.out.write(`${JSON.stringify({ ok: true, file, modules: s.modules.length, tasks: s.tasks.length, cores: s.machine.cores, rings: plan.channels.length, warnings: plan.warnings }, null, 2)}\n`);
        return;
      }
      for (const w of plan.warnings) io.err.write(`warning: ${w}\n`);
      io.out.write(`${file === STDOUT ? '(standard input)' : file}: ok (${s.modules.length} modules, ${s.tasks.length} tasks on ${s.machine.cores} cores, ${plan.channels.length} rings)\n`);
    });

  addScenarioCommand(program, io, parseSeed, parseThreads);
  addHwCommand(program, io, (file, o) => loadScenario(io, file, o, 'real'));

  const nf = program.command('nf').description('network functions');
  nf.command('list')
    .description('list the NF kinds with their gates, drop reasons and counters')
    .option('--json', 'machine-readable output')
    .action((o: { json?: boolean }) => {
      if (o.json) {
        io.out.write(`${JSON.stringify(NF_KINDS.map((k) => ({ name: k.name, help: k.help, gates: k.gateNames, dropReasons: k.dropReasons, counters: k.counters, isQueue: k.isQueue })), null, 2)}\n`);
      } else {
        io.out.write(renderNfList(NF_KINDS));
      }
    });

  return program;
}

/** Runs the CLI; returns the exit code (never throws). */
export async function main(argv: string[], io: CliIo = { out: process.stdout, err: process.stderr }): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync(argv);
    return EXIT_OK;
  } catch (e) {
    return exitCodeFor(e, io);
  }
}

export function exitCodeFor(e: unknown, io: CliIo): number {
  if (e instanceof ExitCode) return e.code;
  if (e instanceof CommanderError) {
    // Help and version exit with 0; usage errors were already printed by commander.
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT_OK;
    return EXIT_BAD_INPUT;
  }
  if (e instanceof ConfigError || e instanceof PlanError || e instanceof PcapError || e instanceof UsageError ||
      e instanceof IoOpenError || e instanceof RealtimeStartError) {
    io.err.write(`emu: ${e.message}\n`);
    return EXIT_BAD_INPUT;
  }
  if (e instanceof RunError || e instanceof RealtimeError || e instanceof HwCheckFailed) {
    io.err.write(`emu: ${e.message}\n`);
    return EXIT_RUN_FAILED;
  }
  const err = e as Error;
  io.err.write(`emu: run failed: ${err?.message ?? String(e)}\n`);
  if (process.env['EMU_DEBUG']) io.err.write(`${err?.stack ?? ''}\n`);
  return EXIT_RUN_FAILED;
}
