/**
 * The sliding window of sampled arrival ranks used by AIFO and PACKS for
 * their rank-quantile estimate ([AIFO], [PACKS]).
 *
 * - One rank is sampled every `sampleEvery` arrivals: arrivals 0, s, 2s, ...
 *   (counting from 0), whether or not the packet is then admitted.
 * - quantileBelow(r) = (window entries with rank strictly below r) / W, where
 *   W is the window *size*: while the window is still filling, the empty
 *   entries count as "not below", so the first packets see q = 0 and are
 *   admitted (our choice; the papers start with a warm window).
 * - The caller tests admission *before* observe() puts the arrival's own rank
 *   in (the order of the Netbench AIFO code).
 * W is small (20 in the papers), so a linear count beats any tree here; in
 * hardware it is a row of registers compared in parallel.
 */

export class RankWindow {
  readonly size: number;
  readonly sampleEvery: number;
  private readonly ranks: Float64Array;
  private filled = 0;
  private next = 0;
  private arrivals = 0;

  /** COLD: sizes validated by the caller. */
  constructor(size: number, sampleEvery: number) {
    this.size = size;
    this.sampleEvery = sampleEvery;
    this.ranks = new Float64Array(size);
  }

  /** HOT: fraction of the window strictly below `rank`. */
  quantileBelow(rank: number): number {
    let below = 0;
    const w = this.ranks;
    for (let i = 0; i < this.filled; i++) if (w[i]! < rank) below++;
    return below / this.size;
  }

  /** HOT: count one arrival, sampling its rank when its turn comes. */
  observe(rank: number): void {
    if (this.arrivals % this.sampleEvery === 0) {
      this.ranks[this.next] = rank;
      this.next = this.next + 1 === this.size ? 0 : this.next + 1;
      if (this.filled < this.size) this.filled++;
    }
    this.arrivals++;
  }

  /** COLD: entries held (<= size). */
  entries(): number {
    return this.filled;
  }
}
