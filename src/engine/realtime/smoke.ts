/**
 * `emu hw smoke`: a chain on real packets through a real socket, checked byte
 * for byte. COLD orchestration; the tester loop is HOT-ish (no allocation per
 * frame, bursts of 32).
 *
 * A private veth link between two network namespaces (io/veth-lab.ts). The
 * device under test is an ordinary real-time run (rt-run.ts) of the chain
 *
 *     p0.rx0 -> acl (deny udp dport 23) -> router (0/0 -> port 0, MAC rewrite,
 *               TTL - 1, checksum) -> p0.tx
 *
 * on the DUT end, through the backend under test; run to completion on one
 * core, or as a pipeline over two (`placement: pl`). The tester, on this
 * thread, sends crafted IPv4/UDP frames on the other end (AF_PACKET, whatever
 * the backend under test), each carrying its sequence number, and checks
 * every frame that comes back against the rewrite it computes itself (not
 * with the NFs' code): destination MAC := the tester's MAC (the router's next
 * hop), source MAC := the DUT's, TTL - 1, header checksum recomputed, every
 * other byte unchanged. One frame in 50 goes to UDP port 23 and must be
 * dropped by the ACL. The namespaces are removed whatever happens.
 */
import { openIoPort, type IoBackendName } from '../../io/backends.js';
import type { IoPort } from '../../io/io-port.js';
import { createVethLab, type VethLab } from '../../io/veth-lab.js';
import { NF_KINDS } from '../../nf/catalog.js';
import { PacketPool, PoolPartition, freePacket } from '../../packet/pool.js';
import { validateScenario } from '../../scenario/validate.js';
import { RealtimeRun, type RealtimeResult } from './rt-run.js';

export interface SmokeOptions {
  backend: IoBackendName | 'auto';
  frames: number;
  placement: 'rtc' | 'pl';
  /** rtc only: cores running the whole chain, each on its own RX queue (the link gets that many queues). */
  rtcCores: 1 | 2;
  xdpMode: 'auto' | 'skb' | 'native';
  /** backend dpdk: the virtual device's driver. */
  dpdkDriver: 'af_packet' | 'af_xdp';
  /** Frames the tester keeps in flight (sent, not yet back or dropped). */
  window: number;
  /** Give up after this long without a frame coming back. */
  stallMs: number;
}

export const SMOKE_DEFAULTS: SmokeOptions = { backend: 'auto', frames: 50_000, placement: 'rtc', rtcCores: 1, xdpMode: 'auto', dpdkDriver: 'af_packet', window: 256, stallMs: 2000 };

export interface SmokeResult {
  backend: string;
  placement: string;
  sent: number;
  /** Frames the chain should return (sent minus those the ACL must drop). */
  expectedBack: number;
  received: number;
  correct: number;
  mismatched: number;
  duplicates: number;
  /** Frames on the link that are not ours (no valid sequence number). */
  foreign: number;
  /** ACL-denied frames that came back anyway (must be 0). */
  deniedReturned: number;
  /** Frames sent that should have come back and did not. */
  missing: number;
  /** Drops counted by the chain, by reason. */
  dutDrops: Record<string, number>;
  /** Returned frames per second over the tester's send/receive loop. */
  pps: number;
  seconds: number;
  firstMismatch: string;
  ok: boolean;
  /** Backends `auto` skipped on the DUT, with why. */
  skipped: string[];
  dut: RealtimeResult | null;
}

const SIZES = [64, 64, 64, 64, 128, 256, 1024, 1514];
const DENY_EVERY = 50;
const SEQ_OFF = 42;
const ETH = 14;

