/**
 * Fuzz target for the classic pcap reader (src/traffic/pcap.ts): seeded
 * mutations of real capture files must either parse into a self-consistent
 * PcapFile or throw the reader's own PcapError naming the file and a byte
 * offset inside it — never a TypeError or RangeError, never an allocation
 * sized by a lying length field, never a slow parse.
 *
 * The corpus is made with the project's own writers, both of them: PcapWriter
 * streaming to a file (what a tap writes) and encodePcap (microsecond and
 * nanosecond magic, both byte orders, snaplen 0 and short snaplens, a
 * link-type word with FCS bits), holding generator frames (FrameWriter) and
 * the hand-checked frames of test/packet/frames.ts. Every input then gets one
 * to three mutations: byte and bit flips, truncation, spliced or appended
 * bytes, another magic or version, interesting snaplens and link types, and
 * record lengths and timestamps set to boundary values.
 *
 *   FUZZ_ITERATIONS  inputs per run (default 3000, a few seconds; `npm run fuzz` uses 100000)
 *   FUZZ_SEED        base seed (default 1); input i uses its own PRNG seeded from (seed, i),
 *                    so a failure message's seed and index reproduce that input alone
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParsedPacket, ParseResult, PARSE_RESULT_COUNT, parsePacket } from '../../src/packet/parse.js';
import { PacketPool, PoolPartition } from '../../src/packet/pool.js';
import { FrameWriter } from '../../src/traffic/frame-writer.js';
import { makeRandomFlows } from '../../src/traffic/flows.js';
import {
  PCAP_GLOBAL_HEADER_BYTES,
  PCAP_MAX_CAPLEN,
  PCAP_RECORD_HEADER_BYTES,
  PcapError,
  PcapWriter,
  encodePcap,
  parsePcap,
  readPcapFile,
  type PcapFile,
} from '../../src/traffic/pcap.js';
import { Prng } from '../../src/util/prng.js';
import { FRAMES } from '../packet/frames.js';
import { hexToBytes } from '../packet/helpers.js';
import { mulberry32 } from '../ring/prng.js';

const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 3000);
const SEED = Number(process.env.FUZZ_SEED ?? 1);
/** No input may take longer than this to parse (the brief's "no hang"); a healthy parse takes microseconds. */
const MAX_PARSE_MS = 2000;
/** Per-test timeout: generous for 100 000 inputs on a loaded 2-vCPU machine. */
const TIMEOUT_MS = Math.max(60_000, ITERATIONS * 3);

