// The hardware-model chain: ACL -> LB -> L3FWD, run to completion on the
// [ExecModels] machine preset (cache model on), 64-byte frames just above
// what the cores take. Emulated packet-NF-hops per wall-clock second, and
// where the host time goes (run with --prof for a CPU profile breakdown).
//
// Two figures per case: `per run` = hops / wall time of a 20 ms run (2 ms
// for the 18-core reference points; what an experiment's point costs,
// set-up of tables, flows and workers' state included), and `steady` = the
// marginal rate between that run and one 5 times longer (the per-hop cost
// alone, set-up cancelled out).
//
// The row "cache model off" runs the same chain on a machine given only its
// clock (no preset: no caches, no coherence, NFs' declared accesses cost
// nothing): the rest of the per-hop cost (NF code, NIC, frames, engine).
// Its steady rate against the first row's gives the cache model's share. Its
// clock and core count are the preset's, so both rows offer the same traffic
// to cores that do the same work per second.
//
//   npm run build && node bench/chain.mjs [--quick]
import { createWorkerPool, runScenario } from '../dist/engine/run.js';
import { validateScenario } from '../dist/scenario/validate.js';
import { NF_KINDS } from '../dist/nf/catalog.js';
import { layoutChain } from '../dist/graph/exec-models.js';
import { referenceChain, SRC_NET, DST_NET, EXEC_MODELS_MACHINE } from '../dist/experiments/chains.js';
import { findPreset } from '../dist/hw/presets/index.js';

const quick = process.argv.includes('--quick');

// The [ExecModels] server's clock and cores without its caches: taken from
// the preset the other rows run on (3.4 GHz, 48 cores), so the two cannot differ.
const preset = findPreset(EXEC_MODELS_MACHINE.preset);
const NO_CACHE_MODEL = { hz: preset.hz, cores: preset.sockets * preset.coresPerSocket };

function scenario(cores, entries, ms, machine = EXEC_MODELS_MACHINE) {
  return validateScenario(layoutChain({
    name: `bench-chain-${cores}`,
    machine,
    port: { lineRate: '400Gbps', traffic: { flows: Math.max(90, entries), frameSize: 64, rate: `${6 * cores}Mpps`, srcNet: SRC_NET, dstNet: DST_NET } },
    chain: referenceChain({ stateEntries: entries, backends: Math.min(entries, 1024), aclRules: 100, seed: 1 }),
    model: { model: 'rtc', cores },
    duration: `${ms}ms`,
  }), { kinds: NF_KINDS, baseDir: null });
}

/**
 * One point of `emu scenario rtc-vs-pl` as the experiment builds it: 18 cores
 * of the [ExecModels] server, 90 flows at 100 GbE line rate, 64 B frames,
 * 1024-entry tables and 8 backends, RTC (18 instances) or PL (6 x 3).
 */
function referencePoint(model, ms) {
  return validateScenario(layoutChain({
    name: `bench-chain-ref-${model.model}`,
    machine: EXEC_MODELS_MACHINE,
    port: { lineRate: '100Gbps', traffic: { flows: 90, frameSize: 64, rate: 'line', srcNet: SRC_NET, dstNet: DST_NET } },
    chain: referenceChain({ stateEntries: 1024, backends: 8, aclRules: 100, seed: 1 }),
    model,
    queue: { size: 1024, whenFull: 'backpressure' },
    duration: `${ms}ms`,
  }), { kinds: NF_KINDS, baseDir: null });
}

async function timed(s, threads, pool) {
  const t0 = process.hrtime.bigint();
  const { record } = await runScenario(s, { threads, pool });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  return { wall, hops: record.modules.filter((m) => m.kind !== 'queue').reduce((a, m) => a + m.packets, 0) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function measure(label, make, threads) {
  const short = make(1);
  const long = make(5);
  // Warm workers, as an experiment's points use them: start-up is not counted.
  const pool = createWorkerPool(threads);
  await runScenario(short, { threads, pool });
  const walls = [];
  const steadies = [];
  let hops = 0;
  for (let i = 0; i < (quick ? 1 : 3); i++) {
    const a = await timed(short, threads, pool);
    walls.push(a.wall);
    hops = a.hops;
    if (!quick) {
      const b = await timed(long, threads, pool);
      steadies.push((b.hops - a.hops) / (b.wall - a.wall) / threads);
    }
  }
  await pool.close();
  const wall = median(walls);
  const perThread = hops / wall / threads;
  const steady = quick ? null : median(steadies);
  const steadyText = steady === null ? '' : `, steady ${(steady / 1e6).toFixed(2)}`;
  console.log(`${label.padEnd(36)} ${(perThread / 1e6).toFixed(2)} M hops/s per thread per run${steadyText} (${threads} thread${threads > 1 ? 's' : ''}, ${hops} hops, median ${wall.toFixed(2)} s)`);
  return { label, threads, hops, wallSeconds: wall, hopsPerSecondPerThread: perThread, steadyHopsPerSecondPerThread: steady };
}

const ms = quick ? 2 : 20;
// The reference points are 18 times the traffic of one core: shorter runs.
const refMs = quick ? 0.2 : 2;
const rows = [
  await measure('1 core, 1024 entries, 1 thread', (k) => scenario(1, 1024, k * ms), 1),
  await measure('same, cache model off', (k) => scenario(1, 1024, k * ms, NO_CACHE_MODEL), 1),
  await measure('1 core, 100K entries, 1 thread', (k) => scenario(1, 100_000, k * ms), 1),
  await measure('2 cores, 1024 entries, 2 threads', (k) => scenario(2, 1024, k * ms), 2),
  await measure('rtc-vs-pl RTC 18 cores, 2 threads', (k) => referencePoint({ model: 'rtc', cores: 18 }, k * refMs), 2),
  await measure('rtc-vs-pl PL 6x3 cores, 2 threads', (k) => referencePoint({ model: 'pl', pipelines: 6 }, k * refMs), 2),
];
console.log(JSON.stringify({ bench: 'chain', rows }));
