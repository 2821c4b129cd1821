/**
 * Scenario events in virtual time: an NF slows down, fails and recovers; a
 * link goes down and up. Each effect follows by arithmetic from the rates
 * and costs, every packet stays accounted for, and the record is the same on
 * one and two threads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/engine/run.js';
import { ConfigError } from '../../src/util/config-check.js';
import { scenario, tappedSeqIds } from './helpers.js';

/** eth0 (5 Mpps, constant) -> a (core 0, 200 cycles a packet) -> q1 -> b (core 1, 100 cycles a packet) -> eth0.tx; far below capacity. */
function pipeline(events: unknown[]): Record<string, unknown> {
  return {
    name: 'events',
    seed: 1,
    duration: '2ms',
    controlPeriod: '0.5ms',
    machine: { hz: 2.6e9, cores: 2 },
    ports: [{ name: 'eth0', lineRate: '10Gbps', traffic: { flows: 16, frameSize: 64, rate: '5Mpps' } }],
    modules: [
      { name: 'a', kind: 'synthetic', config: { cyclesPerBatch: 100, cyclesPerPacket: 100 } },
      { name: 'q1', kind: 'queue', config: { size: 256, whenFull: 'backpressure' } },
      { name: 'b', kind: 'macswap', config: { cyclesPerPacket: 100 } },
    ],
    edges: [{ from: 'eth0.rx0', to: 'a' }, { from: 'a', to: 'q1' }, { from: 'q1', to: 'b' }, { from: 'b', to: 'eth0.tx' }],
    tasks: [{ root: 'eth0.rx0', core: 0 }, { root: 'q1', core: 1 }],
    events,
  };
}

async function runBoth(raw: Record<string, unknown>) {
  const s = scenario(raw);
  const one = (await runScenario(s, { threads: 1 })).record;
  const two = (await runScenario(s, { threads: 2 })).record;
  expect(JSON.stringify({ ...two, scenario: null })).toBe(JSON.stringify({ ...one, scenario: null }));
  const t = one.totals;
  expect(t.generated).toBe(t.delivered + t.dropped + t.inFlight);
  return one;
}

describe('scenario events', () => {
  it('without events, nothing is dropped (the baseline the others are measured against)', async () => {
    const r = await runBoth(pipeline([]));
    expect(r.totals.generated).toBe(10000);
    expect(r.totals.dropped).toBe(0);
    expect(r.modules.find((m) => m.name === 'b')!.cyclesPerPacket).toBe(100);
  });

  it('nf-fail drops what reaches the NF until nf-recover: 5 Mpps x 0.2 ms = 1000 frames', async () => {
    const r = await runBoth(pipeline([{ at: '1ms', kind: 'nf-fail', module: 'b' }, { at: '1.2ms', kind: 'nf-recover', module: 'b' }]));
    expect(r.totals.dropsByReason).toEqual({ nf_failed: 1000 });
    expect(r.modules.find((m) => m.name === 'b')!.drops).toEqual({ nf_failed: 1000 });
    expect(r.totals.delivered).toBe(9000);
  });

  it('nf-slowdown multiplies the NF\'s cycles for the batches that start after it', async () => {
    const r = await runBoth(pipeline([{ at: '0.5ms', kind: 'nf-slowdown', module: 'b', factor: 4 }]));
    const b = r.modules.find((m) => m.name === 'b')!;
    // 2500 packets (the first 0.5 ms at 5 Mpps) at 100 cycles, 7500 at 400.
    expect(b.packets).toBe(10000);
    expect(b.cycles).toBe(2500 * 100 + 7500 * 400);
    expect(r.modules.find((m) => m.name === 'a')!.cyclesPerPacket).toBe(200);
  });

  it('link-down loses the frames offered until link-up: 5 Mpps x 0.1 ms = 500 frames', async () => {
    const r = await runBoth(pipeline([{ at: '1.5ms', kind: 'link-down', port: 'eth0' }, { at: '1.6ms', kind: 'link-up', port: 'eth0' }]));
    expect(r.totals.dropsByReason).toEqual({ link_down: 500 });
    expect(r.ports[0]!.generated).toBe(10000);
    expect(r.totals.delivered).toBe(9500);
  });

  it('bad events are refused with their paths', () => {
    let err: unknown;
    try {
      scenario(pipeline([
        { at: '3ms', kind: 'nf-fail', module: 'b' },
        { at: '1ms', kind: 'nf-slowdown', module: 'q1', factor: 2 },
        { at: '1ms', kind: 'nf-slowdown', module: 'b', factor: 0 },
        { at: '1ms', kind: 'link-down', port: 'eth9' },
        { at: '1ms', kind: 'explode', module: 'b' },
      ]));
    } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain('events[0].at');
    expect(msg).toContain('a time within the run');
    expect(msg).toMatch(/events\[1\]\.module.*an NF module of this scenario \(not a queue\): a, b/);
    expect(msg).toContain('events[2].factor');
    expect(msg).toContain('events[3].port');
    expect(msg).toContain('events[4].kind');
  });
});

