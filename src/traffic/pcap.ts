/**
 * Classic libpcap capture files (not pcapng): a reader for replay and a
 * writer for taps. Format: draft-ietf-opsawg-pcap ("PCAP Capture File
 * Format", Harris & Richardson), i.e. what libpcap's savefile.c/sf-pcap.c
 * read and write.
 *
 *   file   = global header (24 bytes) + records
 *   global = magic u32 | version major u16 | minor u16 | thiszone i32
 *            | sigfigs u32 | snaplen u32 | linktype-and-info u32
 *   record = ts_sec u32 | ts_frac u32 | caplen u32 | origlen u32 | caplen bytes
 *
 * The magic's byte order gives the file's byte order and its value the
 * timestamp resolution: 0xa1b2c3d4 microseconds, 0xa1b23c4d nanoseconds.
 * Only the low 16 bits of the last header word are the link type (the upper
 * bits may carry FCS information, which readers must ignore; see the draft).
 * thiszone and sigfigs are ignored: writers set them to 0 in practice.
 *
 * This is the only file of src/traffic that touches node:* modules (fs, and
 * Buffer for allocation-free copies).
 */

import { Buffer } from 'node:buffer';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';

export const PCAP_GLOBAL_HEADER_BYTES = 24;
export const PCAP_RECORD_HEADER_BYTES = 16;
/** libpcap's MAXIMUM_SNAPLEN: no sane record is larger, so a larger one means corruption. */
export const PCAP_MAX_CAPLEN = 262144;
export const LINKTYPE_ETHERNET = 1;

const MAGIC_USEC = 0xa1b2c3d4;
const MAGIC_NSEC = 0xa1b23c4d;
/** A pcapng Section Header Block starts with this type; its bytes are a palindrome. */
const MAGIC_PCAPNG = 0x0a0d0d0a;
const NS_PER_SEC = 1e9;
const MAX_SAFE = Number.MAX_SAFE_INTEGER; // 2^53 - 1

/** Names of link types people meet in practice, for error messages (tcpdump.org/linktypes.html). */
const LINKTYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'NULL (BSD loopback)',
  101: 'RAW (raw IP)',
  105: 'IEEE802_11 (Wi-Fi)',
  108: 'LOOP (OpenBSD loopback)',
  113: 'LINUX_SLL (Linux cooked capture, "any" device)',
  127: 'IEEE802_11_RADIOTAP',
  228: 'IPV4',
  229: 'IPV6',
  276: 'LINUX_SLL2 (Linux cooked capture v2)',
};

/** A malformed or unsupported capture file; the message names the file, the byte offset and the problem. */
export class PcapError extends Error {
  constructor(
    readonly file: string,
    readonly offsetBytes: number,
    readonly what: string,
  ) {
    super(`${file}: byte ${offsetBytes}: ${what}`);
    this.name = 'PcapError';
  }
}

export interface PcapFile {
  linkType: number;
  nanoResolution: boolean;
  /** Snapshot length from the header (0 in the header is reported as 0 and treated as PCAP_MAX_CAPLEN). */
  snapLen: number;
  littleEndian: boolean;
  count: number;
  /**
   * Seconds subtracted from every timestamp so tsNs stays exact in a double:
   * 0 when every absolute timestamp in nanoseconds is below 2^53 (e.g. files
   * written by emu's virtual-time taps), otherwise the first record's second
   * (real captures carry Unix-epoch times, ~1.7e18 ns). Always:
   * absolute time in ns = tsBaseSec * 1e9 + tsNs[i].
   */
  tsBaseSec: number;
  /** record i: timestamp in ns relative to tsBaseSec (exact while records span < 104 days). */
  tsNs: Float64Array;
  capLen: Uint32Array;
  origLen: Uint32Array;
  /** Offset of record i's captured bytes in `bytes`. */
  dataOffset: Float64Array;
  /** The whole file (not copied). */
  bytes: Uint8Array;
}

/** COLD: "linktype 113 (LINUX_SLL ...)". */
function describeLinkType(linkType: number): string {
  const name = LINKTYPE_NAMES[linkType];
  return name === undefined ? `linktype ${linkType}` : `linktype ${linkType} ${name}`;
}

function hex32(x: number): string {
  return `0x${(x >>> 0).toString(16).padStart(8, '0')}`;
}

