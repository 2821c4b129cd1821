// How long a failing run takes to end, in wall time: an NF that throws
// ~0.1 ms (virtual) into a 50 ms run on a 3-core pipeline, with 1 and 3 host
// threads, a fresh worker pool per run (starting and stopping the workers
// counted, as a user running a broken scenario sees it).
//
//   npm run build && node bench/failure.mjs [--quick]
//
// test/engine/failure.test.ts checks *that* such a run ends at the fault (in
// virtual time, before its first control point); this measures how long it
// takes on this host, which a test on a shared 2-vCPU machine cannot assert.
// Prints one line per case and a final JSON line for scripts.
import { runScenario } from '../dist/engine/run.js';
import { validateScenario } from '../dist/scenario/validate.js';
import { NF_KINDS } from '../dist/nf/catalog.js';

const quick = process.argv.includes('--quick');

function faulty() {
  return validateScenario({
    name: 'bench-failure',
    duration: '50ms',
    machine: { hz: 2.6e9, cores: 3 },
    ports: [{ name: 'eth0', lineRate: '10Gbps', traffic: { flows: 4, frameSize: 64, rate: 'line' } }],
    modules: [
      { name: 'a', kind: 'synthetic', config: { cyclesPerPacket: 10 } },
      { name: 'q1', kind: 'queue', config: { size: 256, whenFull: 'backpressure' } },
      { name: 'boom', kind: 'fault', config: { throwAfterPackets: 1000 } },
      { name: 'q2', kind: 'queue', config: { size: 256 } },
      { name: 'c', kind: 'synthetic', config: { cyclesPerPacket: 10 } },
    ],
    edges: [
      { from: 'eth0.rx0', to: 'a' }, { from: 'a', to: 'q1' }, { from: 'q1', to: 'boom' },
      { from: 'boom', to: 'q2' }, { from: 'q2', to: 'c' }, { from: 'c', to: 'eth0.tx' },
    ],
    tasks: [{ root: 'eth0.rx0', core: 0 }, { root: 'q1', core: 1, name: 'middle' }, { root: 'q2', core: 2 }],
  }, { kinds: NF_KINDS, baseDir: null });
}

const rows = [];
for (const threads of [1, 3]) {
  const walls = [];
  for (let i = 0; i < (quick ? 1 : 5); i++) {
    const t0 = process.hrtime.bigint();
    const failed = await runScenario(faulty(), { threads }).then(() => false, () => true);
    walls.push(Number(process.hrtime.bigint() - t0) / 1e9);
    if (!failed) throw new Error('the faulty scenario did not fail');
  }
  walls.sort((a, b) => a - b);
  const median = walls[Math.floor(walls.length / 2)];
  console.log(`failing run, ${threads} thread${threads > 1 ? 's' : ''}: median ${median.toFixed(3)} s of ${walls.map((w) => w.toFixed(3)).join(', ')}`);
  rows.push({ threads, wallSeconds: median, wallSecondsAll: walls });
}
console.log(JSON.stringify({ bench: 'failure', rows }));
