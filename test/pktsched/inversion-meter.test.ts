import { describe, expect, it } from 'vitest';
import {
  AifoScheduler,
  EMPTY,
  FifoScheduler,
  InversionMeter,
  PacksScheduler,
  PifoScheduler,
  SpPifoScheduler,
  StrictPriorityScheduler,
  type PacketScheduler,
} from '../../src/pktsched/index.js';
import { Prng } from '../../src/util/prng.js';

describe('InversionMeter', () => {
  it('counts dequeue and enqueue inversions on a hand-made FIFO sequence', () => {
    const meter = new InversionMeter(10);
    const f = new FifoScheduler({ capacity: 8, meter });
    // Enqueue events: 3 (5 buffered), 1 (8 buffered); 5 and 8 see no larger rank.
    for (const r of [5, 3, 8, 1]) f.enqueue(r, r, 0);
    expect(meter.enqueueInversionEvents).toBe(2);
    expect(meter.enqueueInversionsByRank[3]).toBe(1);
    expect(meter.enqueueInversionsByRank[1]).toBe(1);
    // Dequeue 5 with {3, 8, 1} left: 2 pairs; 3 with {8, 1}: 1; 8 with {1}: 1; 1: none.
    while (f.dequeue() !== EMPTY);
    expect(meter.dequeueInversionEvents).toBe(3);
    expect(meter.dequeueInversionPairs).toBe(4);
    expect([...meter.dequeueInversionsByRank]).toEqual([0, 0, 0, 1, 0, 1, 0, 0, 1, 0]);
    expect(meter.bufferedCount()).toBe(0);
  });

  it('is zero for a PIFO on the same sequence, and records drops by rank', () => {
    const meter = new InversionMeter(10);
    const p = new PifoScheduler({ capacity: 2, meter });
    for (const r of [5, 3, 8, 1]) p.enqueue(r, r, 0); // 8 is refused, then 5 evicted by 1
    while (p.dequeue() !== EMPTY);
    expect(meter.dequeueInversionEvents).toBe(0);
    expect(meter.drops).toBe(2);
    expect(meter.dropsByRank[8]).toBe(1);
    expect(meter.dropsByRank[5]).toBe(1);
    expect(meter.meanDroppedRank()).toBe(6.5);
  });

  it('clamps ranks outside [0, rankLimit) to the end buckets', () => {
    const m = new InversionMeter(4);
    expect([m.bucket(-3), m.bucket(2.7), m.bucket(99), m.bucket(NaN)]).toEqual([0, 2, 3, 0]);
  });
});

describe('every scheduler conserves packets and agrees with its meter', () => {
  const make: [string, (m: InversionMeter) => PacketScheduler][] = [
    ['fifo', (meter) => new FifoScheduler({ capacity: 20, meter })],
    ['strict-priority', (meter) => new StrictPriorityScheduler({ queues: 4, perQueueCapacity: 5, meter })],
    ['pifo', (meter) => new PifoScheduler({ capacity: 20, meter })],
    ['sp-pifo', (meter) => new SpPifoScheduler({ queues: 4, perQueueCapacity: 5, meter })],
    ['aifo', (meter) => new AifoScheduler({ capacity: 20, sampleEvery: 1, meter })],
    ['packs', (meter) => new PacksScheduler({ queues: 4, perQueueCapacity: 5, meter })],
  ];
  for (const [name, build] of make) {
    it(name, () => {
      const meter = new InversionMeter(100);
      const s = build(meter);
      const prng = new Prng(11);
      const inside = new Set<number>();
      for (let h = 0; h < 5000; h++) {
        // Load ~1.25: five arrivals per four dequeues.
        const out = s.enqueue(h, prng.nextInt(100), h);
        inside.add(h);
        if (out >= 0) {
          expect(inside.has(out)).toBe(true);
          inside.delete(out);
        }
        if (h % 5 !== 4) {
          const d = s.dequeue();
          if (d >= 0) {
            expect(inside.has(d)).toBe(true);
            inside.delete(d);
          }
        }
        let occ = 0;
        for (let q = 0; q < s.queueCount; q++) occ += s.occupancy(q);
        expect(occ).toBe(s.length);
        expect(s.length).toBe(inside.size);
        expect(meter.bufferedCount()).toBe(s.length);
        expect(s.stats.enqueued).toBe(s.stats.dequeued + s.stats.droppedTotal() + s.length);
      }
      expect(meter.drops).toBe(s.stats.droppedTotal());
      if (name === 'pifo') expect(meter.dequeueInversionEvents).toBe(0);
      else if (name !== 'strict-priority') expect(meter.dequeueInversionEvents).toBeGreaterThan(0);
    });
  }
});
