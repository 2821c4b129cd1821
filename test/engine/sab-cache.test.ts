/**
 * A run's packet pool and line table buffers go to the next run in the same
 * process: only after every worker is done, never after a failure, and a
 * reused buffer gives the same results as a fresh one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runScenario } from '../../src/engine/run.js';
import { giveBackSab, keptSabBytes, setMaxKeptBytes, takeSab, MAX_KEPT_BYTES } from '../../src/engine/sab-cache.js';
import { PacketLineTable } from '../../src/hw/coherence.js';
import { HEADROOM_BYTES, NO_FLOW, PacketPool, SLOT_BYTES } from '../../src/packet/pool.js';
import { recordToJson } from '../../src/metrics/record.js';
import { scenario } from './helpers.js';

afterEach(() => {
  setMaxKeptBytes(MAX_KEPT_BYTES);
});

function drain(): void {
  const old = setMaxKeptBytes(0);
  setMaxKeptBytes(old);
}

describe('shared buffer reuse', () => {
  it('lends a given-back buffer of the same size once, keeps no more than the cap, oldest out first', () => {
    drain();
    const a = takeSab(4096);
    expect(a.fresh).toBe(true);
    giveBackSab(a.sab);
    giveBackSab(a.sab); // twice is once
    expect(keptSabBytes()).toBe(4096);
    expect(takeSab(8192).fresh).toBe(true);
    const again = takeSab(4096);
    expect(again.fresh).toBe(false);
    expect(again.sab).toBe(a.sab);
    expect(takeSab(4096).sab).not.toBe(a.sab); // lent out: not lent twice
    setMaxKeptBytes(3 * 4096);
    const bufs = [1, 2, 3, 4].map(() => new SharedArrayBuffer(4096));
    for (const b of bufs) giveBackSab(b);
    expect(keptSabBytes()).toBe(3 * 4096);
    const got = [takeSab(4096).sab, takeSab(4096).sab, takeSab(4096).sab];
    expect(new Set(got)).toEqual(new Set(bufs.slice(1)));
  });

  it('a pool and a line table on reused buffers start like new ones (every slot free, metadata and line state reset)', () => {
    const cap = 64;
    const first = PacketPool.create(cap);
    for (let h = 0; h < cap; h++) {
      first.state[h] = 1; first.flowId[h] = h; first.dataOff[h] = 7; first.lenBytes[h] = 99; first.simAddr[h] = 12345; first.seqNo[h] = 5;
    }
    const { dataSab, metaSab } = first.shared();
    const reuse = (sab: SharedArrayBuffer) => () => ({ sab, fresh: false });
    let n = 0;
    const pool = PacketPool.create(cap, (bytes) => (n++ === 0 ? reuse(dataSab)() : reuse(metaSab)()));
    expect(pool.shared().metaSab).toBe(metaSab);
    for (let h = 0; h < cap; h++) {
      expect([pool.state[h], pool.flowId[h], pool.dataOff[h], pool.lenBytes[h], pool.simAddr[h], pool.seqNo[h]])
        .toEqual([0, NO_FLOW, HEADROOM_BYTES, 0, h * SLOT_BYTES, 0]);
    }
    const lines = PacketLineTable.create(cap);
    lines.words.fill(0x5a5a);
    const again = PacketLineTable.create(cap, reuse(lines.sab));
    for (let h = 0; h < cap; h++) {
      expect([again.writerOf(h), again.holderOf(h), again.dirtyMaskOf(h), again.touchedMaskOf(h), again.heldMaskOf(h)]).toEqual([-1, -1, 0, 0, 0]);
    }
  });

  const chain = (name: string, fault: boolean) => scenario({
    name,
    duration: '2ms',
    machine: { preset: 'xeon-8168-2s', cores: 2 },
    ports: [{ name: 'eth0', lineRate: '10Gbps', traffic: { flows: 16, frameSize: 64, rate: 'line' } }],
    modules: [
      { name: 'a', kind: 'synthetic', config: { cyclesPerPacket: 200 } },
      { name: 'q', kind: 'queue', config: { size: 256, whenFull: 'backpressure' } },
      fault ? { name: 'b', kind: 'fault', config: { throwAfterPackets: 100 } } : { name: 'b', kind: 'synthetic', config: { cyclesPerPacket: 300 } },
    ],
    edges: [{ from: 'eth0.rx0', to: 'a' }, { from: 'a', to: 'q' }, { from: 'q', to: 'b' }, { from: 'b', to: 'eth0.tx' }],
    tasks: [{ root: 'eth0.rx0', core: 0 }, { root: 'q', core: 1 }],
  });

  it('runs one after another share buffers and give identical records; a failed run keeps its own', async () => {
    drain();
    const s = chain('reuse', false);
    const first = await runScenario(s, { threads: 2 });
    const kept = keptSabBytes();
    expect(kept).toBeGreaterThan(0); // the pool, its metadata and the line table came back
    const second = await runScenario(s, { threads: 2 });
    expect(keptSabBytes()).toBe(kept); // lent and given back again, not a second set
    expect(recordToJson(second.record)).toBe(recordToJson(first.record));
    expect(first.record.totals.delivered).toBeGreaterThan(0);

    drain();
    await expect(runScenario(chain('reuse-fault', true), { threads: 2 })).rejects.toThrow();
    expect(keptSabBytes()).toBe(0);
  });
});
