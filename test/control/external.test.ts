/**
 * External controllers over stdio and TCP: the example controllers give
 * byte-identical records whatever the transport, language and thread count,
 * and every fault gives a clear error and leaves no process behind.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectController, type ExternalController } from '../../src/control/external.js';
import { runScenario } from '../../src/engine/run.js';
import { NF_KINDS } from '../../src/nf/catalog.js';
import { loadScenarioText } from '../../src/scenario/load.js';

const root = join(__dirname, '..', '..');
const file = join(root, 'scenarios', 'pipeline-3.yaml');
// 2 ms with a control point every 0.2 ms: 9 control points.
const s = loadScenarioText(readFileSync(file, 'utf8').replace('controlPeriod: 0.5ms', 'controlPeriod: 0.2ms'),
  { what: 'pipeline-3', format: 'yaml', baseDir: join(root, 'scenarios') }, { kinds: NF_KINDS });
const PYTHON = `/usr/bin/python3 ${join(root, 'examples', 'controllers', 'python', 'threshold.py')}`;
const JS = `node ${join(root, 'examples', 'controllers', 'ts', 'threshold.mjs')}`;
const fixture = (mode: string) => `node ${join(__dirname, 'fixtures', 'misbehave.mjs')} ${mode}`;
const quiet = { onStderr: () => {} };

/** Whether the process still runs: it exists and is not a zombie waiting for its parent (or init) to reap it. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false; // gone between the two checks
  }
}

/** One run driven by `ext`; returns the record as JSON. Always closes. */
async function drive(ext: ExternalController, threads: number): Promise<string> {
  try {
    ext.hello(s);
    const { record } = await runScenario(s, { threads, controller: ext.controller });
    ext.summary(record.totals);
    return JSON.stringify(record);
  } finally {
    await ext.close();
  }
}

