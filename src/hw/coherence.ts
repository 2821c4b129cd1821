/**
 * Packet-line coherence: what a core pays for the lines of a packet that
 * another core (or the NIC) wrote or read before it.
 *
 * The mechanism ([ExecModels] §1.1): the consumer's access is served from
 * wherever the freshest copy is.
 *   - written by the NIC: DDIO on  -> in the LLC of the NIC's socket
 *                                     (LLC hit, or remote-LLC from the other socket);
 *                         DDIO off -> in DRAM (homed on the NIC's socket).
 *   - last held by another core, clean (same socket) -> one LLC access;
 *   - modified by another core (same socket) -> the dirty-transfer total;
 *   - the other core on the other socket -> either, plus the cross-socket penalty;
 *   - the reader's own lines -> whatever its caches say.
 * Inter-core transfer cost therefore comes out of this mechanism and the
 * preset's coherence numbers; there is no "pipeline penalty" constant.
 *
 * Per-packet metadata (PacketLineTable, 8 Int32 words per packet handle, in a
 * SharedArrayBuffer because packets travel between worker threads):
 *
 *   word 0 WRITER      core that last wrote any tracked line; -1 = only the NIC
 *   word 1 HOLDER      core that touched the packet last; -1 = none since the NIC
 *   word 2 DIRTY       lines WRITER modified and no other core has read since
 *   word 3 OLD_DIRTY   lines earlier writers modified, still unread by anyone else
 *   word 4 OLD_WRITER  the writer before WRITER (its socket prices OLD_DIRTY lines)
 *   word 5 TOUCHED     lines any core has read or written since the NIC wrote them
 *   word 6 HELD        lines HOLDER has in its own caches for this packet
 *   word 7             reserved (stride 8: two packets per 64-byte host line)
 *
 * Bit i of a mask is line i of the 2 KiB slot (32 lines of 64 bytes). Lines
 * beyond the 32nd (a bigger slot) are untracked and priced by the reader's caches.
 *
 * Ownership contract: the words of handle h are read and written only by the
 * thread that holds h (see packet/pool.ts): the NIC actor that fills it, then
 * each core it visits. Hand-over is the ring publication that passes h on, so
 * plain (non-atomic) accesses suffice, exactly as for the pool's metadata.
 *
 *   NIC: nicWrote(h) ──ring──► core A: read/writePacket ──ring──► core B: ...
 *
 * Why HOLDER/HELD: the reader's own caches may hold lines of the same slot
 * from an earlier packet, or from before another core modified them; those
 * copies are stale. A core trusts its caches for a line only if it fetched
 * that line for this packet since it became the holder (HELD), or if it is
 * the writer and the line is still dirty in its cache (DIRTY). Otherwise the
 * line is transferred: priced here, installed fresh in its caches (replacing
 * any stale copy), and marked HELD. When HOLDER changes, HELD is reset.
 *
 * Approximations (documented in docs/hardware-model.md):
 *   - A clean line is fetched from the LLC of WRITER's socket (the NIC's
 *     socket if only the NIC wrote): the socket of whichever core merely read
 *     it last is not tracked.
 *   - A line the reader itself wrote, that another core then read, and that
 *     comes back to the reader, is priced as a clean transfer (in reality a
 *     Shared copy may still sit in its L1).
 *   - Upgrading a Shared line to Modified (read, then write the same line) is
 *     not charged; the first access pays the transfer.
 *   - OLD_DIRTY keeps one previous writer's socket for all earlier writers.
 *   - Lines never leave the places above with time: a packet that waits long
 *     in a queue is not evicted to DRAM.
 *
 * HOT: readPacket, writePacket, markWritten, nicWrote. No allocation. COLD:
 * constructors. No `node:*` imports.
 */
