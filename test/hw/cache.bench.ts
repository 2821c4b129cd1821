/**
 * Speed of the hardware model (not a test: `npx vitest bench test/hw --run`).
 * Each task runs 2^16 line accesses (the hop mix: 2^16 / 3 packets of 3
 * hops); vitest reports tasks per second, so accesses/s = hz x 65536.
 * Compare runs of this file with each other only: code transformed by vitest
 * ran 2-2.5x slower here than the same code compiled by tsc (what the engine
 * runs), measured back to back on a 2-vCPU host.
 */
import { bench, describe } from 'vitest';
import { SetAssocCache } from '../../src/hw/cache.js';
import { PacketCoherence, PacketLineTable } from '../../src/hw/coherence.js';
import { MemoryHierarchy } from '../../src/hw/memory.js';
import { getPreset } from '../../src/hw/presets/index.js';
import { Prng } from '../../src/util/prng.js';

const OPS = 1 << 16;
const rng = new Prng(1);
const pattern = (f: (i: number) => number): Float64Array => {
  const a = new Float64Array(OPS);
  for (let i = 0; i < OPS; i++) a[i] = f(i);
  return a;
};

describe('SetAssocCache.access (32 sets x 8 ways)', () => {
  const hits = pattern(() => 0x4000000 + (rng.nextU32() % 200));
  const misses = pattern(() => 0x4000000 + (rng.nextU32() % 4096));
  const runs = pattern((i) => 0x4000000 + ((i >> 3) & 63));
  const c = new SetAssocCache(32, 8);
  bench('random over 200 lines (hits)', () => {
    for (let i = 0; i < OPS; i++) c.access(hits[i]!, (i & 7) === 0);
  });
  bench('random over 4096 lines (misses)', () => {
    for (let i = 0; i < OPS; i++) c.access(misses[i]!, (i & 7) === 0);
  });
  bench('runs of 8 on one line', () => {
    for (let i = 0; i < OPS; i++) c.access(runs[i]!, false);
  });
});

describe('MemoryHierarchy.read, 8-byte random reads (xeon-8168-2s)', () => {
  for (const [label, ws] of [['8 KiB (L1)', 8 << 10], ['512 KiB (L2)', 512 << 10], ['4 MiB', 4 << 20], ['64 MiB', 64 << 20]] as const) {
    const m = new MemoryHierarchy(getPreset(), { coreId: 0 });
    const addrs = pattern(() => 0x1_0000_0000 + (rng.nextU32() % (ws / 8)) * 8);
    bench(label, () => {
      for (let i = 0; i < OPS; i++) m.read(addrs[i]!, 8);
    });
  }
});

describe('an NF-hop mix: header read + 16-byte table read per NF, 3 NFs per packet, one header rewrite', () => {
  const m = new MemoryHierarchy(getPreset(), { coreId: 0 });
  const table = PacketLineTable.create(4096);
  const coh = new PacketCoherence(m, table);
  const flows = pattern(() => rng.nextU32() % 100_000);
  // OPS / 3 packets, 3 hops each.
  bench('OPS hops', () => {
    for (let p = 0; p < OPS / 3; p++) {
      const h = p & 4095;
      table.nicWrote(h);
      const slot = h * 2048;
      const f = flows[p]!;
      for (let nf = 0; nf < 3; nf++) {
        coh.readPacket(h, slot, 128, 34);
        m.read(0x1_0000_0000 + nf * 0x1000_0000 + f * 16, 16);
      }
      coh.writePacket(h, slot, 158, 4);
    }
  });
});
