/**
 * A small version of the approximation microbenchmark of the SP-PIFO / AIFO /
 * PACKS studies: Poisson arrivals at load 1 on a port serving one packet per
 * time unit, iid uniform ranks 0..99, 80-packet buffers. Checks the
 * qualitative results those papers report: a PIFO drops the highest ranks
 * (mean dropped rank ~98, FIFO ~50 [SP-PIFO]) and never inverts; the
 * approximations invert less than a FIFO and drop higher ranks than it.
 */
import { describe, expect, it } from 'vitest';
import {
  AifoScheduler,
  FifoScheduler,
  InversionMeter,
  PacksScheduler,
  PifoScheduler,
  SpPifoScheduler,
  type PacketScheduler,
} from '../../src/pktsched/index.js';
import { Prng } from '../../src/util/prng.js';

const PACKETS = 50_000;

/** Runs the open-loop experiment; returns a hash of the dequeued (handle, rank) sequence. */
function run(s: PacketScheduler, seed: number): number {
  const prng = new Prng(seed);
  let hash = 0;
  let nextArrival = prng.nextExp(1);
  let nextService = 1;
  let sent = 0;
  while (sent < PACKETS) {
    if (nextArrival < nextService) {
      s.enqueue(sent, prng.nextInt(100), nextArrival);
      sent++;
      nextArrival += prng.nextExp(1);
    } else {
      const h = s.dequeue();
      if (h >= 0) hash = (Math.imul(hash ^ h, 0x01000193) + s.lastDequeuedRank) | 0;
      nextService += 1;
    }
  }
  return hash;
}

describe('approximations under load 1, ranks 0..99, 80-packet buffers', () => {
  const build = {
    fifo: (meter: InversionMeter) => new FifoScheduler({ capacity: 80, meter }),
    pifo: (meter: InversionMeter) => new PifoScheduler({ capacity: 80, meter }),
    spPifo: (meter: InversionMeter) => new SpPifoScheduler({ queues: 8, perQueueCapacity: 10, meter }),
    aifo: (meter: InversionMeter) => new AifoScheduler({ capacity: 80, windowSize: 20, sampleEvery: 1, burstAllowance: 0.1, meter }),
    packs: (meter: InversionMeter) => new PacksScheduler({ queues: 8, perQueueCapacity: 10, windowSize: 20, burstAllowance: 0.1, meter }),
  };
  const m: Record<string, InversionMeter> = {};
  for (const [name, make] of Object.entries(build)) {
    m[name] = new InversionMeter(100);
    run(make(m[name]!), 5);
  }
  const invPerDequeue = (k: string) => m[k]!.dequeueInversionEvents;

  it('PIFO drops the highest ranks and never inverts; FIFO drops at random', () => {
    expect(m.pifo!.drops).toBeGreaterThan(100);
    expect(m.pifo!.meanDroppedRank()).toBeGreaterThan(95);
    expect(m.pifo!.dequeueInversionEvents).toBe(0);
    expect(Math.abs(m.fifo!.meanDroppedRank() - 49.5)).toBeLessThan(4);
  });

  it('is deterministic: the same seed gives the same dequeue sequence, another seed a different one', () => {
    for (const make of Object.values(build)) {
      const a = run(make(new InversionMeter(100)), 9);
      expect(run(make(new InversionMeter(100)), 9)).toBe(a);
      expect(run(make(new InversionMeter(100)), 10)).not.toBe(a);
    }
  });

  it('SP-PIFO and PACKS invert less than FIFO; AIFO and PACKS drop higher ranks than FIFO', () => {
    expect(invPerDequeue('spPifo')).toBeLessThan(invPerDequeue('fifo') / 2);
    expect(invPerDequeue('packs')).toBeLessThan(invPerDequeue('fifo') / 2);
    expect(m.aifo!.meanDroppedRank()).toBeGreaterThan(m.fifo!.meanDroppedRank() + 20);
    expect(m.packs!.meanDroppedRank()).toBeGreaterThan(m.fifo!.meanDroppedRank() + 20);
  });
});
