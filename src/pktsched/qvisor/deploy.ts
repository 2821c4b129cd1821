/**
 * Deploying a QVISOR layout on a scheduler [QVISOR]: which queues and which
 * rank each tenant's packets are handed to. Only the scheduler's shape is
 * needed ({@link SchedulerTarget}), not its implementation.
 *
 *   PIFO             one queue; rank = final rank. All three operators hold
 *                    exactly as laid out (a PIFO orders by rank).
 *   SP-PIFO dedicated the N queues are cut into one contiguous block per `>>`
 *                    tier, higher tiers on higher-priority (lower-index)
 *                    blocks; each block is its own SP-PIFO fed tier-local
 *                    ranks (final − tier base). `>>` then holds exactly at
 *                    dequeue and buffers are isolated; `>` and `+` inside a
 *                    tier are best effort.
 *   SP-PIFO shared   one SP-PIFO over all N queues fed final ranks. `>>` is
 *                    NOT guaranteed: push-down can put a lower-tier packet
 *                    ahead of a higher-tier one in queue 0 (docs/qvisor.md
 *                    gives the sequence). Reported in `degraded`.
 *
 * Queues per tier (dedicated): explicit by tier label (`{ T1: 3, "T2+T3": 2 }`,
 * the paper's 5-queue example), or by default one each and the rest in
 * proportion to tier weights (default equal) by largest remainder, higher
 * tiers winning ties. Fewer queues than tiers is an error, or with
 * `allowPartial` the lowest tiers share the last queue (reported).
 *
 * COLD: {@link deploy}. HOT: {@link Deployment.schedulerRank} and the typed
 * per-tenant arrays `queueFirst` / `queueCount`.
 */

import { Problems } from '../../util/config-check.js';
import type { QvisorPreprocessor } from './pre-processor.js';

/** The shape of the scheduler the pre-processor feeds; all it needs to know. */
export interface SchedulerTarget {
  /** 'pifo': one rank-ordered queue. 'sppifo': N strict-priority FIFOs with rank-driven queue bounds. */
  readonly kind: 'pifo' | 'sppifo';
  /** Priority queues, index 0 highest; 1 for a PIFO. */
  readonly queues: number;
  /** Largest rank the scheduler accepts; ranks handed over are integers in [0, maxRank]. */
  readonly maxRank: number;
}

export interface DeployOptions {
  /** SP-PIFO: 'dedicated' (default) queue blocks per tier, or one 'shared' SP-PIFO. */
  readonly sharing?: 'dedicated' | 'shared';
  /** SP-PIFO dedicated: queues per tier, keyed by tier label as written without spaces ("T1", "T2+T3"). */
  readonly queues?: Readonly<Record<string, number>>;
  /** SP-PIFO dedicated, default allocation: tier weights in tier order (default all 1). */
  readonly weights?: readonly number[];
  /** Fewer queues than tiers: merge the lowest tiers onto the last queue instead of failing. */
  readonly allowPartial?: boolean;
}

/** A contiguous run of queues that one SP-PIFO (or the PIFO) manages. */
export interface QueueBlock {
  readonly firstQueue: number;
  readonly queueCount: number;
  /** Tier indices fed into this block. */
  readonly tiers: readonly number[];
  /** Subtracted from final ranks of these tiers: the first tier's base (dedicated), else 0. */
  readonly rankOrigin: number;
  /** Largest rank handed to this block. */
  readonly maxRank: number;
}

export class Deployment {
  readonly blocks: readonly QueueBlock[];
  /** Per tenant: first queue of its block. */
  readonly queueFirst: Int32Array;
  /** Per tenant: queues in its block (the SP-PIFO of the block maps the rank onto one of them). */
  readonly queueCount: Int32Array;
  /** Per tenant: subtracted from the final rank to get the rank the block sees. */
  readonly rankOrigin: Float64Array;
  /** Guarantees the target cannot give, one sentence each; empty when the policy holds as written. */
  readonly degraded: readonly string[];

  /** COLD. Use {@link deploy}. */
  constructor(q: QvisorPreprocessor, blocks: QueueBlock[], degraded: string[]) {
    const n = q.tenantIds.length;
    this.blocks = blocks;
    this.degraded = degraded;
    this.queueFirst = new Int32Array(n);
    this.queueCount = new Int32Array(n);
    this.rankOrigin = new Float64Array(n);
    for (const b of blocks) {
      for (const tier of b.tiers) {
        for (const group of q.tiers[tier]!.groups) {
          for (const t of group) {
            this.queueFirst[t] = b.firstQueue;
            this.queueCount[t] = b.queueCount;
            this.rankOrigin[t] = b.rankOrigin;
          }
        }
      }
    }
  }

  /** HOT. The rank the scheduler (or tenant t's SP-PIFO block) is given for final rank `finalRank`. */
  schedulerRank(t: number, finalRank: number): number {
    return finalRank - this.rankOrigin[t]!;
  }
}

