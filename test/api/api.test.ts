/**
 * The library API (src/index.ts): what `import ... from 'emu-nfv'` gives a
 * script. Child processes load the package as a user would (through
 * package.json "exports", so dist/ must be built); the rest calls src/.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../src/engine/run.js';
import type { Controller } from '../../src/engine/telemetry.js';
import {
  ConfigError, ControllerStartError, listExperiments, loadScenario, readRecord, RecordError, run, runExperiment, validate,
} from '../../src/index.js';
import { NF_KINDS } from '../../src/nf/catalog.js';
import { loadScenarioFile } from '../../src/scenario/load.js';

const root = join(__dirname, '..', '..');
const loadtest = join(root, 'scenarios', 'loadtest.yaml');
const l2fwd = join(root, 'scenarios', 'l2fwd.yaml');
const tmp = mkdtempSync(join(tmpdir(), 'emu-api-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The policy of examples/controllers/ts/threshold.mjs, in process: double a task's batch while its backlog is over 128 (at most 256). */
function thresholdController(initial: Map<string, number>): Controller {
  const batch = new Map(initial);
  return (t) => {
    const actions: { type: 'setBatch'; task: string; batch: number }[] = [];
    for (const core of t.cores) {
      const names = new Map(core.tasks.map((x) => [x.id, x.name]));
      for (const { id, backlog } of core.backlogs) {
        const name = names.get(id);
        if (name === undefined || backlog <= 128 || batch.get(name)! >= 256) continue;
        batch.set(name, Math.min(256, batch.get(name)! * 2));
        actions.push({ type: 'setBatch', task: name, batch: batch.get(name)! });
      }
    }
    return actions;
  };
}

/** Non-zombie processes whose parent is this one and whose command line contains `text`. */
function childrenRunning(text: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) !== process.pid || state === 'Z') continue;
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(text)) pids.push(Number(d));
    } catch { /* gone meanwhile */ }
  }
  return pids;
}

function node(args: string[], cwd = root) {
  return spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 30_000 });
}

