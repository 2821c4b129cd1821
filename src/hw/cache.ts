/**
 * One level of a set-associative, true-LRU, write-back, write-allocate cache
 * over simulated line addresses (an address divided by the line size, any
 * non-negative integer below 2^53).
 *
 * Layout: for set s, ways occupy tags[s*ways .. s*ways+ways) in recency order,
 * most recently used first; only the first `fill[s]` entries are valid. A hit
 * moves the line to the front (shifting the more recent ones down by one), a
 * miss inserts at the front and the last valid entry (the least recently used)
 * falls out once the set is full. That is exact LRU with no age counters to
 * overflow, and the common case (a hit on the most recent line of a set) is a
 * single compare. Ways are small (8..20), so the shifts are cheap. The dirty
 * bits of a set are one 32-bit mask whose bit i belongs to recency position
 * i, so they follow a shift with a couple of bit operations instead of a
 * second array move (hence at most 32 ways).
 *
 * Tags past `fill[s]` are garbage and never trusted, with one exception
 * handled explicitly: the MRU compare in lookup reads tags[s*ways] without
 * loading fill[s] first. The tag array is left zero-filled at construction
 * (not pre-filled with NO_LINE: an engine builds a hierarchy per emulated
 * core, and filling a 33 MiB LLC's worth of tags costs milliseconds each and
 * commits every page), so a never-used set reads as holding line 0; a match
 * on line 0 is therefore confirmed against fill[s].
 *
 * Set index = line mod sets. With a power-of-two set count that is
 * `(line >>> 0) & mask`: `>>> 0` is ToUint32, i.e. the integer modulo 2^32,
 * exact for every integer below 2^53, and 2^32 is a multiple of the set
 * count. Other set counts (an LLC partition of 33 MiB / 18 cores) use an
 * exact floor division (setIndexMod; `%` would be exact too, but on doubles
 * it is a call to fmod). No BigInt.
 *
 * Eviction reporting: after an operation that inserts a line, `victimLine`
 * is the line that fell out (NO_LINE if none) and `victimDirty` whether it
 * was modified; the caller (the hierarchy) reads both before its next call
 * into this cache. Nothing is allocated per access.
 *
 * HOT: access, lookup, lookupPastMru, insert, insertAbsent, promoteOrInsert,
 * invalidate, markDirty. COLD: constructor,
 * contents, clear. No `node:*` imports.
 */

/** "No line": an empty way, or no victim. */
export const NO_LINE = -1;

/** Largest associativity (the dirty bits of a set are one 32-bit mask). */
export const MAX_WAYS = 32;

export class SetAssocCache {
  readonly sets: number;
  readonly ways: number;
  /** Cache capacity in lines (sets × ways). */
  readonly lines: number;
  // tags, dirty, fill and setMask are public read-only views for one reader:
  // MemoryHierarchy repeats lookup's MRU test inline on its hottest path (an
  // L1 hit), which saves two calls per access. Nothing outside this class
  // writes them.
  /** Line addresses, per set in recency order (MRU first); only the first fill[s] of a set are valid. */
  readonly tags: Float64Array;
  /** Per set: bit i set = the line at recency position i is modified. */
  readonly dirty: Int32Array;
  /** Dirty-mask bits of a full set: ways ones. */
  private readonly waysMask: number;
  /** Valid entries per set (they are always the first `fill[s]` ways). */
  readonly fill: Uint16Array;
  /** sets - 1 when sets is a power of two, else -1 (use `%`). */
  readonly setMask: number;

  /** Line evicted by the last insert (or missing access), or NO_LINE. */
  victimLine = NO_LINE;
  /** Whether `victimLine` was dirty (must be written back below). */
  victimDirty = false;

  /**
   * COLD.
   * @throws RangeError unless sets is an integer in 1..2^30 and ways an integer in 1..32.
   */
  constructor(sets: number, ways: number) {
    if (!Number.isInteger(sets) || sets < 1 || sets > 2 ** 30) throw new RangeError(`sets must be an integer in 1..2^30, got ${sets}`);
    if (!Number.isInteger(ways) || ways < 1 || ways > MAX_WAYS) throw new RangeError(`ways must be an integer in 1..${MAX_WAYS}, got ${ways}`);
    this.sets = sets;
    this.ways = ways;
    this.lines = sets * ways;
    // Zero-filled, not NO_LINE-filled: see the file comment (lookup guards line 0).
    this.tags = new Float64Array(sets * ways);
    this.dirty = new Int32Array(sets);
    this.waysMask = ways === 32 ? -1 : (1 << ways) - 1;
    this.fill = new Uint16Array(sets);
    this.setMask = (sets & (sets - 1)) === 0 ? sets - 1 : -1;
  }

