/**
 * Receive Side Scaling: the Toeplitz hash and the indirection table, as
 * specified by Microsoft ("RSS Hashing Functions" and "RSS Verification
 * Suite", Windows NDIS documentation) and implemented by Intel/Mellanox NICs.
 *
 * Toeplitz: for every set bit of the input (most significant bit of the first
 * byte first), XOR into the result the 32-bit window of the key that starts at
 * that bit position. Inputs, in network byte order:
 *   IPv4 with ports     srcIp(4) dstIp(4) srcPort(2) dstPort(2)    = 12 bytes
 *   IPv4 without ports  srcIp(4) dstIp(4)                           =  8 bytes
 *   IPv6 with ports     srcIp(16) dstIp(16) srcPort(2) dstPort(2)  = 36 bytes
 *   IPv6 without ports  srcIp(16) dstIp(16)                         = 32 bytes
 * A zero byte contributes nothing, so the with-ports hash of ports 0 and 0
 * is the without-ports hash.
 *
 * Speed: the hash is linear over XOR, so each input byte contributes the XOR
 * of the windows for its set bits, independent of the other bytes. A
 * ToeplitzKey precomputes, per input byte position p and byte value v, that
 * contribution in `table[p * 256 + v]`; a hash is then one table load and
 * XOR per input byte, no branches, no allocation.
 */

/**
 * The default 40-byte RSS key published with the Microsoft RSS verification
 * suite (also the default of many NIC drivers and of DPDK's testpmd).
 * Treat as read-only: ToeplitzKey copies the bytes it is given.
 */
export const DEFAULT_RSS_KEY_BYTES: Uint8Array = Uint8Array.of(
  0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
  0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
  0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
  0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
  0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
);

/** Input bytes of the IPv4 4-tuple: the shortest key must cover it. */
const IPV4_TUPLE_BYTES = 12;
/** Input bytes of the IPv6 4-tuple, the longest input (needs a key of 40 bytes, as the default). */
const IPV6_TUPLE_BYTES = 36;

/** A Toeplitz key with its per-byte contribution tables. */
export class ToeplitzKey {
  readonly keyBytes: Uint8Array;
  /**
   * table[p * 256 + v]: XOR of the key windows for the set bits of value v at
   * input byte position p. Int32Array so the XOR chain stays in int32.
   */
  readonly table: Int32Array;
  /** Input bytes the key covers (its length minus one 32-bit window, at most 36): 36 for IPv6 4-tuples. */
  readonly inputBytes: number;

  /** COLD: the key must cover the input plus one 32-bit window (>= 16 bytes; 40 for IPv6). */
  constructor(keyBytes: Uint8Array) {
    const needBytes = IPV4_TUPLE_BYTES + 4;
    if (keyBytes.length < needBytes) {
      throw new RangeError(`ToeplitzKey: key is ${keyBytes.length} bytes, need at least ${needBytes} for an IPv4 4-tuple`);
    }
    this.keyBytes = Uint8Array.from(keyBytes);
    const kb = this.keyBytes;
    // The 32-bit key window starting at bit position `bit` (bit 0 = MSB of byte 0).
    const window = (bit: number): number => {
      const b = bit >>> 3;
      const s = bit & 7;
      const hi = (kb[b]! << 24) | (kb[b + 1]! << 16) | (kb[b + 2]! << 8) | kb[b + 3]!;
      return s === 0 ? hi | 0 : (hi << s) | ((b + 4 < kb.length ? kb[b + 4]! : 0) >>> (8 - s));
    };
    const rows = Math.min(IPV6_TUPLE_BYTES, kb.length - 4);
    this.inputBytes = rows;
    const table = new Int32Array(rows * 256);
    for (let p = 0; p < rows; p++) {
      const row = p * 256;
      for (let v = 1; v < 256; v++) {
        // Build from the value without its lowest set bit (already computed).
        const low = v & -v;
        const bitInByte = 7 - (31 - Math.clz32(low)); // 0 = MSB
        table[row + v] = table[row + (v ^ low)]! ^ window(p * 8 + bitInByte);
      }
    }
    this.table = table;
  }
}

/** The Microsoft default key, precomputed once. */
export const DEFAULT_TOEPLITZ_KEY = new ToeplitzKey(DEFAULT_RSS_KEY_BYTES);

/** HOT: Toeplitz hash (uint32) of the IPv4 4-tuple; addresses as uint32, ports as uint16, host order. */
export function toeplitzIpv4(
  srcIp: number,
  dstIp: number,
  srcPort: number,
  dstPort: number,
  key: ToeplitzKey = DEFAULT_TOEPLITZ_KEY,
): number {
  const t = key.table;
  return (
    t[srcIp >>> 24]! ^
    t[256 + ((srcIp >>> 16) & 255)]! ^
    t[512 + ((srcIp >>> 8) & 255)]! ^
    t[768 + (srcIp & 255)]! ^
    t[1024 + (dstIp >>> 24)]! ^
    t[1280 + ((dstIp >>> 16) & 255)]! ^
    t[1536 + ((dstIp >>> 8) & 255)]! ^
    t[1792 + (dstIp & 255)]! ^
    t[2048 + ((srcPort >>> 8) & 255)]! ^
    t[2304 + (srcPort & 255)]! ^
    t[2560 + ((dstPort >>> 8) & 255)]! ^
    t[2816 + (dstPort & 255)]!
  ) >>> 0;
}