function ipChecksum(b: Uint8Array, off: number): number {
  let sum = 0;
  for (let i = 0; i < 20; i += 2) if (i !== 10) sum += (b[off + i]! << 8) | b[off + i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Writes frame `seq` as the tester sends it at b[off..]; returns its length. HOT. */
export function craftFrame(b: Uint8Array, off: number, seq: number, macDut: Uint8Array, macTst: Uint8Array): number {
  const len = SIZES[seq % SIZES.length]!;
  for (let i = 0; i < 6; i++) { b[off + i] = macDut[i]!; b[off + 6 + i] = macTst[i]!; }
  b[off + 12] = 0x08; b[off + 13] = 0x00;
  const ip = off + ETH;
  const ipLen = len - ETH;
  b[ip] = 0x45; b[ip + 1] = 0;
  b[ip + 2] = ipLen >>> 8; b[ip + 3] = ipLen & 0xff;
  b[ip + 4] = (seq >>> 8) & 0xff; b[ip + 5] = seq & 0xff;
  b[ip + 6] = 0x40; b[ip + 7] = 0;
  b[ip + 8] = 64; b[ip + 9] = 17;
  b[ip + 12] = 10; b[ip + 13] = 1; b[ip + 14] = (seq >>> 8) & 0xff; b[ip + 15] = seq & 0xff;
  b[ip + 16] = 10; b[ip + 17] = 2; b[ip + 18] = 0; b[ip + 19] = 1 + (seq % 250);
  const ck = ipChecksum(b, ip);
  b[ip + 10] = ck >>> 8; b[ip + 11] = ck & 0xff;
  const udp = ip + 20;
  const sport = 1024 + (seq % 1000);
  const dport = seq % DENY_EVERY === DENY_EVERY - 1 ? 23 : 4789;
  b[udp] = sport >>> 8; b[udp + 1] = sport & 0xff;
  b[udp + 2] = dport >>> 8; b[udp + 3] = dport & 0xff;
  const udpLen = ipLen - 20;
  b[udp + 4] = udpLen >>> 8; b[udp + 5] = udpLen & 0xff;
  b[udp + 6] = 0; b[udp + 7] = 0;
  b[off + SEQ_OFF] = seq >>> 24; b[off + SEQ_OFF + 1] = (seq >>> 16) & 0xff;
  b[off + SEQ_OFF + 2] = (seq >>> 8) & 0xff; b[off + SEQ_OFF + 3] = seq & 0xff;
  for (let i = SEQ_OFF + 4; i < len; i++) b[off + i] = (seq * 31 + i) & 0xff;
  return len;
}

/** The rewrite the chain must apply, in place (our own code, not the NFs'). HOT. */
export function expectedRewrite(b: Uint8Array, off: number, macDut: Uint8Array, macTst: Uint8Array): void {
  for (let i = 0; i < 6; i++) { b[off + i] = macTst[i]!; b[off + 6 + i] = macDut[i]!; }
  const ip = off + ETH;
  b[ip + 8] = b[ip + 8]! - 1;
  const ck = ipChecksum(b, ip);
  b[ip + 10] = ck >>> 8; b[ip + 11] = ck & 0xff;
}

export function isDenied(seq: number): boolean {
  return seq % DENY_EVERY === DENY_EVERY - 1;
}

function macText(m: Uint8Array): string {
  return Array.from(m, (x) => x.toString(16).padStart(2, '0')).join(':');
}

/** COLD: the smoke chain as a scenario bound to the lab's DUT end. */
export function smokeScenario(
  lab: Pick<VethLab, 'ifDut' | 'nsDut' | 'macDut' | 'macTst'>,
  o: Pick<SmokeOptions, 'backend' | 'placement' | 'xdpMode'> & { rtcCores?: 1 | 2; dpdkDriver?: 'af_packet' | 'af_xdp' },
): unknown {
  const pl = o.placement === 'pl';
  const queues = pl ? 1 : (o.rtcCores ?? 1);
  const acl = (name: string) => ({ name, kind: 'acl', config: { rules: [{ proto: 'udp', dstPorts: 23, action: 'deny' }], defaultAction: 'allow' } });
  const router = (name: string) => ({
    name, kind: 'router',
    config: { ports: 1, prefixes: [{ prefix: '0.0.0.0/0', port: 0 }], portMacs: [macText(lab.macDut)], nextHopMacs: [macText(lab.macTst)] },
  });
  const modules: unknown[] = [];
  const edges: unknown[] = [];
  const tasks: unknown[] = [];
  if (pl) {
    modules.push(acl('acl'), { name: 'q', kind: 'queue', config: { size: 1024, whenFull: 'backpressure' } }, router('rt'));
    edges.push({ from: 'p0.rx0', to: 'acl' }, { from: 'acl', to: 'q' }, { from: 'q', to: 'rt' }, { from: 'rt', to: 'p0.tx' });
    tasks.push({ root: 'p0.rx0', core: 0 }, { root: 'q', core: 1 });
  } else {
    // Run to completion: the whole chain on every core, one RX queue each.
    for (let c = 0; c < queues; c++) {
      modules.push(acl(`acl${c}`), router(`rt${c}`));
      edges.push({ from: `p0.rx${c}`, to: `acl${c}` }, { from: `acl${c}`, to: `rt${c}` }, { from: `rt${c}`, to: 'p0.tx' });
      tasks.push({ root: `p0.rx${c}`, core: c });
    }
  }
  return {
    version: 1,
    name: 'hw-smoke',
    description: 'ACL -> router on a veth link, checked byte for byte by emu hw smoke',
    duration: '1s',
    machine: { hz: '1GHz', cores: pl ? 2 : queues },
    ports: [{ name: 'p0', lineRate: '10Gbps', rxQueues: queues }],
    modules,
    edges,
    tasks,
    io: { p0: { interface: lab.ifDut, netns: lab.nsDut, backend: o.backend, xdpMode: o.xdpMode, dpdkDriver: o.dpdkDriver ?? 'af_packet' } },
  };
}

/**
 * Runs the smoke test. Always removes the namespaces it made.
 * @throws Error when the lab cannot be built or the DUT cannot start (the
 * message names the interface, backend and cause).
 */
export async function runSmoke(opts: Partial<SmokeOptions> = {}): Promise<SmokeResult> {
  const o: SmokeOptions = { ...SMOKE_DEFAULTS, ...opts };
  const lab = createVethLab(o.placement === 'rtc' ? o.rtcCores : 1);
  let run: RealtimeRun | null = null;
  let tester: IoPort | null = null;
  try {
    const scenario = validateScenario(smokeScenario(lab, o), { kinds: NF_KINDS, baseDir: null });
    run = await RealtimeRun.start(scenario);
    const pool = PacketPool.create(1024);
    const part = new PoolPartition(pool, 0, 1024);
    tester = openIoPort({ backend: 'afpacket', ifname: lab.ifTst, netns: lab.nsTst, pool }).port;
    const r = testerLoop(tester, pool, part, lab, o);
    const dut = await run.stop();
    run = null;
    const backends = [...new Set(dut.ports.filter((p) => !p.txOnly).map((p) => p.backend))].join('+');
    const label = o.backend === 'dpdk' ? `${backends} (${o.dpdkDriver})` : backends;
    return { ...r, backend: label, placement: o.placement === 'rtc' && o.rtcCores > 1 ? `rtc x${o.rtcCores}` : o.placement, dutDrops: dut.drops, skipped: dut.skipped.map((s) => `${s.backend}: ${s.reason}`), dut };
  } finally {
    tester?.close();
    if (run !== null) await run.stop().catch(() => undefined);
    lab.destroy();
  }
}

type TesterCounts = Omit<SmokeResult, 'backend' | 'placement' | 'dutDrops' | 'skipped' | 'dut'>;

function testerLoop(port: IoPort, pool: PacketPool, part: PoolPartition, lab: VethLab, o: SmokeOptions): TesterCounts {
  const total = o.frames;
  const seen = new Uint8Array(total);
  const scratch = new Uint8Array(2048);
  const txBuf = new Uint32Array(32);
  const rxBuf = new Uint32Array(32);
  const bytes = pool.bytes;
  let sent = 0;
  let deniedSent = 0;
  let received = 0;
  let correct = 0;
  let mismatched = 0;
  let duplicates = 0;
  let foreign = 0;
  let deniedReturned = 0;
  let firstMismatch = '';
  const t0 = performance.now();
  let lastProgress = t0;
  while (true) {
    const now = performance.now();
    const inflight = sent - deniedSent - received;
    if (sent < total && inflight < o.window) {
      let want = Math.min(32, total - sent, o.window - inflight);
      let n = 0;
      for (; n < want; n++) {
        const h = part.tryAllocAny(true);
        if (h < 0) break;
        pool.lenBytes[h] = craftFrame(bytes, pool.frameOffset(h), sent + n, lab.macDut, lab.macTst);
        txBuf[n] = h;
      }
      want = n;
      const taken = port.transmit(txBuf, 0, want);
      for (let i = taken; i < want; i++) freePacket(pool, txBuf[i]!);
      for (let i = 0; i < taken; i++) if (isDenied(sent + i)) deniedSent++;
      sent += taken;
    }
    const got = port.receive(part, rxBuf, 0, 32, 0, 0);
    for (let i = 0; i < got; i++) {
      const h = rxBuf[i]!;
      const off = pool.frameOffset(h);
      const len = pool.lenBytes[h]!;
      const seq = len >= SEQ_OFF + 4
        ? ((bytes[off + SEQ_OFF]! << 24) | (bytes[off + SEQ_OFF + 1]! << 16) | (bytes[off + SEQ_OFF + 2]! << 8) | bytes[off + SEQ_OFF + 3]!) >>> 0
        : -1;
      if (seq < 0 || seq >= sent || bytes[off + 12] !== 0x08 || bytes[off + 13] !== 0x00) { foreign++; freePacket(pool, h); continue; }
      if (seen[seq] !== 0) { duplicates++; freePacket(pool, h); continue; }
      seen[seq] = 1;
      if (isDenied(seq)) { deniedReturned++; freePacket(pool, h); continue; }
      received++;
      const wantLen = craftFrame(scratch, 0, seq, lab.macDut, lab.macTst);
      expectedRewrite(scratch, 0, lab.macDut, lab.macTst);
      let diff = wantLen === len ? -1 : Math.min(len, wantLen);
      if (diff < 0) for (let k = 0; k < len; k++) if (scratch[k] !== bytes[off + k]) { diff = k; break; }
      if (diff < 0) correct++;
      else {
        mismatched++;
        if (firstMismatch === '') {
          firstMismatch = `frame ${seq}: ${wantLen === len ? `byte ${diff} is 0x${bytes[off + diff]!.toString(16)}, expected 0x${scratch[diff]!.toString(16)}` : `length ${len}, expected ${wantLen}`}`;
        }
      }
      freePacket(pool, h);
    }
    if (got > 0) lastProgress = now;
    if (sent === total && received + deniedSent >= total) break;
    if (now - lastProgress > o.stallMs) break;
  }
  // Frames the ACL dropped do not come back: wait no longer for them.
  const seconds = (performance.now() - t0) / 1000;
  const expectedBack = sent - deniedSent;
  const missing = expectedBack - received;
  const ok = sent === total && mismatched === 0 && deniedReturned === 0 && duplicates === 0 && correct >= 0.99 * expectedBack;
  return {
    sent, expectedBack, received, correct, mismatched, duplicates, foreign, deniedReturned, missing,
    pps: seconds > 0 ? received / seconds : 0, seconds, firstMismatch, ok,
  };
}
