import { describe, expect, it } from 'vitest';
import { DropReason, ENQUEUE_ACCEPTED, EMPTY, InversionMeter, PacksScheduler } from '../../src/pktsched/index.js';

describe('PacksScheduler', () => {
  it('maps by quantile and occupancy, first-fit toward lower priority, and refuses above the AIFO bar', () => {
    // n = 2, K = 2, B = 4, k = 0: queue i eligible iff q(r) < ((i+1)/2) * (4-b)/4.
    const meter = new InversionMeter(64);
    const p = new PacksScheduler({ queues: 2, perQueueCapacity: 2, windowSize: 4, sampleEvery: 1, burstAllowance: 0, meter });
    expect(p.enqueue(10, 10, 0)).toBe(ENQUEUE_ACCEPTED); // b 0, q 0 < 0.5 -> queue 0
    expect(p.occupancy(0)).toBe(1);
    expect(p.enqueue(20, 20, 0)).toBe(ENQUEUE_ACCEPTED); // b 1, q 1/4 < 0.375 -> queue 0
    expect(p.occupancy(0)).toBe(2);
    // b 2, q(30) = 2/4: queue 0 bar 0.25, queue 1 bar 0.5 (strict) -> refused.
    expect(p.firstEligible(30, 2)).toBe(-1);
    expect(p.enqueue(30, 30, 0)).toBe(30);
    expect(p.lastDropReason).toBe(DropReason.PacksAdmission);
    // b 2, q(5) = 0: queue 0 eligible but full -> queue 1.
    expect(p.firstEligible(5, 2)).toBe(0);
    expect(p.enqueue(5, 5, 0)).toBe(ENQUEUE_ACCEPTED);
    expect(p.occupancy(1)).toBe(1);
    // b 3, q(15) = 2/4 (10, 5): bars 0.125 and 0.25 -> refused.
    expect(p.enqueue(15, 15, 0)).toBe(15);
    expect([p.dequeue(), p.dequeue(), p.dequeue(), p.dequeue()]).toEqual([10, 20, 5, EMPTY]);
    // 10 left with 5 buffered, and 20 likewise: two dequeue inversions.
    expect(meter.dequeueInversionEvents).toBe(2);
    expect(p.stats.dropped[DropReason.PacksAdmission]).toBe(2);
  });

  it('drops as queue-full when every eligible queue is full', () => {
    const p = new PacksScheduler({ queues: 2, perQueueCapacity: 1, windowSize: 8, sampleEvery: 1, burstAllowance: 0 });
    p.enqueue(1, 0, 0); // queue 0
    p.enqueue(2, 0, 0); // q 0 < 0.25: queue 0 full -> queue 1
    expect(p.dequeue()).toBe(1); // queue 0 empty, queue 1 full, b = 1
    // q(5) = 2/8 = 0.25: queue 0 bar 0.5*0.5 = 0.25 (not <), queue 1 bar 0.5 -> only queue 1, full.
    expect(p.firstEligible(5, 1)).toBe(1);
    expect(p.enqueue(3, 5, 0)).toBe(3);
    expect(p.lastDropReason).toBe(DropReason.QueueFull);
  });
});
