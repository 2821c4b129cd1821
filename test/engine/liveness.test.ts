/**
 * Liveness: a run always finishes. A slow stage behind back-pressure queues is
 * the normal case for back-pressure (its producers stall, the NIC tail-drops),
 * not a reason for the engine to stop; a cycle of back-pressure queues, which
 * would deadlock on real cores too, is refused before the run.
 *
 * The property test builds random pipelines (2-5 stages, 10 to 1e6 cycles a
 * packet, back-pressure or drop queues of random sizes, random batches and
 * control periods) and checks that each run finishes, conserves packets, and
 * gives the same record on one and two threads. LIVENESS_CASES sets how many
 * (default 8; hundreds were run while fixing the stall).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/engine/run.js';
import { buildPlan, PlanError } from '../../src/graph/plan.js';
import type { ResultRecord } from '../../src/metrics/record.js';
import { mulberry32, randInt } from '../ring/prng.js';
import { scenario } from './helpers.js';

const pipeline3 = parse(readFileSync(join(__dirname, '..', '..', 'scenarios', 'pipeline-3.yaml'), 'utf8')) as Record<string, unknown>;

/** pipeline-3 with stage c replaced. */
function pipeline3With(c: Record<string, unknown>): Record<string, unknown> {
  const modules = (pipeline3['modules'] as { name: string }[]).map((m) => (m.name === 'c' ? { name: 'c', ...c } : m));
  return { ...pipeline3, modules };
}

function expectConserved(r: ResultRecord): void {
  const t = r.totals;
  expect(t.generated).toBeGreaterThan(0);
  expect(t.generated).toBe(t.delivered + t.dropped + t.inFlight);
  expect(Object.values(t.dropsByReason).reduce((a, b) => a + b, 0)).toBe(t.dropped);
  expect(t.conserved).toBe(true);
}

/** The record without the settings a run is allowed to differ in. */
function comparable(r: ResultRecord): string {
  return JSON.stringify({ ...r, scenario: null });
}

async function runBoth(raw: Record<string, unknown>): Promise<ResultRecord> {
  const s = scenario(raw);
  const one = await runScenario(s, { threads: 1, stallSeconds: 20 });
  // Neighbouring cores on different threads, so that every hand-over crosses
  // threads (placeCores would keep a loop of cores on one).
  const workerOfCore = Array.from({ length: s.machine.cores }, (_, c) => c % 2);
  const two = await runScenario(s, { workerOfCore, stallSeconds: 20 });
  expect(two.threads).toBe(Math.min(2, s.machine.cores));
  expectConserved(one.record);
  expect(comparable(two.record)).toBe(comparable(one.record));
  return one.record;
}

describe('a slow stage behind back-pressure queues', () => {
  it('runs to the end, shows its backlog, and conserves packets (stage c at 1e5 cycles a packet)', async () => {
    const r = await runBoth(pipeline3With({ kind: 'macswap', config: { cyclesPerPacket: 1e5 } }));
    const task = (name: string) => r.tasks.find((t) => t.name === name)!;
    // 5.2 M cycles of run: the slow stage takes a first small batch, then
    // full ones of 32 at 3.2 M cycles each.
    expect(task('q2@2').cyclesPerPacket).toBe(1e5);
    expect(task('q2@2').packets).toBeLessThan(100);
    // Its queue and the one before it are full at the end; the stages before
    // it stalled on them; the excess is tail-dropped at the NIC.
    expect(task('q2@2').backlogAtEnd).toBe(256);
    expect(task('q1@1').backlogAtEnd).toBe(256);
    expect(task('eth0.rx0@0').backlogAtEnd).toBe(1024);
    expect(task('q1@1').stallCycles).toBeGreaterThan(1e6);
    expect(task('eth0.rx0@0').stallCycles).toBeGreaterThan(1e6);
    expect(r.totals.dropsByReason['nic_rx_ring_full']).toBeGreaterThan(0);
    expect(r.totals.inFlight).toBeGreaterThanOrEqual(256 + 256 + 1024);
  });

  it('runs to the end when the last stage stops yielding (fault, spinAfterPackets)', async () => {
    const r = await runBoth(pipeline3With({ kind: 'fault', config: { spinAfterPackets: 100 } }));
    const c = r.modules.find((m) => m.name === 'c')!;
    // It forwards what it had before it began to spin, then holds one batch for ever.
    expect(r.totals.delivered).toBeGreaterThanOrEqual(100);
    expect(c.packets).toBeGreaterThan(100);
    expect(r.tasks.find((t) => t.name === 'q2@2')!.backlogAtEnd).toBe(256);
  });
});

