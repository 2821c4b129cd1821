/**
 * `emu scenario list | show NAME | run NAME` and the shorthand
 * `emu scenario NAME`: the experiments shipped with emu.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import { EXPERIMENTS, findExperiment } from '../experiments/catalog.js';
import type { Experiment, ExperimentParams } from '../experiments/experiment.js';
import { experimentCsv, planExperiment, runExperiment, type ExperimentOutput } from '../experiments/run.js';
import { renderHtmlReport } from '../report/html.js';
import { renderTable } from '../report/table.js';
import { MAX_DURATION_SECONDS, MAX_OFFERED_FRAMES } from '../scenario/limits.js';
import { formatDurationSeconds } from '../scenario/readers.js';
import { formatCount } from '../scenario/work.js';
import { ConfigError } from '../util/config-check.js';
import { parseDurationSeconds } from '../util/units.js';
import { Progress } from './progress.js';
import { checkOutputs, STDOUT } from './outputs.js';
import { renderWorkNote } from './render.js';
import type { CliIo } from './main.js';

export class UsageError extends Error {}

/** The most points an experiment may have (linux-sched has 120 by default); each is validated before any runs. */
export const MAX_EXPERIMENT_POINTS = 1000;

const DURATION_FLAG_HELP = `a duration like 1ms or 500us, at most ${MAX_DURATION_SECONDS}s (one day)`;
/** What the experiments' addDurations reads (experiments/rtc-vs-pl.ts); other spellings are passed on in ns. */
const PLAIN_DURATION_RE = /^([0-9.e+-]+)\s*(ns|us|µs|ms|s)$/;

/** --window and --warmup: the text as written, when the experiments can read it as it is. */
function durationFlag(v: string, positive: boolean): string {
  const s = parseDurationSeconds(v);
  if (s === null || (positive && !(s > 0))) throw new InvalidArgumentError(`expected ${positive ? `${DURATION_FLAG_HELP}, > 0` : DURATION_FLAG_HELP}, got "${v}"`);
  if (s > MAX_DURATION_SECONDS) throw new InvalidArgumentError(`expected ${DURATION_FLAG_HELP}, got "${v}"`);
  const t = v.trim();
  return PLAIN_DURATION_RE.test(t) ? t : `${Math.round(s * 1e9)}ns`;
}

function parseWindow(v: string): string {
  return durationFlag(v, true);
}

function parseWarmup(v: string): string {
  return durationFlag(v, false);
}

function parseList(v: string): number[] {
  const items = v.split(',').map((x) => x.trim());
  const out = items.map(Number);
  if (items.length === 0 || out.some((n) => !Number.isInteger(n) || n <= 0)) throw new InvalidArgumentError(`expected a comma-separated list of positive integers, got "${v}"`);
  return out;
}

function parseNames(v: string): string[] {
  const items = v.split(',').map((x) => x.trim());
  if (items.some((x) => x === '')) throw new InvalidArgumentError(`expected a comma-separated list of names, got "${v}"`);
  return items;
}

/** "0.333:0.333:0.334;0.1:0.6:0.3": weight vectors, one per point. */
function parseWeights(v: string): number[][] {
  const vectors = v.split(';').map((x) => x.trim()).filter((x) => x !== '').map((x) => x.split(':').map(Number));
  if (vectors.length === 0 || vectors.some((w) => w.some((n) => !Number.isFinite(n) || n <= 0))) {
    throw new InvalidArgumentError(`expected weight vectors like 0.333:0.333:0.334, separated by ';', every weight > 0, got "${v}"`);
  }
  return vectors;
}

function parseRateText(v: string): string {
  if (!/^\d+(\.\d+)?(e\d+)?\s*(pps|kpps|Mpps)$/.test(v.trim())) throw new InvalidArgumentError(`expected a packet rate like 20kpps or 1.5Mpps, got "${v}"`);
  return v.trim();
}