  /**
   * COLD: a cache of `sizeBytes` with `ways` ways of `lineBytes` lines.
   * @throws RangeError if sizeBytes is not a positive multiple of ways × lineBytes.
   */
  static ofSize(sizeBytes: number, ways: number, lineBytes: number): SetAssocCache {
    const setBytes = ways * lineBytes;
    if (!Number.isInteger(sizeBytes) || sizeBytes < setBytes || sizeBytes % setBytes !== 0) {
      throw new RangeError(`cache size ${sizeBytes} B is not a positive multiple of ${ways} ways × ${lineBytes} B lines`);
    }
    return new SetAssocCache(sizeBytes / setBytes, ways);
  }

  /** HOT: the set a line maps to. */
  setIndex(line: number): number {
    const m = this.setMask;
    return m >= 0 ? (line >>> 0) & m : this.setIndexMod(line);
  }

  /**
   * HOT: line mod sets for a set count that is not a power of two, without
   * `%`: on a double beyond 2^31 (every simulated line is) `%` is a call to
   * fmod, several times slower than this. q = floor(line / sets) computed in
   * doubles is the true quotient or one more (the division rounds to
   * nearest, never below an integer it passes), so r is the true remainder
   * or that minus sets; q × sets and the subtraction are exact while
   * line + sets < 2^53, hence the guard (`%` beyond, never reached in
   * practice: lines are addresses / lineBytes).
   */
  private setIndexMod(line: number): number {
    const sets = this.sets;
    if (!(line < 2 ** 52)) return line % sets;
    const r = line - Math.floor(line / sets) * sets;
    return r < 0 ? r + sets : r;
  }

  /**
   * HOT: a load (isWrite false) or store (true) of one line. A hit makes the
   * line most recently used (and dirty on a store); a miss allocates it
   * (dirty on a store), evicting the set's LRU line into victimLine/victimDirty.
   * Returns true on a hit.
   */
  access(line: number, isWrite: boolean): boolean {
    if (this.lookup(line, isWrite)) {
      this.victimLine = NO_LINE;
      this.victimDirty = false;
      return true;
    }
    this.insertAbsent(line, isWrite);
    return false;
  }

  /**
   * HOT: probe without allocating. A hit promotes the line to MRU and marks
   * it dirty if isWrite; returns whether it hit. Leaves victim fields alone.
   */
  lookup(line: number, isWrite: boolean): boolean {
    const set = this.setIndex(line);
    const base = set * this.ways;
    const tags = this.tags;
    // `line !== 0 ||`: an empty set's first tag may be the initial 0 (file comment).
    if (tags[base] === line && (line !== 0 || this.fill[set] !== 0)) {
      if (isWrite) this.dirty[set] |= 1;
      return true;
    }
    // Kept out of line so that this MRU test stays small enough to inline into callers.
    return this.lookupPastMru(line, isWrite, set, base);
  }

  /**
   * HOT: lookup past the MRU way of `set` (whose first way is `base`): scan
   * recency positions 1.. and promote a hit. For callers that did the MRU
   * test themselves (MemoryHierarchy).
   */
  lookupPastMru(line: number, isWrite: boolean, set: number, base: number): boolean {
    const tags = this.tags;
    const n = this.fill[set]!;
    for (let i = 1; i < n; i++) {
      if (tags[base + i] === line) {
        for (let j = base + i; j > base; j--) tags[j] = tags[j - 1]!;
        tags[base] = line;
        // Positions 0..i-1 move to 1..i; position i's bit goes to 0; bits above i stay.
        const m = this.dirty[set]!;
        const below = m & ((1 << i) - 1);
        const above = i === 31 ? 0 : m & ~((2 << i) - 1);
        const d = isWrite ? 1 : (m >>> i) & 1;
        this.dirty[set] = above | (below << 1) | d;
        return true;
      }
    }
    return false;
  }

  /**
   * HOT: make `line` MRU with the given dirty state, allocating it if absent
   * (victim reported) or OR-ing the dirty bit if present (no victim).
   */
  insert(line: number, isDirty: boolean): void {
    if (this.lookup(line, isDirty)) {
      this.victimLine = NO_LINE;
      this.victimDirty = false;
      return;
    }
    this.insertAbsent(line, isDirty);
  }

