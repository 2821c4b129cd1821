// Engine speed: emulated packet-NF-hops per wall-clock second.
//
//   npm run build && node bench/engine.mjs [--quick]
//
// Cases (synthetic-cost NFs, 64-byte frames, line-rate traffic that keeps
// every core saturated):
//   - a 3-NF chain run to completion on 1, 2 and 4 emulated cores, with one
//     host thread and with min(cores, 2) host threads;
//   - the same 3-NF chain as an 18-core RTC layout (memory check: peak RSS).
// Prints one line per case and a final JSON line for scripts.
import { createWorkerPool, runScenario } from '../dist/engine/run.js';
import { validateScenario } from '../dist/scenario/validate.js';
import { NF_KINDS } from '../dist/nf/catalog.js';

const quick = process.argv.includes('--quick');

function rtcChain(cores, durationMs) {
  const modules = [];
  const edges = [];
  const tasks = [];
  for (let c = 0; c < cores; c++) {
    modules.push(
      { name: `a${c}`, kind: 'synthetic', config: { cyclesPerBatch: 200, cyclesPerPacket: 60 } },
      { name: `b${c}`, kind: 'synthetic', config: { cyclesPerBatch: 200, cyclesPerPacket: 60 } },
      { name: `c${c}`, kind: 'macswap', config: { cyclesPerPacket: 60 } },
    );
    edges.push({ from: `eth0.rx${c}`, to: `a${c}` }, { from: `a${c}`, to: `b${c}` }, { from: `b${c}`, to: `c${c}` }, { from: `c${c}`, to: 'eth0.tx' });
    tasks.push({ root: `eth0.rx${c}`, core: c });
  }
  return validateScenario({
    name: `bench-rtc-${cores}`,
    duration: `${durationMs}ms`,
    machine: { hz: 2.6e9, cores },
    // Offered just above what the cores can take (13.5 Mpps each), so they stay
    // saturated without the NIC generating frames only to drop them.
    ports: [{ name: 'eth0', lineRate: '400Gbps', rxQueues: cores, traffic: { flows: 64 * cores, frameSize: 64, rate: `${14 * cores}Mpps` } }],
    modules, edges, tasks,
  }, { kinds: NF_KINDS, baseDir: null });
}

function hops(record) {
  return record.modules.filter((m) => m.kind !== 'queue').reduce((a, m) => a + m.packets, 0);
}

// Median of several timed runs after a warm-up run (JIT, page faults); this
// 2-vCPU VM is noisy, so one run says little.
async function measure(label, scenario, threads) {
  // Warm workers, as an experiment's points use them: start-up is not counted.
  const pool = createWorkerPool(threads);
  await runScenario(scenario, { threads, pool });
  const walls = [];
  let h = 0;
  for (let i = 0; i < (quick ? 1 : 3); i++) {
    const t0 = process.hrtime.bigint();
    const { record } = await runScenario(scenario, { threads, pool });
    walls.push(Number(process.hrtime.bigint() - t0) / 1e9);
    h = hops(record);
  }
  await pool.close();
  walls.sort((a, b) => a - b);
  const wall = walls[Math.floor(walls.length / 2)];
  const perSec = h / wall;
  const row = { label, cores: scenario.machine.cores, threads, hops: h, wallSeconds: wall, wallSecondsAll: walls, hopsPerSecond: perSec, hopsPerSecondPerThread: perSec / threads };
  console.log(`${label.padEnd(30)} ${(perSec / 1e6).toFixed(2).padStart(6)} M hops/s  (${(perSec / threads / 1e6).toFixed(2)} M per thread; ${h} hops, median ${wall.toFixed(2)} s of ${walls.map((w) => w.toFixed(2)).join(', ')})`);
  return row;
}

const ms = quick ? 1 : 100;
const rows = [];
for (const cores of [1, 2, 4]) {
  rows.push(await measure(`3-NF RTC, ${cores} core${cores > 1 ? 's' : ''}, 1 thread`, rtcChain(cores, ms), 1));
  if (cores > 1) rows.push(await measure(`3-NF RTC, ${cores} cores, 2 threads`, rtcChain(cores, ms), 2));
}
const big = rtcChain(18, quick ? 0.2 : 10);
const rssBefore = process.memoryUsage().rss;
rows.push(await measure('3-NF RTC, 18 cores, 2 threads', big, 2));
const speedup = rows.find((r) => r.cores === 2 && r.threads === 2).hopsPerSecond / rows.find((r) => r.cores === 2 && r.threads === 1).hopsPerSecond;
console.log(`balanced 2-core layout: 2 threads / 1 thread = ${speedup.toFixed(2)}x`);
console.log(`peak RSS of this process (main thread + workers): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (was ${(rssBefore / 2 ** 20).toFixed(0)} MiB before the 18-core case)`);
console.log(JSON.stringify({ bench: 'engine', rows, twoThreadSpeedup: speedup, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
