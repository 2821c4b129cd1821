import { describe, expect, it } from 'vitest';
import { DropReason, ENQUEUE_ACCEPTED, EMPTY, InversionMeter, PifoScheduler } from '../../src/pktsched/index.js';
import { Prng } from '../../src/util/prng.js';

function drain(s: { dequeue(): number }): number[] {
  const out: number[] = [];
  for (let h = s.dequeue(); h !== EMPTY; h = s.dequeue()) out.push(h);
  return out;
}

describe('PifoScheduler', () => {
  it('serves by rank, FIFO among equal ranks', () => {
    const p = new PifoScheduler({ capacity: 8 });
    const arrivals: [number, number][] = [[1, 5], [2, 3], [3, 5], [4, 3], [5, 1]];
    for (const [h, r] of arrivals) expect(p.enqueue(h, r, 0)).toBe(ENQUEUE_ACCEPTED);
    expect(p.length).toBe(5);
    expect(p.peekRank()).toBe(1);
    expect(drain(p)).toEqual([5, 2, 4, 1, 3]);
    expect(p.lastDequeuedRank).toBe(5);
    expect(p.dequeue()).toBe(EMPTY);
  });

  it('when full, evicts the worst (rank, arrival): a buffered packet or the arrival itself', () => {
    const p = new PifoScheduler({ capacity: 3 });
    p.enqueue(1, 5, 0);
    p.enqueue(2, 7, 0);
    p.enqueue(3, 7, 0);
    // Worst of {5, 7, 7(later), 6}: handle 3 (rank 7, latest among the 7s).
    expect(p.enqueue(4, 6, 0)).toBe(3);
    expect(p.lastDropReason).toBe(DropReason.PifoEvict);
    // Rank 7 ties the worst buffered (handle 2) but arrives later: the arrival goes.
    expect(p.enqueue(5, 7, 0)).toBe(5);
    expect(p.enqueue(6, 1, 0)).toBe(2);
    expect(p.stats.dropped[DropReason.PifoEvict]).toBe(3);
    expect(drain(p)).toEqual([6, 1, 4]);
  });

  it('tail-drop refuses the arrival when full', () => {
    const p = new PifoScheduler({ capacity: 2, overflow: 'tail-drop' });
    p.enqueue(1, 9, 0);
    p.enqueue(2, 8, 0);
    expect(p.enqueue(3, 0, 0)).toBe(3);
    expect(p.lastDropReason).toBe(DropReason.QueueFull);
    expect(drain(p)).toEqual([2, 1]);
  });

  it('refuses NaN ranks and validates options in one message', () => {
    const p = new PifoScheduler({ capacity: 2 });
    expect(p.enqueue(7, NaN, 0)).toBe(7);
    expect(p.lastDropReason).toBe(DropReason.BadRank);
    expect(() => new PifoScheduler({ capacity: 0, overflow: 'x' as never })).toThrow(/capacity must be .*; overflow must be/);
  });

  it('matches a sorted-list reference under random load (I2: evicts the maximum (rank, arrival))', () => {
    const prng = new Prng(7);
    const cap = 16;
    const meter = new InversionMeter(32);
    const p = new PifoScheduler({ capacity: cap, meter });
    // Reference: array of [rank, seq, handle] kept sorted.
    const ref: [number, number, number][] = [];
    let seq = 0;
    let next = 0;
    for (let step = 0; step < 20000; step++) {
      if (prng.nextInt(3) < 2) {
        const h = next++;
        const r = prng.nextInt(32);
        const got = p.enqueue(h, r, 0);
        ref.push([r, seq++, h]);
        ref.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        let expected = ENQUEUE_ACCEPTED;
        if (ref.length > cap) expected = ref.pop()![2];
        expect(got).toBe(expected);
      } else {
        const want = ref.length === 0 ? EMPTY : ref.shift()![2];
        expect(p.dequeue()).toBe(want);
      }
      expect(p.length).toBe(ref.length);
      expect(p.stats.enqueued).toBe(p.stats.dequeued + p.stats.droppedTotal() + p.length);
    }
    expect(meter.dequeueInversionEvents).toBe(0);
    expect(meter.bufferedCount()).toBe(p.length);
    expect(p.stats.dropped[DropReason.PifoEvict]).toBeGreaterThan(0);
  });
});
