import { describe, expect, it } from 'vitest';
import { AifoScheduler, DropReason, ENQUEUE_ACCEPTED, EMPTY, RankWindow } from '../../src/pktsched/index.js';

describe('RankWindow', () => {
  it('samples arrivals 0, s, 2s, ... and counts strictly-below over the window size', () => {
    const w = new RankWindow(4, 2);
    for (const r of [10, 99, 20, 99, 30]) w.observe(r); // keeps 10, 20, 30
    expect(w.entries()).toBe(3);
    expect(w.quantileBelow(20)).toBe(1 / 4); // only 10 is strictly below; the empty slot counts as not below
    expect(w.quantileBelow(31)).toBe(3 / 4);
    for (const r of [99, 40, 99, 50]) w.observe(r); // arrivals 5..8: samples 40 (window full), then 50 replaces 10
    expect(w.quantileBelow(45)).toBe(3 / 4); // 20, 30, 40
  });
});

describe('AifoScheduler', () => {
  it('admits everything while c <= k*C, then tests the quantile', () => {
    const a = new AifoScheduler({ capacity: 10, windowSize: 5, sampleEvery: 1, burstAllowance: 0.5 });
    for (let h = 0; h < 5; h++) expect(a.enqueue(h, 0, 0)).toBe(ENQUEUE_ACCEPTED);
    // Window is all 0s: q(1000) = 1, yet c = 5 = k*C still admits.
    expect(a.enqueue(5, 1000, 0)).toBe(ENQUEUE_ACCEPTED);
    // c = 6: threshold 2 * 4/10 = 0.8; q(1000) = 4/5 (0, 0, 0, 0 below; 1000 is not strictly below) -> 0.8, refused.
    expect(a.enqueue(6, 1000, 0)).toBe(6);
    expect(a.lastDropReason).toBe(DropReason.AifoAdmission);
    expect(a.enqueue(7, 0, 0)).toBe(ENQUEUE_ACCEPTED); // q(0) = 0
  });

  it('refuses a rank whose quantile equals the threshold (strict <); dropped arrivals enter the window', () => {
    const a = new AifoScheduler({ capacity: 10, windowSize: 5, sampleEvery: 1, burstAllowance: 0.5 });
    for (const r of [10, 20, 30, 40, 50]) a.enqueue(r, r, 0); // c 0..4 <= 5
    a.enqueue(45, 45, 0); // c = 5: headroom; window [45, 20, 30, 40, 50]
    a.enqueue(100, 0, 0); // c = 6: q(0) = 0 < 0.8; window [45, 0, 30, 40, 50]
    a.enqueue(101, 0, 0); // c = 7: q(0) = 0 < 0.6; window [45, 0, 0, 40, 50]
    expect(a.length).toBe(8);
    // c = 8: threshold (1/(1-0.5)) * (10-8)/10 = 0.4; q(30) = 2/5 (the two 0s) = 0.4 -> refused.
    expect(a.admits(30, 8)).toBe(false);
    expect(a.window.quantileBelow(30)).toBe(0.4);
    expect(a.enqueue(30, 30, 0)).toBe(30);
    // The refused 30 replaced 40 in the window: below 35 are now 0, 0, 30.
    expect(a.window.quantileBelow(35)).toBe(0.6);
    expect(a.enqueue(102, 0, 0)).toBe(ENQUEUE_ACCEPTED); // q(0) = 0 < 0.4
    // Never beyond capacity, whatever the rank.
    a.enqueue(103, -5, 0);
    expect(a.length).toBe(10);
    expect(a.enqueue(104, -100, 0)).toBe(104);
    expect(a.lastDropReason).toBe(DropReason.QueueFull);
    // FIFO order regardless of rank.
    const out: number[] = [];
    for (let h = a.dequeue(); h !== EMPTY; h = a.dequeue()) out.push(h);
    expect(out).toEqual([10, 20, 30, 40, 50, 45, 100, 101, 102, 103]);
  });

  it('validates options', () => {
    expect(() => new AifoScheduler({ capacity: 4, burstAllowance: 1, windowSize: 0 })).toThrow(/windowSize .*; burstAllowance/);
  });
});
