/**
 * `emu hw ...`: hardware runs. `list` shows the backends and interfaces,
 * `smoke` runs the byte-checked chain on a private veth link, `run` runs a
 * scenario with `io:` in real time. Actions stay thin; errors map to exit
 * codes in main.ts (IoOpenError and RealtimeStartError are bad input: a wrong
 * interface, a busy queue, a missing privilege; HwCheckFailed is a failed run).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { FALLBACK_ORDER, IO_BACKENDS, backendAvailability, listBackends, type IoBackendName } from '../io/backends.js';
import { listInterfaces } from '../io/netif.js';
import { labPrerequisite } from '../io/veth-lab.js';
import { runRealtime, type RealtimeResult, type RealtimeSnapshot } from '../engine/realtime/rt-run.js';
import { runSmoke, type SmokeResult } from '../engine/realtime/smoke.js';
import { renderTable } from '../report/table.js';
import { NETNS_RE } from '../scenario/io-spec.js';
import type { Scenario } from '../scenario/types.js';

/** Where `ip netns add NAME` puts the namespaces that `ip -n NAME` opens. */
const NETNS_DIR = '/run/netns';

/** The hardware check ran and failed (exit 1). */
export class HwCheckFailed extends Error {}

interface Io { out: { write(s: string): unknown }; err: { write(s: string): unknown; isTTY?: boolean } }

function parseBackend(v: string): IoBackendName | 'auto' {
  if (v === 'auto' || (IO_BACKENDS as readonly string[]).includes(v)) return v as IoBackendName | 'auto';
  throw new InvalidArgumentError(`expected one of auto, ${IO_BACKENDS.join(', ')}, got "${v}"`);
}
/** --netns: a namespace that exists, so a typo is bad input (exit 2), not a failed `ip` call (exit 1). */
function parseNetns(v: string): string {
  if (v === '.' || v === '..' || !NETNS_RE.test(v)) {
    throw new InvalidArgumentError(`expected the name of a network namespace (letters, digits, "_", "." or "-"), got "${v}"`);
  }
  if (!existsSync(join(NETNS_DIR, v))) {
    let names: string[] = [];
    try {
      names = readdirSync(NETNS_DIR).sort();
    } catch {
      // No /run/netns: no namespace was ever made.
    }
    const there = names.length > 0 ? `existing: ${names.join(', ')}` : 'there are none; `ip netns add NAME` makes one';
    throw new InvalidArgumentError(`expected a network namespace in ${NETNS_DIR} (${there}), got "${v}"`);
  }
  return v;
}

