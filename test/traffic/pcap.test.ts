import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  PCAP_MAX_CAPLEN,
  PcapError,
  PcapWriter,
  encodePcap,
  parsePcap,
  readPcapFile,
  type PcapFile,
} from '../../src/traffic/pcap.js';

const dir = mkdtempSync(join(tmpdir(), 'emu-pcap-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function frame(len: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: len }, (_, i) => (i * 31 + seed * 7) & 255);
}

function dataOf(f: PcapFile, i: number): Uint8Array {
  return f.bytes.subarray(f.dataOffset[i]!, f.dataOffset[i]! + f.capLen[i]!);
}

/** Catch the PcapError a parse must throw. */
function pcapErrorOf(bytes: Uint8Array, name = 'bad.pcap'): PcapError {
  try {
    parsePcap(bytes, name);
  } catch (e) {
    expect(e).toBeInstanceOf(PcapError);
    return e as PcapError;
  }
  throw new Error('parsePcap did not throw');
}

/** Absolute timestamp of record i in ns, computed exactly from the raw header. */
function rawTsNs(f: PcapFile, i: number): bigint {
  const dv = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
  const off = f.dataOffset[i]! - 16;
  const sec = BigInt(dv.getUint32(off, f.littleEndian));
  const frac = BigInt(dv.getUint32(off + 4, f.littleEndian));
  return sec * 1_000_000_000n + (f.nanoResolution ? frac : frac * 1000n);
}

describe('encodePcap / parsePcap round trip', () => {
  const records = [
    { tsNs: 0, data: frame(64, 1) },
    { tsNs: 1_500, data: frame(60, 2), origLen: 1514 },
    { tsNs: 2_000_000_123, data: frame(1518, 3) },
  ];

  it('nanosecond little-endian (the default) keeps every field exactly', () => {
    const bytes = encodePcap(records);
    // Header bytes, as a classic pcap reader expects them.
    expect(Array.from(bytes.subarray(0, 24))).toEqual([
      0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x04, 0x00, 1, 0, 0, 0,
    ]);
    const f = parsePcap(bytes, 'rt.pcap');
    expect(f).toMatchObject({ linkType: 1, nanoResolution: true, littleEndian: true, snapLen: 262144, count: 3, tsBaseSec: 0 });
    expect(Array.from(f.tsNs)).toEqual([0, 1_500, 2_000_000_123]);
    expect(Array.from(f.capLen)).toEqual([64, 60, 1518]);
    expect(Array.from(f.origLen)).toEqual([64, 1514, 1518]);
    expect(Array.from(f.dataOffset)).toEqual([40, 120, 196]);
    for (let i = 0; i < 3; i++) expect(dataOf(f, i)).toEqual(records[i]!.data);
    // Record header of record 2: sec 2, ns 123.
    const dv = new DataView(bytes.buffer);
    expect([dv.getUint32(180, true), dv.getUint32(184, true)]).toEqual([2, 123]);
  });

  it('microsecond files floor to whole microseconds', () => {
    const bytes = encodePcap(records, { nanoResolution: false });
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0xd4, 0xc3, 0xb2, 0xa1]);
    const f = parsePcap(bytes, 'us.pcap');
    expect(f.nanoResolution).toBe(false);
    expect(Array.from(f.tsNs)).toEqual([0, 1_000, 2_000_000_000]);
    for (let i = 0; i < 3; i++) expect(dataOf(f, i)).toEqual(records[i]!.data);
  });

  it('big-endian files from encodePcap parse identically', () => {
    for (const nano of [true, false]) {
      const bytes = encodePcap(records, { littleEndian: false, nanoResolution: nano });
      expect(bytes[0]).toBe(0xa1);
      const f = parsePcap(bytes, 'be.pcap');
      expect(f.littleEndian).toBe(false);
      expect(f.nanoResolution).toBe(nano);
      expect(Array.from(f.capLen)).toEqual([64, 60, 1518]);
      expect(Array.from(f.origLen)).toEqual([64, 1514, 1518]);
    }
  });

  it('parses a big-endian microsecond file crafted byte by byte', () => {
    const payload = [0xde, 0xad, 0xbe, 0xef, 0x01];
    const bytes = Uint8Array.from([
      0xa1, 0xb2, 0xc3, 0xd4, // magic, big-endian, microseconds
      0x00, 0x02, 0x00, 0x04, // version 2.4
      0x00, 0x00, 0x00, 0x00, // thiszone
      0x00, 0x00, 0x00, 0x00, // sigfigs
      0x00, 0x00, 0xff, 0xff, // snaplen 65535
      0x00, 0x00, 0x00, 0x01, // linktype 1 (Ethernet)
      0x00, 0x00, 0x00, 0x07, // ts_sec 7
      0x00, 0x00, 0x01, 0xf4, // ts_usec 500
      0x00, 0x00, 0x00, 0x05, // caplen 5
      0x00, 0x00, 0x00, 0x40, // origlen 64
      ...payload,
    ]);
    const f = parsePcap(bytes, 'craft.pcap');
    expect(f).toMatchObject({ littleEndian: false, nanoResolution: false, snapLen: 65535, count: 1, tsBaseSec: 0 });
    expect(f.tsNs[0]).toBe(7_000_500_000);
    expect(f.capLen[0]).toBe(5);
    expect(f.origLen[0]).toBe(64);
    expect(Array.from(dataOf(f, 0))).toEqual(payload);
  });

  it('accepts zero records, and a linktype word with FCS information in its upper bits', () => {
    const empty = parsePcap(encodePcap([]), 'empty.pcap');
    expect(empty.count).toBe(0);
    expect(empty.tsNs.length).toBe(0);
    const fcs = parsePcap(encodePcap([{ tsNs: 1, data: frame(64, 0) }], { linkType: 0x14000001 }), 'fcs.pcap');
    expect(fcs.linkType).toBe(1);
  });

  it('keeps epoch timestamps exact by rebasing, and splits 2^53 - 1 ns exactly', () => {
    const epochSec = 1_700_000_000;
    // Build from raw sec/usec values: tsNs itself would not be exact here.
    const bytes = encodePcap([{ tsNs: 0, data: frame(64, 0) }, { tsNs: 0, data: frame(64, 1) }], { nanoResolution: true });
    const dv = new DataView(bytes.buffer);
    dv.setUint32(24, epochSec, true);
    dv.setUint32(28, 999_999_999, true);
    dv.setUint32(24 + 16 + 64, epochSec + 3, true);
    dv.setUint32(28 + 16 + 64, 1, true);
    const f = parsePcap(bytes, 'epoch.pcap');
    expect(f.tsBaseSec).toBe(epochSec);
    expect(Array.from(f.tsNs)).toEqual([999_999_999, 3_000_000_001]);
    for (let i = 0; i < 2; i++) expect(BigInt(f.tsBaseSec) * 1_000_000_000n + BigInt(f.tsNs[i]!)).toBe(rawTsNs(f, i));

    const edge = [Number.MAX_SAFE_INTEGER, 8_999_999_999_999_999, 1e9 - 1, 1e9, 4_000_000_000_000_000 - 1];
    const g = parsePcap(encodePcap(edge.map((t) => ({ tsNs: t, data: frame(64, 0) }))), 'edge.pcap');
    for (let i = 0; i < edge.length; i++) {
      expect(rawTsNs(g, i)).toBe(BigInt(edge[i]!));
      expect(BigInt(g.tsBaseSec) * 1_000_000_000n + BigInt(g.tsNs[i]!)).toBe(BigInt(edge[i]!));
    }
  });
});

