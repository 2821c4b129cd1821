/**
 * Bidirectional TCP connection table (urlfilter's flow state).
 *
 * A connection is one entry, keyed by its two endpoints in canonical order
 * (the lexicographically smaller (ip, port) is endpoint A; IPv4 addresses
 * are stored v4-mapped, ::ffff:a.b.c.d, so one 9-word key format serves both
 * families). A packet's direction (`dir`) is 0 when it comes from A.
 *
 * Open addressing with linear probing over a power-of-two slot array at most
 * half full (slots = nextPow2(2 * capacity)); a slot holds (entry id, hash)
 * so a mismatching probe does not touch the entry. Deletion is backward
 * shift (Knuth, TAOCP vol. 3, 6.4 Algorithm R): no tombstones, so probe
 * lengths do not degrade with churn. Entry ids come from a free stack;
 * per-entry state is struct-of-arrays indexed by id (per-direction state
 * lives in tcp-reassembly.ts, indexed 2 * id + dir).
 *
 * Idle entries: each entry keeps the time of its connection's last packet
 * (`touch`). The owner ages them lazily, as Snort's stream preprocessor
 * does its sessions: a lookup that finds an idle entry removes it and
 * misses (the connection starts over), and when the table is full `reclaim`
 * looks at a few entries from a clock hand and frees the first idle one.
 *
 * Simulated memory: slots are 8 bytes; an entry record is one 64-byte line
 * holding the key (36 bytes), the flags byte and the last-seen time (8
 * bytes at 40). Declared: every probed slot, the key on a hash match,
 * slot/entry writes on insert, flag and last-seen writes, the entries
 * reclaim looks at, and the slots a deletion shifts.
 * All methods except the constructor are HOT: no allocation, no throwing.
 */
import type { MemoryModel } from './nf.js';

export const KEY_WORDS = 9;
const SLOT_BYTES = 8;
const ENTRY_BYTES = 64;
const KEY_BYTES = KEY_WORDS * 4;
/** Offset of the last-seen time in an entry record. */
const SEEN_OFF = 40;
const EMPTY = -1;

/** Entry flags. */
export const CONN_BLOCKED = 1;
export const CONN_FIN0 = 2;
export const CONN_FIN1 = 4;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

export class TcpConnTable {
  readonly capacity: number;
  readonly slotCount: number;
  private readonly slotMask: number;
  private readonly slotEntry: Int32Array;
  private readonly slotHash: Uint32Array;
  private readonly keys: Uint32Array;
  private readonly entryHash: Uint32Array;
  readonly flags: Uint8Array;
  private readonly freeIds: Int32Array;
  private freeCount: number;
  /** Per entry: virtual time (cycles) of the connection's last packet (touch). */
  readonly lastSeen: Float64Array;
  /** Per entry: 1 while it holds a connection. */
  private readonly live: Uint8Array;
  /** Next entry id reclaim looks at. */
  private hand = 0;

  /** Key of the packet being looked up (canonical), its hash and the packet's direction. */
  readonly key = new Uint32Array(KEY_WORDS);
  private keyHash = 0;
  dir = 0;
  /** Slot where the last failed lookup stopped (where insert() puts the entry). */
  private freeSlot = 0;

  private slotAddr = 0;
  private entryAddr = 0;

  /** COLD: room for `capacity` connections. */
  constructor(capacity: number) {
    this.capacity = capacity;
    let slots = 16;
    while (slots < 2 * capacity) slots *= 2;
    this.slotCount = slots;
    this.slotMask = slots - 1;
    this.slotEntry = new Int32Array(slots).fill(EMPTY);
    this.slotHash = new Uint32Array(slots);
    this.keys = new Uint32Array(capacity * KEY_WORDS);
    this.entryHash = new Uint32Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.freeIds = new Int32Array(capacity);
    for (let i = 0; i < capacity; i++) this.freeIds[i] = capacity - 1 - i;
    this.freeCount = capacity;
    this.lastSeen = new Float64Array(capacity);
    this.live = new Uint8Array(capacity);
  }

  get slotBytes(): number {
    return this.slotCount * SLOT_BYTES;
  }

  get entryBytes(): number {
    return this.capacity * ENTRY_BYTES;
  }

  /** COLD: simulated base addresses of the slot array and the entry records. */
  place(slotAddr: number, entryAddr: number): void {
    this.slotAddr = slotAddr;
    this.entryAddr = entryAddr;
  }

  /** Connections in the table. */
  get size(): number {
    return this.capacity - this.freeCount;
  }

  /** HOT: key of an IPv4 packet. */
  setKeyV4(srcIp: number, dstIp: number, srcPort: number, dstPort: number): void {
    const k = this.key;
    const srcFirst = srcIp !== dstIp ? srcIp < dstIp : srcPort <= dstPort;
    this.dir = srcFirst ? 0 : 1;
    k[0] = 0; k[1] = 0; k[2] = 0xffff; k[3] = srcFirst ? srcIp : dstIp;
    k[4] = 0; k[5] = 0; k[6] = 0xffff; k[7] = srcFirst ? dstIp : srcIp;
    k[8] = srcFirst ? ((srcPort << 16) | dstPort) >>> 0 : ((dstPort << 16) | srcPort) >>> 0;
    this.hashKey();
  }

