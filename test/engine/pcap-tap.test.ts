/**
 * Pcap replay in, pcap taps out: crafted Ethernet/IPv4/UDP frames are replayed
 * through a macswap NF, and the taps must hold exactly those frames with
 * their MACs swapped, in order, stamped with virtual times no earlier than
 * their arrival. RSS must keep every flow on one RX queue (and so one core).
 *
 * Fixtures are made at test time in a temporary directory; scenario files
 * there name their pcaps relative to themselves, as users write them.
 */
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../src/engine/run.js';
import { writeTaps } from '../../src/engine/tap.js';
import { NF_KINDS } from '../../src/nf/catalog.js';
import { internetChecksum, l4ChecksumIpv4 } from '../../src/packet/checksum.js';
import {
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  IP_PROTO_UDP,
  IPV4_FLAG_DF,
  read16,
  read32,
  setL4ChecksumIpv4,
  writeEthernet,
  writeIpv4Header,
  writeIpv6Header,
  writeUdpHeader,
} from '../../src/packet/headers.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import { encodePcap, readPcapFile, type PcapFile } from '../../src/traffic/pcap.js';
import { DEFAULT_TOEPLITZ_KEY, rssQueue, toeplitzIpv4, toeplitzIpv6 } from '../../src/traffic/rss.js';