interface RunFlags {
  json?: boolean; out?: string; csv?: string; report?: string; window?: string; warmup?: string;
  seed?: number; threads?: number | 'auto'; frames?: number[]; sizes?: number[]; quiet?: boolean;
  lengths?: number[]; batches?: number[]; policies?: string[]; rate?: string; weights?: number[][]; placement?: string; lookups?: number; slos?: number[];
}

/** CLI flags that set experiment parameters (each experiment lists the ones it takes). */
const PARAM_FLAGS = ['frames', 'sizes', 'lengths', 'batches', 'policies', 'rate', 'weights', 'placement', 'lookups', 'slos'] as const;

function describe(e: Experiment): string {
  const lines = [`${e.name}: ${e.title}`, '', e.description, '', 'parameters:'];
  for (const p of e.parameters) lines.push(`  --${p.name.padEnd(10)} ${p.help} (default ${p.default})`);
  return `${lines.join('\n')}\n`;
}

export function reportOf(out: ExperimentOutput, title: string): string {
  return renderHtmlReport({
    title,
    subtitle: `emu scenario ${out.experiment}`,
    meta: [
      { label: 'experiment', value: out.experiment },
      { label: 'seed', value: String(out.params.seed) },
      { label: 'measurement window', value: String(out.params.window) },
      { label: 'emu', value: out.emuVersion },
    ],
    sections: [
      { heading: 'Results', text: out.summary.notes.join('\n\n'), plots: out.summary.plots, tables: out.summary.tables },
    ],
    data: out,
  });
}

/**
 * Bounds what the flags ask for before anything runs: --window plus --warmup
 * at most a day, at most MAX_EXPERIMENT_POINTS points, and all points
 * together offering at most MAX_OFFERED_FRAMES frames. Problems name the
 * flags as written. Returns the plan (frames per point) for the progress line.
 */
function checkExperimentWork(exp: Experiment, params: ExperimentParams, flags: RunFlags): ReturnType<typeof planExperiment> {
  // The flag to blame for a run that is too long: the one given (the window if both or neither).
  const timeFlag = flags.warmup !== undefined && flags.window === undefined ? '--warmup' : '--window';
  const timeValue = timeFlag === '--warmup' ? params.warmup : params.window;
  const total = (parseDurationSeconds(params.window) ?? 0) + (parseDurationSeconds(params.warmup) ?? 0);
  if (total > MAX_DURATION_SECONDS) {
    throw new ConfigError(`emu scenario ${exp.name}`, [{
      path: timeFlag,
      value: timeValue,
      expected: `--window and --warmup together at most ${MAX_DURATION_SECONDS}s (one day; here ${params.window} + ${params.warmup})`,
    }]);
  }
  const n = exp.points(params).length;
  if (n > MAX_EXPERIMENT_POINTS) {
    const given = PARAM_FLAGS.filter((f) => flags[f] !== undefined).map((f) => `--${f}`);
    throw new ConfigError(`emu scenario ${exp.name}`, [{
      path: given.join(', ') || 'parameters',
      value: `${n} points`,
      expected: `lists that make at most ${MAX_EXPERIMENT_POINTS} points (each is one run)`,
    }]);
  }
  const plan = planExperiment(exp, params);
  if (plan.totalFrames > MAX_OFFERED_FRAMES) {
    const big = plan.frames.indexOf(Math.max(...plan.frames));
    throw new ConfigError(`emu scenario ${exp.name}`, [{
      path: timeFlag,
      value: timeValue,
      expected: `a shorter one: the ${n} points may offer at most ${formatCount(MAX_OFFERED_FRAMES)} frames in all, warm-up included, ` +
        `and with --window ${params.window} --warmup ${params.warmup} they offer about ${formatCount(plan.totalFrames)} ` +
        `(${plan.labels[big]} alone ${formatCount(plan.frames[big]!)}): that would take hours`,
    }]);
  }
  return plan;
}

