/**
 * Fuzz target for the packet parsers: parsePacket (src/packet/parse.ts)
 * and every NF of the catalog that reads real frame bytes, fed random and
 * mutated frames held in a real packet pool.
 *
 * 1. parsePacket: every byte it reads is recorded (a Proxy over the pool's
 *    byte array), so a read outside [off, off + len) fails the test even when
 *    it would not change the result; it returns a known code; every offset it
 *    reports lies inside the frame; a second parse, and a parse of the same
 *    frame in another slot with other bytes around it, give the same fields.
 * 2. The NFs (each kind of the catalog except `queue` and `sink`, whose
 *    packets the engine handles without calling process, and `fault`, which
 *    throws on purpose) run on batches of mutated
 *    frames in two harnesses, one whose slots are zero around each frame and
 *    one whose slots hold random bytes: both must produce exactly the same
 *    gates, drops, frame bytes, counters and declared accesses, so no NF
 *    reads past its frame. No NF may throw; every packet leaves once; drop
 *    reasons are declared ones, and a parse drop reason (parse-drops.ts) is
 *    the one parsePacket gives that frame; declared packet reads lie inside
 *    the frame.
 *
 *   FUZZ_ITERATIONS  inputs per part (default 3000, a few seconds; `npm run fuzz` uses 100000):
 *                    frames for parsePacket, and frames (in batches) for the NFs
 *   FUZZ_SEED        base seed (default 1); input i uses its own PRNG seeded from (seed, i)
 */
import { describe, expect, it } from 'vitest';
import { NF_KINDS } from '../../src/nf/catalog.js';
import { PARSE_DROP_REASONS } from '../../src/nf/parse-drops.js';
import { IP_PROTO_TCP, IP_PROTO_UDP } from '../../src/packet/checksum.js';
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_QINQ, ETHERTYPE_VLAN, TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN } from '../../src/packet/header-consts.js';
import { PARSE_RESULT_COUNT, ParsedPacket, ParseResult, parsePacket, parseResultName } from '../../src/packet/parse.js';
import { HEADROOM_BYTES, MAX_FRAME_BYTES, PacketPool, PoolPartition, SLOT_BYTES } from '../../src/packet/pool.js';
import { FrameWriter } from '../../src/traffic/frame-writer.js';
import { makeRandomFlows } from '../../src/traffic/flows.js';
import { Prng } from '../../src/util/prng.js';
import type { AnyNfKind } from '../../src/nf/nf.js';
import { NfHarness, type HarnessResult } from '../nf/harness.js';
import { l4Frame } from '../nf/flow-frames.js';
import { ipv4Frame, ipv6Frame } from '../nf/route-frames.js';
import { seg } from '../nf/tcp-frames.js';
import { FRAMES } from '../packet/frames.js';
import { hexToBytes } from '../packet/helpers.js';
import { mulberry32 } from '../ring/prng.js';

const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 3000);
const SEED = Number(process.env.FUZZ_SEED ?? 1);
const TIMEOUT_MS = Math.max(60_000, ITERATIONS * 5);
const REPORT = process.env.FUZZ_ITERATIONS !== undefined;

