// The hardware-model chain: ACL -> LB -> L3FWD, run to completion on the
// [ExecModels] machine preset (cache model on), 64-byte frames just above
// what the cores take. Emulated packet-NF-hops per wall-clock second, and
// where the host time goes (run with --prof for a CPU profile breakdown).
//
// Two figures per case: `per run` = hops / wall time of a 20 ms run (what an
// experiment's point costs, set-up of tables, flows and workers' state
// included), and `steady` = the marginal rate between a 20 ms and a 100 ms
// run of the same scenario (the per-hop cost alone, set-up cancelled out).
//
//   npm run build && node bench/chain.mjs [--quick]
import { createWorkerPool, runScenario } from '../dist/engine/run.js';
import { validateScenario } from '../dist/scenario/validate.js';
import { NF_KINDS } from '../dist/nf/catalog.js';
import { layoutChain } from '../dist/graph/exec-models.js';
import { referenceChain, SRC_NET, DST_NET, EXEC_MODELS_MACHINE } from '../dist/experiments/chains.js';

const quick = process.argv.includes('--quick');

function scenario(cores, entries, ms) {
  return validateScenario(layoutChain({
    name: `bench-chain-${cores}`,
    machine: EXEC_MODELS_MACHINE,
    port: { lineRate: '400Gbps', traffic: { flows: Math.max(90, entries), frameSize: 64, rate: `${6 * cores}Mpps`, srcNet: SRC_NET, dstNet: DST_NET } },
    chain: referenceChain({ stateEntries: entries, backends: Math.min(entries, 1024), aclRules: 100, seed: 1 }),
    model: { model: 'rtc', cores },
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

async function measure(label, cores, entries, threads) {
  const short = scenario(cores, entries, ms);
  const long = scenario(cores, entries, 5 * ms);
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
const rows = [
  await measure('1 core, 1024 entries, 1 thread', 1, 1024, 1),
  await measure('1 core, 100K entries, 1 thread', 1, 100_000, 1),
  await measure('2 cores, 1024 entries, 2 threads', 2, 1024, 2),
];
console.log(JSON.stringify({ bench: 'chain', rows }));