describe('parsePcap errors', () => {
  const good = encodePcap([
    { tsNs: 10, data: frame(64, 0) },
    { tsNs: 20, data: frame(100, 1) },
  ]);

  it('file shorter than the global header', () => {
    const e = pcapErrorOf(good.subarray(0, 7));
    expect(e.message).toBe('bad.pcap: byte 0: file too short for the pcap global header (need 24 bytes, 7 present)');
    expect(e).toMatchObject({ file: 'bad.pcap', offsetBytes: 0, name: 'PcapError' });
  });

  it('unknown magic and pcapng', () => {
    const junk = Uint8Array.from(good);
    junk.set([0x47, 0x49, 0x46, 0x38], 0);
    expect(pcapErrorOf(junk).message).toMatch(/^bad\.pcap: byte 0: unknown magic 0x47494638 .*not a classic pcap file/);
    const ng = Uint8Array.from(good);
    ng.set([0x0a, 0x0d, 0x0d, 0x0a], 0);
    const e = pcapErrorOf(ng);
    expect(e.message).toMatch(/^bad\.pcap: byte 0: .*not a classic pcap file; pcapng is not supported/);
  });

  it('unsupported version', () => {
    const b = Uint8Array.from(good);
    new DataView(b.buffer).setUint16(6, 3, true);
    expect(pcapErrorOf(b).message).toBe('bad.pcap: byte 4: unsupported pcap version 2.3 (only 2.4 is supported)');
  });

  it('link types other than Ethernet, named', () => {
    const e = pcapErrorOf(encodePcap([], { linkType: 113 }));
    expect(e.offsetBytes).toBe(20);
    expect(e.message).toMatch(/linktype 113 LINUX_SLL .*is not supported; only Ethernet \(linktype 1\) is/);
    expect(pcapErrorOf(encodePcap([], { linkType: 147 })).message).toMatch(/byte 20: linktype 147 is not supported/);
  });

  it('record header truncated', () => {
    const b = good.subarray(0, 24 + 7);
    expect(pcapErrorOf(b).message).toBe('bad.pcap: byte 24: record 0: header truncated (need 16 bytes, 7 left)');
    const second = good.subarray(0, 24 + 16 + 64 + 3);
    expect(pcapErrorOf(second).message).toBe('bad.pcap: byte 104: record 1: header truncated (need 16 bytes, 3 left)');
  });

  it('captured length beyond the snapshot length or the 262144-byte maximum', () => {
    const e = pcapErrorOf(encodePcap([{ tsNs: 0, data: frame(64, 0) }, { tsNs: 1, data: frame(200, 0) }], { snapLen: 100 }));
    expect(e.message).toBe('bad.pcap: byte 112: record 1: captured length 200 exceeds the snapshot length 100');
    const big = Uint8Array.from(good);
    new DataView(big.buffer).setUint32(32, PCAP_MAX_CAPLEN + 1, true);
    new DataView(big.buffer).setUint32(36, PCAP_MAX_CAPLEN + 1, true);
    expect(pcapErrorOf(big).message).toBe('bad.pcap: byte 32: record 0: captured length 262145 exceeds the 262144-byte maximum (corrupt file?)');
  });

  it('record data truncated', () => {
    const b = good.subarray(0, good.length - 30);
    expect(pcapErrorOf(b).message).toBe('bad.pcap: byte 120: record 1: data truncated (need 100 bytes, 70 left)');
  });

  it('captured length larger than the original length', () => {
    const e = pcapErrorOf(encodePcap([{ tsNs: 0, data: frame(64, 0), origLen: 60 }]));
    expect(e.message).toBe('bad.pcap: byte 32: record 0: captured length 64 exceeds the original length 60');
  });

  it('a zero snaplen in the header means no limit below the maximum', () => {
    const f = parsePcap(encodePcap([{ tsNs: 0, data: frame(1518, 0) }], { snapLen: 0 }), 'zero-snap.pcap');
    expect(f.snapLen).toBe(0);
    expect(f.capLen[0]).toBe(1518);
  });
});

