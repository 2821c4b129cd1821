/** Protocol v1: the hello built from a scenario, the checks of the controller's reply, command-line splitting, socket faults. */
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectController, splitCommandLine } from '../../src/control/external.js';
import { helloMessage, readActions } from '../../src/control/protocol.js';
import { encodeFrame, FrameDecoder } from '../../src/control/wire.js';
import { runScenario } from '../../src/engine/run.js';
import { NF_KINDS } from '../../src/nf/catalog.js';
import { loadScenarioFile } from '../../src/scenario/load.js';

const s = loadScenarioFile(join(__dirname, '..', '..', 'scenarios', 'pipeline-3.yaml'), { kinds: NF_KINDS });

/** A listening controller in this process: `reply` answers each telemetry (or does something else with the socket). */
function serve(listenOn: number | string, reply: (msg: { type: string; epoch: number }, sock: Socket) => void): Promise<Server> {
  const server = createServer((sock) => {
    const d = new FrameDecoder();
    sock.on('data', (c) => {
      for (const m of d.push(c) as { type: string; epoch: number }[]) if (m.type === 'telemetry') reply(m, sock);
    });
    sock.on('error', () => {});
  });
  return new Promise((resolve) => server.listen(listenOn as number, '127.0.0.1', () => resolve(server)));
}

describe('protocol v1', () => {
  it('hello describes the scenario, with times in cycles and seconds', () => {
    const h = helloMessage(s);
    expect(h).toMatchObject({
      type: 'hello', version: 1, scenario: 'pipeline-3', hz: 2.6e9,
      controlPeriodCycles: 1_300_000, controlPeriodSeconds: 0.0005, durationCycles: 5_200_000, durationSeconds: 0.002,
      cores: [0, 1, 2],
    });
    expect(h.tasks.map((t) => t.name)).toEqual(['eth0.rx0@0', 'q1@1', 'q2@2']);
    expect(h.tasks[1]).toMatchObject({ name: 'q1@1', core: 1, chain: expect.any(String), batch: expect.any(Number), weight: expect.any(Number) });
    expect(h.chains.flatMap((c) => c.tasks).sort()).toEqual(['eth0.rx0@0', 'q1@1', 'q2@2']);
    expect(h.machine).toEqual({ name: 'generic', cores: 3, sockets: 1 });
    // The one port's generator is one flow group, named after the port; its RSS queue is read by the first chain.
    expect(h.groups).toEqual([{ name: 'eth0', port: 'eth0', flows: 16, firstFlow: 0, ids: 16, slo: null }]);
    expect(h.instances).toEqual([{ chain: 'eth0.rx0@0', port: 'eth0', queue: 0 }]);
    expect(h.controller).toEqual({ onMiss: 'fail', actuationDelay: 0 });
  });

  it('accepts an actions reply for the right epoch', () => {
    expect(readActions({ type: 'actions', epoch: 4, actions: [{ type: 'attach', chain: 'x' }] }, 4)).toEqual([{ type: 'attach', chain: 'x' }]);
  });

  it('names what is wrong with a reply and what was expected', () => {
    const expected = "expected { type: 'actions', epoch: 2, actions: [...] }";
    expect(() => readActions([1, 2], 2)).toThrow(`the controller sent [1,2], not a map; ${expected}`);
    expect(() => readActions('ok', 2)).toThrow(`the controller sent "ok", not a map; ${expected}`);
    expect(() => readActions({ epoch: 2 }, 2)).toThrow(`the controller sent a message without a type ({"epoch":2}); ${expected}`);
    expect(() => readActions({ type: 'hello' }, 2)).toThrow(`the controller sent unknown message type "hello" ({"type":"hello"}); ${expected}`);
    expect(() => readActions({ type: 'actions', actions: [] }, 2)).toThrow(`actions message {"type":"actions","actions":[]}: epoch is missing; ${expected}`);
    expect(() => readActions({ type: 'actions', epoch: '2', actions: [] }, 2)).toThrow(/epoch is string; expected/);
    expect(() => readActions({ type: 'actions', epoch: 1, actions: [] }, 2)).toThrow(/wrong epoch 1 \(a reply to another control point\)/);
    expect(() => readActions({ type: 'actions', epoch: 2 }, 2)).toThrow(/actions is missing; expected/);
    expect(() => readActions({ type: 'actions', epoch: 2, actions: {} }, 2)).toThrow(/actions is object; expected/);
  });

  it('splits command lines on spaces, with quotes grouping words', () => {
    expect(splitCommandLine('python3  ctl.py --gain 2')).toEqual(['python3', 'ctl.py', '--gain', '2']);
    expect(splitCommandLine(`node "my ctl.mjs" 'a b' x"y z"`)).toEqual(['node', 'my ctl.mjs', 'a b', 'xy z']);
    expect(splitCommandLine('   ')).toEqual([]);
    expect(splitCommandLine("a ''")).toEqual(['a', '']);
    expect(() => splitCommandLine('python3 "ctl.py')).toThrow('the controller command line `python3 "ctl.py` has an unclosed "');
  });

  it('runs over a Unix socket; a do-nothing controller leaves the run as it is without one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-ctl-'));
    const path = join(dir, 'ctl.sock');
    const server = await serve(path, (m, sock) => sock.write(encodeFrame({ type: 'actions', epoch: m.epoch, actions: [] })));
    try {
      const ext = await connectController(`unix:${path}`);
      let record;
      try {
        ext.hello(s);
        record = (await runScenario(s, { threads: 1, controller: ext.controller })).record;
        ext.summary(record.totals);
      } finally {
        await ext.close();
      }
      // Identical but for each period's control outcome ('ok' with a controller, 'none' without).
      const unlessControl = (r: unknown) => JSON.stringify(r, (k, v: unknown) => (k === 'control' ? undefined : v));
      expect(unlessControl(record)).toBe(unlessControl((await runScenario(s, { threads: 1 })).record));
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 10_000);

  it('a controller that closes the connection gets a clear error', async () => {
    const server = await serve(0, (_m, sock) => sock.destroy());
    const port = (server.address() as { port: number }).port;
    try {
      const ext = await connectController(`tcp://127.0.0.1:${port}`);
      try {
        ext.hello(s);
        await expect(runScenario(s, { threads: 1, controller: ext.controller }))
          .rejects.toThrow(`controller failed at control point 0: the controller at tcp://127.0.0.1:${port} closed the connection before replying`);
      } finally {
        await ext.close();
      }
    } finally {
      server.close();
    }
  }, 10_000);

  it('refuses a malformed address', async () => {
    await expect(connectController('tcp://localhost')).rejects.toThrow('controller address tcp://localhost: expected tcp://HOST:PORT or unix:/path');
  });
});