import { MemoryHierarchy } from './memory.js';
import {
  SRC_COH_CLEAN,
  SRC_COH_DIRTY,
  SRC_COH_REMOTE,
  SRC_DRAM_LOCAL,
  SRC_DRAM_REMOTE,
  SRC_LLC,
  SRC_REMOTE_LLC,
} from './mem-counters.js';
import { type MachinePreset, socketOfCore, totalCores } from './preset.js';
import { freshSab, type SabSource } from '../util/sab-source.js';

/** packetLineCost's answer when the reader is the writer: price the line through the reader's own caches. */
export const PRICE_BY_CACHES = -1;
/** Writer id of a line the NIC wrote (DMA). */
export const NIC_WRITER = -1;

/**
 * Pure price of the first access by `readerCore` to a packet line last
 * written by `writerCore` (NIC_WRITER = the NIC), `dirty` if the writer still
 * holds it modified. Returns PRICE_BY_CACHES when reader = writer.
 * Cores use the preset's numbering (socket = floor(core / coresPerSocket)).
 */
export function packetLineCost(
  preset: MachinePreset,
  readerCore: number,
  writerCore: number,
  dirty: boolean,
  ddio: boolean,
  nicSocket: number,
): number {
  if (writerCore === readerCore) return PRICE_BY_CACHES;
  const readerSocket = socketOfCore(preset, readerCore);
  if (writerCore < 0) {
    if (ddio) return readerSocket === nicSocket ? preset.caches.LLC.latencyCycles : preset.caches.LLC.remoteLatencyCycles;
    return readerSocket === nicSocket ? preset.dram.localLatencyCycles : preset.dram.remoteLatencyCycles;
  }
  const co = preset.coherence;
  const base = dirty ? co.dirtyTransferCycles : co.cleanTransferCycles;
  return socketOfCore(preset, writerCore) === readerSocket ? base : base + co.crossSocketPenaltyCycles;
}

// ------------------------------------------------------------ metadata table

/** Int32 words of metadata per packet handle. */
export const PKT_LINE_WORDS = 8;
export const PKT_W_WRITER = 0;
export const PKT_W_HOLDER = 1;
export const PKT_W_DIRTY = 2;
export const PKT_W_OLD_DIRTY = 3;
export const PKT_W_OLD_WRITER = 4;
export const PKT_W_TOUCHED = 5;
export const PKT_W_HELD = 6;
/** Lines tracked per packet: one bit each in a 32-bit mask (a 2 KiB slot of 64-byte lines). */
export const PKT_TRACKED_LINES = 32;

/** Per-packet line metadata in shared memory; see the file comment for the words. */
export class PacketLineTable {
  readonly capacity: number;
  readonly sab: SharedArrayBuffer;
  readonly words: Int32Array;

  private constructor(capacity: number, sab: SharedArrayBuffer) {
    this.capacity = capacity;
    this.sab = sab;
    this.words = new Int32Array(sab, 0, capacity * PKT_LINE_WORDS);
  }

  static bytesFor(capacity: number): number {
    return capacity * PKT_LINE_WORDS * 4;
  }

  /**
   * COLD: a new table (its buffer from `newSab`, fresh or reused: every
   * word a packet's state uses is rewritten), every packet as if just
   * written by the NIC.
   */
  static create(capacity: number, newSab: SabSource = freshSab): PacketLineTable {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    const t = new PacketLineTable(capacity, newSab(PacketLineTable.bytesFor(capacity)).sab);
    for (let h = 0; h < capacity; h++) t.nicWrote(h);
    return t;
  }

  /** COLD: views on a table created elsewhere (in each worker). */
  static attach(sab: SharedArrayBuffer, capacity: number): PacketLineTable {
    if (sab.byteLength < PacketLineTable.bytesFor(capacity)) {
      throw new RangeError(`packet line table for ${capacity} packets needs ${PacketLineTable.bytesFor(capacity)} bytes, got ${sab.byteLength}`);
    }
    return new PacketLineTable(capacity, sab);
  }