describe('the package entry point', () => {
  it("import('emu-nfv') resolves through package.json exports and exposes the API", () => {
    const r = node(['--input-type=module', '-e',
      "const m = await import('emu-nfv'); console.log(JSON.stringify(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, typeof v]))));"]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const kinds = JSON.parse(r.stdout) as Record<string, string>;
    for (const f of ['loadScenario', 'validate', 'run', 'runExperiment', 'listExperiments', 'readRecord']) expect(kinds[f], f).toBe('function');
    for (const c of ['ConfigError', 'PlanError', 'RunError', 'RecordError', 'ControllerStartError']) expect(kinds[c], c).toBe('function');
    // Only the entry point is public: deep imports are refused by "exports".
    const deep = node(['--input-type=module', '-e', "await import('emu-nfv/dist/engine/run.js')"]);
    expect(deep.status).not.toBe(0);
    expect(deep.stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it('ships type declarations for it', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.exports['.'].types).toBe('./dist/index.d.ts');
    const dts = readFileSync(join(root, pkg.exports['.'].types), 'utf8');
    expect(dts).toMatch(/export declare function run\(input: ScenarioInput \| Scenario, opts\?: ApiRunOptions\): Promise<RunResult>;/);
    expect(dts).toMatch(/export interface ApiRunOptions extends RunOptions/);
  });

  it('examples/api/run-scenario.mjs runs and prints its summary line', () => {
    const r = node([join(root, 'examples', 'api', 'run-scenario.mjs')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    // 3 ms of loadtest: the controller raised q1's batch, and the run delivered most of what it offered.
    const m = /^loadtest: delivered (\d+) of (\d+) \([\d.]+ Mpps, p99 [\d.]+ us\), batch raised ([1-9]\d*) times \(eth0\.rx0@0=32 q1@1=(\d+)\), [\d.]+ s wall\n$/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0.5 * Number(m![2]));
    expect(Number(m![4])).toBeGreaterThan(4);
  });
});

describe('loadScenario and validate', () => {
  it('loadScenario applies overrides and reads files, text and objects alike', () => {
    const fromFile = loadScenario(l2fwd, { duration: '1ms', seed: 9 });
    expect(fromFile.durationCycles).toBe(2.6e6);
    expect(fromFile.seed).toBe(9);
    expect(fromFile.sourcePath).toBe(l2fwd);
    const fromText = loadScenario({ text: readFileSync(l2fwd, 'utf8'), format: 'yaml' }, { duration: '1ms', seed: 9 });
    expect({ ...fromText, sourcePath: l2fwd }).toEqual(fromFile);
    const fromObject = loadScenario(JSON.parse(JSON.stringify({ version: 1, name: 'o', duration: '1ms', machine: { hz: '1GHz', cores: 1 },
      ports: [{ name: 'p0', lineRate: '10Gbps', traffic: { rate: '1Mpps' } }], modules: [{ name: 'm', kind: 'macswap' }],
      edges: [{ from: 'p0.rx0', to: 'm' }, { from: 'm', to: 'p0.tx' }], tasks: [{ root: 'p0.rx0', core: 0 }] })));
    expect(fromObject.modules.map((m) => m.kind)).toEqual(['macswap']);
  });

  it('loadScenario on a missing file throws a ConfigError naming it', () => {
    const missing = join(tmp, 'nope.yaml');
    let err: unknown;
    try { loadScenario(missing); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toHaveLength(1);
    expect((err as ConfigError).message).toContain(`scenario ${missing}: 1 problem`);
    expect((err as ConfigError).message).toMatch(/file not found/);
  });

  it('validate returns every problem of a bad scenario without throwing', () => {
    const bad = readFileSync(l2fwd, 'utf8').replace('kind: macswap', 'kind: macswapp').replace('cores: 1', 'cores: 0');
    const v = validate({ text: bad, format: 'yaml' });
    expect(v.ok).toBe(false);
    expect(v.scenario).toBeUndefined();
    const paths = v.problems.map((p) => p.path);
    expect(paths).toContain('modules[0].kind');
    expect(paths).toContain('machine.cores');
    const good = validate(l2fwd);
    expect(good.ok).toBe(true);
    expect(good.problems).toEqual([]);
    expect(good.scenario!.name).toBe('l2fwd');
  });

  it('validate reports graph problems as problems too', () => {
    // Valid fields, but a back-pressure queue between two tasks of one core would stall it on itself.
    const text = readFileSync(loadtest, 'utf8').replace('{ root: q1, core: 1, batch: 4 }', '{ root: q1, core: 0, batch: 4 }');
    expect(text).not.toBe(readFileSync(loadtest, 'utf8'));
    const v = validate({ text, format: 'yaml' });
    expect(v.ok).toBe(false);
    expect(v.problems).toHaveLength(1);
    expect(v.problems[0]!.path).toBe('graph');
    expect(v.problems[0]!.expected).toMatch(/^queue q1: whenFull: backpressure between two tasks of core 0/);
  });
});

describe('run', () => {
  it('gives, with an in-process controller, the record runScenario gives', async () => {
    const s = loadScenarioFile(loadtest, { kinds: NF_KINDS, overrides: { duration: '3ms' } });
    const initial = new Map(s.tasks.map((t) => [t.name, t.batch]));
    const direct = await runScenario(s, { threads: 2, controller: thresholdController(initial) });
    const viaApi = await run(loadtest, { duration: '3ms', threads: 2, controller: thresholdController(initial) });
    expect(JSON.stringify(viaApi.record)).toBe(JSON.stringify(direct.record));
    // The controller acted (without it q1 keeps its batch of 4 and the record differs).
    const without = await run(loadtest, { duration: '3ms', threads: 2 });
    expect(JSON.stringify(without.record)).not.toBe(JSON.stringify(viaApi.record));
    expect(viaApi.scenario.durationCycles).toBe(3 * 2.6e6);
    expect(viaApi.threads).toBe(2);
  });

  it('passes engine options through (onProgress) and gives the same record whatever the threads', async () => {
    const s = loadScenario(loadtest, { duration: '3ms' });
    const seen: number[] = [];
    const one = await run(s, { threads: 1, onProgress: (f) => seen.push(f) });
    const two = await run(s, { threads: 2 });
    expect(JSON.stringify(two.record)).toBe(JSON.stringify(one.record));
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toBe(1);
  });

  it('takes a seed override for a loaded scenario, and refuses a duration one', async () => {
    const s = loadScenario(l2fwd, { duration: '0.5ms' });
    const seeded = await run(s, { seed: 7 });
    expect(seeded.record.seed).toBe(7);
    await expect(run(s, { duration: '1ms' })).rejects.toThrow(ConfigError);
  });

  it('drives the run with an external controller, and ends its process', async () => {
    const script = join(root, 'examples', 'controllers', 'ts', 'threshold.mjs');
    let stderr = '';
    // The controller's process, seen while the run goes on.
    const seen = new Set<number>();
    const watch = setInterval(() => { for (const pid of childrenRunning('threshold.mjs')) seen.add(pid); }, 10);
    let res;
    try {
      res = await run(loadtest, {
        duration: '3ms',
        threads: 2,
        externalController: `node ${script}`,
        onControllerStderr: (c) => { stderr += c.toString(); },
      });
    } finally {
      clearInterval(watch);
    }
    // It printed the event notice of the failure (3 ms cuts the run before the recovery) and the summary.
    expect(stderr).toMatch(/^event at 2\.500 ms: nf-fail\nsummary: delivered \d+ of \d+\n$/);
    expect(seen.size).toBe(1);
    expect(childrenRunning('threshold.mjs')).toEqual([]);
    // Its policy is the in-process one's: the same record, byte for byte.
    const s = loadScenario(loadtest, { duration: '3ms' });
    const inProcess = await run(s, { threads: 1, controller: thresholdController(new Map(s.tasks.map((t) => [t.name, t.batch]))) });
    expect(JSON.stringify(res.record)).toBe(JSON.stringify(inProcess.record));
  }, 30_000);

  it('ends an external controller that fails the run', async () => {
    const fixture = join(root, 'test', 'control', 'fixtures', 'misbehave.mjs');
    await expect(run(loadtest, { duration: '3ms', externalController: `node ${fixture} silent`, controllerTimeoutMs: 300, onControllerStderr: () => {} }))
      .rejects.toThrow(/sent no reply to the telemetry of epoch 0 within 300 ms/);
    expect(childrenRunning('misbehave.mjs')).toEqual([]);
  }, 15_000);

  it('ends an external controller when the run fails before asking it anything', async () => {
    // From an object, the pcap file is checked only when the run opens it: the run fails after the controller started.
    const raw = { version: 1, name: 'no-pcap', duration: '1ms', controlPeriod: '0.5ms', machine: { hz: '1GHz', cores: 1 },
      ports: [{ name: 'p0', lineRate: '10Gbps', traffic: { pcap: join(tmp, 'absent.pcap') } }], modules: [{ name: 'm', kind: 'macswap' }],
      edges: [{ from: 'p0.rx0', to: 'm' }, { from: 'm', to: 'p0.tx' }], tasks: [{ root: 'p0.rx0', core: 0 }] };
    const script = join(root, 'examples', 'controllers', 'ts', 'threshold.mjs');
    const seen = new Set<number>();
    const watch = setInterval(() => { for (const pid of childrenRunning('threshold.mjs')) seen.add(pid); }, 5);
    try {
      await expect(run(raw, { externalController: `node ${script}`, onControllerStderr: () => {} })).rejects.toThrow(/absent\.pcap/);
    } finally {
      clearInterval(watch);
    }
    expect(childrenRunning('threshold.mjs')).toEqual([]);
  }, 15_000);

  it('says so when an external controller cannot be reached', async () => {
    await expect(run(l2fwd, { duration: '0.5ms', externalController: `unix:${join(tmp, 'no-such-socket')}` })).rejects.toThrow(ControllerStartError);
  });
});

describe('readRecord', () => {
  it('reads back what `emu run --out` and `--msgpack` wrote', async () => {
    const json = join(tmp, 'r.json');
    const mp = join(tmp, 'r.msgpack');
    const cli = node([join(root, 'bin', 'emu.js'), 'run', l2fwd, '--duration', '0.5ms', '-q', '--out', json, '--msgpack', mp]);
    expect(cli.status, cli.stderr).toBe(0);
    const fromJson = readRecord(json);
    expect(readRecord(mp)).toEqual(fromJson);
    const { record } = await run(l2fwd, { duration: '0.5ms' });
    expect(JSON.stringify(fromJson)).toBe(JSON.stringify(record));
  });

  it('refuses a file that is not a record, saying why', () => {
    const other = join(tmp, 'other.json');
    writeFileSync(other, '{"schema": "emu.experiment/1"}');
    expect(() => readRecord(other)).toThrow(RecordError);
    expect(() => readRecord(other)).toThrow(/not a result record of schema "emu.result\/1" \(found schema "emu.experiment\/1"/);
    const broken = join(tmp, 'broken.json');
    writeFileSync(broken, '{"schema": ');
    expect(() => readRecord(broken)).toThrow(/does not parse as JSON/);
    expect(() => readRecord(join(tmp, 'absent.json'))).toThrow(/cannot read the file/);
  });
});

describe('experiments', () => {
  it('lists the shipped experiments with their defaults', () => {
    const list = listExperiments();
    expect(list.map((e) => e.name)).toContain('rtc-vs-pl');
    const rtc = list.find((e) => e.name === 'rtc-vs-pl')!;
    expect(typeof rtc.defaults.window).toBe('string');
    expect(rtc.parameters.length).toBeGreaterThan(0);
  });

  it('runs one with parameters over its defaults', async () => {
    const { output } = await runExperiment('rtc-vs-pl', { frames: [64], window: '20us', warmup: '10us' }, { threads: 2 });
    expect(output.experiment).toBe('rtc-vs-pl');
    expect(output.params.window).toBe('20us');
    expect(output.points.length).toBeGreaterThan(0);
    for (const p of output.points) expect(p.record.totals.conserved).toBe(true);
  });

  it('refuses an unknown experiment or parameter before running anything', async () => {
    await expect(runExperiment('no-such')).rejects.toThrow(/name: got "no-such", expected one of: rtc-vs-pl/);
    await expect(runExperiment('rtc-vs-pl', { lengths: [2] })).rejects.toThrow(/params\.lengths: got \[2\], expected a parameter of rtc-vs-pl/);
  });
});
