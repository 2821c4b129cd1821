import { describe, expect, it } from 'vitest';
import { DropReason, EMPTY, ENQUEUE_ACCEPTED, SpPifoScheduler } from '../../src/pktsched/index.js';

describe('SpPifoScheduler', () => {
  it('push-up and push-down on the hand-checked sequence (N = 2)', () => {
    const s = new SpPifoScheduler({ queues: 2, perQueueCapacity: 4 });
    expect([...s.bounds]).toEqual([0, 0]);
    s.enqueue(1, 3, 0); // queue 1 (0 <= 3), push-up
    expect([...s.bounds]).toEqual([0, 3]);
    expect(s.occupancy(1)).toBe(1);
    s.enqueue(2, 1, 0); // queue 1 rejects (3 > 1), queue 0 takes it, push-up
    expect([...s.bounds]).toEqual([1, 3]);
    expect(s.occupancy(0)).toBe(1);
    s.enqueue(3, 0, 0); // queue 0 (fallback), cost 1 -> every bound lowered by 1
    expect([...s.bounds]).toEqual([0, 2]);
    expect(s.pushDowns).toBe(1);
    expect(s.occupancy(0)).toBe(2);
    // Strict priority, FIFO inside a queue.
    expect([s.dequeue(), s.dequeue(), s.dequeue(), s.dequeue()]).toEqual([2, 3, 1, EMPTY]);
  });

  it('a full queue drops the arrival and leaves the bounds unchanged', () => {
    const s = new SpPifoScheduler({ queues: 2, perQueueCapacity: 1 });
    expect(s.enqueue(1, 3, 0)).toBe(ENQUEUE_ACCEPTED);
    expect([...s.bounds]).toEqual([0, 3]);
    expect(s.enqueue(2, 4, 0)).toBe(2); // queue 1 chosen (3 <= 4) but full: no retry in queue 0
    expect(s.lastDropReason).toBe(DropReason.QueueFull);
    expect([...s.bounds]).toEqual([0, 3]);
    expect(s.occupancy(0)).toBe(0);
    expect(s.stats.dropped[DropReason.QueueFull]).toBe(1);
  });

  it('one shared SP-PIFO serves a lower tier before a buffered higher tier (the sequence that breaks >>)', () => {
    // Tier A finals 0-9, tier B finals 10-19; handles name the packets.
    const A5 = 1, A3 = 2, B15 = 3, B12 = 4;
    const s = new SpPifoScheduler({ queues: 2, perQueueCapacity: 8 });
    s.enqueue(B15, 15, 0);
    expect([...s.bounds]).toEqual([0, 15]);
    s.enqueue(A5, 5, 0);
    expect([...s.bounds]).toEqual([5, 15]);
    s.enqueue(B12, 12, 0);
    expect([...s.bounds]).toEqual([12, 15]);
    s.enqueue(A3, 3, 0);
    expect([...s.bounds]).toEqual([3, 6]);
    expect(s.occupancy(0)).toBe(3);
    expect([s.dequeue(), s.dequeue(), s.dequeue(), s.dequeue()]).toEqual([A5, B12, A3, B15]);
  });
});