describe('a detached task behind a back-pressure queue', () => {
  const detachedQ2 = () => ({
    ...pipeline3,
    tasks: (pipeline3['tasks'] as Record<string, unknown>[]).map((t) => (t['root'] === 'q2' ? { ...t, chain: 'tail', detached: true } : t)),
  });

  it('holds its queue full and lets the run finish', async () => {
    const r = await runBoth(detachedQ2());
    expect(r.totals.delivered).toBe(0);
    const q2 = r.tasks.find((t) => t.name === 'q2@2')!;
    expect(q2.packets).toBe(0);
    expect(q2.backlogAtEnd).toBe(256);
  });

  it('drains its queue once a controller attaches it again', async () => {
    const s = scenario(detachedQ2());
    // Attach at the second control point, detach at the third, attach at the fourth.
    const plan = ['none', 'attach', 'detach', 'attach'];
    const controller = (t: { epoch: number }) => {
      const a = plan[t.epoch] ?? 'none';
      return a === 'none' ? [] : [{ type: a as 'attach' | 'detach', chain: 'tail' }];
    };
    const one = await runScenario(s, { threads: 1, controller });
    const two = await runScenario(s, { workerOfCore: [0, 1, 0], controller });
    expectConserved(one.record);
    expect(comparable(two.record)).toBe(comparable(one.record));
    expect(one.record.totals.delivered).toBeGreaterThan(1000);
  });
});

