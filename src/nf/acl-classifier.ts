/**
 * 5-tuple packet classification by tuple space search (Srinivasan, Suri &
 * Varghese, "Packet classification using tuple space search", SIGCOMM 1999;
 * written here from the idea, not from any implementation).
 *
 * Idea: rules whose source and destination prefixes have the same lengths
 * (s, d) form one "tuple". Inside a tuple, masking a packet's addresses with
 * (s, d) gives an exact key, so one hash probe finds every rule of that
 * tuple whose prefixes contain the packet; those rules (same prefixes,
 * different ports/protocol) sit in a priority-sorted run and are checked with
 * range compares. Priority is rule order (index 0 first).
 *
 *   tuples (sorted by their best rule)   slots (one open-addressed table per tuple)   rules (runs in priority order)
 *   ┌─────────────────────────────┐      ┌──────────────────────────────┐           ┌───────────────────────────┐
 *   │ srcMask dstMask slotBase    │ ───► │ srcKey dstKey start end      │ ────────► │ prio ports(4) proto action│
 *   │ slotMask minPriority        │      │ (end 0 = empty slot)         │           │ ...                       │
 *   └─────────────────────────────┘      └──────────────────────────────┘           └───────────────────────────┘
 *
 * Lookup: walk the tuples in ascending order of their best (lowest) rule
 * index; stop as soon as a tuple's best rule cannot beat the match found so
 * far (tuples later in the order cannot either). In each tuple probed: hash
 * the masked key, linear-probe the tuple's table (load <= 1/2), and on a key
 * hit scan its rule run until a rule matches or cannot beat the best.
 *
 * Complexity: T = distinct (src length, dst length) pairs (<= 33 * 33),
 * k = rules sharing one (src prefix, dst prefix) pair. Lookup is
 * O(T * (1 + expected probe length) + k) — independent of the rule count
 * for rule sets whose prefix lengths cluster (real ACLs use few lengths; the
 * generator in acl-rules.ts uses at most 25 tuples), and at worst a linear
 * scan when all rules share one prefix pair and differ only in ports. Build
 * is O(N) expected, memory O(N): 16 bytes per rule and <= 4 slots of 16 bytes
 * per distinct prefix pair, plus 32 bytes per tuple.
 *
 * Why this and not a decision tree or bit vectors: it is simple enough to be
 * obviously right, its memory is linear in the rules (bit vectors are
 * O(N^2 / 8) bytes over all fields), and its memory references (one tuple
 * record, a slot or two, a few rules per tuple probed) are what a cache
 * model should see for a hash-based classifier such as Open vSwitch's
 * megaflow classifier, which is tuple space search.
 *
 * Simulated memory: three regions (tuples, slots, rules) at the bases set by
 * the NF (setBases); `classify` declares every record it reads, and counts
 * what it did (lastTuples, lastSlots, lastRules) for the NF to charge compute.
 *
 * Host-side memo (trace-memo.ts): the rules never change after construction,
 * so a lookup is a pure function of the 5-tuple — both its answer and the
 * records it reads. Unless built with `memo: false`, the classifier keeps
 * both per 5-tuple and, for a tuple seen before, declares the same reads in
 * the same order without searching again: the memory model and the counts
 * see exactly what a search would have done (the engine's records are
 * identical either way; test/nf/trace-memo.test.ts checks read for read
 * and cache state for cache state).
 */
import { ACL_PROTO_ANY, aclPrefixMask, type AclRule } from './acl-rules.js';
import type { MemoryModel } from './nf.js';
import { packPorts } from './flow-hash.js';
import { TraceMemo } from './trace-memo.js';

/** Tuple record: srcMask, dstMask, slotBase, slotMask, minPriority (20 bytes), padded to 32. */
export const ACL_TUPLE_BYTES = 32;
const TUPLE_READ_BYTES = 20;
/** Longest search a memo entry keeps: beyond this (huge tuple sets) the search runs each time. */
const MEMO_MAX_TRACE = 1024;
/** Slot: srcKey, dstKey, run start, run end (4 x u32). */
export const ACL_SLOT_BYTES = 16;
/** Rule: priority u32, four port bounds u16, proto u16, action u8, pad. */
export const ACL_RULE_BYTES = 16;
/** Most rules a classifier holds (keeps indexes in u32 and tables a few tens of MiB). */
export const ACL_MAX_RULES = 1 << 20;