function parseFrames(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 10_000_000) throw new InvalidArgumentError(`expected an integer between 1 and 10000000, got "${v}"`);
  return Number(v);
}
function parseChoice<T extends string>(choices: readonly T[]) {
  return (v: string): T => {
    if ((choices as readonly string[]).includes(v)) return v as T;
    throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got "${v}"`);
  };
}

function drops(d: Record<string, number>): string {
  const e = Object.entries(d);
  return e.length === 0 ? 'none' : e.map(([k, v]) => `${k} ${v}`).join(', ');
}

export function renderSmoke(results: SmokeResult[]): string {
  const rows = results.map((r) => [
    r.backend, r.placement, r.sent, r.received, r.correct, r.mismatched, r.missing, drops(r.dutDrops), Math.round(r.pps), r.ok ? 'ok' : 'FAILED',
  ]);
  const table = renderTable(
    [
      { title: 'backend', align: 'left' }, { title: 'placement', align: 'left' }, { title: 'sent' }, { title: 'returned' },
      { title: 'correct' }, { title: 'wrong' }, { title: 'missing' }, { title: 'dropped by reason', align: 'left' }, { title: 'rate', unit: 'pps' },
      { title: 'result', align: 'left' },
    ],
    rows,
    { title: 'hardware smoke test: ACL -> router on a private veth link, every returned frame checked byte for byte' },
  );
  const notes = results.flatMap((r) => [
    ...(r.firstMismatch ? [`${r.backend}: first wrong frame: ${r.firstMismatch}`] : []),
    ...r.skipped.map((s) => `${r.backend}: auto skipped ${s}`),
  ]);
  return table + (notes.length ? `${notes.join('\n')}\n` : '');
}

function renderRealtime(r: RealtimeResult): string {
  const lines = [
    `real-time run: ${r.elapsedSec.toFixed(2)} s, received ${r.rxFrames}, transmitted ${r.txFrames} (${Math.round(r.txPps)} pps), sunk ${r.sinkFrames}`,
    `dropped by reason: ${drops(r.drops)}`,
  ];
  const table = renderTable(
    [{ title: 'port', align: 'left' }, { title: 'interface', align: 'left' }, { title: 'queue' }, { title: 'backend', align: 'left' },
      { title: 'rx' }, { title: 'tx' }, { title: 'tx ring full' }, { title: 'kernel drops' }],
    r.ports.map((p) => [p.port, p.interface, p.queue, p.backend + (p.txOnly ? ' (tx only)' : ''), p.rxFrames, p.txFrames, p.txRingFull, p.kernelDrops]),
  );
  return `${lines.join('\n')}\n${table}`;
}

export function addHwCommand(program: Command, io: Io, loadScenario: (file: string, o: { duration?: string }) => Scenario): void {
  const hw = program.command('hw').description('hardware runs: real interfaces through AF_XDP or AF_PACKET, in wall-clock time');

  hw.command('list')
    .description('list the I/O backends (with why one is unavailable) and the interfaces each can open')
    .option('--netns <name>', 'list the interfaces of this network namespace (one in /run/netns)', parseNetns)
    .option('--probe', 'really open and close queue 0 of every interface with every backend (AF_XDP briefly takes the queue\'s frames)')
    .option('--json', 'machine-readable output')
    .action((o: { netns?: string; probe?: boolean; json?: boolean }) => {
      const backends = listBackends();
      const ifs = listInterfaces({ ...(o.netns ? { netns: o.netns } : {}), probe: o.probe === true });
      if (o.json) {
        io.out.write(`${JSON.stringify({ backends, fallbackOrder: FALLBACK_ORDER, interfaces: ifs }, null, 2)}\n`);
        return;
      }
      io.out.write(renderTable(
        [{ title: 'backend', align: 'left' }, { title: 'time', align: 'left' }, { title: 'available', align: 'left' }, { title: 'what / why not', align: 'left' }],
        backends.map((b) => [b.name, b.realTime ? 'real' : 'virtual', b.available ? 'yes' : 'no', b.available ? b.help : b.reason]),
        { title: `I/O backends (auto tries ${FALLBACK_ORDER.join(', then ')})` },
      ));
      io.out.write('\n');
      io.out.write(renderTable(
        [{ title: 'interface', align: 'left' }, { title: 'state', align: 'left' }, { title: 'queues' }, { title: 'mac', align: 'left' }, { title: 'xdp', align: 'left' },
          ...IO_BACKENDS.map((b) => ({ title: b, align: 'left' as const }))],
        ifs.map((i) => [i.name, i.state, i.rxQueues, i.mac, i.xdpProgram || '-', ...i.backends.map((b) => `${b.ok ? 'yes' : 'no'}${b.reason ? `: ${b.reason}` : ''}`)]),
        { title: `interfaces${o.netns ? ` in network namespace ${o.netns}` : ''}` },
      ));
    });

  hw.command('smoke')
    .description('create a private veth link in two network namespaces, send crafted frames through ACL -> router on the backend, check every returned frame byte for byte, clean up')
    .option('--backend <b>', `auto, or one of ${IO_BACKENDS.join(', ')} (default: every available backend in turn)`, parseBackend)
    .option('--frames <n>', 'frames to send', parseFrames, 50_000)
    .option('--placement <p>', 'rtc (one core) or pl (ACL and router on two cores, a ring between)', parseChoice(['rtc', 'pl'] as const), 'rtc')
    .option('--cores <n>', 'rtc: cores running the whole chain, each polling its own RX queue (1 or 2)', parseChoice(['1', '2'] as const), '1')
    .option('--xdp-mode <m>', 'AF_XDP attach mode: auto, skb or native', parseChoice(['auto', 'skb', 'native'] as const), 'auto')
    .option('--dpdk-driver <d>', 'backend dpdk: af_packet or af_xdp', parseChoice(['af_packet', 'af_xdp'] as const), 'af_packet')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nNeeds root (network namespaces, raw sockets). Passes when >= 99 % of the frames the ACL permits come back, all byte-for-byte correct.\n\nExamples:\n  sudo npx emu hw smoke\n  sudo npx emu hw smoke --backend afxdp --placement pl --frames 100000\n')
    .action(async (o: { backend?: IoBackendName | 'auto'; frames: number; placement: 'rtc' | 'pl'; cores: '1' | '2'; xdpMode: 'auto' | 'skb' | 'native'; dpdkDriver: 'af_packet' | 'af_xdp'; json?: boolean }) => {
      const why = labPrerequisite();
      if (why) throw new HwCheckFailed(`hw smoke cannot run: ${why}`);
      let backends: (IoBackendName | 'auto')[];
      if (o.backend !== undefined) backends = [o.backend];
      else {
        backends = IO_BACKENDS.filter((b) => backendAvailability(b).available);
        for (const b of IO_BACKENDS) {
          const a = backendAvailability(b);
          if (!a.available) io.err.write(`hw smoke: skipping ${b}: ${a.reason}\n`);
        }
        if (backends.length === 0) throw new HwCheckFailed('hw smoke: no backend is available (see above)');
      }
      const results: SmokeResult[] = [];
      for (const b of backends) {
        results.push(await runSmoke({ backend: b, frames: o.frames, placement: o.placement, rtcCores: o.cores === '2' ? 2 : 1, xdpMode: o.xdpMode, dpdkDriver: o.dpdkDriver }));
      }
      if (o.json) io.out.write(`${JSON.stringify(results.map(({ dut: _dut, ...r }) => r), null, 2)}\n`);
      else io.out.write(renderSmoke(results));
      const failed = results.filter((r) => !r.ok);
      if (failed.length > 0) throw new HwCheckFailed(`hw smoke failed for ${failed.map((r) => r.backend).join(', ')}`);
    });

  hw.command('run')
    .description('run a scenario file in real time: its ports on the interfaces its io: section names')
    .argument('<file>', 'scenario file with an io: section')
    .option('--duration <d>', 'wall-clock duration, e.g. 10s (default: the scenario\'s duration)')
    .option('--json', 'print the result as JSON')
    .option('-q, --quiet', 'no live counters')
    .addHelpText('after', '\nExample scenario section:\n  io:\n    eth0: { interface: veth0, backend: afxdp, xdpMode: skb }\n')
    .action(async (file: string, o: { duration?: string; json?: boolean; quiet?: boolean }) => {
      const s = loadScenario(file, o.duration !== undefined ? { duration: o.duration } : {});
      for (const p of s.ports) {
        if (p.traffic !== null) io.err.write(`warning: ports ${p.name}: traffic is not generated in real time (frames come from the interface)\n`);
      }
      if (s.taps.length > 0) io.err.write('warning: taps are not written in real time\n');
      const live = !o.quiet;
      const res = await runRealtime(s, {
        ...(live ? { onTick: (snap: RealtimeSnapshot) => void io.err.write(`${snap.elapsedSec.toFixed(1)} s: rx ${snap.rxFrames} tx ${snap.txFrames} dropped ${drops(snap.drops)}\n`) } : {}),
      });
      if (o.json) io.out.write(`${JSON.stringify(res, null, 2)}\n`);
      else io.out.write(renderRealtime(res));
    });
}