describe('a cycle of back-pressure queues across cores', () => {
  const cycle = (whenFull2: string) => ({
    ...pipeline3,
    name: 'bp-cycle',
    modules: [
      { name: 'a', kind: 'synthetic', config: { cyclesPerPacket: 30 } },
      { name: 'q1', kind: 'queue', config: { size: 16, whenFull: 'backpressure' } },
      { name: 'b', kind: 'synthetic', config: { cyclesPerPacket: 400 } },
      { name: 'q2', kind: 'queue', config: { size: 16, whenFull: whenFull2 } },
      { name: 'c', kind: 'macswap', config: { cyclesPerPacket: 1000 } },
    ],
    // Core 0 feeds core 1 through q1 and drains q2, which core 1 feeds: when
    // both are full, core 0 waits on core 1 and core 1 on core 0.
    tasks: [{ root: 'eth0.rx0', core: 0 }, { root: 'q1', core: 1 }, { root: 'q2', core: 0 }],
  });

  it('is refused before the run, naming the queues of the cycle and why', () => {
    let err: unknown;
    try { buildPlan(scenario(cycle('backpressure'))); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(PlanError);
    const msg = (err as Error).message;
    expect(msg).toContain('q1 (core 0 -> core 1), q2 (core 1 -> core 0)');
    expect(msg).toContain('deadlock');
    expect(msg).toContain('whenFull: drop');
  });

  it('runs when one queue of the loop drops instead', async () => {
    const r = await runBoth(cycle('drop'));
    expect(r.totals.dropsByReason['queue_full']).toBeGreaterThan(0);
  });
});

describe('a stalled consumer\'s clock read across threads', () => {
  // Found by the property test: stage s3 is stalled on s4 (1e6 cycles a
  // packet) and publishes a clock far ahead; s2, stalled on s3, took that
  // clock as the time of s3's next take even when s3 had taken between the
  // two reads, published a bound on it, and s2's consumer then took a batch
  // before s1 had put its last entry in. About one run in ten differed on
  // two threads; 20 runs caught it three times in four.
  const raw = {
    name: 'stalled-clock', seed: 7, duration: '2ms', warmup: '0.1ms', controlPeriod: '779us',
    machine: { hz: 2.6e9, cores: 5 },
    ports: [{ name: 'eth0', lineRate: '10Gbps', rxRingSize: 16, traffic: { flows: 8, frameSize: 64, rate: 'line' } }],
    modules: [
      { name: 's0', kind: 'synthetic', config: { cyclesPerBatch: 930, cyclesPerPacket: 6470 } },
      { name: 'q1', kind: 'queue', config: { size: 512, whenFull: 'backpressure' } },
      { name: 's1', kind: 'synthetic', config: { cyclesPerBatch: 499, cyclesPerPacket: 2459 } },
      { name: 'q2', kind: 'queue', config: { size: 4, whenFull: 'backpressure' } },
      { name: 's2', kind: 'synthetic', config: { cyclesPerBatch: 213, cyclesPerPacket: 157 } },
      { name: 'q3', kind: 'queue', config: { size: 128, whenFull: 'backpressure' } },
      { name: 's3', kind: 'synthetic', config: { cyclesPerBatch: 52, cyclesPerPacket: 6278 } },
      { name: 'q4', kind: 'queue', config: { size: 16, whenFull: 'backpressure' } },
      { name: 's4', kind: 'synthetic', config: { cyclesPerBatch: 872, cyclesPerPacket: 969722 } },
    ],
    edges: [
      { from: 'eth0.rx0', to: 's0' }, { from: 's0', to: 'q1' }, { from: 'q1', to: 's1' }, { from: 's1', to: 'q2' }, { from: 'q2', to: 's2' },
      { from: 's2', to: 'q3' }, { from: 'q3', to: 's3' }, { from: 's3', to: 'q4' }, { from: 'q4', to: 's4' }, { from: 's4', to: 'eth0.tx' },
    ],
    tasks: [
      { root: 'eth0.rx0', core: 0, batch: 5 }, { root: 'q1', core: 1, batch: 9 }, { root: 'q2', core: 2, batch: 64 },
      { root: 'q3', core: 3, batch: 42 }, { root: 'q4', core: 4, batch: 61 },
    ],
  };

  it('gives the same record run after run, on one thread and on two', async () => {
    const s = scenario(raw);
    const ref = comparable((await runScenario(s, { threads: 1 })).record);
    for (let i = 0; i < 20; i++) {
      const two = await runScenario(s, { workerOfCore: [0, 1, 0, 1, 0] });
      expect(comparable(two.record), `run ${i}`).toBe(ref);
    }
  });
});

/** A random pipeline of 2-5 stages, one core each. */
function randomPipeline(rand: () => number, k: number): Record<string, unknown> {
  const stages = 2 + randInt(rand, 0, 3);
  const modules: Record<string, unknown>[] = [];
  const edges: { from: string; to: string }[] = [];
  const tasks: Record<string, unknown>[] = [{ root: 'eth0.rx0', core: 0, batch: 1 + randInt(rand, 0, 63) }];
  let prev = 'eth0.rx0';
  for (let i = 0; i < stages; i++) {
    // 10 to 1e6 cycles a packet, log-uniform.
    const cyclesPerPacket = Math.round(10 * 10 ** (5 * rand()));
    modules.push({ name: `s${i}`, kind: 'synthetic', config: { cyclesPerBatch: randInt(rand, 0, 999), cyclesPerPacket } });
    edges.push({ from: prev, to: `s${i}` });
    if (i < stages - 1) {
      const q = `q${i + 1}`;
      modules.push({ name: q, kind: 'queue', config: { size: 4 << randInt(rand, 0, 8), whenFull: rand() < 0.6 ? 'backpressure' : 'drop' } });
      edges.push({ from: `s${i}`, to: q });
      tasks.push({ root: q, core: i + 1, batch: 1 + randInt(rand, 0, 63) });
      prev = q;
    }
  }
  edges.push({ from: `s${stages - 1}`, to: 'eth0.tx' });
  return {
    name: `random-pipeline-${k}`,
    seed: k + 1,
    duration: '2ms',
    warmup: '0.1ms',
    // Long control periods let a producer fill its rings while a stage is
    // stalled past a control point (what stalled the engine before).
    controlPeriod: `${Math.round(50 + randInt(rand, 0, 949))}us`,
    machine: { hz: 2.6e9, cores: stages },
    ports: [{ name: 'eth0', lineRate: '10Gbps', rxRingSize: 16 << randInt(rand, 0, 6), traffic: { flows: 8, frameSize: 64, rate: 'line' } }],
    modules,
    edges,
    tasks,
  };
}

const POLICIES = ['rr', 'coop', 'wfq', 'prio', 'cfs', 'cfs-batch', 'rt-fifo', 'rt-rr'] as const;

/**
 * A random pipeline of 2-5 stages, two stages a core (a queue between two
 * stages of one core drops: back-pressure there is refused), each stage its
 * own process with random weight, nice and priority, under one random CPU
 * scheduler: preemptive policies interrupt runs mid-batch.
 */
function randomScheduledPipeline(rand: () => number, k: number): Record<string, unknown> {
  const raw = randomPipeline(rand, k);
  const coreOf = (stage: number) => Math.floor(stage / 2);
  const tasks = raw['tasks'] as Record<string, unknown>[];
  const modules = raw['modules'] as { name: string; config: Record<string, unknown> }[];
  tasks.forEach((t, i) => {
    t['core'] = coreOf(i);
    t['process'] = `p${i}`;
    t['weight'] = 1 + randInt(rand, 0, 3);
    t['nice'] = randInt(rand, -5, 5);
    t['priority'] = randInt(rand, 0, 2);
  });
  for (const m of modules) {
    if (!m.name.startsWith('q')) continue;
    const stage = Number(m.name.slice(1));
    if (coreOf(stage) === coreOf(stage - 1)) m.config['whenFull'] = 'drop';
  }
  const cores = coreOf(tasks.length - 1) + 1;
  return {
    ...raw,
    machine: { hz: 2.6e9, cores },
    schedulers: [{ cores: Array.from({ length: cores }, (_, c) => c), policy: POLICIES[randInt(rand, 0, POLICIES.length - 1)] }],
  };
}

describe('liveness property: random pipelines under CPU schedulers', () => {
  const cases = Number(process.env['LIVENESS_CASES'] ?? 6);
  const rand = mulberry32(7071);
  for (let k = 0; k < cases; k++) {
    const raw = randomScheduledPipeline(rand, k);
    const policy = (raw['schedulers'] as { policy: string }[])[0]!.policy;
    it(`case ${k}: ${(raw['tasks'] as unknown[]).length} stages on ${(raw['machine'] as { cores: number }).cores} cores under ${policy} finishes, conserves, same on 1 and 2 threads`, async () => {
      await runBoth(raw);
    });
  }
});

describe('liveness property: random pipelines', () => {
  const cases = Number(process.env['LIVENESS_CASES'] ?? 8);
  const rand = mulberry32(20261208);
  for (let k = 0; k < cases; k++) {
    const raw = randomPipeline(rand, k);
    const shape = (raw['modules'] as { name: string; config: Record<string, unknown> }[])
      .map((m) => (m.name.startsWith('q') ? `${m.config['whenFull'] === 'drop' ? 'drop' : 'bp'}${m.config['size']}` : `${m.config['cyclesPerPacket']}c`))
      .join(' > ');
    it(`case ${k}: ${shape} finishes, conserves, same on 1 and 2 threads`, async () => {
      await runBoth(raw);
    });
  }
});