describe('PcapWriter', () => {
  it('streams records across chunk flushes and reads back exactly', () => {
    const path = join(dir, 'tap.pcap');
    const w = PcapWriter.open(path);
    // One pool-like array holding many packets; the writer copies by offset.
    const pool = new Uint8Array(2048 * 8);
    for (let i = 0; i < pool.length; i++) pool[i] = (i * 13) & 255;
    const n = 1500; // 1500 * ~1.2 KB > 1 MiB: forces at least one mid-stream flush
    const want: { ts: number; off: number; len: number }[] = [];
    for (let i = 0; i < n; i++) {
      const off = (i % 8) * 2048;
      const len = 64 + ((i * 97) % 1455);
      const ts = i * 6_720 + (i % 3);
      w.write(ts, pool, off, len, len);
      want.push({ ts, off, len });
    }
    expect(w.records).toBe(n);
    w.close();
    w.close(); // idempotent
    const f = readPcapFile(path);
    expect(f).toMatchObject({ count: n, nanoResolution: true, littleEndian: true, linkType: 1, snapLen: 262144, tsBaseSec: 0 });
    const bad: number[] = [];
    for (let i = 0; i < n; i++) {
      const { ts, off, len } = want[i]!;
      const same = f.tsNs[i] === ts && f.capLen[i] === len && f.origLen[i] === len &&
        Buffer.compare(dataOf(f, i), pool.subarray(off, off + len)) === 0;
      if (!same) bad.push(i);
    }
    expect(bad).toEqual([]);
    // Header bytes on disk: ns magic LE, 2.4, snaplen 262144, linktype 1.
    const raw = readFileSync(path);
    expect(Array.from(raw.subarray(0, 8))).toEqual([0x4d, 0x3c, 0xb2, 0xa1, 2, 0, 4, 0]);
    expect(raw.readUInt32LE(16)).toBe(262144);
    expect(raw.readUInt32LE(20)).toBe(1);
  });

  it('truncates to snapLen, keeps origLen, floors fractional ns and splits large times exactly', () => {
    const path = join(dir, 'snap.pcap');
    const w = PcapWriter.open(path, { snapLen: 96 });
    const pkt = frame(1518, 9);
    w.write(12.9, pkt, 0, 1518, 1518);
    w.write(Number.MAX_SAFE_INTEGER, pkt, 10, 50, 1000);
    w.write(3_999_999_999, pkt, 0, 64, 64);
    w.close();
    const f = readPcapFile(path);
    expect(f.snapLen).toBe(96);
    expect(Array.from(f.capLen)).toEqual([96, 50, 64]);
    expect(Array.from(f.origLen)).toEqual([1518, 1000, 64]);
    expect(dataOf(f, 0)).toEqual(pkt.subarray(0, 96));
    expect(dataOf(f, 1)).toEqual(pkt.subarray(10, 60));
    expect([rawTsNs(f, 0), rawTsNs(f, 1), rawTsNs(f, 2)]).toEqual([12n, BigInt(Number.MAX_SAFE_INTEGER), 3_999_999_999n]);
  });

  it('an empty capture is a valid 24-byte file', () => {
    const path = join(dir, 'empty.pcap');
    PcapWriter.open(path).close();
    expect(readFileSync(path).length).toBe(24);
    expect(readPcapFile(path).count).toBe(0);
  });

  it('rejects caller bugs loudly', () => {
    const w = PcapWriter.open(join(dir, 'bugs.pcap'));
    const pkt = frame(64, 0);
    expect(() => w.write(-1, pkt, 0, 64, 64)).toThrow(/tsNs must be a number in \[0, 2\^53\)/);
    expect(() => w.write(Number.NaN, pkt, 0, 64, 64)).toThrow(RangeError);
    expect(() => w.write(0, pkt, 0, 64, 60)).toThrow(/capLen <= origLen/);
    expect(() => w.write(0, pkt, 10, 64, 64)).toThrow(/off \+ capLen <= bytes.length/);
    expect(w.records).toBe(0);
    w.close();
    expect(() => w.write(0, pkt, 0, 64, 64)).toThrow(/write after close/);
    expect(() => PcapWriter.open(join(dir, 'x.pcap'), { snapLen: 0 })).toThrow(/snapLen/);
  });

  it('readPcapFile names the path in errors', () => {
    const path = join(dir, 'short.pcap');
    writeFileSync(path, Uint8Array.of(1, 2, 3));
    expect(() => readPcapFile(path)).toThrow(`${path}: byte 0: file too short`);
  });
});