  /** HOT: the NIC (DMA) just wrote packet h: every line is where the NIC put it, no core holds any. */
  nicWrote(h: number): void {
    const w = this.words;
    const b = h * PKT_LINE_WORDS;
    w[b + PKT_W_WRITER] = NIC_WRITER;
    w[b + PKT_W_HOLDER] = -1;
    w[b + PKT_W_DIRTY] = 0;
    w[b + PKT_W_OLD_DIRTY] = 0;
    w[b + PKT_W_OLD_WRITER] = NIC_WRITER;
    w[b + PKT_W_TOUCHED] = 0;
    w[b + PKT_W_HELD] = 0;
  }

  writerOf(h: number): number {
    return this.words[h * PKT_LINE_WORDS + PKT_W_WRITER]!;
  }
  holderOf(h: number): number {
    return this.words[h * PKT_LINE_WORDS + PKT_W_HOLDER]!;
  }
  dirtyMaskOf(h: number): number {
    return this.words[h * PKT_LINE_WORDS + PKT_W_DIRTY]! >>> 0;
  }
  oldDirtyMaskOf(h: number): number {
    return this.words[h * PKT_LINE_WORDS + PKT_W_OLD_DIRTY]! >>> 0;
  }
  touchedMaskOf(h: number): number {
    return this.words[h * PKT_LINE_WORDS + PKT_W_TOUCHED]! >>> 0;
  }
  heldMaskOf(h: number): number {
    return this.words[h * PKT_LINE_WORDS + PKT_W_HELD]! >>> 0;
  }
}

// ------------------------------------------------------------ per-core pricer

export interface PacketCoherenceOptions {
  /** DDIO on or off (default: the preset's nic.ddio). */
  ddio?: boolean;
  /** Socket of the NIC that wrote the packets (default: the preset's nic.socket). */
  nicSocket?: number;
  /** Socket of each core id that may appear as a writer (default: the preset's numbering). */
  coreSockets?: ArrayLike<number>;
}

const MODE_READ = 0;
const MODE_WRITE = 1;
const MODE_MARK = 2;

/**
 * Prices one core's accesses to packet data. One instance per core, sharing
 * the core's MemoryHierarchy (so counters and attribution to the current
 * module are the hierarchy's) and the global PacketLineTable.
 */
export class PacketCoherence {
  readonly mem: MemoryHierarchy;
  readonly table: PacketLineTable;
  readonly coreId: number;
  readonly socket: number;
  readonly ddio: boolean;
  readonly nicSocket: number;
  private readonly coreSockets: Int32Array;
  private readonly words: Int32Array;
  private readonly lineBytes: number;
  /** 1 / lineBytes when that is a power of two (exact, so a multiply replaces the divide), else 0. */
  private readonly invLineBytes: number;
  private readonly nicCycles: number;
  private readonly nicSrc: number;
  private readonly cleanCycles: number;
  private readonly dirtyCycles: number;
  private readonly crossCycles: number;

  /** COLD. @throws RangeError on a NIC socket outside the machine. */
  constructor(mem: MemoryHierarchy, table: PacketLineTable, opts: PacketCoherenceOptions = {}) {
    const m = mem.preset;
    this.mem = mem;
    this.table = table;
    this.words = table.words;
    this.coreId = mem.coreId;
    this.socket = mem.socket;
    this.ddio = opts.ddio ?? m.nic.ddio;
    this.nicSocket = opts.nicSocket ?? m.nic.socket;
    if (!Number.isInteger(this.nicSocket) || this.nicSocket < 0 || this.nicSocket >= m.sockets) {
      throw new RangeError(`nicSocket must be in 0..${m.sockets - 1}, got ${this.nicSocket}`);
    }
    const n = opts.coreSockets?.length ?? totalCores(m);
    this.coreSockets = new Int32Array(n);
    for (let c = 0; c < n; c++) this.coreSockets[c] = opts.coreSockets?.[c] ?? socketOfCore(m, c);
    this.lineBytes = m.lineBytes;
    const lb = m.lineBytes;
    this.invLineBytes = Number.isInteger(lb) && lb > 0 && (lb & (lb - 1)) === 0 ? 1 / lb : 0;
    const local = this.socket === this.nicSocket;
    if (this.ddio) {
      this.nicCycles = local ? m.caches.LLC.latencyCycles : m.caches.LLC.remoteLatencyCycles;
      this.nicSrc = local ? SRC_LLC : SRC_REMOTE_LLC;
    } else {
      this.nicCycles = local ? m.dram.localLatencyCycles : m.dram.remoteLatencyCycles;
      this.nicSrc = local ? SRC_DRAM_LOCAL : SRC_DRAM_REMOTE;
    }
    this.cleanCycles = m.coherence.cleanTransferCycles;
    this.dirtyCycles = m.coherence.dirtyTransferCycles;
    this.crossCycles = m.coherence.crossSocketPenaltyCycles;
  }