/** HOT: hash of a masked (src, dst) key pair (a multiply-xorshift mix of both words). */
function pairHash(a: number, b: number): number {
  let x = a ^ Math.imul(b, 0x9e3779b1);
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

function nextPow2(n: number): number {
  let c = 1;
  while (c < n) c *= 2;
  return c;
}

export class AclClassifier {
  readonly ruleCount: number;
  readonly tupleCount: number;
  readonly slotCount: number;
  /** 1 where rule i (original order) denies. */
  readonly denies: Uint8Array;
  /** Simulated base addresses of the three tables (setBases; 0 until then). */
  private tuplesAt = 0;
  private slotsAt = 0;
  private rulesAt = 0;
  /** The host-side memo of searches, or null (options.memo false). */
  readonly memo: TraceMemo | null;
  /** What the last classify did: tuples probed, slots read, rules read. */
  lastTuples = 0;
  lastSlots = 0;
  lastRules = 0;

  private readonly tSrcMask: Uint32Array;
  private readonly tDstMask: Uint32Array;
  private readonly tSlotBase: Uint32Array;
  private readonly tSlotMask: Uint32Array;
  private readonly tMinPrio: Uint32Array;
  private readonly sSrc: Uint32Array;
  private readonly sDst: Uint32Array;
  private readonly sStart: Uint32Array;
  private readonly sEnd: Uint32Array;
  private readonly rPrio: Uint32Array;
  private readonly rSpLo: Uint16Array;
  private readonly rSpHi: Uint16Array;
  private readonly rDpLo: Uint16Array;
  private readonly rDpHi: Uint16Array;
  private readonly rProto: Uint16Array;

  /**
   * COLD: builds the tables from `rules` in priority order. `memo: false`
   * searches on every classify (the reference the memo is tested against).
   * Throws beyond ACL_MAX_RULES.
   */
  constructor(rules: readonly AclRule[], options: { memo?: boolean } = {}) {
    const n = rules.length;
    this.memo = options.memo === false ? null : new TraceMemo(MEMO_MAX_TRACE);
    if (n > ACL_MAX_RULES) throw new Error(`ACL: ${n} rules, at most ${ACL_MAX_RULES} supported`);
    this.ruleCount = n;
    this.denies = new Uint8Array(n);
    // Group rule indexes by tuple, then by masked key; Map insertion order
    // keeps each run in priority order and each tuple's first rule first.
    const tuples = new Map<number, { srcLen: number; dstLen: number; minPrio: number; runs: Map<string, number[]> }>();
    for (let i = 0; i < n; i++) {
      const r = rules[i]!;
      this.denies[i] = r.action === 'deny' ? 1 : 0;
      const tk = r.srcLen * 33 + r.dstLen;
      let t = tuples.get(tk);
      if (t === undefined) {
        t = { srcLen: r.srcLen, dstLen: r.dstLen, minPrio: i, runs: new Map() };
        tuples.set(tk, t);
      }
      const key = `${r.srcAddr},${r.dstAddr}`;
      const run = t.runs.get(key);
      if (run === undefined) t.runs.set(key, [i]);
      else run.push(i);
    }
    const order = [...tuples.values()].sort((a, b) => a.minPrio - b.minPrio);
    const T = order.length;
    this.tupleCount = T;
    this.tSrcMask = new Uint32Array(T);
    this.tDstMask = new Uint32Array(T);
    this.tSlotBase = new Uint32Array(T);
    this.tSlotMask = new Uint32Array(T);
    this.tMinPrio = new Uint32Array(T);
    let slots = 0;
    for (let t = 0; t < T; t++) {
      const cap = nextPow2(Math.max(2, 2 * order[t]!.runs.size));
      this.tSlotBase[t] = slots;
      this.tSlotMask[t] = cap - 1;
      slots += cap;
    }
    this.slotCount = slots;
    this.sSrc = new Uint32Array(slots);
    this.sDst = new Uint32Array(slots);
    this.sStart = new Uint32Array(slots);
    this.sEnd = new Uint32Array(slots);
    this.rPrio = new Uint32Array(n);
    this.rSpLo = new Uint16Array(n);
    this.rSpHi = new Uint16Array(n);
    this.rDpLo = new Uint16Array(n);
    this.rDpHi = new Uint16Array(n);
    this.rProto = new Uint16Array(n);
    let pos = 0;
    for (let t = 0; t < T; t++) {
      const tu = order[t]!;
      const srcMask = aclPrefixMask(tu.srcLen);
      const dstMask = aclPrefixMask(tu.dstLen);
      this.tSrcMask[t] = srcMask;
      this.tDstMask[t] = dstMask;
      this.tMinPrio[t] = tu.minPrio;
      for (const run of tu.runs.values()) {
        const first = rules[run[0]!]!;
        const start = pos;
        for (const i of run) {
          const r = rules[i]!;
          this.rPrio[pos] = i;
          this.rSpLo[pos] = r.srcPortLo;
          this.rSpHi[pos] = r.srcPortHi;
          this.rDpLo[pos] = r.dstPortLo;
          this.rDpHi[pos] = r.dstPortHi;
          this.rProto[pos] = r.proto;
          pos++;
        }
        const sk = (first.srcAddr & srcMask) >>> 0;
        const dk = (first.dstAddr & dstMask) >>> 0;
        const mask = this.tSlotMask[t]!;
        let j = pairHash(sk, dk) & mask;
        while (this.sEnd[this.tSlotBase[t]! + j] !== 0) j = (j + 1) & mask;
        const s = this.tSlotBase[t]! + j;
        this.sSrc[s] = sk;
        this.sDst[s] = dk;
        this.sStart[s] = start;
        this.sEnd[s] = pos;
      }
    }
  }

  /** COLD: place the three tables at these simulated addresses. */
  setBases(tuples: number, slots: number, rules: number): void {
    this.tuplesAt = tuples;
    this.slotsAt = slots;
    this.rulesAt = rules;
    // The memo's traces hold addresses in the old place.
    this.memo?.clear();
  }

  get tuplesBase(): number { return this.tuplesAt; }
  get slotsBase(): number { return this.slotsAt; }
  get rulesBase(): number { return this.rulesAt; }

  get tuplesBytes(): number { return this.tupleCount * ACL_TUPLE_BYTES; }
  get slotsBytes(): number { return this.slotCount * ACL_SLOT_BYTES; }
  get rulesBytes(): number { return this.ruleCount * ACL_RULE_BYTES; }

  /**
   * HOT: index (priority) of the first rule matching the 5-tuple, or -1.
   * Addresses are u32; `proto` is the IP protocol number. Declares every
   * record read through `mem` and leaves counts in lastTuples/Slots/Rules.
   */
  classify(src: number, dst: number, srcPort: number, dstPort: number, proto: number, mem: MemoryModel): number {
    const memo = this.memo;
    if (memo === null) return this.search(src, dst, srcPort, dstPort, proto, mem);
    if (memo.find(src, dst, packPorts(srcPort, dstPort), proto) && memo.replay(mem)) {
      this.lastTuples = memo.n0;
      this.lastSlots = memo.n1;
      this.lastRules = memo.n2;
      return memo.result;
    }
    if (!memo.admit()) return this.search(src, dst, srcPort, dstPort, proto, mem);
    const rule = this.search(src, dst, srcPort, dstPort, proto, memo.recorder(mem));
    memo.store(rule, this.lastTuples, this.lastSlots, this.lastRules);
    return rule;
  }

  /** HOT: the tuple space search itself. */
  private search(src: number, dst: number, srcPort: number, dstPort: number, proto: number, mem: MemoryModel): number {
    let best = this.ruleCount; // beyond every priority: "no match yet"
    let tuples = 0;
    let slots = 0;
    let rules = 0;
    // Fields in locals: the compiler cannot always prove that the inlined
    // mem.read (which stores into the memory model) leaves them unchanged, so
    // it would reload them on every iteration.
    const T = this.tupleCount;
    const tuplesBase = this.tuplesAt;
    const slotsBase = this.slotsAt;
    const rulesBase = this.rulesAt;
    const tMinPrio = this.tMinPrio;
    const tSrcMask = this.tSrcMask;
    const tDstMask = this.tDstMask;
    const tSlotBase = this.tSlotBase;
    const tSlotMask = this.tSlotMask;
    const sSrc = this.sSrc;
    const sDst = this.sDst;
    const sStart = this.sStart;
    const sEnd = this.sEnd;
    const rPrio = this.rPrio;
    const rProto = this.rProto;
    const rSpLo = this.rSpLo;
    const rSpHi = this.rSpHi;
    const rDpLo = this.rDpLo;
    const rDpHi = this.rDpHi;
    // Module constants in locals too: each use of a module-level binding in
    // optimized code is a load from its cell plus a hole check.
    const tupleBytes = ACL_TUPLE_BYTES;
    const tupleReadBytes = TUPLE_READ_BYTES;
    const slotBytes = ACL_SLOT_BYTES;
    const ruleBytes = ACL_RULE_BYTES;
    const protoAny = ACL_PROTO_ANY;
    for (let t = 0; t < T; t++) {
      mem.read(tuplesBase + t * tupleBytes, tupleReadBytes);
      if (tMinPrio[t]! >= best) break;
      tuples++;
      const sk = (src & tSrcMask[t]!) >>> 0;
      const dk = (dst & tDstMask[t]!) >>> 0;
      const base = tSlotBase[t]!;
      const mask = tSlotMask[t]!;
      let j = pairHash(sk, dk) & mask;
      for (;;) {
        const s = base + j;
        mem.read(slotsBase + s * slotBytes, slotBytes);
        slots++;
        const end = sEnd[s]!;
        if (end === 0) break;
        if (sSrc[s] === sk && sDst[s] === dk) {
          for (let r = sStart[s]!; r < end; r++) {
            mem.read(rulesBase + r * ruleBytes, ruleBytes);
            rules++;
            const prio = rPrio[r]!;
            if (prio >= best) break;
            const rp = rProto[r]!;
            if ((rp === protoAny || rp === proto) &&
                srcPort >= rSpLo[r]! && srcPort <= rSpHi[r]! &&
                dstPort >= rDpLo[r]! && dstPort <= rDpHi[r]!) {
              best = prio;
              break;
            }
          }
          break;
        }
        j = (j + 1) & mask;
      }
    }
    this.lastTuples = tuples;
    this.lastSlots = slots;
    this.lastRules = rules;
    return best === this.ruleCount ? -1 : best;
  }
}
