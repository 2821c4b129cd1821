/**
 * Packet-line coherence: the price of a packet line another core (or the
 * NIC) wrote, from the preset's numbers ([ExecModels] §1.1 on
 * xeon-8168-2s: L3 44, dirty transfer 70, cross-socket +100, remote L3 144,
 * DRAM 250 / 420; cores 0..23 on socket 0, 24..47 on socket 1).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  NIC_WRITER,
  PacketCoherence,
  PacketLineTable,
  packetLineCost,
  PRICE_BY_CACHES,
} from '../../src/hw/coherence.js';
import { MemoryHierarchy } from '../../src/hw/memory.js';
import { getPreset } from '../../src/hw/presets/index.js';

const P = getPreset('xeon-8168-2s');

describe('packetLineCost (pure)', () => {
  it('a line written by core A and read by core B costs the dirty-transfer latency, more across sockets', () => {
    expect(packetLineCost(P, 1, 0, true, true, 0)).toBe(70);
    expect(packetLineCost(P, 24, 0, true, true, 0)).toBe(70 + 100);
    expect(packetLineCost(P, 0, 47, true, true, 0)).toBe(170);
  });

  it('a clean line costs one LLC access (the inter-core transfer ~ one L3 access)', () => {
    expect(packetLineCost(P, 1, 0, false, true, 0)).toBe(P.caches.LLC.latencyCycles);
    expect(packetLineCost(P, 1, 0, false, true, 0)).toBe(44);
    expect(packetLineCost(P, 30, 0, false, true, 0)).toBe(144);
    // A clean cross-socket transfer is the remote-L3 access of the table.
    expect(packetLineCost(P, 30, 0, false, true, 0)).toBe(P.caches.LLC.remoteLatencyCycles);
  });

  it('the same core: priced by its own caches', () => {
    expect(packetLineCost(P, 5, 5, true, true, 0)).toBe(PRICE_BY_CACHES);
  });

  it('NIC-written lines: DDIO on -> LLC of the NIC socket; off -> DRAM of the NIC socket', () => {
    expect(packetLineCost(P, 3, NIC_WRITER, false, true, 0)).toBe(44);
    expect(packetLineCost(P, 27, NIC_WRITER, false, true, 0)).toBe(144);
    expect(packetLineCost(P, 3, NIC_WRITER, false, false, 0)).toBe(250);
    expect(packetLineCost(P, 27, NIC_WRITER, false, false, 0)).toBe(420);
    // NIC on socket 1: roles swap.
    expect(packetLineCost(P, 27, NIC_WRITER, false, true, 1)).toBe(44);
    expect(packetLineCost(P, 3, NIC_WRITER, false, false, 1)).toBe(420);
  });
});

describe('PacketCoherence', () => {
  // Packet handle 1 in slot 1: simulated address 2048 (as pool.simAddr), frame at offset 128.
  const H = 1;
  const SLOT = 2048;
  const HDR = 128; // line 2 of the slot
  let table: PacketLineTable;
  let mems: Map<number, MemoryHierarchy>;
  const core = (id: number, ddio = true): PacketCoherence => {
    let m = mems.get(id);
    if (m === undefined) {
      m = new MemoryHierarchy(P, { coreId: id, maxModules: 8 });
      mems.set(id, m);
    }
    return new PacketCoherence(m, table, { ddio });
  };

  beforeEach(() => {
    table = PacketLineTable.create(4);
    mems = new Map();
  });

  it('run to completion: the NIC line costs one LLC hit (DDIO), then L1 for every later NF on the core', () => {
    const c0 = core(0);
    expect(c0.readPacket(H, SLOT, HDR, 34)).toBe(44);
    expect(c0.readPacket(H, SLOT, HDR, 34)).toBe(4);
    expect(c0.writePacket(H, SLOT, HDR + 30, 4)).toBe(4); // header rewrite: own line
    expect(c0.readPacket(H, SLOT, HDR, 64)).toBe(4);
    expect(table.writerOf(H)).toBe(0);
    expect(table.dirtyMaskOf(H)).toBe(1 << 2);
  });

  it('pipeline: B pays the dirty transfer for the line A rewrote, one LLC access for a line A only read', () => {
    const a = core(0);
    const b = core(1);
    a.readPacket(H, SLOT, HDR, 128); // lines 2, 3 from the NIC: 44 each
    a.writePacket(H, SLOT, HDR, 14); // line 2 dirty in A
    expect(b.readPacket(H, SLOT, HDR, 14)).toBe(70);
    expect(b.readPacket(H, SLOT, HDR, 14)).toBe(4); // now in B's L1
    expect(b.readPacket(H, SLOT, HDR + 64, 8)).toBe(44); // line 3: clean, A read it
    expect(b.readPacket(H, SLOT, HDR + 128, 8)).toBe(44); // line 4: untouched since the NIC (DDIO)
    // The dirty line became shared-clean when B read it: a third core pays a clean transfer.
    const c = core(2);
    expect(c.readPacket(H, SLOT, HDR, 8)).toBe(44);
    const bc = mems.get(1)!.totals();
    expect(bc.lines).toMatchObject({ coherenceDirty: 1, coherenceClean: 1, LLC: 1, L1: 1 });
    expect(bc.cycles.coherenceDirty).toBe(70);
  });

  it('across sockets: + the cross-socket penalty; NIC lines come from the remote LLC', () => {
    const a = core(0);
    const far = core(24);
    a.writePacket(H, SLOT, HDR, 64); // RFO of a NIC line: 44, then dirty in A
    a.readPacket(H, SLOT, HDR + 64, 8); // line 3 clean in A
    expect(far.readPacket(H, SLOT, HDR, 8)).toBe(170);
    expect(far.readPacket(H, SLOT, HDR + 64, 8)).toBe(144);
    expect(far.readPacket(H, SLOT, HDR + 128, 8)).toBe(144); // NIC line in socket 0's LLC
    const t = mems.get(24)!.totals();
    expect(t.lines).toMatchObject({ coherenceRemote: 2, remoteLLC: 1 });
    expect(t.cycles.coherenceRemote).toBe(170 + 144);
  });

  it('DDIO off: the first read of a NIC line costs DRAM of the NIC socket', () => {
    const near = core(0, false);
    const far = core(24, false);
    expect(near.readPacket(H, SLOT, HDR, 8)).toBe(250);
    expect(far.readPacket(H, SLOT, HDR + 64, 8)).toBe(420);
    expect(mems.get(24)!.totals().lines.dramRemote).toBe(1);
  });

  it('a recycled slot is fresh NIC data: the core\'s old copy is not trusted', () => {
    const c0 = core(0);
    expect(c0.readPacket(H, SLOT, HDR, 8)).toBe(44);
    expect(c0.readPacket(H, SLOT, HDR, 8)).toBe(4);
    table.nicWrote(H); // freed, re-filled by the NIC
    expect(c0.readPacket(H, SLOT, HDR, 8)).toBe(44);
  });

  it('a line spanning the frame read is priced line by line', () => {
    const c0 = core(0);
    // 100 bytes from offset 128 + 60: lines 2 (60..63), 3, 4 (up to byte 159 of the frame) -> 3 NIC lines.
    expect(c0.readPacket(H, SLOT, HDR + 60, 100)).toBe(3 * 44);
    expect(c0.readPacket(H, SLOT, HDR + 60, 100)).toBe(3 * 4);
    expect(c0.readPacket(H, SLOT, HDR, 0)).toBe(0);
  });

  it('lines dirtied by an earlier writer stay dirty after a new writer takes over', () => {
    const a = core(0);
    const b = core(1);
    const c = core(2);
    a.writePacket(H, SLOT, HDR, 128); // lines 2, 3 dirty in A
    expect(b.writePacket(H, SLOT, HDR, 8)).toBe(70); // B takes line 2 for ownership
    expect(table.writerOf(H)).toBe(1);
    expect(table.dirtyMaskOf(H)).toBe(1 << 2);
    expect(table.oldDirtyMaskOf(H)).toBe(1 << 3);
    expect(c.readPacket(H, SLOT, HDR + 64, 8)).toBe(70); // line 3, still modified in A
    expect(c.readPacket(H, SLOT, HDR, 8)).toBe(70); // line 2, modified in B
    expect(table.dirtyMaskOf(H)).toBe(0);
    expect(table.oldDirtyMaskOf(H)).toBe(0);
  });

  it('the writer\'s own dirty lines are priced by its caches even after another core touched the packet', () => {
    const a = core(0);
    const b = core(1);
    a.writePacket(H, SLOT, HDR, 8); // line 2 dirty in A
    b.readPacket(H, SLOT, HDR + 64, 8); // B reads only line 3 (NIC): holder = B
    expect(table.holderOf(H)).toBe(1);
    expect(a.readPacket(H, SLOT, HDR, 8)).toBe(4); // still in A's L1, modified
    expect(a.readPacket(H, SLOT, HDR + 64, 8)).toBe(44); // line 3: B read it, clean transfer
  });

  it('markWritten records a copy without charging it; the next core pays dirty transfers', () => {
    const a = core(0);
    const b = core(1);
    a.markWritten(H, SLOT, HDR, 100); // lines 2, 3
    expect(mems.get(0)!.totals().totalLines).toBe(0);
    expect(a.readPacket(H, SLOT, HDR, 100)).toBe(8); // both in A's L1
    expect(b.readPacket(H, SLOT, HDR, 100)).toBe(140);
  });

  it('lines past the 32 tracked ones are priced by the reader\'s caches', () => {
    const c0 = core(0);
    expect(c0.readPacket(H, SLOT, 2048, 8)).toBe(250); // slot 2's first line, untracked here
    expect(c0.readPacket(H, SLOT, 2048, 8)).toBe(4);
  });

  it('ACL -> LB -> L3FWD on a 64-byte frame: run to completion pays the NIC line once, a pipeline pays a transfer per hop', () => {
    // Each NF reads the 34-byte Ethernet+IPv4 header (slot line 2); LB rewrites dst IP (4 bytes, same line).
    const chain = (acl: PacketCoherence, lb: PacketCoherence, fwd: PacketCoherence): number =>
      acl.readPacket(H, SLOT, HDR, 34) + lb.readPacket(H, SLOT, HDR, 34) + lb.writePacket(H, SLOT, HDR + 30, 4) + fwd.readPacket(H, SLOT, HDR, 34);
    const rtc = core(0);
    // RTC, one core: 44 (NIC line via DDIO) + 4 + 4 + 4.
    expect(chain(rtc, rtc, rtc)).toBe(56);
    table.nicWrote(H);
    // Pipeline on cores 3, 4, 5: 44 (NIC) + 44 (clean, ACL only read it) + 4 (own line now) + 70 (dirty, LB wrote it).
    expect(chain(core(3), core(4), core(5))).toBe(162);
    table.nicWrote(H);
    // Pipeline whose last stage is on the other socket: the dirty transfer also crosses the interconnect.
    expect(chain(core(3), core(4), core(30))).toBe(44 + 44 + 4 + 170);
  });

  it('stallCycles sums everything priced on the core: cache lines and transfers alike', () => {
    const a = core(0);
    const b = core(1);
    a.writePacket(H, SLOT, HDR, 8); // 44 (NIC line, DDIO)
    const mb = mems.get(1)!;
    const before = mb.stallCycles;
    const total = b.readPacket(H, SLOT, HDR, 8) + mb.read(0x1_0000_0000, 8) + b.readPacket(H, SLOT, HDR, 8);
    expect(total).toBe(70 + 250 + 4);
    expect(mb.stallCycles - before).toBe(total);
    expect(mems.get(0)!.stallCycles).toBe(44);
  });

  it('charges coherence to the module the hierarchy is attributing to', () => {
    const a = core(0);
    const b = core(1);
    a.writePacket(H, SLOT, HDR, 8);
    const mb = mems.get(1)!;
    mb.setModule(5);
    b.readPacket(H, SLOT, HDR, 8);
    expect(mb.moduleCounters(5).cycles.coherenceDirty).toBe(70);
    expect(mb.moduleCounters(0).totalCycles).toBe(0);
  });

  it('transferred lines go into the reader\'s caches (and evict like any other line)', () => {
    const a = core(0);
    const b = core(1);
    a.writePacket(H, SLOT, HDR, 8);
    b.readPacket(H, SLOT, HDR, 8);
    const mb = mems.get(1)!;
    const line = (SLOT + HDR) / 64;
    expect(mb.l1.contains(line)).toBe(true);
    expect(mb.l2.contains(line)).toBe(true);
  });

  it('a table attached in another "thread" sees the same metadata', () => {
    const a = core(0);
    a.writePacket(H, SLOT, HDR, 8);
    const other = PacketLineTable.attach(table.sab, table.capacity);
    expect(other.writerOf(H)).toBe(0);
    expect(other.dirtyMaskOf(H)).toBe(1 << 2);
    expect(() => PacketLineTable.attach(new SharedArrayBuffer(8), 4)).toThrow(RangeError);
  });

  it('bit 31 (the last line of the slot) works like the others', () => {
    const a = core(0);
    const b = core(1);
    expect(a.writePacket(H, SLOT, 31 * 64, 64)).toBe(44);
    expect(table.dirtyMaskOf(H)).toBe(2 ** 31);
    expect(b.readPacket(H, SLOT, 31 * 64, 64)).toBe(70);
    expect(table.touchedMaskOf(H)).toBe(2 ** 31);
  });
});