/** Starts the Python controller listening on a free loopback port; resolves with its URL and process. */
async function listeningPython() {
  const child = spawn('/usr/bin/python3', [join(root, 'examples', 'controllers', 'python', 'threshold.py'), '--listen', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stderr.on('data', (c: Buffer) => {
      text += c.toString();
      const m = /listening on (\d+)/.exec(text);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`the python controller exited (${code}): ${text}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { url: `tcp://127.0.0.1:${port}`, exited, stop: () => child.kill('SIGKILL') };
}

describe('external controllers', () => {
  it('give byte-identical records over stdio and TCP, in Python and JS, three runs each on 1 and 2 threads', async () => {
    const baseline = JSON.stringify((await runScenario(s, { threads: 1 })).record);
    const records: string[] = [];
    for (let run = 0; run < 3; run++) {
      for (const threads of [1, 2]) {
        records.push(await drive(await connectController(PYTHON, quiet), threads));
        const listener = await listeningPython();
        try {
          records.push(await drive(await connectController(listener.url), threads));
          // It served one run and exited on its own once emu closed the connection.
          expect(await listener.exited).toBe(0);
        } finally {
          listener.stop(); // only if a failure above left it listening
        }
        records.push(await drive(await connectController(JS, quiet), threads));
      }
    }
    expect(records).toHaveLength(18);
    for (const r of records) expect(r).toBe(records[0]);
    // The controller acted: q1's backlog is over the threshold, so stage b's batch grew.
    expect(records[0]).not.toBe(baseline);
    expect(JSON.parse(records[0]!).totals.conserved).toBe(true);
  }, 120_000);

  it('where the scenario says onMiss: no-action, a silent or broken controller costs misses, not the run', async () => {
    const tolerant = { ...s, controller: { onMiss: 'no-action' as const, actuationDelay: 0, timeoutMs: null } };
    for (const mode of ['silent', 'garbage', 'no-such-task']) {
      const ext = await connectController(fixture(mode), { ...quiet, replyTimeoutMs: 300 });
      try {
        ext.hello(tolerant);
        const { record } = await runScenario(tolerant, { threads: 1, controller: ext.controller });
        const points = record.series!.points;
        // Every control point but the last (the end of the run) asked the controller, and each was a miss.
        expect(points.slice(0, -1).every((p) => p.control === 'miss'), mode).toBe(true);
        expect(record.series!.score.misses).toBe(points.length - 1);
        expect(points[0]!.missReason).toMatch(mode === 'silent' ? /no reply .* within 300 ms/ : mode === 'garbage' ? /length prefix/ : /task must name a task/);
        expect(record.totals.conserved).toBe(true);
      } finally {
        await ext.close();
      }
      expect(alive(ext.pid!)).toBe(false);
    }
  }, 60_000);

  it('sends each scenario event as an event notice just before the telemetry of its period', async () => {
    let stderr = '';
    const withEvents = { ...s, events: [{ atCycles: 0.3e-3 * s.hz, kind: 'nf-slowdown' as const, module: 'b', factor: 2 }, { atCycles: 0.5e-3 * s.hz, kind: 'nf-fail' as const, module: 'c' }] };
    const ext = await connectController(`node ${join(__dirname, 'fixtures', 'echo-types.mjs')}`, { onStderr: (c) => { stderr += c.toString(); } });
    ext.hello(withEvents);
    const { record } = await runScenario(withEvents, { threads: 1, controller: ext.controller });
    ext.summary(record.totals);
    await ext.close();
    const lines = stderr.trim().split('\n');
    // Control points every 0.2 ms: 0.3 ms falls in period 1, 0.5 ms in period 2.
    expect(lines.slice(0, 6)).toEqual(['hello - ', 'telemetry 0 ', 'event 1 nf-slowdown', 'telemetry 1 ', 'event 2 nf-fail', 'telemetry 2 ']);
    expect(lines[lines.length - 1]).toBe('summary -');
  });

  it('leaves no process after a clean session', async () => {
    const ext = await connectController(PYTHON, quiet);
    await drive(ext, 1);
    expect(alive(ext.pid!)).toBe(false);
  }, 10_000);

  const faults: [string, RegExp][] = [
    ['exit-at-once', /controller failed at control point 0: the controller process `.*misbehave.mjs exit-at-once` \(pid \d+\) exited with code 3 before replying; its stderr ended with:\n  no configuration found/],
    ['crash-after-hello', /controller failed at control point 0: .* exited with code 1 before replying; its stderr ended with:[^]*controller bug: cannot read hello/],
    ['garbage', /controller failed at control point 0: .* sent length prefix announces \d+ bytes, over the limit of 16777216 bytes \(not a length-prefixed msgpack stream\?\)/],
    ['unknown-type', /controller failed at control point 0: the controller sent unknown message type "greetings" \(.*\); expected \{ type: 'actions', epoch: 0, actions: \[\.\.\.\] \}/],
    ['wrong-epoch', /controller failed at control point 0: actions message .*: wrong epoch 7 \(a reply to another control point\); expected \{ type: 'actions', epoch: 0/],
    ['no-such-task', /controller failed at control point 0: action 0 \(.*\): task must name a task of the scenario \(eth0\.rx0@0, q1@1, q2@2\)/],
    ['killed', /controller failed at control point 0: the controller process `.*misbehave.mjs killed` \(pid \d+\) was killed by signal SIGKILL before replying; it wrote nothing to stderr/],
    ['silent', /controller failed at control point 0: .* sent no reply to the telemetry of epoch 0 within 300 ms \(the reply timeout\); expected an actions message/],
  ];
  for (const [mode, message] of faults) {
    it(`a controller that fails (${mode}) gets a clear error and is not left running`, async () => {
      // Only the silent one waits out the short timeout: the others must fail for their own reason even on a loaded machine.
      const ext = await connectController(fixture(mode), { ...quiet, replyTimeoutMs: mode === 'silent' ? 300 : 10_000 });
      await expect(drive(ext, 1)).rejects.toThrow(message);
      expect(alive(ext.pid!)).toBe(false);
    }, 15_000);
  }

  it('a controller that started a process of its own leaves neither behind', async () => {
    let stderr = '';
    // Long enough for it to start its child and say so, even on a loaded machine.
    const ext = await connectController(fixture('orphan'), { onStderr: (c) => { stderr += c.toString(); }, replyTimeoutMs: 1_500 });
    await expect(drive(ext, 1)).rejects.toThrow(/sent no reply to the telemetry of epoch 0 within 1500 ms/);
    const grandchild = Number(/grandchild (\d+)/.exec(stderr)![1]);
    expect(alive(ext.pid!)).toBe(false);
    // Killed with its parent's process group (a zombie until init reaps it).
    for (let i = 0; i < 50 && alive(grandchild); i++) await new Promise((r) => setTimeout(r, 20));
    expect(alive(grandchild)).toBe(false);
  }, 10_000);

  it('abort() stops a controller at once, whatever it is doing', async () => {
    const ext = await connectController(fixture('silent'), quiet);
    ext.hello(s);
    await ext.abort();
    expect(alive(ext.pid!)).toBe(false);
    await ext.close(); // no-op
  });

  it('a controller that cannot be started or reached gets a clear error', async () => {
    await expect(connectController('/no/such/controller --flag')).rejects.toThrow(/cannot start the controller process `\/no\/such\/controller --flag`: spawn \/no\/such\/controller ENOENT/);
    await expect(connectController('tcp://127.0.0.1:1')).rejects.toThrow(/cannot connect to the controller at tcp:\/\/127\.0\.0\.1:1: connection refused/);
    await expect(connectController('unix:/no/such.sock')).rejects.toThrow(/cannot connect to the controller at unix:\/no\/such\.sock: no such socket/);
  });
});