/** COLD: parse and validate a whole classic pcap file held in memory. */
export function parsePcap(bytes: Uint8Array, fileName: string): PcapFile {
  const len = bytes.length;
  if (len < PCAP_GLOBAL_HEADER_BYTES) {
    throw new PcapError(fileName, 0, `file too short for the pcap global header (need ${PCAP_GLOBAL_HEADER_BYTES} bytes, ${len} present)`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magicLe = dv.getUint32(0, true);
  const magicBe = dv.getUint32(0, false);
  let le: boolean;
  let nano: boolean;
  if (magicLe === MAGIC_USEC || magicLe === MAGIC_NSEC) {
    le = true;
    nano = magicLe === MAGIC_NSEC;
  } else if (magicBe === MAGIC_USEC || magicBe === MAGIC_NSEC) {
    le = false;
    nano = magicBe === MAGIC_NSEC;
  } else if (magicBe === MAGIC_PCAPNG) {
    throw new PcapError(fileName, 0, `magic ${hex32(magicBe)} is a pcapng section header: not a classic pcap file; pcapng is not supported (convert it, e.g. editcap -F pcap in.pcapng out.pcap)`);
  } else {
    throw new PcapError(fileName, 0, `unknown magic ${hex32(magicBe)} (bytes as stored): not a classic pcap file (expected a1b2c3d4 or a1b23c4d in either byte order)`);
  }
  const major = dv.getUint16(4, le);
  const minor = dv.getUint16(6, le);
  if (major !== 2 || minor !== 4) {
    throw new PcapError(fileName, 4, `unsupported pcap version ${major}.${minor} (only 2.4 is supported)`);
  }
  const snapLen = dv.getUint32(16, le);
  const linkType = dv.getUint32(20, le) & 0xffff;
  if (linkType !== LINKTYPE_ETHERNET) {
    throw new PcapError(fileName, 20, `${describeLinkType(linkType)} is not supported; only Ethernet (linktype ${LINKTYPE_ETHERNET}) is`);
  }
  // A zero snaplen appears in files from some tools; treat it as "no limit".
  const capLimit = snapLen === 0 ? PCAP_MAX_CAPLEN : snapLen;

  // Pass 1: validate every record, count them and find the timestamp range.
  let count = 0;
  let firstSec = 0;
  let maxSec = 0;
  let off = PCAP_GLOBAL_HEADER_BYTES;
  while (off < len) {
    const left = len - off;
    if (left < PCAP_RECORD_HEADER_BYTES) {
      throw new PcapError(fileName, off, `record ${count}: header truncated (need ${PCAP_RECORD_HEADER_BYTES} bytes, ${left} left)`);
    }
    const sec = dv.getUint32(off, le);
    const capLen = dv.getUint32(off + 8, le);
    const origLen = dv.getUint32(off + 12, le);
    if (capLen > PCAP_MAX_CAPLEN) {
      throw new PcapError(fileName, off + 8, `record ${count}: captured length ${capLen} exceeds the ${PCAP_MAX_CAPLEN}-byte maximum (corrupt file?)`);
    }
    if (capLen > capLimit) {
      throw new PcapError(fileName, off + 8, `record ${count}: captured length ${capLen} exceeds the snapshot length ${snapLen}`);
    }
    if (capLen > origLen) {
      throw new PcapError(fileName, off + 8, `record ${count}: captured length ${capLen} exceeds the original length ${origLen}`);
    }
    const dataLeft = len - off - PCAP_RECORD_HEADER_BYTES;
    if (capLen > dataLeft) {
      throw new PcapError(fileName, off + PCAP_RECORD_HEADER_BYTES, `record ${count}: data truncated (need ${capLen} bytes, ${dataLeft} left)`);
    }
    if (count === 0) firstSec = sec;
    if (sec > maxSec) maxSec = sec;
    count++;
    off += PCAP_RECORD_HEADER_BYTES + capLen;
  }

  const tsBaseSec = maxSec * NS_PER_SEC + (NS_PER_SEC - 1) <= MAX_SAFE ? 0 : firstSec;
  const fracToNs = nano ? 1 : 1000;
  const tsNs = new Float64Array(count);
  const capLenArr = new Uint32Array(count);
  const origLenArr = new Uint32Array(count);
  const dataOffset = new Float64Array(count);
  off = PCAP_GLOBAL_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    const sec = dv.getUint32(off, le);
    const frac = dv.getUint32(off + 4, le);
    const capLen = dv.getUint32(off + 8, le);
    // A fraction >= 1 s (out of spec) is kept as is rather than rejected:
    // the time is still well defined, just not normalised.
    tsNs[i] = (sec - tsBaseSec) * NS_PER_SEC + frac * fracToNs;
    capLenArr[i] = capLen;
    origLenArr[i] = dv.getUint32(off + 12, le);
    dataOffset[i] = off + PCAP_RECORD_HEADER_BYTES;
    off += PCAP_RECORD_HEADER_BYTES + capLen;
  }
  return {
    linkType,
    nanoResolution: nano,
    snapLen,
    littleEndian: le,
    count,
    tsBaseSec,
    tsNs,
    capLen: capLenArr,
    origLen: origLenArr,
    dataOffset,
    bytes,
  };
}

/** COLD: read and parse a file; errors name the path as given. */
export function readPcapFile(path: string): PcapFile {
  const buf = readFileSync(path);
  return parsePcap(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), path);
}