  /**
   * HOT: cycles for this core to read `sizeBytes` at `offsetBytes` from the
   * start of packet h's slot, whose simulated address is `slotAddr`
   * (line-aligned; pool.simAddr[h]). Offsets are from the slot, not the
   * frame: add pool.dataOff[h] to a frame offset.
   */
  readPacket(h: number, slotAddr: number, offsetBytes: number, sizeBytes: number): number {
    return this.access(h, slotAddr, offsetBytes, sizeBytes, MODE_READ);
  }

  /** HOT: as readPacket, for a store: a line not yet held is fetched (read for ownership), then it is this core's dirty line. */
  writePacket(h: number, slotAddr: number, offsetBytes: number, sizeBytes: number): number {
    return this.access(h, slotAddr, offsetBytes, sizeBytes, MODE_WRITE);
  }

  /**
   * HOT: record that this core wrote these lines without pricing them (their
   * cost is charged some other way, e.g. copyCycles for a packet copy): they
   * become this core's dirty lines, in its caches. Returns nothing.
   */
  markWritten(h: number, slotAddr: number, offsetBytes: number, sizeBytes: number): void {
    this.access(h, slotAddr, offsetBytes, sizeBytes, MODE_MARK);
  }

  private access(h: number, slotAddr: number, offsetBytes: number, sizeBytes: number, mode: number): number {
    if (!(sizeBytes > 0)) return 0;
    const mem = this.mem;
    const w = this.words;
    const b = h * PKT_LINE_WORDS;
    const me = this.coreId;
    const isWrite = mode !== MODE_READ;
    const slotLine = this.lineOf(slotAddr);
    const start = slotAddr + offsetBytes;
    const first = this.lineOf(start);
    const last = this.lineOf(start + sizeBytes - 1);

    // Fast path: this core already holds every line of the range for this
    // packet (a later NF of the same core reading headers an earlier one
    // read, or the store that follows the engine's descriptor read), so each
    // line is priced by its caches, and only a store changes the metadata.
    // Exactly what the loop below does in that case, in closed form.
    const i0 = first - slotLine;
    const i1 = last - slotLine;
    if (mode !== MODE_MARK && i0 >= 0 && i1 < PKT_TRACKED_LINES && w[b + PKT_W_HOLDER] === me) {
      // Bits i0..i1 (int32; `1 << 32` would wrap, hence the i1 = 31 case).
      const bits = ((i1 === 31 ? 0 : 1 << (i1 + 1)) - (1 << i0)) | 0;
      if ((w[b + PKT_W_HELD]! & bits) === bits) {
        let c = 0;
        for (let line = first; line <= last; line++) c += mem.accessLine(line, isWrite);
        // HELD and TOUCHED already have these bits (HELD is a subset of TOUCHED).
        if (isWrite) {
          const writer = w[b + PKT_W_WRITER]!;
          if (writer === me) {
            w[b + PKT_W_DIRTY] |= bits;
            w[b + PKT_W_OLD_DIRTY] &= ~bits;
          } else {
            // This core becomes the writer: the previous writer's dirty lines
            // stay dirty elsewhere (OLD_DIRTY, priced by its socket), except
            // the ones just written.
            w[b + PKT_W_OLD_DIRTY] = (w[b + PKT_W_OLD_DIRTY]! | w[b + PKT_W_DIRTY]!) & ~bits;
            if (writer >= 0) w[b + PKT_W_OLD_WRITER] = writer;
            w[b + PKT_W_DIRTY] = bits;
            w[b + PKT_W_WRITER] = me;
          }
        }
        return c;
      }
    }

    let writer = w[b + PKT_W_WRITER]!;
    let dirty = w[b + PKT_W_DIRTY]!;
    let oldDirty = w[b + PKT_W_OLD_DIRTY]!;
    let oldWriter = w[b + PKT_W_OLD_WRITER]!;
    let touched = w[b + PKT_W_TOUCHED]!;
    let held = w[b + PKT_W_HELD]!;
    if (w[b + PKT_W_HOLDER] !== me) {
      // This core's copies of the slot predate the packet's visit elsewhere: trust none of them.
      w[b + PKT_W_HOLDER] = me;
      held = 0;
    }

    let cycles = 0;
    for (let line = first; line <= last; line++) {
      const i = line - slotLine;
      if (i < 0 || i >= PKT_TRACKED_LINES) {
        if (mode === MODE_MARK) mem.installLine(line, true);
        else cycles += mem.accessLine(line, isWrite);
        continue;
      }
      const bit = 1 << i;
      if (mode === MODE_MARK) {
        mem.installLine(line, true);
      } else if ((held & bit) !== 0 || (writer === me && (dirty & bit) !== 0)) {
        cycles += mem.accessLine(line, isWrite);
      } else {
        let c: number;
        let src: number;
        let fromSocket: number;
        if ((touched & bit) === 0) {
          c = this.nicCycles;
          src = this.nicSrc;
        } else {
          if ((dirty & bit) !== 0) {
            c = this.dirtyCycles;
            src = SRC_COH_DIRTY;
            fromSocket = this.coreSocket(writer);
            dirty &= ~bit;
          } else if ((oldDirty & bit) !== 0) {
            c = this.dirtyCycles;
            src = SRC_COH_DIRTY;
            fromSocket = this.coreSocket(oldWriter >= 0 ? oldWriter : writer);
            oldDirty &= ~bit;
          } else {
            c = this.cleanCycles;
            src = SRC_COH_CLEAN;
            fromSocket = writer >= 0 ? this.coreSocket(writer) : this.nicSocket;
          }
          if (fromSocket !== this.socket) {
            c += this.crossCycles;
            src = SRC_COH_REMOTE;
          }
        }
        mem.installLine(line, isWrite);
        mem.charge(src, c);
        cycles += c;
      }
      held |= bit;
      touched |= bit;
      if (isWrite) {
        if (writer !== me) {
          // Lines the previous writer still holds modified stay dirty elsewhere.
          oldDirty |= dirty;
          if (writer >= 0) oldWriter = writer;
          dirty = 0;
          writer = me;
        }
        dirty |= bit;
        oldDirty &= ~bit;
      }
    }
    w[b + PKT_W_WRITER] = writer;
    w[b + PKT_W_DIRTY] = dirty;
    w[b + PKT_W_OLD_DIRTY] = oldDirty;
    w[b + PKT_W_OLD_WRITER] = oldWriter;
    w[b + PKT_W_TOUCHED] = touched;
    w[b + PKT_W_HELD] = held;
    return cycles;
  }

  /** HOT: floor(addr / lineBytes), by the exact reciprocal when there is one (as MemoryHierarchy does). */
  private lineOf(addr: number): number {
    const inv = this.invLineBytes;
    return inv > 0 ? Math.floor(addr * inv) : Math.floor(addr / this.lineBytes);
  }

  private coreSocket(core: number): number {
    return core >= 0 && core < this.coreSockets.length ? this.coreSockets[core]! : this.socket;
  }
}