/** COLD. Maps a QVISOR layout onto a scheduler; throws ConfigError listing every problem. */
export function deploy(q: QvisorPreprocessor, target: SchedulerTarget, options: DeployOptions = {}): Deployment {
  const p = new Problems();
  if (target.kind !== 'pifo' && target.kind !== 'sppifo') p.add('target.kind', target.kind, "'pifo' or 'sppifo'");
  if (!Number.isInteger(target.queues) || target.queues < 1) p.add('target.queues', target.queues, 'an integer >= 1');
  if (target.kind === 'pifo' && target.queues !== 1) p.add('target.queues', target.queues, '1 for a PIFO');
  if (!Number.isInteger(target.maxRank) || target.maxRank < 0) p.add('target.maxRank', target.maxRank, 'an integer >= 0');
  p.throwIfAny('qvisor deployment');

  const m = q.tiers.length;
  const sharing = options.sharing ?? 'dedicated';
  let blocks: QueueBlock[];
  const degraded: string[] = [];
  if (target.kind === 'pifo' || sharing === 'shared') {
    const all = q.tiers.map((_, i) => i);
    blocks = [{ firstQueue: 0, queueCount: target.queues, tiers: all, rankOrigin: 0, maxRank: q.maxFinalRank }];
    if (target.kind === 'sppifo' && m > 1) {
      degraded.push(`shared SP-PIFO: '>>' between ${m} tiers is best effort (push-down can place a lower tier ahead of a higher one)`);
    }
  } else {
    blocks = dedicatedBlocks(q, target.queues, options, p, degraded);
  }
  for (let i = 0; i < blocks.length; i++) {
    if (blocks[i]!.maxRank > target.maxRank) {
      p.add(blocks.length === 1 ? 'target.maxRank' : `target.maxRank (block ${i})`, target.maxRank, `at least ${blocks[i]!.maxRank}, the largest rank the layout hands over (lower levels, or fewer tiers/groups)`);
    }
  }
  p.throwIfAny('qvisor deployment');
  return new Deployment(q, blocks, degraded);
}

/** One block per tier (or the lowest tiers merged with allowPartial), sized explicitly or by weight. */
function dedicatedBlocks(q: QvisorPreprocessor, nQueues: number, options: DeployOptions, p: Problems, degraded: string[]): QueueBlock[] {
  const m = q.tiers.length;
  let groups: number[][] = q.tiers.map((_, i) => [i]);
  if (nQueues < m) {
    if (!options.allowPartial) {
      p.add('target.queues', nQueues, `at least ${m}: the policy needs at least ${m} priority queues to isolate ${m} tiers (or set allowPartial)`);
      return [];
    }
    const merged = groups.slice(nQueues - 1).flat();
    groups = groups.slice(0, nQueues - 1).concat([merged]);
    degraded.push(`only ${nQueues} queues for ${m} tiers: tiers ${merged.map((t) => `'${q.tiers[t]!.label}'`).join(', ')} share the last queue, so '>>' between them is best effort`);
  }
  const counts = options.queues !== undefined ? explicitCounts(q, nQueues, options.queues, groups.length, p) : weightedCounts(nQueues, groups.length, options.weights, p);
  const blocks: QueueBlock[] = [];
  let first = 0;
  groups.forEach((tiers, b) => {
    const t0 = q.tiers[tiers[0]!]!;
    const tl = q.tiers[tiers[tiers.length - 1]!]!;
    blocks.push({ firstQueue: first, queueCount: counts[b]!, tiers, rankOrigin: t0.base, maxRank: tl.base + tl.width - 1 - t0.base });
    first += counts[b]!;
  });
  return blocks;
}

function explicitCounts(q: QvisorPreprocessor, nQueues: number, queues: Readonly<Record<string, number>>, nBlocks: number, p: Problems): number[] {
  const labels = q.tiers.map((t) => t.label);
  if (nBlocks !== labels.length) {
    p.add('queues', queues, 'no explicit allocation with allowPartial merging (fewer queues than tiers)');
    return [];
  }
  for (const key of Object.keys(queues)) {
    if (!labels.includes(key.replace(/\s+/g, ''))) p.add(`queues["${key}"]`, queues[key], `a tier label, one of: ${labels.join(', ')}`);
  }
  const norm = new Map(Object.entries(queues).map(([k, v]) => [k.replace(/\s+/g, ''), v]));
  const counts = labels.map((l) => {
    const v = norm.get(l);
    if (v === undefined) p.add(`queues["${l}"]`, v, 'an integer >= 1 (every tier needs its queues)');
    else if (!Number.isInteger(v) || v < 1) p.add(`queues["${l}"]`, v, 'an integer >= 1');
    return v ?? 0;
  });
  const sum = counts.reduce((a, b) => a + b, 0);
  if (p.ok && sum !== nQueues) p.add('queues', queues, `counts summing to target.queues (${nQueues}), got ${sum}`);
  return counts;
}

/** One queue per block, then the remaining ones in proportion to weights, largest remainder, higher tiers win ties. */
function weightedCounts(nQueues: number, nBlocks: number, weights: readonly number[] | undefined, p: Problems): number[] {
  const w = weights ?? new Array<number>(nBlocks).fill(1);
  if (w.length !== nBlocks) p.add('weights', weights, `${nBlocks} tier weights`);
  w.forEach((x, i) => {
    if (typeof x !== 'number' || !(x > 0) || !Number.isFinite(x)) p.add(`weights[${i}]`, x, 'a finite number > 0');
  });
  if (!p.ok) return [];
  const spare = nQueues - nBlocks;
  const total = w.reduce((a, b) => a + b, 0);
  const quota = w.map((x) => (spare * x) / total);
  const counts = quota.map((x) => 1 + Math.floor(x));
  let left = nQueues - counts.reduce((a, b) => a + b, 0);
  const order = quota.map((x, i) => ({ i, rem: x - Math.floor(x) })).sort((a, b) => b.rem - a.rem || a.i - b.i);
  for (let k = 0; left > 0; k++, left--) counts[order[k]!.i]!++;
  return counts;
}