type Rand = () => number;
const below = (r: Rand, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[below(r, xs.length)]!;

function inputRng(part: number, i: number): Rand {
  return mulberry32((Math.imul(SEED, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b) ^ Math.imul(part, 0xc2b2ae35)) >>> 0);
}

// ---------------------------------------------------------------- corpus

/** Flows the stateful NFs see more than once (both directions), so their tables fill, hit and evict. */
const TUPLES = Array.from({ length: 6 }, (_, k) => ({
  srcIp: (0x0a000001 + k) >>> 0, dstIp: (0xc0a80001 + (k % 3)) >>> 0, srcPort: 40000 + k, dstPort: k % 2 === 0 ? 80 : 53,
  proto: k % 2 === 0 ? IP_PROTO_TCP : IP_PROTO_UDP,
}));

function corpusFrames(): Uint8Array[] {
  const out: Uint8Array[] = Object.values(FRAMES).map((hex) => hexToBytes(hex));
  // Generator frames, as the NIC model writes them.
  const pool = PacketPool.create(32);
  const part = new PoolPartition(pool, 0, 32);
  const flows = makeRandomFlows(8, new Prng(3), { proto: 'mixed' });
  const writer = new FrameWriter(flows, pool);
  for (let i = 0; i < 8; i++) {
    const h = part.tryAlloc();
    writer.write(h, i, [64, 128, 512, 1518][i % 4]!, i * 101);
    const off = pool.frameOffset(h);
    out.push(pool.bytes.slice(off, off + pool.lenBytes[h]!));
  }
  for (const t of TUPLES) out.push(l4Frame(t), l4Frame(t, { tcpFlags: TCP_SYN, payloadBytes: 0 }));
  // TCP segments with HTTP payloads (the urlfilter's patterns among them), IPv6, VLAN, UDP, padding.
  const http = ['GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n', 'GET /etc/passwd HTTP/1.0', 'GET /cgi-bin/phf?Qalias=x', 'bad', ''];
  for (let k = 0; k < http.length; k++) {
    out.push(seg({ payload: http[k], seq: 1000 + k * 7, flags: TCP_ACK | TCP_PSH }));
    out.push(seg({ payload: http[k], ipv6: true, seq: 5000 }));
    out.push(seg({ payload: http[k], vlan: 0x2064, dport: 8080, flags: k === 0 ? TCP_SYN : TCP_FIN | TCP_ACK }));
  }
  out.push(seg({ udp: true, payload: 'xyz', padBytes: 20 }), seg({ udp: true, ipv6: true, payload: 'q' }));
  out.push(ipv4Frame({ dst: '172.16.5.9', optionBytes: 8 }), ipv4Frame({ dst: '10.1.2.3', vlanTci: 7, ttl: 1 }), ipv6Frame());
  return out;
}

const CORPUS = corpusFrames();

// ---------------------------------------------------------------- mutations

const ETHERTYPES = [ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_VLAN, ETHERTYPE_QINQ, ETHERTYPE_ARP, 0, 0xffff];
const IP_PROTOS = [6, 17, 1, 58, 0, 43, 44, 60, 51, 50, 255];
const LENGTH_BYTES = [0, 1, 4, 5, 0x0f, 0x10, 0x40, 0x45, 0x4f, 0x50, 0x60, 0x7f, 0x80, 0xf0, 0xff];

/** Where the IP header of `f` probably starts (after up to two tags), for aimed mutations. */
function l3Guess(f: Uint8Array): number {
  let at = 12;
  for (let k = 0; k < 2 && at + 1 < f.length; k++) {
    const t = (f[at]! << 8) | f[at + 1]!;
    if (t !== ETHERTYPE_VLAN && t !== ETHERTYPE_QINQ) break;
    at += 4;
  }
  return at + 2;
}

function setByte(f: Uint8Array, at: number, v: number): void {
  if (at >= 0 && at < f.length) f[at] = v;
}

/** One mutation of a frame; may return a new array (longer or shorter). */
function mutate(r: Rand, f: Uint8Array): Uint8Array {
  const l3 = l3Guess(f);
  const ipv6 = f.length > l3 && f[l3]! >>> 4 === 6;
  const l4 = ipv6 ? l3 + 40 : l3 + ((f[l3] ?? 0x45) & 0x0f) * 4;
  switch (below(r, 12)) {
    case 0: { // random bytes anywhere
      const n = 1 + below(r, 6);
      for (let k = 0; k < n && f.length > 0; k++) f[below(r, f.length)] = below(r, 256);
      return f;
    }
    case 1: // random bytes in the headers
      for (let k = 0; k < 1 + below(r, 4); k++) setByte(f, below(r, Math.min(f.length, 80)), below(r, 256));
      return f;
    case 2: { // an EtherType (outer or after a tag)
      const at = pick(r, [12, 16, 20]);
      const t = pick(r, ETHERTYPES);
      setByte(f, at, t >>> 8);
      setByte(f, at + 1, t & 0xff);
      return f;
    }
    case 3: // version / IHL, traffic class
      setByte(f, l3, pick(r, LENGTH_BYTES));
      return f;
    case 4: { // IPv4 total length / IPv6 payload length
      const v = pick(r, [0, 1, 19, 20, 28, 40, f.length - l3, f.length - l3 + 1, 0xffff, below(r, 0x10000)]);
      setByte(f, l3 + (ipv6 ? 4 : 2), (v >>> 8) & 0xff);
      setByte(f, l3 + (ipv6 ? 5 : 3), v & 0xff);
      return f;
    }
    case 5: // protocol / next header
      setByte(f, l3 + (ipv6 ? 6 : 9), pick(r, IP_PROTOS));
      return f;
    case 6: // IPv6 extension header length, next header inside it; IPv4 flags/fragment offset
      if (ipv6) {
        setByte(f, l3 + 40, pick(r, IP_PROTOS));
        setByte(f, l3 + 41, pick(r, LENGTH_BYTES));
      } else {
        setByte(f, l3 + 6, pick(r, [0x20, 0x40, 0x00, 0x3f, 0xff, 0x1f]));
        setByte(f, l3 + 7, below(r, 256));
      }
      return f;
    case 7: // TCP data offset, UDP length
      setByte(f, l4 + 12, pick(r, LENGTH_BYTES));
      setByte(f, l4 + 4, pick(r, [0, 0, 0xff]));
      setByte(f, l4 + 5, pick(r, [0, 7, 8, 9, 0xff]));
      return f;
    case 8: // truncate
      return f.slice(0, below(r, f.length + 1));
    case 9: { // extend with random bytes (up to the largest frame a slot holds)
      const out = new Uint8Array(Math.min(MAX_FRAME_BYTES, f.length + 1 + below(r, 80)));
      out.set(f.subarray(0, out.length));
      for (let k = f.length; k < out.length; k++) out[k] = below(r, 256);
      return out;
    }
    case 10: { // insert a VLAN/QinQ tag after the MACs
      if (f.length < 12 || f.length + 4 > MAX_FRAME_BYTES) return f;
      const out = new Uint8Array(f.length + 4);
      out.set(f.subarray(0, 12));
      const tpid = pick(r, [ETHERTYPE_VLAN, ETHERTYPE_QINQ]);
      out.set([tpid >>> 8, tpid & 0xff, below(r, 256), below(r, 256)], 12);
      out.set(f.subarray(12), 16);
      return out;
    }
    default: { // pure garbage of any length
      const out = new Uint8Array(below(r, 4) === 0 ? below(r, 20) : below(r, 200));
      for (let k = 0; k < out.length; k++) out[k] = below(r, 256);
      if (out.length >= 14 && below(r, 2) === 0) { // mostly with a plausible EtherType
        const t = pick(r, ETHERTYPES);
        out[12] = t >>> 8;
        out[13] = t & 0xff;
      }
      return out;
    }
  }
}

function fuzzFrame(r: Rand): Uint8Array {
  let f = pick(r, CORPUS).slice();
  const rounds = below(r, 8) === 0 ? 0 : 1 + below(r, 3);
  for (let k = 0; k < rounds; k++) f = mutate(r, f);
  return f;
}

const hex = (b: ArrayLike<number>, n = 80) => Array.from(Array.prototype.slice.call(b, 0, n) as number[], (x) => x.toString(16).padStart(2, '0')).join('');

// ---------------------------------------------------------------- part 1: parsePacket

/** The pool's byte array behind a Proxy that records the lowest and highest index read. */
function recordingView(bytes: Uint8Array): { view: Uint8Array; reads: { lo: number; hi: number; n: number } } {
  const reads = { lo: Infinity, hi: -Infinity, n: 0 };
  const view = new Proxy(bytes, {
    get(target, prop) {
      if (typeof prop === 'string') {
        const i = Number(prop);
        if (Number.isInteger(i) && prop === String(i)) {
          reads.n++;
          if (i < reads.lo) reads.lo = i;
          if (i > reads.hi) reads.hi = i;
          return target[i];
        }
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { view, reads };
}

type Fields = Record<string, number | boolean>;
/** Fields of a parse with absolute offsets made relative to the frame start (-1 stays -1). */
function relFields(p: ParsedPacket, off: number): Fields {
  const f = { ...p } as unknown as Fields;
  for (const k of ['l2Off', 'l3Off', 'srcIp6Off', 'dstIp6Off', 'l4Off', 'payloadOff']) {
    const v = f[k] as number;
    if (v >= 0) f[k] = v - off;
  }
  return f;
}

/** Null when every reported offset lies inside [off, end]; otherwise what is out. */
function offsetsOutside(p: ParsedPacket, code: number, off: number, end: number): string | null {
  const inside = (v: number, size = 0) => v === -1 || (v >= off && v + size <= end);
  if (!inside(p.l2Off) || !inside(p.l3Off) || !inside(p.l4Off) || !inside(p.payloadOff)) return 'an offset outside the frame';
  if (!inside(p.srcIp6Off, 16) || !inside(p.dstIp6Off, 16)) return 'an IPv6 address outside the frame';
  if (p.payloadOff >= 0 && p.payloadOff + p.payloadLen > end) return 'payload runs past the frame';
  if (p.vlanCount < 0 || p.vlanCount > 2) return `vlanCount ${p.vlanCount}`;
  if (code === ParseResult.Ok) {
    if (p.ipVersion !== 4 && p.ipVersion !== 6) return `Ok with ipVersion ${p.ipVersion}`;
    if (p.l3Off !== off + 14 + 4 * p.vlanCount) return 'l3Off is not after Ethernet and the tags';
    if (p.l4Off !== p.l3Off + p.ipHeaderLen) return 'l4Off is not l3Off + ipHeaderLen';
    if (p.l3Off + p.ipTotalLen > end) return 'the IP packet runs past the frame';
    if (p.payloadLen < 0 || p.payloadOff + p.payloadLen !== p.l3Off + p.ipTotalLen) return 'payload does not end with the IP packet';
  }
  return null;
}

describe(`packet parser fuzz (${ITERATIONS} inputs, seed ${SEED})`, () => {
  it('the corpus parses, and mutations reach every parse outcome', () => {
    const p = new ParsedPacket();
    let ok = 0;
    for (const f of CORPUS) if (parsePacket(f, 0, f.length, p, true) === ParseResult.Ok) ok++;
    expect(ok).toBeGreaterThan(CORPUS.length * 0.8);
  });

  it('parsePacket reads only its frame, reports offsets inside it, and is deterministic', () => {
    const pool = PacketPool.create(64);
    const { view, reads } = recordingView(pool.bytes);
    const p = new ParsedPacket();
    const q = new ParsedPacket();
    const counts = new Array<number>(PARSE_RESULT_COUNT).fill(0);
    for (let i = 0; i < ITERATIONS; i++) {
      const r = inputRng(1, i);
      const f = fuzzFrame(r);
      // Place it in a random slot at a random data offset, with random bytes around it.
      const h = below(r, pool.capacity);
      const slot = h * SLOT_BYTES;
      for (let k = slot; k < slot + SLOT_BYTES; k++) pool.bytes[k] = below(r, 256);
      const dataOff = Math.min(pick(r, [HEADROOM_BYTES, 0, 2, HEADROOM_BYTES - 4, below(r, SLOT_BYTES)]), SLOT_BYTES - f.length);
      const off = slot + dataOff;
      pool.bytes.set(f, off);
      // lenBytes is usually the frame's length; sometimes shorter than the bytes present (a truncated
      // capture in a reused buffer), and sometimes past the end of the whole buffer (clamped by the parser).
      const lenChoice = below(r, 10);
      const len = lenChoice === 0 ? below(r, f.length + 1) : lenChoice === 1 && h === pool.capacity - 1 ? SLOT_BYTES * 2 : f.length;
      const end = Math.min(off + len, pool.bytes.length);
      const verify = below(r, 2) === 0;
      reads.lo = Infinity;
      reads.hi = -Infinity;
      const code = parsePacket(view, off, len, p, verify);
      const where = `seed ${SEED}, input ${i} (len ${len}, frame ${hex(f)})`;
      if (!(Number.isInteger(code) && code >= 0 && code < PARSE_RESULT_COUNT)) expect.fail(`${where}: code ${code}`);
      counts[code]!++;
      if (reads.lo < off || reads.hi >= end) expect.fail(`${where}: read bytes ${reads.lo}..${reads.hi} of frame ${off}..${end - 1}`);
      const out = offsetsOutside(p, code, off, end);
      if (out !== null) expect.fail(`${where}: ${out}`);
      if (code !== ParseResult.Ok && !PARSE_DROP_REASONS.includes(parseResultName(code))) expect.fail(`${where}: code ${code} has no drop reason`);
      // Same frame, same answer: again in place, and in another slot with other bytes around it.
      const fields = JSON.stringify(relFields(p, off));
      if (parsePacket(pool.bytes, off, len, q, verify) !== code || JSON.stringify(relFields(q, off)) !== fields) {
        expect.fail(`${where}: a second parse differs`);
      }
      // The frame is the bytes [off, end): with a clamped length, up to the end of the buffer.
      const frameNow = pool.bytes.slice(off, end);
      const h2 = (h + 1 + below(r, pool.capacity - 1)) % pool.capacity;
      const off2 = h2 * SLOT_BYTES + Math.min(HEADROOM_BYTES, SLOT_BYTES - frameNow.length);
      const fill = below(r, 256);
      pool.bytes.fill(fill, h2 * SLOT_BYTES, (h2 + 1) * SLOT_BYTES);
      pool.bytes.set(frameNow, off2);
      if (parsePacket(pool.bytes, off2, frameNow.length, q, verify) !== code || JSON.stringify(relFields(q, off2)) !== fields) {
        expect.fail(`${where}: the same frame parsed differently in slot ${h2} (fill ${fill})`);
      }
    }
    if (REPORT) console.log(`parsePacket fuzz: ${ITERATIONS} frames; ${counts.map((c, k) => `${parseResultName(k)} ${c}`).join(', ')}`);
    // The inputs reached every outcome, deep layers included.
    for (let k = 0; k < PARSE_RESULT_COUNT; k++) expect(counts[k], parseResultName(k)).toBeGreaterThan(ITERATIONS < 1000 ? -1 : 0);
  }, TIMEOUT_MS);
});

// ---------------------------------------------------------------- part 2: the NFs

/** Kinds whose process() runs on packets: not queue and sink (the engine handles their packets), not fault (throws on purpose). */
const FUZZED_KINDS = NF_KINDS.filter((k) => !k.isQueue && k.name !== 'sink' && k.name !== 'fault');

/** Configurations: every kind's defaults, and richer ones that make the parsing and stateful paths work. */
const NF_CONFIGS: { kind: AnyNfKind; config: Record<string, unknown> }[] = [
  ...FUZZED_KINDS.map((kind) => ({ kind, config: {} })),
  ...([
    ['acl', { generate: { count: 200, seed: 7, denyFraction: 0.3 }, deniedGate: true }],
    ['acl', { rules: [{ dstPorts: 80, proto: 'tcp', action: 'deny' }, { src: '10.0.0.0/30', action: 'allow' }], defaultAction: 'deny', deniedGate: true }],
    ['bpf', { lookups: 7 }],
    ['encrypt', { scope: 'l3' }],
    ['l3fwd', { lookup: 'lpm', ports: 2, prefixes: [{ prefix: '0.0.0.0/0', port: 0 }, { prefix: '192.168.0.0/24', port: 1 }] }],
    ['l3fwd', { ports: 2, routes: [{ dst: '192.168.0.1', port: 1 }], defaultPort: 0 }],
    ['lb', { flowTableEntries: 4 }],
    ['lb', { flowTableEntries: 2, whenFull: 'default-backend', backends: ['10.0.0.1:1', '10.0.0.2:2'] }],
    ['nat', { bidirectional: true, portRange: '7000-7003' }],
    ['router', { verifyChecksum: true, ports: 3, prefixes: [{ prefix: '0.0.0.0/0', port: 0 }, { prefix: '172.16.0.0/12', port: 1 }], portMacs: ['02:00:00:00:aa:00', '02:00:00:00:aa:01', '02:00:00:00:aa:02'] }],
    ['tunnel', { maxTags: 1, vlanId: 0 }],
    ['urlfilter', { patterns: ['bad', '/etc/passwd', '|2e 2e|/x'], connections: 4, windowBytes: 64, oooOverflow: 'drop', nonTcp: 'drop' }],
    ['urlfilter', { patterns: ['GET'], action: 'alert', nocase: false, connections: 1, idleTimeout: 1 }],
  ] as const).map(([name, config]) => ({ kind: NF_KINDS.find((k) => k.name === name)!, config: config as Record<string, unknown> })),
];

/** What must be identical between the two harnesses (no handle-specific simulated packet addresses differ: same pools). */
function summary(res: HarnessResult, before: Map<number, number>): string {
  return JSON.stringify({
    gates: res.gates, drops: res.drops, charged: res.chargedCycles, counters: Array.from(res.counters),
    memReads: res.memReads, memWrites: res.memWrites, pktReads: res.pktReads, pktWrites: res.pktWrites,
    frames: res.handles.map((h) => [before.get(h), res.frame(h)]),
  });
}

describe(`NF fuzz on real frame bytes (${ITERATIONS} frames, seed ${SEED})`, () => {
  it('every catalog kind runs (queue, sink and fault excepted)', () => {
    const names = new Set(NF_CONFIGS.map((c) => c.kind.name));
    expect([...names].sort()).toEqual(FUZZED_KINDS.map((k) => k.name).sort());
    expect(FUZZED_KINDS.length).toBe(NF_KINDS.length - 3);
    expect(NF_CONFIGS.every((c) => c.kind !== undefined)).toBe(true);
  });

  it('no NF throws, reads past its frame, loses a packet or gives an undeclared or wrong drop reason', () => {
    const pairs = NF_CONFIGS.map(({ kind, config }) => ({
      kind, config, zero: new NfHarness(kind, config), noisy: new NfHarness(kind, config),
      frames: 0, drops: new Map<string, number>(), emitted: 0,
    }));
    const p = new ParsedPacket();
    let frames = 0;
    let batches = 0;
    for (let i = 0; frames < ITERATIONS; i++) {
      const r = inputRng(2, i);
      const pair = pairs[i % pairs.length]!;
      const batch = Array.from({ length: Math.min(1 + below(r, 16), ITERATIONS - frames) }, () => fuzzFrame(r));
      frames += batch.length;
      batches++;
      pair.frames += batch.length;
      // Virtual time moves on (idle timeouts), by a few µs to a few s at 2.6 GHz.
      const now = i * pick(r, [1e4, 1e7, 1e10]);
      const noiseSeed = r() * 2 ** 32;
      const where = `seed ${SEED}, batch ${i}, ${pair.kind.name} ${JSON.stringify(pair.config)}`;
      let a: HarnessResult;
      let b: HarnessResult;
      try {
        a = pair.zero.batch(batch, now, (slot) => slot.fill(0));
        const noise = mulberry32(noiseSeed >>> 0);
        b = pair.noisy.batch(batch, now, (slot) => { for (let k = 0; k < slot.length; k++) slot[k] = (noise() * 256) | 0; });
      } catch (e) {
        expect.fail(`${where}: threw ${(e as Error).stack}\nframes: ${batch.map((f) => hex(f, 2000)).join('\n')}`);
      }
      const lensIn = new Map(a.handles.map((h, k) => [h, batch[k]!.length]));
      if (summary(a, lensIn) !== summary(b, lensIn)) {
        expect.fail(`${where}: results depend on bytes outside the frames\nframes: ${batch.map((f) => hex(f, 2000)).join('\n')}`);
      }
      // Conservation: every packet left exactly once (the harness throws on twice).
      let left = a.drops.length;
      for (const g of a.gates) left += g.length;
      if (left !== batch.length) expect.fail(`${where}: ${batch.length} in, ${left} out`);
      pair.emitted += left - a.drops.length;
      for (let k = 0; k < a.drops.length; k++) {
        const d = a.drops[k]!;
        if (d.reason === undefined || !pair.kind.dropReasons.includes(d.reason)) expect.fail(`${where}: undeclared drop reason ${d.reason}`);
        pair.drops.set(d.reason, (pair.drops.get(d.reason) ?? 0) + 1);
        if (PARSE_DROP_REASONS.includes(d.reason)) {
          // A parse drop names what parsePacket says of the frame as it arrived.
          const f = batch[a.handles.indexOf(d.h)]!;
          const names = [parseResultName(parsePacket(f, 0, f.length, p, false)), parseResultName(parsePacket(f, 0, f.length, p, true))];
          // IPv4-only NFs (acl, bpf, the routers) drop IPv6 under unsupported_ethertype, as their headers
          // say; the routers do so even when its L4 header is bad (they do not look at L4).
          if (p.ipVersion === 6 && p.l4Off >= 0) names.push(parseResultName(ParseResult.UnsupportedEtherType));
          if (!names.includes(d.reason)) expect.fail(`${where}: dropped as ${d.reason}, parsePacket says ${names.join(' / ')}; frame ${hex(f)}`);
        }
      }
      // Declared packet reads and writes lie inside the frame (before or after the NF changed its length).
      for (const acc of [...a.pktReads, ...a.pktWrites]) {
        const k = a.handles.indexOf(acc.h);
        const bound = Math.max(batch[k]!.length, a.frame(acc.h).length);
        if (!(acc.off >= 0 && acc.size >= 0 && acc.off + acc.size <= bound)) {
          expect.fail(`${where}: declared access ${acc.off}+${acc.size} on a ${bound}-byte frame ${hex(batch[k]!)}`);
        }
      }
      for (const h of a.handles) {
        const len = a.pool.lenBytes[h]!;
        if (a.pool.dataOff[h]! + len > SLOT_BYTES) expect.fail(`${where}: frame ${h} runs past its slot`);
      }
    }
    if (REPORT) {
      console.log(`NF fuzz: ${frames} frames in ${batches} batches`);
      for (const q of pairs) console.log(`  ${q.kind.name} ${JSON.stringify(q.config)}: ${q.frames} in, ${q.emitted} out, drops ${JSON.stringify(Object.fromEntries(q.drops))}`);
    }
    // Every configuration ran, and the parsing NFs met malformed frames as well as good ones.
    for (const q of pairs) expect(q.frames, q.kind.name).toBeGreaterThan(ITERATIONS < 1000 ? 0 : 20);
    const parseDrops = pairs.filter((q) => [...q.drops.keys()].some((k) => PARSE_DROP_REASONS.includes(k)));
    expect(parseDrops.length).toBeGreaterThanOrEqual(5);
    // The explicit configurations (routes, rules, backends) forward some of it: the fuzz got past the checks.
    // (With defaults, the routing NFs have no routes and drop everything.)
    if (ITERATIONS >= 1000) for (const q of pairs) if (Object.keys(q.config).length > 0) expect(q.emitted, q.kind.name).toBeGreaterThan(0);
  }, TIMEOUT_MS);
});