/** Runs `fn` with a fresh temporary directory, removed afterwards whatever happens. */
function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'emu-pcap-fuzz-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Rand = () => number;
/** Integer in [0, n). */
const below = (r: Rand, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[below(r, xs.length)]!;

/** One PRNG per input, so input i is reproducible from (SEED, i) alone. */
function inputRng(i: number): Rand {
  return mulberry32((Math.imul(SEED, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0);
}

// ---------------------------------------------------------------- corpus

/** Frames as a NIC would see them: generator frames (UDP and TCP, 60..1514 bytes) and hand-checked frames. */
function corpusFrames(): Uint8Array[] {
  const frames: Uint8Array[] = Object.values(FRAMES).map((hex) => hexToBytes(hex));
  const pool = PacketPool.create(64);
  const part = new PoolPartition(pool, 0, 64);
  const flows = makeRandomFlows(8, new Prng(7), { proto: 'mixed' });
  const writer = new FrameWriter(flows, pool);
  const sizes = [64, 65, 128, 300, 1024, 1518];
  for (let i = 0; i < 12; i++) {
    const h = part.tryAlloc();
    writer.write(h, i % flows.count, sizes[i % sizes.length]!, i * 7919);
    const off = pool.frameOffset(h);
    frames.push(pool.bytes.slice(off, off + pool.lenBytes[h]!));
  }
  return frames;
}

const FRAME_CORPUS = corpusFrames();

/** Record layout of a corpus file (offsets of record headers), so mutations can aim at length and time fields. */
interface Seed {
  name: string;
  bytes: Uint8Array;
  recordOffsets: number[];
  littleEndian: boolean;
}

function recordOffsetsOf(f: PcapFile): number[] {
  return Array.from(f.dataOffset, (d) => d - PCAP_RECORD_HEADER_BYTES);
}

function seedFromBytes(name: string, bytes: Uint8Array): Seed {
  const f = parsePcap(bytes, name);
  return { name, bytes, recordOffsets: recordOffsetsOf(f), littleEndian: f.littleEndian };
}

function buildCorpus(dir: string): Seed[] {
  const seeds: Seed[] = [];
  const r = mulberry32(0xc0ffee);
  // encodePcap: every magic (us/ns x LE/BE), several snaplens and link-type words.
  const variants = [
    { nanoResolution: true, littleEndian: true },
    { nanoResolution: false, littleEndian: true },
    { nanoResolution: true, littleEndian: false },
    { nanoResolution: false, littleEndian: false },
    { nanoResolution: true, littleEndian: true, snapLen: 0 },
    { nanoResolution: false, littleEndian: false, snapLen: 1600 },
    { nanoResolution: true, littleEndian: true, linkType: 0x14000001 },
  ];
  for (let v = 0; v < variants.length; v++) {
    const count = 1 + below(r, 12);
    const records = Array.from({ length: count }, (_, i) => {
      const data = pick(r, FRAME_CORPUS);
      // Some records captured short of their wire length, as with a small snaplen.
      const cut = below(r, 4) === 0 ? data.subarray(0, Math.min(data.length, 54)) : data;
      return { tsNs: 5e9 + i * 1000 + below(r, 1000), data: cut, origLen: data.length };
    });
    const seed = seedFromBytes(`encode-${v}.pcap`, encodePcap(records, variants[v]));
    // Unix-epoch times in some files, as real captures carry (the reader then rebases); encodePcap
    // takes times below 2^53 ns only, so the seconds are patched in.
    if (v % 2 === 0) for (const off of seed.recordOffsets) put32(seed.bytes, off, 1_700_000_000 + off, seed.littleEndian);
    seeds.push(seed);
  }
  seeds.push(seedFromBytes('empty.pcap', encodePcap([])));
  // PcapWriter, as a tap writes: one full-size capture, one with snaplen 64.
  for (const snapLen of [undefined, 64]) {
    const path = join(dir, `writer-${snapLen ?? 'full'}.pcap`);
    const w = PcapWriter.open(path, snapLen === undefined ? {} : { snapLen });
    for (let i = 0; i < FRAME_CORPUS.length; i++) {
      const data = FRAME_CORPUS[i]!;
      w.write(1_000 + i * 1_234, data, 0, data.length, data.length + 4 * (i % 2));
    }
    w.close();
    seeds.push(seedFromBytes(path, new Uint8Array(readFileSync(path))));
  }
  return seeds;
}

const CORPUS = withTempDir(buildCorpus);

// ---------------------------------------------------------------- mutations

const MAGICS = [0xa1b2c3d4, 0xa1b23c4d, 0xd4c3b2a1, 0x4d3cb2a1, 0x0a0d0d0a, 0, 0xffffffff];
const LINK_TYPES = [0, 1, 101, 105, 113, 228, 276, 0xffff, 0x10000, 0x14000001, 0xffffffff];
const SNAPLENS = [0, 1, 13, 14, 64, 65535, PCAP_MAX_CAPLEN, PCAP_MAX_CAPLEN + 1, 0x7fffffff, 0xffffffff];
const TIME_WORDS = [0, 1, 999_999, 1_000_000, 999_999_999, 1_000_000_000, 0x7fffffff, 0xffffffff];

function put32(b: Uint8Array, off: number, v: number, le: boolean): void {
  if (off < 0 || off + 4 > b.length) return;
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(off, v >>> 0, le);
}

/** Boundary values for a record's caplen/origlen at `recOff`: around the limits and around what is left of the file. */
function lengthValue(r: Rand, b: Uint8Array, recOff: number): number {
  const left = b.length - recOff - PCAP_RECORD_HEADER_BYTES;
  const choices = [0, 1, 13, 14, 60, 1514, 1518, 65535, PCAP_MAX_CAPLEN, PCAP_MAX_CAPLEN + 1, 0x7fffffff, 0x80000000, 0xffffffff,
    left - 1, left, left + 1, below(r, 0x1_0000_0000)];
  return pick(r, choices) >>> 0;
}

/** Applies one random mutation; returns the (possibly new) byte array. */
function mutate(r: Rand, b: Uint8Array, s: Seed): Uint8Array {
  const le = below(r, 4) === 0 ? !s.littleEndian : s.littleEndian;
  const rec = s.recordOffsets.length > 0 ? pick(r, s.recordOffsets) : PCAP_GLOBAL_HEADER_BYTES;
  switch (below(r, 14)) {
    case 0: { // flip random bytes
      const n = 1 + below(r, 8);
      for (let k = 0; k < n && b.length > 0; k++) b[below(r, b.length)] = below(r, 256);
      return b;
    }
    case 1: { // flip bits in the headers (global header and a record header)
      for (let k = 0; k < 1 + below(r, 4); k++) {
        const at = below(r, 2) === 0 ? below(r, PCAP_GLOBAL_HEADER_BYTES) : rec + below(r, PCAP_RECORD_HEADER_BYTES);
        if (at < b.length) b[at] ^= 1 << below(r, 8);
      }
      return b;
    }
    case 2: // truncate anywhere, including inside the global header
      return b.slice(0, below(r, b.length + 1));
    case 3: // truncate near a record boundary
      return b.slice(0, Math.max(0, Math.min(b.length, rec + below(r, 40) - 8)));
    case 4: { // append garbage
      const out = new Uint8Array(b.length + 1 + below(r, 40));
      out.set(b);
      for (let k = b.length; k < out.length; k++) out[k] = below(r, 256);
      return out;
    }
    case 5: { // splice: delete or duplicate a region
      const from = below(r, b.length + 1);
      const to = Math.min(b.length, from + below(r, 64));
      if (below(r, 2) === 0) return Uint8Array.from([...b.subarray(0, from), ...b.subarray(to)]);
      return Uint8Array.from([...b.subarray(0, to), ...b.subarray(from, to), ...b.subarray(to)]);
    }
    case 6: // another magic, stored big- or little-endian
      put32(b, 0, pick(r, MAGICS), below(r, 2) === 0);
      return b;
    case 7: // another version
      if (b.length >= 8) {
        const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
        dv.setUint16(4, pick(r, [0, 1, 2, 3, 0xffff]), le);
        dv.setUint16(6, pick(r, [0, 3, 4, 5, 0xffff]), le);
      }
      return b;
    case 8:
      put32(b, 16, pick(r, SNAPLENS), le);
      return b;
    case 9:
      put32(b, 20, pick(r, LINK_TYPES), le);
      return b;
    case 10: // a lying caplen
      put32(b, rec + 8, lengthValue(r, b, rec), le);
      return b;
    case 11: // a lying origlen
      put32(b, rec + 12, lengthValue(r, b, rec), le);
      return b;
    case 12: // both lengths at once (caplen <= origlen passes that check)
      {
        const v = lengthValue(r, b, rec);
        put32(b, rec + 8, v, le);
        put32(b, rec + 12, below(r, 2) === 0 ? v : 0xffffffff, le);
      }
      return b;
    default: // timestamps at the edges (seconds, and fractions >= 1 s, which are out of spec)
      put32(b, rec, pick(r, TIME_WORDS), le);
      put32(b, rec + 4, pick(r, TIME_WORDS), le);
      return b;
  }
}

// ---------------------------------------------------------------- checks

/** Absolute time of record i in ns, exactly, from its raw header. */
function rawTsNs(f: PcapFile, i: number): bigint {
  const dv = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
  const off = f.dataOffset[i]! - PCAP_RECORD_HEADER_BYTES;
  const sec = BigInt(dv.getUint32(off, f.littleEndian));
  const frac = BigInt(dv.getUint32(off + 4, f.littleEndian));
  return sec * 1_000_000_000n + (f.nanoResolution ? frac : frac * 1000n);
}

const parsed = new ParsedPacket();

/**
 * Everything a successful parse promises. Returns a description of the first
 * broken promise, or null (plain checks, not expect(): 100 000 inputs).
 */
function brokenPromise(f: PcapFile, input: Uint8Array): string | null {
  const n = f.count;
  if (f.bytes !== input) return 'bytes is not the input array';
  if (f.linkType !== 1) return `linkType ${f.linkType}`;
  if (f.tsNs.length !== n || f.capLen.length !== n || f.origLen.length !== n || f.dataOffset.length !== n) return 'array lengths differ from count';
  // No allocation beyond what the file's own bytes justify: 24 bytes of arrays per record of >= 16 bytes.
  const allocated = f.tsNs.byteLength + f.capLen.byteLength + f.origLen.byteLength + f.dataOffset.byteLength;
  if (allocated > 1.5 * input.length) return `allocated ${allocated} bytes for a ${input.length}-byte file`;
  const capLimit = f.snapLen === 0 ? PCAP_MAX_CAPLEN : Math.min(f.snapLen, PCAP_MAX_CAPLEN);
  let expectOff = PCAP_GLOBAL_HEADER_BYTES + PCAP_RECORD_HEADER_BYTES;
  for (let i = 0; i < n; i++) {
    const cap = f.capLen[i]!;
    const off = f.dataOffset[i]!;
    if (off !== expectOff) return `record ${i}: dataOffset ${off}, expected ${expectOff}`;
    if (cap > capLimit || cap > f.origLen[i]!) return `record ${i}: capLen ${cap} past snaplen ${f.snapLen} or origLen ${f.origLen[i]}`;
    if (off + cap > input.length) return `record ${i}: data ends at ${off + cap}, past the ${input.length}-byte file`;
    expectOff = off + cap + PCAP_RECORD_HEADER_BYTES;
    const t = f.tsNs[i]!;
    if (!Number.isFinite(t)) return `record ${i}: tsNs ${t}`;
    // Exact whenever the relative time fits a double's integers (the reader's promise).
    const rel = rawTsNs(f, i) - BigInt(f.tsBaseSec) * 1_000_000_000n;
    if ((rel < 0n ? -rel : rel) <= BigInt(Number.MAX_SAFE_INTEGER) && BigInt(t) !== rel) return `record ${i}: tsNs ${t}, exactly ${rel}`;
    // What replay does with a record (nic.ts): parse it in place; the parser must stay inside it.
    const code = parsePacket(f.bytes, off, cap, parsed, false);
    if (!(code >= 0 && code < PARSE_RESULT_COUNT)) return `record ${i}: parse code ${code}`;
    if (code === ParseResult.Ok && parsed.payloadOff + parsed.payloadLen > off + cap) return `record ${i}: parsed payload past the record`;
  }
  if (n > 0 && expectOff - PCAP_RECORD_HEADER_BYTES !== input.length) return 'records do not end at the end of the file';
  if (n === 0 && input.length !== PCAP_GLOBAL_HEADER_BYTES) return 'no records, yet bytes after the global header';
  return null;
}

/** Array fields of a parse, for determinism checks. */
function fingerprint(f: PcapFile): string {
  return JSON.stringify([f.count, f.snapLen, f.nanoResolution, f.littleEndian, f.tsBaseSec,
    Array.from(f.tsNs), Array.from(f.capLen), Array.from(f.origLen), Array.from(f.dataOffset)]);
}

interface Outcome { ok: boolean; error?: unknown; file?: PcapFile; ms: number }

function attempt(read: () => PcapFile): Outcome {
  const t0 = performance.now();
  try {
    const file = read();
    return { ok: true, file, ms: performance.now() - t0 };
  } catch (error) {
    return { ok: false, error, ms: performance.now() - t0 };
  }
}

/** Null when `e` is the reader's own error for a file named `name` of `len` bytes; otherwise what is wrong with it. */
function badError(e: unknown, name: string, len: number): string | null {
  if (!(e instanceof PcapError)) return `threw ${(e as Error)?.name}: ${(e as Error)?.message}`;
  if (e.file !== name) return `PcapError names file ${e.file}`;
  if (!(Number.isInteger(e.offsetBytes) && e.offsetBytes >= 0 && e.offsetBytes <= len)) return `PcapError offset ${e.offsetBytes} outside the ${len}-byte file`;
  if (!e.message.startsWith(`${name}: byte ${e.offsetBytes}: `) || e.what.length < 10) return `unclear message: ${e.message}`;
  return null;
}

const hexHead = (b: Uint8Array) => Array.from(b.subarray(0, 48), (x) => x.toString(16).padStart(2, '0')).join('');

describe(`pcap reader fuzz (${ITERATIONS} inputs, seed ${SEED})`, () => {
  it('the corpus itself parses (every seed is a valid capture)', () => {
    expect(CORPUS.length).toBe(10);
    for (const s of CORPUS) expect(brokenPromise(parsePcap(s.bytes, s.name), s.bytes)).toBeNull();
    // Both resolutions, both byte orders, and records to aim at.
    expect(new Set(CORPUS.map((s) => `${parsePcap(s.bytes, s.name).nanoResolution}/${s.littleEndian}`)).size).toBe(4);
    expect(CORPUS.filter((s) => s.recordOffsets.length > 0).length).toBe(9);
  });

  it('every mutated capture parses consistently or throws a PcapError naming file and byte', () => {
    const errorsByWhat = new Map<string, number>();
    let ok = 0;
    let slowestMs = 0;
    let fromDisk = 0;
    withTempDir((dir) => {
      for (let i = 0; i < ITERATIONS; i++) {
        const r = inputRng(i);
        const s = pick(r, CORPUS);
        let bytes = s.bytes.slice();
        const rounds = 1 + below(r, 3);
        for (let k = 0; k < rounds; k++) bytes = mutate(r, bytes, s);
        // Half the inputs sit at an odd offset inside a larger buffer, as a view on a pooled Buffer would.
        let input = bytes;
        if (below(r, 2) === 0) {
          const lead = 1 + below(r, 7);
          const host = new Uint8Array(lead + bytes.length + below(r, 9));
          host.fill(0xee);
          host.set(bytes, lead);
          input = host.subarray(lead, lead + bytes.length);
        }
        const name = `fuzz-${SEED}-${i}.pcap`;
        const where = `seed ${SEED}, input ${i} (${input.length} bytes, starts ${hexHead(input)})`;
        const out = attempt(() => parsePcap(input, name));
        slowestMs = Math.max(slowestMs, out.ms);
        if (out.ms > MAX_PARSE_MS) expect.fail(`${where}: parse took ${out.ms.toFixed(0)} ms`);
        if (out.ok) {
          ok++;
          const broken = brokenPromise(out.file!, input);
          if (broken !== null) expect.fail(`${where}: ${broken}`);
          const again = parsePcap(input, name);
          if (fingerprint(again) !== fingerprint(out.file!)) expect.fail(`${where}: a second parse differs`);
        } else {
          const bad = badError(out.error, name, input.length);
          if (bad !== null) expect.fail(`${where}: ${bad}`);
          const what = (out.error as PcapError).what.replace(/0x[0-9a-f]+|[0-9a-f]*\d[0-9a-f]*/g, 'N');
          errorsByWhat.set(what, (errorsByWhat.get(what) ?? 0) + 1);
        }
        // Every 50th input also goes through the file reader, which names the path.
        if (i % 50 === 0) {
          fromDisk++;
          const path = join(dir, 'input.pcap');
          writeFileSync(path, input);
          const disk = attempt(() => readPcapFile(path));
          if (disk.ok !== out.ok) expect.fail(`${where}: readPcapFile and parsePcap disagree`);
          if (disk.ok && fingerprint(disk.file!) !== fingerprint(out.file!)) expect.fail(`${where}: readPcapFile parsed differently`);
          if (!disk.ok) {
            const bad = badError(disk.error, path, input.length);
            if (bad !== null) expect.fail(`${where} (from disk): ${bad}`);
          }
        }
      }
    });
    if (process.env.FUZZ_ITERATIONS !== undefined) {
      const kinds = [...errorsByWhat].sort((a, b) => b[1] - a[1]).map(([w, c]) => `  ${c}  ${w}`).join('\n');
      console.log(`pcap fuzz: ${ITERATIONS} inputs, ${ok} parsed, ${ITERATIONS - ok} refused, slowest ${slowestMs.toFixed(2)} ms\n${kinds}`);
    }
    // The fuzz reached both outcomes and many distinct checks, not one early exit.
    expect(ok).toBeGreaterThan(ITERATIONS / 20);
    expect(ITERATIONS - ok).toBeGreaterThan(ITERATIONS / 4);
    expect(errorsByWhat.size).toBeGreaterThanOrEqual(Math.min(10, ITERATIONS / 100));
    expect(slowestMs).toBeLessThan(MAX_PARSE_MS);
    expect(fromDisk).toBe(Math.ceil(ITERATIONS / 50));
  }, TIMEOUT_MS);

  it('lying lengths are refused before anything is allocated for them', () => {
    // A file that claims a 4 GiB record but holds a few bytes: refused at the header, fast.
    const s = CORPUS[0]!;
    for (const le of [true, false]) {
      for (const lie of [0xffffffff, 0x80000000, PCAP_MAX_CAPLEN + 1]) {
        const b = s.bytes.slice();
        put32(b, 0, 0xa1b23c4d, le);
        const dv = new DataView(b.buffer);
        dv.setUint16(4, 2, le);
        dv.setUint16(6, 4, le);
        put32(b, 16, 0, le);
        put32(b, 20, 1, le);
        put32(b, s.recordOffsets[0]! + 8, lie, le);
        put32(b, s.recordOffsets[0]! + 12, 0xffffffff, le);
        const before = process.memoryUsage().arrayBuffers;
        const out = attempt(() => parsePcap(b, 'lie.pcap'));
        expect(out.ok).toBe(false);
        expect(badError(out.error, 'lie.pcap', b.length)).toBeNull();
        expect((out.error as PcapError).offsetBytes).toBe(s.recordOffsets[0]! + 8);
        expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
      }
    }
  });
});