  /** HOT: key of an IPv6 packet whose 16-byte addresses are at srcOff / dstOff of buf. */
  setKeyV6(buf: Uint8Array, srcOff: number, dstOff: number, srcPort: number, dstPort: number): void {
    let cmp = 0;
    for (let i = 0; i < 16 && cmp === 0; i++) cmp = buf[srcOff + i]! - buf[dstOff + i]!;
    const srcFirst = cmp !== 0 ? cmp < 0 : srcPort <= dstPort;
    this.dir = srcFirst ? 0 : 1;
    const a = srcFirst ? srcOff : dstOff;
    const b = srcFirst ? dstOff : srcOff;
    const k = this.key;
    for (let w = 0; w < 4; w++) {
      k[w] = ((buf[a + 4 * w]! << 24) | (buf[a + 4 * w + 1]! << 16) | (buf[a + 4 * w + 2]! << 8) | buf[a + 4 * w + 3]!) >>> 0;
      k[4 + w] = ((buf[b + 4 * w]! << 24) | (buf[b + 4 * w + 1]! << 16) | (buf[b + 4 * w + 2]! << 8) | buf[b + 4 * w + 3]!) >>> 0;
    }
    k[8] = srcFirst ? ((srcPort << 16) | dstPort) >>> 0 : ((dstPort << 16) | srcPort) >>> 0;
    this.hashKey();
  }

  /** MurmurHash3-style (Appleby) mix of the nine key words. */
  private hashKey(): void {
    const k = this.key;
    let h = 0x5bd1e995;
    for (let i = 0; i < KEY_WORDS; i++) {
      let x = Math.imul(k[i]!, 0xcc9e2d51);
      x = Math.imul(rotl(x, 15), 0x1b873593);
      h = (Math.imul(rotl(h ^ x, 13), 5) + 0xe6546b64) | 0;
    }
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    this.keyHash = h >>> 0;
  }

  /** HOT: entry id of the current key, or -1 (and remember the empty slot for insert). */
  lookup(mem: MemoryModel): number {
    const hash = this.keyHash;
    const k = this.key;
    let i = hash & this.slotMask;
    // Terminates: the table is at most half full, so an empty slot exists.
    for (;;) {
      mem.read(this.slotAddr + i * SLOT_BYTES, SLOT_BYTES);
      const e = this.slotEntry[i]!;
      if (e === EMPTY) {
        this.freeSlot = i;
        return -1;
      }
      if (this.slotHash[i] === hash) {
        mem.read(this.entryAddr + e * ENTRY_BYTES, KEY_BYTES + 1);
        const base = e * KEY_WORDS;
        let w = 0;
        while (w < KEY_WORDS && this.keys[base + w] === k[w]) w++;
        if (w === KEY_WORDS) return e;
      }
      i = (i + 1) & this.slotMask;
    }
  }

  /** HOT: after a failed lookup(), add the current key; returns its entry id, or -1 if the table is full. */
  insert(mem: MemoryModel): number {
    if (this.freeCount === 0) return -1;
    const e = this.freeIds[--this.freeCount]!;
    const i = this.freeSlot;
    this.slotEntry[i] = e;
    this.slotHash[i] = this.keyHash;
    this.entryHash[e] = this.keyHash;
    const base = e * KEY_WORDS;
    for (let w = 0; w < KEY_WORDS; w++) this.keys[base + w] = this.key[w]!;
    this.flags[e] = 0;
    this.live[e] = 1;
    mem.write(this.slotAddr + i * SLOT_BYTES, SLOT_BYTES);
    mem.write(this.entryAddr + e * ENTRY_BYTES, KEY_BYTES + 1);
    return e;
  }

  /** HOT: entry e's connection saw a packet at `now` (cycles). */
  touch(e: number, now: number, mem: MemoryModel): void {
    this.lastSeen[e] = now;
    mem.write(this.entryAddr + e * ENTRY_BYTES + SEEN_OFF, 8);
  }

  /**
   * HOT: the table is full; look at up to `scan` entries from the clock
   * hand and remove the first whose last packet is older than `now - idle`.
   * True if one was freed (the caller then looks its key up again: a
   * removal moves slots).
   */
  reclaim(now: number, idle: number, scan: number, mem: MemoryModel): boolean {
    const cap = this.capacity;
    for (let k = 0; k < scan; k++) {
      const e = this.hand;
      this.hand = e + 1 === cap ? 0 : e + 1;
      if (this.live[e] === 0) continue;
      mem.read(this.entryAddr + e * ENTRY_BYTES + SEEN_OFF, 8);
      if (now - this.lastSeen[e]! > idle) {
        this.remove(e, mem);
        return true;
      }
    }
    return false;
  }

  /** HOT: set entry e's flags. */
  setFlags(e: number, f: number, mem: MemoryModel): void {
    this.flags[e] = f;
    mem.write(this.entryAddr + e * ENTRY_BYTES + KEY_BYTES, 1);
  }

  /** HOT: remove entry e (backward-shift deletion). */
  remove(e: number, mem: MemoryModel): void {
    const mask = this.slotMask;
    let i = this.entryHash[e]! & mask;
    while (this.slotEntry[i] !== e) i = (i + 1) & mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      mem.read(this.slotAddr + j * SLOT_BYTES, SLOT_BYTES);
      const f = this.slotEntry[j]!;
      if (f === EMPTY) break;
      const home = this.slotHash[j]! & mask;
      // The entry at j may stay if its home lies cyclically in (i, j].
      const stays = i <= j ? i < home && home <= j : i < home || home <= j;
      if (stays) continue;
      this.slotEntry[i] = f;
      this.slotHash[i] = this.slotHash[j]!;
      mem.write(this.slotAddr + i * SLOT_BYTES, SLOT_BYTES);
      i = j;
    }
    this.slotEntry[i] = EMPTY;
    mem.write(this.slotAddr + i * SLOT_BYTES, SLOT_BYTES);
    this.live[e] = 0;
    this.freeIds[this.freeCount++] = e;
  }
}
