/**
 * COLD: memo of generated flow sets, and of tables derived from one, for the
 * runs a warm worker (or the main thread) makes one after another.
 *
 * Why: with 100 K flows, drawing the set (makeRandomFlows), its header
 * templates (FrameWriter) and its RSS hashes cost ~50 ms per run, the same
 * every time the points of an experiment (or the runs of a benchmark) use the
 * same traffic. A flow set is a pure function of (flow options, seed stream),
 * and what is derived from it a pure function of the set, so reusing them
 * cannot change a result.
 *
 * Contract: a cached FlowSet and everything derived from it are read-only;
 * nobody may write into their arrays (none does: the NIC and the frame writer
 * only read them).
 *
 * Memory: sets are kept by key, least recently used first out, while their
 * flows add up to at most MAX_CACHED_FLOWS; a bigger set is made but not
 * kept. Derived tables hang off their set in a WeakMap and go with it.
 */
import type { FlowSet } from './flows.js';

/**
 * Flows (all cached sets together) a thread keeps between runs: 13 bytes a
 * flow for the set, 56 for header templates, 6 for RSS, so ~20 MiB at most
 * per worker thread (a machine may run 18 workers or more).
 */
export const MAX_CACHED_FLOWS = 1 << 18;

const sets = new Map<string, FlowSet>();
let cachedFlows = 0;
const derived = new WeakMap<FlowSet, Map<string, unknown>>();

/**
 * The flow set of `key` (a string naming every input of `make`), made once
 * and then reused, most recently used kept longest.
 */
export function cachedFlowSet(key: string, make: () => FlowSet): FlowSet {
  const hit = sets.get(key);
  if (hit !== undefined) {
    // Re-insert: a Map iterates in insertion order, so the first key is the LRU one.
    sets.delete(key);
    sets.set(key, hit);
    return hit;
  }
  const fs = make();
  if (fs.count > MAX_CACHED_FLOWS) return fs;
  while (cachedFlows + fs.count > MAX_CACHED_FLOWS) {
    const [oldKey, old] = sets.entries().next().value as [string, FlowSet];
    sets.delete(oldKey);
    cachedFlows -= old.count;
  }
  sets.set(key, fs);
  cachedFlows += fs.count;
  return fs;
}

/** A table derived from `fs` (named by `key`, which must name every other input of `make`), made once per set. */
export function derivedFromFlows<T>(fs: FlowSet, key: string, make: () => T): T {
  let m = derived.get(fs);
  if (m === undefined) {
    m = new Map();
    derived.set(fs, m);
  }
  if (m.has(key)) return m.get(key) as T;
  const v = make();
  m.set(key, v);
  return v;
}

/** Forget every cached set (tests). */
export function clearFlowCache(): void {
  sets.clear();
  cachedFlows = 0;
}
