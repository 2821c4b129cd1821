/**
 * Aho–Corasick multi-pattern matching (Aho & Corasick, CACM 1975) compiled
 * to a full DFA over a compressed alphabet, as Snort's "ac-full" matcher does.
 *
 * Layout (all typed arrays, built COLD by {@link AhoCorasick.build}):
 *   classOf[256]        byte -> alphabet class. Class 0 = every byte that
 *                       occurs in no pattern; with `nocase`, 'A' and 'a'
 *                       share a class. Typical URL sets use ~40 classes, so
 *                       a state's row is ~160 bytes instead of 1 KiB.
 *   delta[row + class]  next state as its ROW OFFSET (state * classCount),
 *                       with bit 31 set when the next state ends a pattern
 *                       (its own or, through failure links, a suffix's).
 *                       Pre-multiplied rows keep the per-byte dependency
 *                       chain to one load and one add.
 * The root is row 0; a scan's state is carried between calls as a row
 * offset, so a pattern split across TCP segments is still found.
 *
 * Memory declaration (scan): one ctx.mem.read per distinct 64-byte line of
 * `delta` touched per *epoch* (the caller starts an epoch per packet with
 * beginEpoch), plus one read of the 256-byte class map per epoch. Re-visits
 * within a packet are assumed to hit L1 and are covered by the caller's
 * per-byte compute cycles; declaring every byte's load would cost the cache
 * simulator one call per payload byte (it is priced per line; a call per
 * access is what makes a cache simulator in JS slow, bench/README.md).
 */
import type { MemoryModel } from './nf.js';

const MATCH_BIT = 0x80000000;
const ROW_MASK = 0x7fffffff;
const LINE_SHIFT = 4; // 16 four-byte entries per 64-byte line
const ALPHABET = 256;
/** Largest transition table build() accepts (entries; 256 MiB of Int32): row offsets must stay below 2^31. */
export const MAX_TABLE_ENTRIES = 1 << 26;

export class AhoCorasick {
  /** Bytes of the patterns, as given (before case folding). */
  readonly patterns: readonly Uint8Array[];
  readonly stateCount: number;
  readonly classCount: number;
  readonly classOf: Uint8Array;
  readonly delta: Int32Array;
  /** Per state: pattern ids that end there (own and inherited), flattened: outIds[outStart[s] .. outStart[s+1]). */
  readonly outStart: Int32Array;
  readonly outIds: Int32Array;
  readonly nocase: boolean;

  /** Simulated addresses of delta and classOf (set by place()); 0 until placed. */
  private deltaAddr = 0;
  private classAddr = 0;
  private readonly lineStamp: Uint32Array;
  private epoch = 1;
  private classDeclared = false;

  /** Results of the last scan() (fields instead of an allocated tuple). */
  consumed = 0;
  matchCount = 0;