describe('events in telemetry', () => {
  it('each control point lists the events timed in the period that ends there', async () => {
    const s = scenario(pipeline([
      { at: '0.2ms', kind: 'nf-slowdown', module: 'b', factor: 2 },
      { at: '1ms', kind: 'nf-fail', module: 'b' },
      { at: '1.2ms', kind: 'nf-recover', module: 'b' },
    ]));
    const seen: string[][] = [];
    await runScenario(s, { threads: 1, controller: (t) => { seen.push(t.events.map((e) => `${e.kind}@${e.atCycles}`)); return []; } });
    // Control points at 0.5, 1 and 1.5 ms (the run ends at 2 ms, where no controller is asked).
    expect(seen).toEqual([['nf-slowdown@520000'], [], ['nf-fail@2600000', 'nf-recover@3120000']]);
  });
});

describe('core and line-rate events', () => {
  /** eth0 at 10 Mpps, constant, into a (core 0) -> q1 (256, back-pressure) -> b (core 1). */
  const overload = (events: unknown[]) => {
    const raw = pipeline(events);
    return { ...raw, ports: [{ name: 'eth0', lineRate: '10Gbps', traffic: { flows: 16, frameSize: 64, rate: '10Mpps', arrivals: 'constant' } }] };
  };

  it('core-offline stops the core: its queue and the RX ring fill, the rest of what arrives meanwhile is tail-dropped', async () => {
    const r = await runBoth(overload([{ at: '0.5ms', kind: 'core-offline', core: 1 }, { at: '1ms', kind: 'core-online', core: 1 }]));
    // 0.5 ms at 10 Mpps = 5000 frames; q1 (256) and the RX ring (1024, the default) hold 1280 of them.
    expect(r.totals.dropsByReason).toEqual({ nic_rx_ring_full: 5000 - 256 - 1024 });
    // Back online, b drains the backlog: nothing is queued at the end.
    expect(r.tasks.every((t) => t.backlogAtEnd === 0)).toBe(true);
  });

  it('line-rate lowers what the wire carries from then on: the sender buffer fills and the excess is dropped', async () => {
    const r = await runBoth(overload([{ at: '1.5ms', kind: 'line-rate', port: 'eth0', rate: '5Gbps' }]));
    // 0.5 ms at 10 Mpps = 5000 offered; 5 Gb/s carries 5e9 / (84 * 8) = 7.44 Mpps, 3720 of them in
    // 0.5 ms, and the sender buffer (256) holds more: about 1024 dropped (one either way at the edges).
    const drops = r.totals.dropsByReason['nic_line_rate']!;
    expect(Object.keys(r.totals.dropsByReason)).toEqual(['nic_line_rate']);
    expect(drops).toBeGreaterThanOrEqual(1023);
    expect(drops).toBeLessThanOrEqual(1025);
  });

  it('a core event names a core of the machine', () => {
    expect(() => scenario(overload([{ at: '1ms', kind: 'core-offline', core: 2 }]))).toThrow(/events\[0\]\.core: got 2, expected an integer between 0 and 1/);
    expect(() => scenario(overload([{ at: '1ms', kind: 'line-rate', port: 'eth0', rate: 'fast' }]))).toThrow(/events\[0\]\.rate/);
  });
});

describe('through every event, each frame leaves at most once', () => {
  it('the frames on the wire out carry distinct sequence numbers, as many as were delivered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-events-test-'));
    try {
      const tap = join(dir, 'out.pcap');
      const raw = {
        ...pipeline([
          { at: '0.3ms', kind: 'nf-slowdown', module: 'b', factor: 3 },
          { at: '0.5ms', kind: 'core-offline', core: 1 },
          { at: '0.8ms', kind: 'core-online', core: 1 },
          { at: '1ms', kind: 'nf-fail', module: 'b' },
          { at: '1.2ms', kind: 'nf-recover', module: 'b' },
          { at: '1.4ms', kind: 'link-down', port: 'eth0' },
          { at: '1.5ms', kind: 'link-up', port: 'eth0' },
          { at: '1.6ms', kind: 'line-rate', port: 'eth0', rate: '2Gbps' },
        ]),
        taps: [{ at: 'eth0.tx', file: tap }],
      };
      const r = await runBoth(raw);
      const seq = tappedSeqIds(tap);
      expect(seq.frames).toBe(r.totals.delivered);
      expect(seq.distinct).toBe(seq.frames);
      expect(r.totals.delivered).toBeGreaterThan(0);
      // The failure and the outage did cost frames (so the check above saw them go).
      expect(r.totals.dropsByReason['nf_failed']).toBeGreaterThan(0);
      expect(r.totals.dropsByReason['link_down']).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