/** Options for encodePcap; defaults match PcapWriter (ns, little-endian, snaplen 262144, Ethernet). */
export interface EncodePcapOptions {
  nanoResolution?: boolean;
  littleEndian?: boolean;
  snapLen?: number;
  linkType?: number;
}

/** Shared by the writer and encodePcap. */
function putGlobalHeader(dv: DataView, le: boolean, nano: boolean, snapLen: number, linkType: number): void {
  dv.setUint32(0, nano ? MAGIC_NSEC : MAGIC_USEC, le);
  dv.setUint16(4, 2, le);
  dv.setUint16(6, 4, le);
  dv.setInt32(8, 0, le); // thiszone: timestamps are UTC / virtual
  dv.setUint32(12, 0, le); // sigfigs
  dv.setUint32(16, snapLen, le);
  dv.setUint32(20, linkType, le);
}

/**
 * HOT: whole seconds of an integer nanosecond count in [0, 2^53). The double
 * division can round up across a second boundary for large values, so the
 * caller's remainder check corrects it; all other steps are exact.
 */
function secondsOf(tNs: number): number {
  let sec = Math.floor(tNs / NS_PER_SEC);
  const rem = tNs - sec * NS_PER_SEC;
  if (rem < 0) sec -= 1;
  else if (rem >= NS_PER_SEC) sec += 1;
  return sec;
}

/** HOT: write one record header at `off`. tNs must be an integer in [0, 2^53). */
function putRecordHeader(dv: DataView, off: number, le: boolean, nano: boolean, tNs: number, capLen: number, origLen: number): void {
  const sec = secondsOf(tNs);
  const fracNs = tNs - sec * NS_PER_SEC;
  dv.setUint32(off, sec, le);
  dv.setUint32(off + 4, nano ? fracNs : Math.floor(fracNs / 1000), le);
  dv.setUint32(off + 8, capLen, le);
  dv.setUint32(off + 12, origLen, le);
}

/** COLD: shared timestamp check; timestamps are floored to whole nanoseconds. */
function checkTsNs(tsNs: number, where: string): void {
  if (!(tsNs >= 0 && tsNs <= MAX_SAFE)) {
    throw new RangeError(`${where}: tsNs must be a number in [0, 2^53), got ${tsNs}`);
  }
}

/**
 * COLD: a complete pcap file in memory, for tests and fixtures. Records are
 * written as given — not truncated to snapLen, not validated against it — so
 * tests can also craft files a reader must reject. Fractional tsNs are
 * floored; microsecond files floor to whole microseconds.
 */
export function encodePcap(records: readonly { tsNs: number; data: Uint8Array; origLen?: number }[], opts: EncodePcapOptions = {}): Uint8Array {
  const le = opts.littleEndian ?? true;
  const nano = opts.nanoResolution ?? true;
  let total = PCAP_GLOBAL_HEADER_BYTES;
  for (let i = 0; i < records.length; i++) total += PCAP_RECORD_HEADER_BYTES + records[i]!.data.length;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  putGlobalHeader(dv, le, nano, opts.snapLen ?? PCAP_MAX_CAPLEN, opts.linkType ?? LINKTYPE_ETHERNET);
  let off = PCAP_GLOBAL_HEADER_BYTES;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    checkTsNs(r.tsNs, `encodePcap: records[${i}]`);
    putRecordHeader(dv, off, le, nano, Math.floor(r.tsNs), r.data.length, r.origLen ?? r.data.length);
    out.set(r.data, off + PCAP_RECORD_HEADER_BYTES);
    off += PCAP_RECORD_HEADER_BYTES + r.data.length;
  }
  return out;
}

