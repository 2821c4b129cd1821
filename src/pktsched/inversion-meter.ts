/**
 * Rank-inversion and per-rank drop metrics (docs/pktsched.md, "Metrics"),
 * kept beside a scheduler that reports every buffer change to it.
 *
 * Ranks are bucketed as clamp(floor(rank), 0, rankLimit - 1): the counts are
 * exact for integer ranks in [0, rankLimit) (the Netbench studies use 0..99)
 * and coarser otherwise. The buffered ranks live in a Fenwick tree over the
 * buckets, so each report costs O(log rankLimit) and allocates nothing.
 *
 * Definitions ([SP-PIFO] and [AIFO] Netbench code):
 *   dequeue inversion event  packet p leaves while at least one packet still
 *                            buffered has a strictly smaller rank; the number
 *                            of such packets is added to `dequeueInversionPairs`.
 *   enqueue inversion event  an *admitted* arrival's rank is strictly smaller
 *                            than the largest rank already buffered (checked
 *                            after any eviction it caused, before it is
 *                            inserted). Refused arrivals are never served,
 *                            so they are not counted (our choice; the older
 *                            Netbench FIFO code only ever saw admitted ones).
 * Histograms: dequeue events by the dequeued packet's rank, enqueue events by
 * the arriving packet's rank, drops by the dropped packet's rank.
 */

export class InversionMeter {
  readonly rankLimit: number;
  /** Fenwick tree (1-based) of buffered packets per rank bucket. */
  private readonly tree: Int32Array;
  private buffered = 0;
  dequeueInversionEvents = 0;
  dequeueInversionPairs = 0;
  enqueueInversionEvents = 0;
  drops = 0;
  /** Sum of dropped ranks (bucketed), for the mean dropped rank. */
  dropRankSum = 0;
  readonly dequeueInversionsByRank: Float64Array;
  readonly enqueueInversionsByRank: Float64Array;
  readonly dropsByRank: Float64Array;

  /** COLD. */
  constructor(rankLimit: number) {
    if (!Number.isInteger(rankLimit) || rankLimit < 1 || rankLimit > 1 << 24) {
      throw new RangeError(`InversionMeter: rankLimit must be an integer in [1, 2^24], got ${rankLimit}`);
    }
    this.rankLimit = rankLimit;
    this.tree = new Int32Array(rankLimit + 1);
    this.dequeueInversionsByRank = new Float64Array(rankLimit);
    this.enqueueInversionsByRank = new Float64Array(rankLimit);
    this.dropsByRank = new Float64Array(rankLimit);
  }

  /** HOT: the bucket of a rank. */
  bucket(rank: number): number {
    if (!(rank > 0)) return 0; // also NaN
    const b = Math.floor(rank);
    return b >= this.rankLimit ? this.rankLimit - 1 : b;
  }

  /** HOT: buffered packets in buckets [0, b). */
  private countBelow(b: number): number {
    let s = 0;
    for (let i = b; i > 0; i -= i & -i) s += this.tree[i]!;
    return s;
  }

  private add(b: number, delta: number): void {
    const t = this.tree;
    for (let i = b + 1; i <= this.rankLimit; i += i & -i) t[i] = t[i]! + delta;
    this.buffered += delta;
  }

  /** HOT: an arrival was buffered. */
  onAccept(rank: number): void {
    const b = this.bucket(rank);
    // Largest buffered rank > rank  <=>  some buffered packet sits in a bucket above b.
    if (this.buffered - this.countBelow(b + 1) > 0) {
      this.enqueueInversionEvents++;
      this.enqueueInversionsByRank[b]!++;
    }
    this.add(b, 1);
  }

  /** HOT: a buffered packet left through dequeue(). */
  onDequeue(rank: number): void {
    const b = this.bucket(rank);
    this.add(b, -1);
    const below = this.countBelow(b);
    if (below > 0) {
      this.dequeueInversionEvents++;
      this.dequeueInversionPairs += below;
      this.dequeueInversionsByRank[b]!++;
    }
  }

  /** HOT: a packet was dropped; `wasBuffered` when it was evicted from the buffer. */
  onDrop(rank: number, wasBuffered: boolean): void {
    const b = this.bucket(rank);
    if (wasBuffered) this.add(b, -1);
    this.drops++;
    this.dropRankSum += b;
    this.dropsByRank[b]!++;
  }

  /** COLD: mean bucketed rank of the dropped packets (NaN without drops). */
  meanDroppedRank(): number {
    return this.drops === 0 ? NaN : this.dropRankSum / this.drops;
  }

  /** COLD: packets the meter believes are buffered (for conservation checks). */
  bufferedCount(): number {
    return this.buffered;
  }
}