  /**
   * HOT: make `line` the MRU line of `set` (the set it maps to) in one pass,
   * whether it is there or not. Present: as lookup (keepDirty: its dirty bit
   * ORed with isDirty) or as invalidate + insertAbsent would leave it
   * (!keepDirty: the bit becomes isDirty; the invalidate frees a way, so that
   * insert evicts nothing); no victim; returns true. Absent: as insertAbsent (victim reported);
   * returns false. One pass: every way down to the line (or to the last valid
   * one) moves one position down while it is compared, so a miss costs one
   * scan instead of a scan and then a shift.
   */
  promoteOrInsert(line: number, isDirty: boolean, keepDirty: boolean, set: number): boolean {
    const tags = this.tags;
    const base = set * this.ways;
    const n = this.fill[set]!;
    const m = this.dirty[set]!;
    let carry = line;
    for (let i = 0; i < n; i++) {
      const t = tags[base + i]!;
      tags[base + i] = carry;
      if (t === line) {
        // Positions 0..i-1 moved to 1..i; position i's bit goes to 0; bits above i stay.
        const below = m & ((1 << i) - 1);
        const above = i === 31 ? 0 : m & ~((2 << i) - 1);
        const d = isDirty ? 1 : keepDirty ? (m >>> i) & 1 : 0;
        this.dirty[set] = above | (below << 1) | d;
        this.victimLine = NO_LINE;
        this.victimDirty = false;
        return true;
      }
      carry = t;
    }
    // Absent: ways 0..n-1 now hold the line and the first n-1 old ones; `carry` is the old LRU.
    if (n < this.ways) {
      tags[base + n] = carry;
      this.fill[set] = n + 1;
      this.victimLine = NO_LINE;
      this.victimDirty = false;
    } else {
      this.victimLine = carry;
      this.victimDirty = ((m >>> (this.ways - 1)) & 1) === 1;
    }
    this.dirty[set] = ((m << 1) & this.waysMask) | (isDirty ? 1 : 0);
    return false;
  }

  /**
   * HOT: insert a line the caller knows is absent (it just missed, or was
   * just invalidated), skipping the presence scan of insert(). Inserting a
   * present line this way would duplicate it: the hierarchy's policies are
   * written so that it never does (see memory.ts).
   */
  insertAbsent(line: number, isDirty: boolean): void {
    const ways = this.ways;
    const set = this.setIndex(line);
    const base = set * ways;
    const tags = this.tags;
    const n = this.fill[set]!;
    const m = this.dirty[set]!;
    let last: number;
    if (n < ways) {
      this.fill[set] = n + 1;
      this.victimLine = NO_LINE;
      this.victimDirty = false;
      last = base + n;
    } else {
      last = base + ways - 1;
      this.victimLine = tags[last]!;
      this.victimDirty = ((m >>> (ways - 1)) & 1) === 1;
    }
    for (let j = last; j > base; j--) tags[j] = tags[j - 1]!;
    tags[base] = line;
    this.dirty[set] = ((m << 1) & this.waysMask) | (isDirty ? 1 : 0);
  }

  /**
   * HOT: remove a line if present. Returns -1 if it was absent, 0 if it was
   * clean, 1 if it was dirty. The remaining lines keep their recency order.
   */
  invalidate(line: number): number {
    const set = this.setIndex(line);
    const base = set * this.ways;
    const tags = this.tags;
    const n = this.fill[set]!;
    for (let i = 0; i < n; i++) {
      if (tags[base + i] === line) {
        const last = base + n - 1;
        for (let j = base + i; j < last; j++) tags[j] = tags[j + 1]!;
        tags[last] = NO_LINE;
        this.fill[set] = n - 1;
        // Bits above i move down by one; bit i leaves.
        const m = this.dirty[set]!;
        const d = (m >>> i) & 1;
        const below = m & ((1 << i) - 1);
        const above = i === 31 ? 0 : (m >>> (i + 1)) << i;
        this.dirty[set] = below | above;
        return d;
      }
    }
    return -1;
  }

  /** HOT: set the dirty bit of a present line without touching recency; false if absent. */
  markDirty(line: number): boolean {
    const set = this.setIndex(line);
    const base = set * this.ways;
    const n = this.fill[set]!;
    for (let i = 0; i < n; i++) {
      if (this.tags[base + i] === line) {
        this.dirty[set] |= 1 << i;
        return true;
      }
    }
    return false;
  }

  /** Whether a line is present (no recency update). For tests and assertions. */
  contains(line: number): boolean {
    const base = this.setIndex(line) * this.ways;
    const n = this.fill[this.setIndex(line)]!;
    for (let i = 0; i < n; i++) if (this.tags[base + i] === line) return true;
    return false;
  }

  /** Whether a present line is dirty (false if absent). For tests. */
  isDirty(line: number): boolean {
    const set = this.setIndex(line);
    const base = set * this.ways;
    const n = this.fill[set]!;
    for (let i = 0; i < n; i++) if (this.tags[base + i] === line) return ((this.dirty[set]! >>> i) & 1) === 1;
    return false;
  }

  /** COLD: the lines of one set, most recently used first. For tests and debugging. */
  contents(set: number): number[] {
    const out: number[] = [];
    const base = set * this.ways;
    for (let i = 0; i < this.fill[set]!; i++) out.push(this.tags[base + i]!);
    return out;
  }

  /** COLD: number of valid lines. */
  occupancy(): number {
    let n = 0;
    for (let s = 0; s < this.sets; s++) n += this.fill[s]!;
    return n;
  }

  /** COLD: empty the cache (dirty lines are discarded, not reported). */
  clear(): void {
    this.tags.fill(0);
    this.dirty.fill(0);
    this.fill.fill(0);
    this.victimLine = NO_LINE;
    this.victimDirty = false;
  }
}