  private constructor(patterns: Uint8Array[], nocase: boolean) {
    this.patterns = patterns;
    this.nocase = nocase;
    // Alphabet classes.
    const classOf = new Uint8Array(ALPHABET);
    let classes = 1;
    for (const p of patterns) {
      for (let i = 0; i < p.length; i++) {
        const b = fold(p[i]!, nocase);
        if (classOf[b] === 0) {
          classOf[b] = classes++;
          if (nocase && b >= 0x61 && b <= 0x7a) classOf[b - 0x20] = classOf[b]!;
        }
      }
    }
    this.classOf = classOf;
    const nc = classes;
    this.classCount = nc;
    // Trie (goto function): -1 = no edge yet.
    let maxStates = 1;
    for (const p of patterns) maxStates += p.length;
    if (maxStates * nc > MAX_TABLE_ENTRIES) {
      throw new RangeError(`Aho-Corasick automaton too large: up to ${maxStates} states x ${nc} byte classes > ${MAX_TABLE_ENTRIES} entries`);
    }
    const go = new Int32Array(maxStates * nc).fill(-1);
    const own: number[][] = [[]];
    let states = 1;
    for (let id = 0; id < patterns.length; id++) {
      const p = patterns[id]!;
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const c = classOf[p[i]!]!;
        let t = go[s * nc + c]!;
        if (t < 0) {
          t = states++;
          go[s * nc + c] = t;
          own.push([]);
        }
        s = t;
      }
      own[s]!.push(id);
    }
    this.stateCount = states;
    // Breadth-first: failure links, then the full DFA (missing edges follow
    // the failure state's edge, which is already final because it is shallower).
    const fail = new Int32Array(states);
    const out: number[][] = new Array(states);
    out[0] = own[0]!.slice();
    const queue = new Int32Array(states);
    let qh = 0;
    let qt = 0;
    for (let c = 0; c < nc; c++) {
      const t = go[c]!;
      if (t < 0) go[c] = 0;
      else {
        fail[t] = 0;
        queue[qt++] = t;
      }
    }
    while (qh < qt) {
      const s = queue[qh++]!;
      const f = fail[s]!;
      out[s] = own[s]!.concat(out[f]!);
      for (let c = 0; c < nc; c++) {
        const t = go[s * nc + c]!;
        if (t < 0) go[s * nc + c] = go[f * nc + c]!;
        else {
          fail[t] = go[f * nc + c]!;
          queue[qt++] = t;
        }
      }
    }
    const delta = new Int32Array(states * nc);
    for (let s = 0; s < states; s++) {
      for (let c = 0; c < nc; c++) {
        const t = go[s * nc + c]!;
        delta[s * nc + c] = (t * nc) | (out[t]!.length > 0 ? MATCH_BIT : 0);
      }
    }
    this.delta = delta;
    const outStart = new Int32Array(states + 1);
    let total = 0;
    for (let s = 0; s < states; s++) {
      outStart[s] = total;
      total += out[s]!.length;
    }
    outStart[states] = total;
    const outIds = new Int32Array(total);
    for (let s = 0; s < states; s++) outIds.set(out[s]!, outStart[s]!);
    this.outStart = outStart;
    this.outIds = outIds;
    this.lineStamp = new Uint32Array(((states * nc) >>> LINE_SHIFT) + 1);
  }

  /** COLD: compile `patterns` (non-empty byte strings); `nocase` folds ASCII letters. Throws on an empty pattern or a table over MAX_TABLE_ENTRIES. */
  static build(patterns: readonly Uint8Array[], nocase: boolean): AhoCorasick {
    for (let i = 0; i < patterns.length; i++) {
      if (patterns[i]!.length === 0) throw new RangeError(`pattern ${i} is empty`);
    }
    return new AhoCorasick(patterns.slice(), nocase);
  }

  /** Bytes of the transition table (for NfEnv.allocRegion). */
  get deltaBytes(): number {
    return this.delta.length * 4;
  }

  /** COLD: the simulated addresses of the transition table and the class map. */
  place(deltaAddr: number, classAddr: number): void {
    this.deltaAddr = deltaAddr;
    this.classAddr = classAddr;
  }

  /** HOT: start a new declaration epoch (one per packet): lines touched before count as not yet declared. */
  beginEpoch(): void {
    this.classDeclared = false;
    this.epoch = (this.epoch + 1) >>> 0;
    if (this.epoch === 0) {
      // Wrapped after 2^32 packets: forget every stamp rather than alias old ones.
      this.lineStamp.fill(0);
      this.epoch = 1;
    }
  }

  /**
   * HOT: feed buf[off, off+len) to the automaton starting in state `row`
   * (a row offset; 0 = root) and return the state after the last byte
   * consumed. Sets `consumed` (bytes fed) and `matchCount` (positions at
   * which at least one pattern ends). With `stopAtMatch`, stops right after
   * the first such position. Declares table lines through `mem` (see file
   * comment).
   */
  scan(buf: Uint8Array, off: number, len: number, row: number, stopAtMatch: boolean, mem: MemoryModel): number {
    const delta = this.delta;
    const classOf = this.classOf;
    const stamp = this.lineStamp;
    const epoch = this.epoch;
    const base = this.deltaAddr;
    if (!this.classDeclared && len > 0) {
      mem.read(this.classAddr, ALPHABET);
      this.classDeclared = true;
    }
    let s = row;
    let matches = 0;
    let i = 0;
    while (i < len) {
      const e = s + classOf[buf[off + i]!]!;
      i++;
      const line = e >>> LINE_SHIFT;
      if (stamp[line] !== epoch) {
        stamp[line] = epoch;
        mem.read(base + (line << 6), 64);
      }
      const next = delta[e]!;
      s = next & ROW_MASK;
      if (next < 0) {
        matches++;
        if (stopAtMatch) break;
      }
    }
    this.consumed = i;
    this.matchCount = matches;
    return s;
  }

  /**
   * COLD (allocates; for tests and tools): every occurrence in `text` as
   * [patternId, endIndexExclusive], in text order, ids within a position in
   * the automaton's output order.
   */
  findAll(text: Uint8Array): [number, number][] {
    const found: [number, number][] = [];
    const nc = this.classCount;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      s = this.delta[s + this.classOf[text[i]!]!]! & ROW_MASK;
      const st = s / nc;
      for (let k = this.outStart[st]!; k < this.outStart[st + 1]!; k++) found.push([this.outIds[k]!, i + 1]);
    }
    return found;
  }
}

/** ASCII upper case to lower case when folding. */
function fold(b: number, nocase: boolean): number {
  return nocase && b >= 0x41 && b <= 0x5a ? b + 0x20 : b;
}
