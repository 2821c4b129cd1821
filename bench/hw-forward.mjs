// Real-time forwarding on a veth link: emu's real-time engine (one core,
// macswap, batch 32) against the C++ reference forwarder (native/src/
// ref_tool.cc: the same socket code, no JavaScript), for each backend, in the
// same run; and, where dpdk-testpmd is installed (Debian: dpdk-dev), DPDK's
// testpmd in macswap mode on the matching DPDK virtual device (net_af_packet
// for afpacket and dpdk, net_af_xdp for afxdp). 64-byte frames from a C++
// AF_PACKET source that sends as fast as its TX ring takes them and counts
// what comes back; the rate is returned frames per second after a 20 %
// warm-up. Needs root and the native addon.
//
//   npm run build && sudo node bench/hw-forward.mjs [--seconds 5] [--backend afxdp|afpacket|dpdk] [--xdp-mode auto|skb|native]
import { execFileSync, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RealtimeRun } from '../dist/engine/realtime/rt-run.js';
import { backendAvailability, IO_BACKENDS } from '../dist/io/backends.js';
import { createVethLab } from '../dist/io/veth-lab.js';
import { NF_KINDS } from '../dist/nf/catalog.js';
import { validateScenario } from '../dist/scenario/validate.js';

const here = dirname(fileURLToPath(import.meta.url));
const REF = join(here, '..', 'native', 'build', 'Release', 'emu-ref');
const arg = (name, def) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : def; };
const seconds = Number(arg('--seconds', '5'));
const only = arg('--backend', null);
const xdpMode = arg('--xdp-mode', 'auto');
// CPU layout (2 vCPUs): every forwarder (emu's worker threads — this whole
// process —, emu-ref fwd, testpmd's forwarding lcore) on CPU 1, the traffic
// source on CPU 0. Unpinned, a pinned testpmd lcore and the source sometimes
// shared one CPU and the rates collapsed by 10-50x.
const FWD_CPU = '1';
const GEN_CPU = '0';
try {
  execFileSync('taskset', ['-a', '-p', '-c', FWD_CPU, String(process.pid)], { stdio: 'ignore' });
} catch {
  console.log('taskset failed: CPUs not pinned, expect noisier figures');
}
const mac = (m) => Array.from(m, (x) => x.toString(16).padStart(2, '0')).join(':');

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}: ${err}`))));
  });
}

function hasTestpmd() {
  try { execFileSync('sh', ['-c', 'command -v dpdk-testpmd'], { stdio: 'ignore' }); return true; } catch { return false; }
}

const gen = (lab) => run('taskset', ['-c', GEN_CPU, REF, 'gen', lab.ifTst, lab.nsTst, String(seconds), mac(lab.macDut), mac(lab.macTst)]);

async function emuCase(backend) {
  const lab = createVethLab(1);
  try {
    const s = validateScenario({
      version: 1, name: 'bench-hw-forward', duration: '1s', machine: { hz: '1GHz', cores: 1 },
      ports: [{ name: 'p0', lineRate: '10Gbps' }],
      modules: [{ name: 'swap', kind: 'macswap' }],
      edges: [{ from: 'p0.rx0', to: 'swap' }, { from: 'swap', to: 'p0.tx' }],
      tasks: [{ root: 'p0.rx0', core: 0, batch: 32 }],
      io: { p0: { interface: lab.ifDut, netns: lab.nsDut, backend, xdpMode, dpdkDriver: 'af_packet' } },
    }, { kinds: NF_KINDS, baseDir: null });
    const rt = await RealtimeRun.start(s);
    const g = await gen(lab);
    const r = await rt.stop();
    return { pps: g.pps, gen: g, dut: { rx: r.rxFrames, tx: r.txFrames, drops: r.drops, kernelDrops: r.ports.reduce((a, p) => a + p.kernelDrops, 0) } };
  } finally {
    lab.destroy();
  }
}

async function refCase(backend) {
  const lab = createVethLab(1);
  try {
    const fwd = run('taskset', ['-c', FWD_CPU, REF, 'fwd', backend, lab.ifDut, lab.nsDut, String(seconds + 0.5), xdpMode]);
    await new Promise((r) => setTimeout(r, 300));
    const g = await gen(lab);
    const f = await fwd;
    return { pps: g.pps, gen: g, dut: f };
  } finally {
    lab.destroy();
  }
}

// DPDK's testpmd, macswap, one forwarding core, on the vdev of the interface.
async function testpmdCase(vdev) {
  const lab = createVethLab(1);
  try {
    // stdbuf: testpmd's stdout is a pipe here; its prompt must not sit in a buffer.
    const args = ['netns', 'exec', lab.nsDut, 'stdbuf', '-oL', 'dpdk-testpmd', '--no-huge', '-m', '256', '--no-pci', '--no-shconf', '--no-telemetry',
      '--log-level=lib.eal:error', '-l', `${GEN_CPU},${FWD_CPU}`, '--main-lcore', GEN_CPU, '--vdev', `${vdev},iface=${lab.ifDut}`, '--',
      '--forward-mode=macswap', '--auto-start', '--burst=32', '--total-num-mbufs=16384', '--nb-cores=1', '--disable-link-check'];
    const p = spawn('ip', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { out += d; });
    const exited = new Promise((r) => p.on('close', r));
    const t0 = Date.now();
    while (!out.includes('Press enter to exit') && Date.now() - t0 < 10_000 && p.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    if (!out.includes('Press enter to exit')) { p.kill(); throw new Error(`dpdk-testpmd did not start: ${out.slice(-500)}`); }
    const g = await gen(lab);
    p.stdin.write('\n');
    await exited;
    return { pps: g.pps, gen: g };
  } finally {
    lab.destroy();
  }
}

const testpmd = hasTestpmd();
if (!testpmd) console.log('dpdk-testpmd not found (Debian: apt-get install dpdk-dev): no testpmd column');
const rows = [];
for (const backend of IO_BACKENDS) {
  if (only && backend !== only) continue;
  const a = backendAvailability(backend);
  if (!a.available) { console.log(`${backend}: skipped: ${a.reason}`); continue; }
  const emu = await emuCase(backend);
  const ref = await refCase(backend);
  const tp = testpmd ? await testpmdCase(backend === 'afxdp' ? 'net_af_xdp0' : 'net_af_packet0') : null;
  const ratio = emu.pps / ref.pps;
  const fmt = (x) => Math.round(x).toLocaleString('en').padStart(9);
  console.log(`${backend.padEnd(8)}  emu ${fmt(emu.pps)} pps   C++ reference ${fmt(ref.pps)} pps   emu/C++ ${ratio.toFixed(2)}` +
    (tp ? `   testpmd ${fmt(tp.pps)} pps   emu/testpmd ${(emu.pps / tp.pps).toFixed(2)}` : ''));
  rows.push({
    backend, xdpMode, emuPps: Math.round(emu.pps), refPps: Math.round(ref.pps), ratio: Number(ratio.toFixed(3)),
    testpmdPps: tp ? Math.round(tp.pps) : null, emu, ref, testpmd: tp,
  });
}
console.log(JSON.stringify({ bench: 'hw-forward', frameBytes: 64, batch: 32, seconds, node: process.versions.node, cases: rows }));