const dir = mkdtempSync(join(tmpdir(), 'emu-pcap-tap-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FRAMES = 200;
const FLOWS = 8;
const FCS_BYTES = 4;
/** Recorded gap between frames: 1 µs. */
const GAP_NS = 1000;
/** A non-zero capture start, so replay must work relative to the first record. */
const T0_NS = 5_000_000_000;
const DUT_MAC = 0x02_00_00_00_00_02;

interface Flow { srcIp: number; dstIp: number; srcPort: number; dstPort: number }

const flows: Flow[] = Array.from({ length: FLOWS }, (_, f) => ({
  srcIp: (10 << 24) | (1 << 16) | (f + 1), // 10.1.0.f+1
  dstIp: ((192 << 24) | (168 << 16) | (7 << 8) | (f * 3 + 1)) >>> 0,
  srcPort: 1024 + f * 111,
  dstPort: 5000 + f,
}));

/** Frame i belongs to this flow (not a plain i % FLOWS, so flows interleave unevenly). */
const flowOf = (i: number): number => (i * 5 + (i >> 3)) % FLOWS;

/** Frame size including FCS: spread over 64..1518 with both ends present. */
function frameBytesOf(i: number): number {
  if (i % 50 === 0) return 64;
  if (i % 50 === 49) return 1518;
  return 64 + ((i * 397) % (1518 - 64 + 1));
}

/** An Ethernet/IPv4/UDP frame (without FCS) with valid IPv4 and UDP checksums. */
function craftFrame(i: number): Uint8Array {
  const f = flows[flowOf(i)]!;
  const len = frameBytesOf(i) - FCS_BYTES;
  const b = new Uint8Array(len);
  const ip = 14;
  const l4 = ip + 20;
  // Source MAC differs per flow and from the destination, so a swap shows.
  writeEthernet(b, 0, DUT_MAC, 0x02_00_00_00_10_00 + flowOf(i), ETHERTYPE_IPV4);
  writeIpv4Header(b, ip, 0, len - 14, i & 0xffff, IPV4_FLAG_DF, 64, IP_PROTO_UDP, f.srcIp, f.dstIp);
  writeUdpHeader(b, l4, f.srcPort, f.dstPort, len - l4);
  for (let k = l4 + 8; k < len; k++) b[k] = (i * 13 + k) & 0xff;
  setL4ChecksumIpv4(b, ip, l4, len - l4, IP_PROTO_UDP);
  return b;
}

const input = Array.from({ length: FRAMES }, (_, i) => craftFrame(i));
const inputTsNs = Array.from({ length: FRAMES }, (_, i) => T0_NS + i * GAP_NS);
/** Microsecond resolution, as tcpdump writes by default. */
const inputPcap = encodePcap(input.map((data, i) => ({ tsNs: inputTsNs[i]!, data })), { nanoResolution: false });

function swapped(frame: Uint8Array): Uint8Array {
  const out = Uint8Array.from(frame);
  out.set(frame.subarray(6, 12), 0);
  out.set(frame.subarray(0, 6), 6);
  return out;
}

/** Byte equality; a fast compare first, toEqual (with its diff) only when they differ. */
function expectBytes(actual: Uint8Array, expected: Uint8Array, label: string): void {
  if (!Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected)) expect(actual, label).toEqual(expected);
}

function recordBytes(f: PcapFile, i: number): Uint8Array {
  return f.bytes.slice(f.dataOffset[i]!, f.dataOffset[i]! + f.capLen[i]!);
}

/** RX queue RSS gives frame i's flow on a port with `queues` queues. */
function queueOfFrame(i: number, queues: number): number {
  const f = flows[flowOf(i)]!;
  return rssQueue(toeplitzIpv4(f.srcIp, f.dstIp, f.srcPort, f.dstPort, DEFAULT_TOEPLITZ_KEY), queues);
}

/** Flow index of a (possibly MAC-swapped) frame, from its IPv4/UDP 4-tuple. */
function flowOfBytes(b: Uint8Array): number {
  const srcIp = read32(b, 26);
  const dstIp = read32(b, 30);
  const srcPort = read16(b, 34);
  const dstPort = read16(b, 36);
  const f = flows.findIndex((x) => x.srcIp === srcIp && x.dstIp === dstIp && x.srcPort === srcPort && x.dstPort === dstPort);
  expect(f, 'a tapped frame carries one of the crafted flows').toBeGreaterThanOrEqual(0);
  return f;
}

let caseNo = 0;
/** Writes in.pcap and scenario.yaml (YAML lines given) into a fresh directory; returns the directory. */
function makeCase(yamlLines: string[]): { dir: string; file: string } {
  const d = join(dir, `case-${caseNo++}`);
  mkdirSync(d);
  writeFileSync(join(d, 'in.pcap'), inputPcap);
  const file = join(d, 'scenario.yaml');
  writeFileSync(file, `${yamlLines.join('\n')}\n`);
  return { dir: d, file };
}

/** One core: eth0.rx0 -> swap (macswap) -> eth0.tx, taps on the tx and on swap's gate 0. */
function replayCase(traffic: string): { dir: string; file: string } {
  return makeCase([
    'name: pcap-replay',
    'duration: 1ms',
    'machine: { hz: 2.6GHz, cores: 1 }',
    'ports:',
    // 100 Gbit/s: the wire never drops, even for back-to-back 1518-byte frames.
    `  - { name: eth0, lineRate: 100Gbps, traffic: ${traffic} }`,
    'modules:',
    '  - { name: swap, kind: macswap, config: { cyclesPerPacket: 60 } }',
    'edges:',
    '  - { from: eth0.rx0, to: swap }',
    '  - { from: swap, to: eth0.tx }',
    'tasks:',
    '  - { root: eth0.rx0, core: 0 }',
    'taps:',
    '  - { at: eth0.tx, file: tap.pcap }',
    '  - { at: "swap:0", file: gate.pcap }',
  ]);
}

const load = (file: string) => loadScenarioFile(file, { kinds: NF_KINDS });

describe('the crafted input', () => {
  it('has valid checksums, 64..1518-byte frames, every flow, and parses back', () => {
    for (const b of input) {
      expect(internetChecksum(b, 14, 20)).toBe(0); // a valid IPv4 header sums to 0xffff
      expect(read16(b, 40)).toBe(l4ChecksumIpv4(b, 14, 34, b.length - 34, IP_PROTO_UDP));
    }
    const sizes = input.map((b) => b.length + FCS_BYTES);
    expect(Math.min(...sizes)).toBe(64);
    expect(Math.max(...sizes)).toBe(1518);
    expect(new Set(sizes).size).toBeGreaterThan(50);
    expect(new Set(input.map((_, i) => flowOf(i))).size).toBe(FLOWS);
    const f = readPcapFileFromBytes(inputPcap);
    expect(f.count).toBe(FRAMES);
    expect(f.tsNs[1]! - f.tsNs[0]!).toBe(GAP_NS);
  });
});

/** parsePcap through a file, the way the engine reads it. */
function readPcapFileFromBytes(bytes: Uint8Array): PcapFile {
  const p = join(dir, `probe-${caseNo++}.pcap`);
  writeFileSync(p, bytes);
  return readPcapFile(p);
}

describe('pcap replay through macswap, tapped on eth0.tx and on the gate', () => {
  it('timing: recorded delivers every frame; the tx tap holds them MAC-swapped, in order, no earlier than they arrived', async () => {
    const c = replayCase('{ pcap: in.pcap, timing: recorded, loop: 1 }');
    const { record } = await runScenario(load(c.file), { threads: 1 });
    expect(record.totals).toMatchObject({ generated: FRAMES, delivered: FRAMES, dropped: 0, inFlight: 0, conserved: true });
    expect(record.ports[0]!.txPackets).toBe(FRAMES);
    expect(record.taps).toEqual([
      { file: join(c.dir, 'tap.pcap'), records: FRAMES, truncated: 0 },
      { file: join(c.dir, 'gate.pcap'), records: FRAMES, truncated: 0 },
    ]);

    const tap = readPcapFile(join(c.dir, 'tap.pcap'));
    expect(tap.count).toBe(FRAMES);
    expect(tap.linkType).toBe(1);
    expect(tap.nanoResolution).toBe(true);
    for (let i = 0; i < FRAMES; i++) {
      expectBytes(recordBytes(tap, i), swapped(input[i]!), `record ${i}`);
      expect(tap.origLen[i]).toBe(input[i]!.length);
    }
    for (let i = 1; i < FRAMES; i++) expect(tap.tsNs[i]!).toBeGreaterThanOrEqual(tap.tsNs[i - 1]!);
    for (let i = 0; i < FRAMES; i++) {
      const arrivedNs = inputTsNs[i]! - inputTsNs[0]!;
      expect(tap.tsNs[i]!, `record ${i}`).toBeGreaterThanOrEqual(arrivedNs);
      // The recorded pacing is kept: an idle core forwards each frame long
      // before the next one arrives (wire time of 1518 bytes at 100 Gbit/s is
      // 123 ns, macswap 60 cycles = 23 ns).
      expect(tap.tsNs[i]! - arrivedNs, `record ${i}`).toBeLessThan(GAP_NS);
    }

    // An independent reader agrees on the frame lengths. tshark is optional on
    // the machines that run this suite, so this extra check runs only where it
    // is installed; the byte-level checks above always run.
    if (spawnSync('sh', ['-c', 'command -v tshark'], { encoding: 'utf8' }).status === 0) {
      const ts = spawnSync('tshark', ['-r', join(c.dir, 'tap.pcap'), '-T', 'fields', '-e', 'frame.len'], { encoding: 'utf8' });
      expect(ts.status, ts.stderr).toBe(0);
      expect(ts.stdout.trim().split(/\r?\n/).map(Number)).toEqual(input.map((b) => b.length));
    }
  });

  it('a tap on the module gate ("swap:0") records the same frames, no later than the tx tap', async () => {
    const c = replayCase('{ pcap: in.pcap, timing: recorded, loop: 1 }');
    await runScenario(load(c.file), { threads: 1 });
    const tx = readPcapFile(join(c.dir, 'tap.pcap'));
    const gate = readPcapFile(join(c.dir, 'gate.pcap'));
    expect(gate.count).toBe(FRAMES);
    expect(tx.count).toBe(FRAMES);
    for (let i = 0; i < FRAMES; i++) {
      expectBytes(recordBytes(gate, i), recordBytes(tx, i), `record ${i}`);
      expectBytes(recordBytes(gate, i), swapped(input[i]!), `record ${i}`);
      expect(gate.tsNs[i]!).toBeLessThanOrEqual(tx.tsNs[i]!);
    }
  });

  it('timing: 1Mpps with loop: 3 plays the file three times: 600 frames, 1 µs apart', async () => {
    const c = replayCase('{ pcap: in.pcap, timing: 1Mpps, loop: 3 }');
    const { record } = await runScenario(load(c.file), { threads: 1 });
    expect(record.totals).toMatchObject({ generated: 3 * FRAMES, delivered: 3 * FRAMES, dropped: 0, inFlight: 0, conserved: true });
    const tap = readPcapFile(join(c.dir, 'tap.pcap'));
    expect(tap.count).toBe(3 * FRAMES);
    for (let k = 0; k < 3 * FRAMES; k++) {
      expectBytes(recordBytes(tap, k), swapped(input[k % FRAMES]!), `record ${k}`);
      expect(tap.tsNs[k]!, `record ${k}`).toBeGreaterThanOrEqual(k * 1000);
      expect(tap.tsNs[k]! - k * 1000, `record ${k}`).toBeLessThan(1000);
    }
  });
});

describe('RSS over two RX queues, one core each', () => {
  it('keeps every flow on one queue: each flow appears on exactly one core\'s gate tap, the one RSS picks', async () => {
    const expectedQueue = input.map((_, i) => queueOfFrame(i, 2));
    // The fixture must load both queues, or the test proves little.
    expect(new Set(expectedQueue)).toEqual(new Set([0, 1]));

    const c = makeCase([
      'name: pcap-rss',
      'duration: 1ms',
      'machine: { hz: 2.6GHz, cores: 2 }',
      'ports:',
      '  - { name: eth0, lineRate: 100Gbps, rxQueues: 2, traffic: { pcap: in.pcap, timing: recorded } }',
      'modules:',
      '  - { name: swap0, kind: macswap, config: { cyclesPerPacket: 60 } }',
      '  - { name: swap1, kind: macswap, config: { cyclesPerPacket: 60 } }',
      'edges:',
      '  - { from: eth0.rx0, to: swap0 }',
      '  - { from: eth0.rx1, to: swap1 }',
      '  - { from: swap0, to: eth0.tx }',
      '  - { from: swap1, to: eth0.tx }',
      'tasks:',
      '  - { root: eth0.rx0, core: 0 }',
      '  - { root: eth0.rx1, core: 1 }',
      'taps:',
      '  - { at: "swap0:0", file: q0.pcap }',
      '  - { at: "swap1:0", file: q1.pcap }',
    ]);
    const { record } = await runScenario(load(c.file), { threads: 2 });
    expect(record.totals).toMatchObject({ generated: FRAMES, delivered: FRAMES, dropped: 0, conserved: true });
    const perTask = record.tasks.map((t) => t.packets);
    expect(perTask[0]).toBeGreaterThan(0);
    expect(perTask[1]).toBeGreaterThan(0);
    expect(perTask[0]! + perTask[1]!).toBe(FRAMES);
    expect(perTask[0]).toBe(expectedQueue.filter((q) => q === 0).length);

    const taps = [readPcapFile(join(c.dir, 'q0.pcap')), readPcapFile(join(c.dir, 'q1.pcap'))];
    expect(taps[0]!.count + taps[1]!.count).toBe(FRAMES);
    const queuesOfFlow: Set<number>[] = flows.map(() => new Set());
    taps.forEach((tap, q) => {
      for (let i = 0; i < tap.count; i++) queuesOfFlow[flowOfBytes(recordBytes(tap, i))]!.add(q);
    });
    for (let f = 0; f < FLOWS; f++) {
      expect(queuesOfFlow[f]!.size, `flow ${f} is on queues ${[...queuesOfFlow[f]!]}`).toBe(1);
    }
    // Each queue's tap holds exactly its flows' frames, MAC-swapped, in arrival order.
    for (let q = 0; q < 2; q++) {
      const want = input.filter((_, i) => expectedQueue[i] === q).map(swapped);
      expect(taps[q]!.count).toBe(want.length);
      for (let i = 0; i < want.length; i++) expectBytes(recordBytes(taps[q]!, i), want[i]!, `queue ${q} record ${i}`);
    }
  });
});

describe('RSS of IPv6 frames', () => {
  it('spreads IPv6 UDP flows over four RX queues by their Toeplitz hash, each flow on one queue', async () => {
    // 24 flows 2001:db8::<f+1> -> 2001:db8:1::<f+7>, ports per flow; 10 frames each, interleaved.
    const V6_FLOWS = 24;
    const addr = (group6: number, last: number) => Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, group6, ...new Array<number>(9).fill(0), last]);
    const frames: Uint8Array[] = [];
    const queueOf: number[] = [];
    for (let i = 0; i < 10 * V6_FLOWS; i++) {
      const f = (i * 5) % V6_FLOWS;
      const src = addr(0, f + 1);
      const dst = addr(1, f + 7);
      const len = 14 + 40 + 8 + 18;
      const b = new Uint8Array(len);
      writeEthernet(b, 0, DUT_MAC, 0x02_00_00_00_20_00 + f, ETHERTYPE_IPV6);
      writeIpv6Header(b, 14, 0, 0, len - 54, IP_PROTO_UDP, 64, src, 0, dst, 0);
      writeUdpHeader(b, 54, 3000 + f, 4000 + 2 * f, len - 54);
      frames.push(b);
      queueOf.push(f);
    }
    const hashOfFlow = (f: number) => toeplitzIpv6(Uint8Array.from([...addr(0, f + 1), ...addr(1, f + 7)]), 0, 16, 3000 + f, 4000 + 2 * f, DEFAULT_TOEPLITZ_KEY);
    const expectedQueue = Array.from({ length: V6_FLOWS }, (_, f) => rssQueue(hashOfFlow(f), 4));
    // The fixture must load every queue, or the test proves little.
    expect(new Set(expectedQueue)).toEqual(new Set([0, 1, 2, 3]));

    const d = join(dir, `case-${caseNo++}`);
    mkdirSync(d);
    writeFileSync(join(d, 'v6.pcap'), encodePcap(frames.map((data, i) => ({ tsNs: T0_NS + i * GAP_NS, data })), { nanoResolution: false }));
    const lines = [
      'name: pcap-rss-v6',
      'duration: 1ms',
      'machine: { hz: 2.6GHz, cores: 4 }',
      'ports:',
      '  - { name: eth0, lineRate: 100Gbps, rxQueues: 4, traffic: { pcap: v6.pcap, timing: recorded } }',
      'modules:',
      ...[0, 1, 2, 3].map((q) => `  - { name: swap${q}, kind: macswap, config: { cyclesPerPacket: 60 } }`),
      'edges:',
      ...[0, 1, 2, 3].flatMap((q) => [`  - { from: eth0.rx${q}, to: swap${q} }`, `  - { from: swap${q}, to: eth0.tx }`]),
      'tasks:',
      ...[0, 1, 2, 3].map((q) => `  - { root: eth0.rx${q}, core: ${q} }`),
      'taps:',
      ...[0, 1, 2, 3].map((q) => `  - { at: "swap${q}:0", file: q${q}.pcap }`),
    ];
    writeFileSync(join(d, 'scenario.yaml'), `${lines.join('\n')}\n`);
    const { record } = await runScenario(load(join(d, 'scenario.yaml')), { threads: 2 });
    expect(record.totals).toMatchObject({ generated: frames.length, delivered: frames.length, dropped: 0, conserved: true });
    for (let q = 0; q < 4; q++) {
      const tap = readPcapFile(join(d, `q${q}.pcap`));
      const want = frames.filter((_, i) => expectedQueue[queueOf[i]!] === q);
      expect(tap.count, `queue ${q}`).toBe(want.length);
      // Each frame is one of this queue's flows (the source MAC's low byte names the flow, after the swap at bytes 0..5).
      for (let i = 0; i < tap.count; i++) expect(expectedQueue[recordBytes(tap, i)[5]!]).toBe(q);
    }
  });
});

