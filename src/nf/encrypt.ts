/**
 * encrypt: [Quadrant] chain 2's Encrypt — real ChaCha20 (chacha20.ts) over
 * each packet, in place; the frame length and every header byte stay as
 * they were. The L4 checksum is NOT updated (headers untouched): it no
 * longer verifies until the packet is decrypted.
 *
 *   scope: payload   the bytes after the TCP/UDP/ICMP header, to the end of
 *                    the IP packet (Ethernet padding excluded); for other
 *                    protocols and non-first fragments, everything after
 *                    the IP header.
 *   scope: l3        the whole L3 payload (L4 header included), as ESP
 *                    transport mode would cover it.
 *
 * Key: `key` in hex (32 hex digits for keyBits 128, 64 for 256); without it,
 * a key derived from the scenario seed (Prng(seed).fork(KEY_STREAM)).
 * keyBits 256 is RFC 8439 ChaCha20; keyBits 128 is what [Quadrant] used
 * ("ChaCha, 128-bit key"): the original ChaCha 128-bit key setup
 * ("expand 16-byte k", key used twice). Both run 20 rounds, so they cost
 * the same.
 *
 * Nonce (96 bits, RFC 8439 layout, never reused under one key by one
 * instance):
 *   word 0     flow hash: MurmurHash3-style mix of src/dst address, protocol
 *              and (scope payload only — with scope l3 they are encrypted)
 *              the ports; IPv6 addresses contribute all 8 words.
 *   words 1,2  this instance's packet counter (low, high 32 bits): the number
 *              of packets it emitted before this one (the `packets` counter;
 *              a packet with an empty region uses up a value too).
 * Block counter starts at 1 (block 0 is left for a Poly1305 key, as in
 * RFC 8439 §2.8, should authentication be added). A receiver needs the key
 * and the packet's counter value, which a real protocol would carry in the
 * packet (ESP's sequence number); this NF does not grow packets, so the
 * counter is implicit — tests and tools decrypt with decryptFrame().
 *
 * Frames the parser rejects are dropped under its reason names
 * (`truncated_ip`, ...), including non-IP frames such as ARP
 * (`unsupported_ethertype`): an encryptor must not leak what it cannot
 * encrypt.
 *
 * Cost: cyclesPerByte is per KEYSTREAM byte, charged via chargeCycles as
 * 64 * blocks * cyclesPerByte, because ChaCha20 pays whole 64-byte blocks
 * and the engine's per-byte cost would also count the headers. The
 * packet bytes are declared with ctx.readPacket/writePacket.
 */
import { asObject, joinPath, readInt, readNumber, readString, rejectUnknownKeys, type Problems } from '../util/config-check.js';
import { ParsedPacket, ParseResult, parsePacket } from '../packet/parse.js';
import { Prng } from '../util/prng.js';
import { CHACHA_BLOCK_BYTES, ChaCha20 } from './chacha20.js';
import type { NfContext, NfCost, NfEnv, NfInstance, NfKind } from './nf.js';
import { PARSE_DROP_REASONS, parseDropIds } from './parse-drops.js';

export interface EncryptConfig {
  /** Hex key, or '' to derive one from the scenario seed. */
  key: string;
  keyBits: 128 | 256;
  scope: 'payload' | 'l3';
  cyclesPerBatch: number;
  cyclesPerPacket: number;
  cyclesPerByte: number;
}

/**
 * Cost basis: cyclesPerByte 5.9 — scalar (integer ALU, no SIMD) ChaCha20 on
 * x86-64, from the table in OpenSSL's crypto/chacha/asm/chacha-x86_64.pl
 * (A. Polyakov): 5.92 cycles/byte on Haswell, 5.87 on Skylake, large
 * buffers. cyclesPerPacket 40 (estimate): header parse (~25), flow hash and
 * nonce set-up (~15).
 */
const DEFAULT_COST = { cyclesPerBatch: 0, cyclesPerPacket: 40, cyclesPerByte: 5.9 } as const;
export const INITIAL_BLOCK_COUNTER = 1;
/** Prng fork id of the seed-derived key ("KEY!" in ASCII). */
const KEY_STREAM = 0x4b455921;
const TWO_POW_32 = 4294967296;
const C_PACKETS = 0;
const C_BYTES_ENCRYPTED = 1;
const COUNTERS = ['packets', 'bytesEncrypted'] as const;
const KEYS = ['key', 'keyBits', 'scope', 'cyclesPerBatch', 'cyclesPerPacket', 'cyclesPerByte'];