/** Output buffer size; records are appended here and flushed with one writeSync when full. */
const WRITER_CHUNK_BYTES = 1 << 20;

/**
 * Streams records to a nanosecond-resolution, little-endian, Ethernet pcap
 * file. Records are truncated to snapLen the way a capture would be (origLen
 * keeps the full length).
 */
export class PcapWriter {
  private fd: number;
  private readonly out: Buffer;
  private readonly outView: DataView;
  private used = 0;
  private count = 0;
  /**
   * Node Buffer view of the last source array, so Buffer#copy (a memcpy, no
   * allocation) can be used. Taps pass the same packet-pool array every time,
   * so the view is made once.
   */
  private srcArray: Uint8Array | null = null;
  private srcBuffer: Buffer = Buffer.alloc(0);

  private constructor(
    fd: number,
    readonly path: string,
    readonly snapLen: number,
  ) {
    this.fd = fd;
    this.out = Buffer.alloc(WRITER_CHUNK_BYTES);
    this.outView = new DataView(this.out.buffer, this.out.byteOffset, this.out.byteLength);
    putGlobalHeader(this.outView, true, true, snapLen, LINKTYPE_ETHERNET);
    this.used = PCAP_GLOBAL_HEADER_BYTES;
  }

  /** COLD: create (or truncate) `path`. snapLen defaults to 262144. */
  static open(path: string, opts: { snapLen?: number } = {}): PcapWriter {
    const snapLen = opts.snapLen ?? PCAP_MAX_CAPLEN;
    if (!Number.isInteger(snapLen) || snapLen < 1 || snapLen > PCAP_MAX_CAPLEN) {
      throw new RangeError(`PcapWriter.open: snapLen must be an integer in 1..${PCAP_MAX_CAPLEN}, got ${snapLen}`);
    }
    return new PcapWriter(openSync(path, 'w'), path, snapLen);
  }

  /** Records written so far (buffered or flushed). */
  get records(): number {
    return this.count;
  }

  /**
   * HOT: append one record: `capLen` bytes of `bytes` from `off`, stamped
   * tsNs (virtual time, floored to whole ns). Allocation-free. Throws only on
   * caller bugs (closed writer, bad time, origLen < capLen, range outside
   * `bytes`), since a silently corrupt capture is worse than a loud stop.
   */
  write(tsNs: number, bytes: Uint8Array, off: number, capLen: number, origLen: number): void {
    if (this.fd < 0) throw new Error(`PcapWriter(${this.path}): write after close`);
    if (!(tsNs >= 0 && tsNs <= MAX_SAFE)) checkTsNs(tsNs, `PcapWriter(${this.path}).write`); // throws
    if (!(capLen >= 0 && origLen >= capLen && off >= 0 && off + capLen <= bytes.length)) {
      throw new RangeError(
        `PcapWriter(${this.path}).write: need 0 <= capLen <= origLen and off + capLen <= bytes.length (off ${off}, capLen ${capLen}, origLen ${origLen}, length ${bytes.length})`,
      );
    }
    const cap = capLen < this.snapLen ? capLen : this.snapLen;
    if (this.used + PCAP_RECORD_HEADER_BYTES + cap > WRITER_CHUNK_BYTES) this.flush();
    putRecordHeader(this.outView, this.used, true, true, Math.floor(tsNs), cap, origLen);
    this.used += PCAP_RECORD_HEADER_BYTES;
    if (bytes !== this.srcArray) {
      this.srcArray = bytes;
      this.srcBuffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    this.srcBuffer.copy(this.out, this.used, off, off + cap);
    this.used += cap;
    this.count++;
  }

  /** COLD: write buffered bytes to the file. */
  flush(): void {
    if (this.fd < 0) return;
    let done = 0;
    while (done < this.used) done += writeSync(this.fd, this.out, done, this.used - done);
    this.used = 0;
  }

  /** COLD: flush and close; later calls do nothing. */
  close(): void {
    if (this.fd < 0) return;
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
    this.srcArray = null;
  }
}
