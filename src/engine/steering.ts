/**
 * Which RX queue (chain instance) each flow of a port goes to, as a NIC's
 * flow director and RSS indirection table would decide, and how control
 * actions change it:
 *
 *  - by default a flow goes where RSS sends it: its Toeplitz hash through a
 *    128-entry indirection table filled round robin with the port's ACTIVE
 *    queues (at the start all of them, which is plain RSS over rxQueues, but
 *    those of standby chains: initialRssQueues);
 *    `scaleOut` / `scaleIn` add a chain's queue to that table or take it out
 *    (`ethtool -X ... equal N` on a real NIC);
 *  - `steer` gives a flow group its own split over instances (weights): a
 *    flow's bucket, from bits of its hash the RSS table does not use, picks
 *    the instance, so a given flow stays put while the weights stay;
 *  - `moveFlow` pins one flow to one instance (a flow-director rule);
 *  - `admit` pins each NEW flow of a group (one churn starts) to one
 *    instance when it starts, as a switch assigns new flows ([Quadrant]).
 *
 * Only new arrivals follow a change: what is already queued at the old
 * instance is processed there. Every NIC shard of the port applies the same
 * actions at the same control point to the same table, so the frames' queues
 * do not depend on threads. COLD: runs at control points only.
 */
import { DEFAULT_RETA_SIZE } from '../traffic/rss.js';
import type { FlowGroupInfo } from './flow-groups.js';
import type { Scenario } from '../scenario/types.js';

/**
 * The RX queues in a port's RSS table at the start: every queue but those
 * read only by chains that start detached (a pre-deployed standby instance
 * takes no traffic until a controller scales it out); all of them if that
 * would leave none.
 */
export function initialRssQueues(s: Scenario, port: number): number[] {
  const name = s.ports[port]!.name;
  const standby = new Set<number>();
  const live = new Set<number>();
  for (const t of s.tasks) {
    if (t.root.type !== 'rx' || t.root.port !== name) continue;
    (t.detached ? standby : live).add(t.root.queue);
  }
  const queues = Array.from({ length: s.ports[port]!.rxQueues }, (_, q) => q).filter((q) => live.has(q) || !standby.has(q));
  return queues.length > 0 ? queues : Array.from({ length: s.ports[port]!.rxQueues }, (_, q) => q);
}

/** Buckets of a group's split over instances (hash bits 7..16, above the RSS table's). */
const SPLIT_BUCKETS = 1024;

export class PortSteering {
  /** Queues in the RSS indirection table, ascending. */
  private active: number[];
  /** Per group of the port (by index in `groups`): its split over queues, or null (RSS). */
  private readonly splits: ({ queue: number; weight: number }[] | null)[];
  /** Flow-director rules: port-local flow index -> queue. */
  private readonly pinned = new Map<number, number>();
  /** Per group of the port: the queue its NEW flows (churn) are pinned to when they start (admit), or -1 (they follow the group's rule). */
  readonly admitQueue: Int32Array;

  constructor(
    active: readonly number[],
    private readonly groups: readonly FlowGroupInfo[],
    /** Global flow id of the port's first flow. */
    private readonly portBase: number,
    private readonly hashOfFlow: Uint32Array,
    /** Written in place: the table the generators read. */
    private readonly queueOfFlow: Uint16Array,
    rxQueues: number,
  ) {
    this.active = [...active];
    this.splits = groups.map(() => null);
    this.admitQueue = new Int32Array(groups.length).fill(-1);
    // Plain RSS over every queue is what the caller's table already holds.
    for (let g = 0; g < groups.length; g++) if (this.active.length !== rxQueues) this.refresh(g);
  }

  /** Take queues in or out of the RSS table; false when that would leave it empty (the change is not made). */
  setActive(queue: number, on: boolean): boolean {
    const next = on ? [...new Set([...this.active, queue])].sort((a, b) => a - b) : this.active.filter((q) => q !== queue);
    if (next.length === 0) return false;
    this.active = next;
    for (let g = 0; g < this.groups.length; g++) if (this.splits[g] === null) this.refresh(g);
    return true;
  }

  activeQueues(): readonly number[] {
    return this.active;
  }

  /** A group's split over queues (weights > 0), or null to go back to RSS. */
  steer(group: number, split: { queue: number; weight: number }[] | null): void {
    this.splits[group] = split;
    this.refresh(group);
  }

  /** Pin one flow (global id) to a queue, or unpin it (queue null): only that flow's entry changes. */
  moveFlow(flow: number, queue: number | null): void {
    const local = flow - this.portBase;
    if (queue === null) this.pinned.delete(local);
    else this.pinned.set(local, queue);
    const g = this.groups.findIndex((x) => flow >= x.firstFlow && flow < x.firstFlow + x.ids);
    if (g >= 0) this.queueOfFlow[local] = queue ?? this.ruleQueue(g, local, this.cumulative(g));
  }

  /** New flows of group g go to `queue` when they start (null: they follow the group's rule again). */
  admit(group: number, queue: number | null): void {
    this.admitQueue[group] = queue ?? -1;
  }

  /** A new flow (port-local index) of group g starts: pin it where the group admits new flows, if anywhere. */
  started(group: number, local: number): void {
    const q = this.admitQueue[group]!;
    if (q < 0) return;
    this.pinned.set(local, q);
    this.queueOfFlow[local] = q;
  }

  /** A group's split as cumulative weights, or null (RSS). */
  private cumulative(g: number): Float64Array | null {
    const split = this.splits[g];
    if (split === null || split === undefined) return null;
    const c = new Float64Array(split.length);
    let total = 0;
    for (let k = 0; k < split.length; k++) c[k] = total += split[k]!.weight;
    return c;
  }

  /** The queue the group's rule (its split, or RSS over the active queues) gives a port-local flow. */
  private ruleQueue(g: number, f: number, cumulative: Float64Array | null): number {
    const h = this.hashOfFlow[f]!;
    if (cumulative === null) return this.active[(h % DEFAULT_RETA_SIZE) % this.active.length]!;
    const split = this.splits[g]!;
    const x = ((((h >>> 7) % SPLIT_BUCKETS) + 0.5) / SPLIT_BUCKETS) * cumulative[cumulative.length - 1]!;
    let k = 0;
    while (k < split.length - 1 && x >= cumulative[k]!) k++;
    return split[k]!.queue;
  }

  /** Rewrite the queue of every flow of group g. */
  private refresh(g: number): void {
    const info = this.groups[g]!;
    const from = info.firstFlow - this.portBase;
    const cumulative = this.cumulative(g);
    for (let f = from; f < from + info.ids; f++) {
      const pin = this.pinned.get(f);
      this.queueOfFlow[f] = pin !== undefined ? pin : this.ruleQueue(g, f, cumulative);
    }
  }
}

/**
 * A per-group policer at the port's ingress (a token bucket, as a ToR
 * switch's meter): frames beyond `pps` with `burst` frames of depth are
 * dropped (`rate_limited`) before they reach the wire.
 */
export class GroupPolicer {
  private tokens: number;
  private last = 0;
  private readonly perCycle: number;
  constructor(pps: number, private readonly burst: number, hz: number, now: number) {
    this.perCycle = pps / hz;
    this.tokens = burst;
    this.last = now;
  }

  /** HOT: may a frame arriving at `t` pass? */
  take(t: number): boolean {
    const refill = (t - this.last) * this.perCycle;
    this.last = t;
    const tokens = this.tokens + refill;
    this.tokens = tokens > this.burst ? this.burst : tokens;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