async function runNamed(io: CliIo, name: string, flags: RunFlags): Promise<void> {
  const exp = findExperiment(name);
  if (!exp) throw new UsageError(`unknown scenario "${name}"; expected one of: ${EXPERIMENTS.map((e) => e.name).join(', ')} (emu scenario list)`);
  const params: ExperimentParams = exp.defaults();
  if (flags.window !== undefined) params.window = flags.window;
  if (flags.warmup !== undefined) params.warmup = flags.warmup;
  if (flags.seed !== undefined) params.seed = flags.seed;
  const takes = new Set(exp.parameters.map((p) => p.name));
  for (const f of PARAM_FLAGS) {
    if (flags[f] === undefined) continue;
    if (!takes.has(f)) {
      throw new UsageError(`${exp.name} has no parameter --${f}; its parameters: ${exp.parameters.map((p) => `--${p.name}`).join(', ')} (emu scenario show ${exp.name})`);
    }
    params[f] = flags[f];
  }
  // Everything checked before the first point runs: the output files, then what the points ask for.
  const toStdout = checkOutputs(
    [{ flag: '--out', file: flags.out }, { flag: '--csv', file: flags.csv }, { flag: '--report', file: flags.report }],
    flags.json ? '--json' : null,
  );
  const plan = checkExperimentWork(exp, params, flags);
  if (!flags.quiet) {
    const windowSeconds = (parseDurationSeconds(params.window) ?? 0) + (parseDurationSeconds(params.warmup) ?? 0);
    const note = renderWorkNote({ frames: plan.totalFrames, controlPoints: plan.frames.length, virtualSeconds: windowSeconds * plan.frames.length, points: plan.frames.length });
    if (note !== null) io.err.write(note);
  }
  const showProgress = !flags.quiet && io.err.isTTY === true;
  const progress = showProgress ? new Progress(io.err as never, { label: name }) : null;
  // Progress by frames offered, so the ETA holds when points differ (64-byte frames cost 20 times 1518-byte ones).
  const weights = plan.totalFrames > 0 ? plan.frames.map((f) => f / plan.totalFrames) : plan.frames.map(() => 1 / plan.frames.length);
  let pointIndex = 0;
  let before = 0;
  const { output, wallSeconds } = await runExperiment(exp, params, {
    // Experiments use every host core by default: one worker per emulated core would be dozens of threads.
    threads: flags.threads ?? Math.max(1, availableParallelism()),
    onPoint: (i, n, label) => {
      pointIndex = i;
      before = weights.slice(0, i).reduce((a, b) => a + b, 0);
      if (!showProgress && !flags.quiet && !flags.json && toStdout === null) io.err.write(`[${i + 1}/${n}] ${label}\n`);
      progress?.update(before, label);
    },
    onProgress: (f) => progress?.update(before + f * (weights[pointIndex] ?? 0)),
  });
  progress?.done(`${wallSeconds.toFixed(1)} s wall`);
  const document = `${JSON.stringify(output, null, 2)}\n`;
  const write = (file: string | undefined, text: () => string) => {
    if (file === undefined) return;
    if (file === STDOUT) io.out.write(text());
    else writeFileSync(file, text());
  };
  write(flags.out, () => document);
  write(flags.csv, () => experimentCsv(output));
  write(flags.report, () => reportOf(output, exp.title));
  if (flags.json) {
    io.out.write(document);
    return;
  }
  // Standard output carries one thing: what "-" asked for, or the tables.
  if (toStdout !== null) return;
  io.out.write(`${exp.title} (seed ${params.seed}, window ${params.window} per point, ${output.points.length} points, ${wallSeconds.toFixed(1)} s wall)\n\n`);
  for (const t of output.summary.tables) {
    io.out.write(renderTable(t.columns.map((c) => ({ title: c })), t.rows, { title: t.title }));
    io.out.write('\n');
  }
  for (const n of output.summary.notes) io.out.write(`${n}\n`);
  if (flags.report) io.out.write(`report: ${flags.report}\n`);
}