function mixWord(h: number, w: number): number {
  let x = Math.imul(w, 0xcc9e2d51);
  x = Math.imul((x << 15) | (x >>> 17), 0x1b873593);
  h ^= x;
  return (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
}

function read32Be(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}

/** HOT: nonce word 0 for a parsed packet (see file comment). */
export function flowHash(buf: Uint8Array, pp: ParsedPacket, withPorts: boolean): number {
  let h = 0x3c6ef372;
  if (pp.ipVersion === 4) {
    h = mixWord(h, pp.srcIp);
    h = mixWord(h, pp.dstIp);
  } else {
    for (let i = 0; i < 16; i += 4) h = mixWord(h, read32Be(buf, pp.srcIp6Off + i));
    for (let i = 0; i < 16; i += 4) h = mixWord(h, read32Be(buf, pp.dstIp6Off + i));
  }
  h = mixWord(h, withPorts ? ((pp.proto << 24) ^ ((pp.srcPort << 16) | pp.dstPort)) : pp.proto);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * HOT: en/decrypts, in place, the region `scope` selects in the frame
 * buf[off, off+len) already parsed into `pp`, as packet number
 * `packetIndex`. Returns the region's first byte offset (absolute) in
 * `regionOff` of `out` and its length in `regionLen`; the blocks used are
 * the return value.
 */
function cryptParsed(cipher: ChaCha20, buf: Uint8Array, pp: ParsedPacket, scopeL3: boolean, packetIndex: number, out: Region): number {
  const start = scopeL3 ? pp.l4Off : pp.payloadOff;
  const end = pp.l3Off + pp.ipTotalLen;
  out.regionOff = start;
  out.regionLen = end - start;
  if (end <= start) return 0;
  cipher.setNonce(flowHash(buf, pp, !scopeL3), packetIndex >>> 0, (packetIndex / TWO_POW_32) >>> 0);
  return cipher.xorInPlace(buf, start, end - start, INITIAL_BLOCK_COUNTER);
}

interface Region { regionOff: number; regionLen: number }

class Encrypt implements NfInstance {
  readonly cost: NfCost;
  readonly counters = new Float64Array(COUNTERS.length);
  /** The key in use (for decryptFrame in tests and tools). */
  readonly keyBytes: Uint8Array;
  private readonly cipher: ChaCha20;
  private readonly parsed = new ParsedPacket();
  private readonly region: Region = { regionOff: 0, regionLen: 0 };
  private readonly parseDropIds: Int32Array;
  private readonly scopeL3: boolean;
  private readonly cyclesPerBlock: number;
  private packetSeq = 0;

  /** COLD */
  constructor(config: EncryptConfig, env: NfEnv) {
    this.cost = { cyclesPerBatch: config.cyclesPerBatch, cyclesPerPacket: config.cyclesPerPacket, cyclesPerByte: 0 };
    this.cyclesPerBlock = config.cyclesPerByte * CHACHA_BLOCK_BYTES;
    this.keyBytes = config.key !== '' ? hexBytes(config.key) : seedKey(env.seed, config.keyBits / 8);
    this.cipher = new ChaCha20(this.keyBytes);
    this.scopeL3 = config.scope === 'l3';
    this.parseDropIds = parseDropIds(env);
  }

  /** HOT */
  process(ctx: NfContext, handles: Uint32Array, count: number): void {
    const pool = ctx.pool;
    const bytes = pool.bytes;
    const pp = this.parsed;
    const region = this.region;
    let blocks = 0;
    for (let i = 0; i < count; i++) {
      const h = handles[i]!;
      const off = pool.frameOffset(h);
      const len = pool.lenBytes[h]!;
      const code = parsePacket(bytes, off, len, pp, false);
      if (code !== ParseResult.Ok) {
        if (len > 0) ctx.readPacket(h, 0, len < 64 ? len : 64);
        ctx.drop(h, this.parseDropIds[code]!);
        continue;
      }
      ctx.readPacket(h, 0, pp.payloadOff - off);
      const b = cryptParsed(this.cipher, bytes, pp, this.scopeL3, this.packetSeq, region);
      this.packetSeq++;
      if (b > 0) {
        blocks += b;
        ctx.readPacket(h, region.regionOff - off, region.regionLen);
        ctx.writePacket(h, region.regionOff - off, region.regionLen);
        this.counters[C_BYTES_ENCRYPTED] += region.regionLen;
      }
      this.counters[C_PACKETS]++;
      ctx.emit(0, h);
    }
    if (blocks > 0) ctx.chargeCycles(blocks * this.cyclesPerBlock);
  }
}

/** COLD: hex string to bytes (the checker has validated it). */
function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >>> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** COLD: a key that is a pure function of the scenario seed. */
function seedKey(seed: number, sizeBytes: number): Uint8Array {
  const rng = new Prng(seed >>> 0).fork(KEY_STREAM);
  const key = new Uint8Array(sizeBytes);
  for (let i = 0; i < sizeBytes; i += 4) {
    const w = rng.nextU32();
    key[i] = w >>> 24; key[i + 1] = w >>> 16; key[i + 2] = w >>> 8; key[i + 3] = w;
  }
  return key;
}

/**
 * COLD (allocates): decrypts, in place, a frame that encrypt emitted as its
 * packet number `packetIndex` (0-based, in the order the instance encrypted
 * them), with key `key` (16 or 32 bytes) and the same scope. Returns false,
 * changing nothing, if the frame's headers do not parse. With scope l3 the
 * L4 header is ciphertext, so an L4 parse failure is expected and ignored.
 */
export function decryptFrame(frame: Uint8Array, key: Uint8Array, scope: 'payload' | 'l3', packetIndex: number): boolean {
  const pp = new ParsedPacket();
  const code = parsePacket(frame, 0, frame.length, pp, false);
  const l3 = scope === 'l3';
  const l4Failure = code === ParseResult.TruncatedL4 || code === ParseResult.BadL4HeaderLen;
  if (code !== ParseResult.Ok && !(l3 && l4Failure)) return false;
  cryptParsed(new ChaCha20(key), frame, pp, l3, packetIndex, { regionOff: 0, regionLen: 0 });
  return true;
}

export const encryptKind: NfKind<EncryptConfig> = {
  name: 'encrypt',
  help: 'ChaCha20 (RFC 8439; 128- or 256-bit key) over the L4 payload or the whole L3 payload, in place',
  gateNames: ['out'],
  dropReasons: PARSE_DROP_REASONS,
  counters: COUNTERS,
  isQueue: false,
  checkConfig(raw: unknown, path: string, p: Problems): EncryptConfig {
    const o = asObject(p, raw ?? {}, path) ?? {};
    rejectUnknownKeys(p, o, KEYS, path);
    const keyBits = readInt(p, o, 'keyBits', path, { min: 128, max: 256, default: 256 });
    if (keyBits !== 128 && keyBits !== 256) p.add(joinPath(path, 'keyBits'), keyBits, '128 or 256');
    const bits = keyBits === 128 ? 128 : 256;
    const digits = bits / 4;
    const key = readString(p, o, 'key', path, {
      default: '', pattern: new RegExp(`^([0-9a-fA-F]{${digits}})?$`), patternHelp: `${digits} hex digits (a ${bits}-bit key)`,
    });
    return {
      key,
      keyBits: bits,
      scope: readString(p, o, 'scope', path, { oneOf: ['payload', 'l3'], default: 'payload' }) as 'payload' | 'l3',
      cyclesPerBatch: readNumber(p, o, 'cyclesPerBatch', path, { min: 0, default: DEFAULT_COST.cyclesPerBatch }),
      cyclesPerPacket: readNumber(p, o, 'cyclesPerPacket', path, { min: 0, default: DEFAULT_COST.cyclesPerPacket }),
      cyclesPerByte: readNumber(p, o, 'cyclesPerByte', path, { min: 0, default: DEFAULT_COST.cyclesPerByte }),
    };
  },
  outputGates: () => 1,
  create: (config, env) => new Encrypt(config, env),
};
