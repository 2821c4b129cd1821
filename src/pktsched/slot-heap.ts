/**
 * A binary heap of slot indices keyed by (rank, seq) held in arrays it does
 * not own, with a position index so that any slot can be removed in
 * O(log n). PIFO keeps two over the same slots: a min-heap (the head to
 * dequeue) and a max-heap (the worst packet to evict).
 *
 * Order: (rank, seq) lexicographic; seq is the arrival sequence number, so
 * equal ranks are FIFO in the min-heap and "latest first" in the max-heap.
 * Both heaps are instances of this one class (monomorphic call sites); the
 * direction is a field, not a subclass.
 */

export class SlotHeap {
  readonly heap: Int32Array;
  /** pos[slot] = index of slot in heap, -1 when absent. */
  readonly pos: Int32Array;
  size = 0;
  private readonly ranks: Float64Array;
  private readonly seqs: Float64Array;
  private readonly isMax: boolean;

  /** COLD. */
  constructor(capacity: number, ranks: Float64Array, seqs: Float64Array, isMax: boolean) {
    this.heap = new Int32Array(capacity);
    this.pos = new Int32Array(capacity).fill(-1);
    this.ranks = ranks;
    this.seqs = seqs;
    this.isMax = isMax;
  }

  /** HOT: does slot a belong above slot b? */
  private above(a: number, b: number): boolean {
    const ra = this.ranks[a]!;
    const rb = this.ranks[b]!;
    if (ra !== rb) return this.isMax ? ra > rb : ra < rb;
    return this.isMax ? this.seqs[a]! > this.seqs[b]! : this.seqs[a]! < this.seqs[b]!;
  }

  /** HOT: the root slot (heap non-empty). */
  top(): number {
    return this.heap[0]!;
  }

  /** HOT. */
  push(slot: number): void {
    const i = this.size++;
    this.heap[i] = slot;
    this.pos[slot] = i;
    this.siftUp(i);
  }

  /** HOT: remove `slot` wherever it sits. */
  remove(slot: number): void {
    const i = this.pos[slot]!;
    const lastIdx = --this.size;
    this.pos[slot] = -1;
    if (i === lastIdx) return;
    const last = this.heap[lastIdx]!;
    this.heap[i] = last;
    this.pos[last] = i;
    this.siftDown(i);
    this.siftUp(this.pos[last]!);
  }

  private siftUp(i: number): void {
    const heap = this.heap;
    const slot = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!this.above(slot, p)) break;
      heap[i] = p;
      this.pos[p] = i;
      i = parent;
    }
    heap[i] = slot;
    this.pos[slot] = i;
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = this.size;
    const slot = heap[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.above(heap[r]!, heap[l]!) ? r : l;
      const cs = heap[c]!;
      if (!this.above(cs, slot)) break;
      heap[i] = cs;
      this.pos[cs] = i;
      i = c;
    }
    heap[i] = slot;
    this.pos[slot] = i;
  }
}