describe('writing a tap that fails', () => {
  it('names the tap and its file', () => {
    // The CLI checks tap folders before the run; a folder removed while it runs fails here.
    const file = join(dir, 'removed-folder', 'out.pcap');
    const plan = { taps: [{ id: 0, file, site: { type: 'tx', port: 0 } }] } as unknown as Parameters<typeof writeTaps>[0];
    expect(() => writeTaps(plan, [], 1e9)).toThrow(`taps[0] (${file}): writing its pcap failed`);
  });
});

describe('a trace whose timestamps are all equal', () => {
  it('is replayed one round per wire time of the trace, not every round at time 0', async () => {
    const frames = input.slice(0, 4);
    const d = join(dir, `same-ts-${caseNo++}`);
    mkdirSync(d);
    writeFileSync(join(d, 'same.pcap'), encodePcap(frames.map((data) => ({ tsNs: T0_NS, data })), { nanoResolution: false }));
    const file = join(d, 'scenario.yaml');
    writeFileSync(file, [
      'name: same-ts',
      'duration: 1ms',
      'machine: { hz: 2.6GHz, cores: 1 }',
      'ports:',
      '  - { name: eth0, lineRate: 100Gbps, traffic: { pcap: same.pcap, timing: recorded, loop: 2000 } }',
      'modules:',
      '  - { name: swap, kind: macswap, config: { cyclesPerPacket: 1 } }',
      'edges:',
      '  - { from: eth0.rx0, to: swap }',
      '  - { from: swap, to: eth0.tx }',
      'tasks:',
      '  - { root: eth0.rx0, core: 0 }',
    ].join('\n'));
    const { record } = await runScenario(load(file), { threads: 1 });
    // 2000 rounds of 4 frames, a round every wire time of the 4 frames at
    // 100 Gb/s (well under 1 ms in all): the wire carries every one. All at
    // time 0, the sender buffer would tail-drop most of them.
    expect(record.totals.generated).toBe(8000);
    expect(record.totals.dropsByReason['nic_line_rate'] ?? 0).toBe(0);
    expect(record.totals.delivered).toBe(8000);
  });
});