/** HOT: Toeplitz hash (uint32) of the IPv4 address pair only (non-TCP/UDP or fragments). */
export function toeplitzIpv4NoPorts(srcIp: number, dstIp: number, key: ToeplitzKey = DEFAULT_TOEPLITZ_KEY): number {
  const t = key.table;
  return (
    t[srcIp >>> 24]! ^
    t[256 + ((srcIp >>> 16) & 255)]! ^
    t[512 + ((srcIp >>> 8) & 255)]! ^
    t[768 + (srcIp & 255)]! ^
    t[1024 + (dstIp >>> 24)]! ^
    t[1280 + ((dstIp >>> 16) & 255)]! ^
    t[1536 + ((dstIp >>> 8) & 255)]! ^
    t[1792 + (dstIp & 255)]!
  ) >>> 0;
}

/**
 * HOT: Toeplitz hash (uint32) of the IPv6 4-tuple: the 16-byte source and
 * destination addresses at `srcOff` and `dstOff` of `bytes` (as in the
 * packet), ports as uint16, host order. Ports 0 and 0 give the
 * address-only hash (non-TCP/UDP packets).
 * @throws RangeError if the key is shorter than 40 bytes.
 */
export function toeplitzIpv6(
  bytes: Uint8Array,
  srcOff: number,
  dstOff: number,
  srcPort: number,
  dstPort: number,
  key: ToeplitzKey = DEFAULT_TOEPLITZ_KEY,
): number {
  if (key.inputBytes < IPV6_TUPLE_BYTES) {
    throw new RangeError(`toeplitzIpv6: the key covers ${key.inputBytes} input bytes, an IPv6 4-tuple is ${IPV6_TUPLE_BYTES} (a 40-byte key)`);
  }
  const t = key.table;
  let h = 0;
  for (let i = 0; i < 16; i++) h ^= t[i * 256 + bytes[srcOff + i]!]!;
  for (let i = 0; i < 16; i++) h ^= t[(16 + i) * 256 + bytes[dstOff + i]!]!;
  return (
    h ^
    t[32 * 256 + ((srcPort >>> 8) & 255)]! ^
    t[33 * 256 + (srcPort & 255)]! ^
    t[34 * 256 + ((dstPort >>> 8) & 255)]! ^
    t[35 * 256 + (dstPort & 255)]!
  ) >>> 0;
}

/** Default indirection-table size (entries); 128 is what Microsoft's spec and many 10G NICs use. */
export const DEFAULT_RETA_SIZE = 128;

/**
 * HOT: RX queue for a hash with the default round-robin indirection table:
 * entry i holds queue i % numQueues (the fill Linux drivers use by default,
 * `ethtool_rxfh_indir_default`, and DPDK's testpmd), and the table is indexed
 * by the low log2(retaSize) bits of the hash, as the Microsoft spec says.
 * Equivalent to `new Reta(numQueues, retaSize).queueOf(hash)` without a table.
 * Preconditions (not checked here): retaSize a power of two, numQueues >= 1.
 */
export function rssQueue(hash: number, numQueues: number, retaSize: number = DEFAULT_RETA_SIZE): number {
  return (hash & (retaSize - 1)) % numQueues;
}

/**
 * An explicit redirection table, for when entries are rewritten (e.g. a
 * controller rebalancing queues); starts with the same round-robin fill as
 * rssQueue().
 */
export class Reta {
  readonly entries: Uint16Array;
  private readonly mask: number;

  /** COLD: numQueues in 1..65535, size a power of two in 1..65536. */
  constructor(
    readonly numQueues: number,
    size: number = DEFAULT_RETA_SIZE,
  ) {
    if (!Number.isInteger(numQueues) || numQueues < 1 || numQueues > 65535) {
      throw new RangeError(`Reta: numQueues must be an integer in 1..65535, got ${numQueues}`);
    }
    if (!Number.isInteger(size) || size < 1 || size > 65536 || (size & (size - 1)) !== 0) {
      throw new RangeError(`Reta: size must be a power of two in 1..65536, got ${size}`);
    }
    this.entries = new Uint16Array(size);
    for (let i = 0; i < size; i++) this.entries[i] = i % numQueues;
    this.mask = size - 1;
  }

  /** HOT: queue for a hash (low bits index the table). */
  queueOf(hash: number): number {
    return this.entries[hash & this.mask]!;
  }

  /** COLD: point table entry `index` at `queue`. */
  set(index: number, queue: number): void {
    if (!Number.isInteger(index) || index < 0 || index > this.mask) {
      throw new RangeError(`Reta.set: index must be an integer in 0..${this.mask}, got ${index}`);
    }
    if (!Number.isInteger(queue) || queue < 0 || queue >= this.numQueues) {
      throw new RangeError(`Reta.set: queue must be an integer in 0..${this.numQueues - 1}, got ${queue}`);
    }
    this.entries[index] = queue;
  }
}
