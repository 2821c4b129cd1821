/**
 * IPv4 longest-prefix match in a path-compressed binary trie, the structure
 * of Linux's BPF_MAP_TYPE_LPM_TRIE (kernel/bpf/lpm_trie.c; this is written
 * from the idea, not from its code), which is what a BPF program's LPM map
 * lookups walk.
 *
 * Every node holds a prefix (addr, len) and, if it is a stored prefix, a
 * value; nodes with no value are intermediate branch points made when two
 * prefixes diverge. A node's children extend its prefix with bit `len`
 * (0 or 1) and possibly more bits: one-child chains are never built, so the
 * depth is bounded by the number of stored prefixes on a path, not by 32.
 *
 *          (10.0.0.0/7, -)                 "-" = intermediate, no value
 *            /          \
 *   (10.0.0.0/8, v1)   (11.1.0.0/16, v2)
 *        /
 *   (10.1.2.0/24, v3)
 *
 * Lookup of key k: from the root, while the node's prefix covers k, remember
 * its value if it has one, and descend by bit `len` of k; stop at a node that
 * does not cover k, a /32 node, or a missing child. The last value remembered
 * is the longest match. Reads one node per level: O(depth), about log2(n) + a
 * few levels for random prefixes (Linux's trie has the same shape).
 *
 * Insert (COLD) handles the four cases: same prefix (replace the value: the
 * later duplicate wins), the node's prefix is a proper prefix of the new one
 * (descend, or hang a leaf), the new prefix is a proper prefix of the node's
 * (insert above it), or they diverge below both lengths (new intermediate).
 *
 * Simulated memory: node i at `baseAddr + i * LPM_TRIE_NODE_BYTES`; `lookup`
 * declares every node it reads and leaves the count in `lastReads`.
 */
import type { MemoryModel } from './nf.js';

/** Node record: addr u32, len u8 + flags, value u32, two child indexes; padded to 32 like a C node with 64-bit child pointers. */
export const LPM_TRIE_NODE_BYTES = 32;
const NONE = -1;

/** COLD: the network mask of a prefix length as a u32 (0 for /0). */
function maskOf(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** Length of the common leading bits of a and b, at most 32. */
function commonBits(a: number, b: number): number {
  return Math.clz32((a ^ b) >>> 0);
}

export class LpmTrie {
  /** Simulated address of node 0 (set by the NF after allocRegion). */
  baseAddr = 0;
  /** Nodes read by the last lookup. */
  lastReads = 0;
  private root = NONE;
  private count = 0;
  private addr: Uint32Array;
  private len: Uint8Array;
  private value: Int32Array;
  private child0: Int32Array;
  private child1: Int32Array;

  /** COLD: room for `expectedPrefixes` (the trie has at most 2n - 1 nodes); grows if exceeded. */
  constructor(expectedPrefixes: number) {
    const cap = Math.max(2, 2 * expectedPrefixes);
    this.addr = new Uint32Array(cap);
    this.len = new Uint8Array(cap);
    this.value = new Int32Array(cap);
    this.child0 = new Int32Array(cap);
    this.child1 = new Int32Array(cap);
  }

  get nodeCount(): number { return this.count; }
  get sizeBytes(): number { return this.count * LPM_TRIE_NODE_BYTES; }

  private newNode(addr: number, len: number, value: number): number {
    if (this.count === this.addr.length) this.grow();
    const n = this.count++;
    this.addr[n] = (addr & maskOf(len)) >>> 0;
    this.len[n] = len;
    this.value[n] = value;
    this.child0[n] = NONE;
    this.child1[n] = NONE;
    return n;
  }

  private grow(): void {
    const cap = this.addr.length * 2;
    const g32 = (a: Uint32Array) => { const b = new Uint32Array(cap); b.set(a); return b; };
    const gi = (a: Int32Array) => { const b = new Int32Array(cap); b.set(a); return b; };
    const l = new Uint8Array(cap);
    l.set(this.len);
    this.addr = g32(this.addr);
    this.len = l;
    this.value = gi(this.value);
    this.child0 = gi(this.child0);
    this.child1 = gi(this.child1);
  }

  /** Bit `pos` (0 = most significant) of a. */
  private static bit(a: number, pos: number): number {
    return (a >>> (31 - pos)) & 1;
  }

  private setChild(parent: number, bit: number, child: number): void {
    if (parent === NONE) this.root = child;
    else if (bit === 0) this.child0[parent] = child;
    else this.child1[parent] = child;
  }

  /** COLD: store prefix addr/len (host bits ignored) with `value` (>= 0). */
  insert(addr: number, len: number, value: number): void {
    if (!(len >= 0 && len <= 32) || !(value >= 0 && value <= 0x7fffffff)) throw new RangeError(`LpmTrie.insert: bad prefix length ${len} or value ${value}`);
    const key = (addr & maskOf(len)) >>> 0;
    let parent = NONE;
    let parentBit = 0;
    let n = this.root;
    for (;;) {
      if (n === NONE) {
        this.setChild(parent, parentBit, this.newNode(key, len, value));
        return;
      }
      const nLen = this.len[n]!;
      const m = Math.min(commonBits(key, this.addr[n]!), nLen, len);
      if (m === nLen && m === len) {
        this.value[n] = value;
        return;
      }
      if (m === nLen) {
        // The node's prefix covers the new one: go down by the next bit.
        parent = n;
        parentBit = LpmTrie.bit(key, nLen);
        n = parentBit === 0 ? this.child0[n]! : this.child1[n]!;
        continue;
      }
      const fresh = this.newNode(key, len, value);
      if (m === len) {
        // The new prefix covers the node: it goes above.
        if (LpmTrie.bit(this.addr[n]!, len) === 0) this.child0[fresh] = n;
        else this.child1[fresh] = n;
        this.setChild(parent, parentBit, fresh);
        return;
      }
      // They diverge at bit m: an intermediate node with both below it.
      const mid = this.newNode(key, m, NONE);
      if (LpmTrie.bit(key, m) === 0) { this.child0[mid] = fresh; this.child1[mid] = n; }
      else { this.child0[mid] = n; this.child1[mid] = fresh; }
      this.setChild(parent, parentBit, mid);
      return;
    }
  }

  /** HOT: value of the longest stored prefix covering `key`, or -1; declares each node read. */
  lookup(key: number, mem: MemoryModel): number {
    let best = NONE;
    let reads = 0;
    let n = this.root;
    const base = this.baseAddr;
    while (n !== NONE) {
      mem.read(base + n * LPM_TRIE_NODE_BYTES, LPM_TRIE_NODE_BYTES);
      reads++;
      const len = this.len[n]!;
      // `>>> 32` is `>>> 0` in JS, so a /0 node (which covers every key) is tested apart.
      if (len !== 0 && ((key ^ this.addr[n]!) >>> (32 - len)) !== 0) break;
      const v = this.value[n]!;
      if (v !== NONE) best = v;
      if (len === 32) break;
      n = ((key >>> (31 - len)) & 1) === 0 ? this.child0[n]! : this.child1[n]!;
    }
    this.lastReads = reads;
    return best;
  }
}