export function addScenarioCommand(program: Command, io: CliIo, parseSeed: (v: string) => number, parseThreads: (v: string) => number | 'auto'): void {
  const cmd = program.command('scenario').description('the experiments shipped with emu: list, show, run (or `emu scenario NAME`)');
  const runOptions = (c: Command) => c
    .option('--window <d>', `virtual measurement window per point, e.g. 1ms (at most ${formatDurationSeconds(MAX_DURATION_SECONDS)} with --warmup)`, parseWindow)
    .option('--warmup <d>', 'virtual warm-up before each window', parseWarmup)
    .option('--frames <list>', 'frame sizes in bytes, comma-separated (experiments that sweep them)', parseList)
    .option('--sizes <list>', 'NF state sizes (entries), comma-separated (state-size)', parseList)
    .option('--lengths <list>', 'chain lengths, comma-separated (coop-vs-cfs, linux-sched)', parseList)
    .option('--batches <list>', 'I/O batch sizes, comma-separated (linux-sched)', parseList)
    .option('--policies <list>', 'scheduling variants, comma-separated (coop-vs-cfs, linux-sched)', parseNames)
    .option('--rate <r>', 'offered packet rate, e.g. 20kpps (linux-sched)', parseRateText)
    .option('--weights <list>', 'WFQ weight vectors like 0.333:0.333:0.334, separated by ";" (wfq-weights)', parseWeights)
    .option('--lookups <n>', 'LPM lookups per packet of each BPF-like NF (coop-vs-cfs)', (v: string) => parseList(v)[0]!)
    .option('--placement <p>', 'software switch placement: multi (own core) or uni (NFs\' core) (linux-sched)')
    .option('--slos <list>', 'latency SLOs in µs, comma-separated (autoscale)', parseList)
    .option('--seed <n>', 'PRNG seed', parseSeed)
    .option('--threads <n>', 'worker threads (default: the host\'s cores); results do not depend on it', parseThreads)
    .option('--json', 'print the experiment document as JSON')
    .option('--out <file>', 'also write the JSON document to <file> (- for stdout, instead of the tables)')
    .option('--csv <file>', 'write one CSV row per point to <file> (- for stdout)')
    .option('--report <file>', 'write a self-contained HTML report with plots to <file> (- for stdout)')
    .option('-q, --quiet', 'no progress output');

  cmd.command('list')
    .description('list the experiments')
    .option('--json', 'machine-readable output')
    .action((o: { json?: boolean }) => {
      if (o.json) io.out.write(`${JSON.stringify(EXPERIMENTS.map((e) => ({ name: e.name, title: e.title })), null, 2)}\n`);
      else io.out.write(renderTable([{ title: 'name' }, { title: 'what it shows' }], EXPERIMENTS.map((e) => [e.name, e.title])));
    });
  cmd.command('show')
    .description('describe an experiment and its parameters')
    .argument('<name>')
    .option('--json', 'machine-readable output')
    .action((name: string, o: { json?: boolean }) => {
      const e = findExperiment(name);
      if (!e) throw new UsageError(`unknown scenario "${name}"; expected one of: ${EXPERIMENTS.map((x) => x.name).join(', ')}`);
      if (o.json) io.out.write(`${JSON.stringify({ name: e.name, title: e.title, description: e.description, parameters: e.parameters }, null, 2)}\n`);
      else io.out.write(describe(e));
    });
  runOptions(cmd.command('run').description('run an experiment').argument('<name>'))
    .action((name: string, flags: RunFlags) => runNamed(io, name, flags));
  // Shorthand: `emu scenario rtc-vs-pl [options]`.
  for (const e of EXPERIMENTS) {
    runOptions(cmd.command(e.name).description(`run ${e.name}: ${e.title}`))
      .action((flags: RunFlags) => runNamed(io, e.name, flags));
  }
}
