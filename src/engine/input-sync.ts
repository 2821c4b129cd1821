/**
 * The conservative-synchronisation decision of one core (Chandy–Misra–Bryant,
 * with the "null messages" reduced to a shared clock word per actor): may the
 * core act at virtual time `now`, or could an entry with a time <= now still
 * appear on one of its input rings?
 *
 * A ring is decided up to `now` when
 *  - its head is later than now (entries are in time order), or
 *  - its producer's published bound is above now (nothing earlier can come), or
 *  - it is a full back-pressure ring (its producer cannot add anything before
 *    we take), or
 *  - it is our own queue and empty (what we put there later comes from a run
 *    we have not decided yet), or
 *  - its producer is a core that only we feed, it says it is idle, and our
 *    rings into it are empty (it cannot send before our own next output), or
 *  - its task is detached (nothing that arrives can make the core act).
 * Ties: arrivals at exactly `now` are visible at `now`. The decision also
 * gives the time of the next event on the inputs, for an idle jump.
 *
 * Reads of shared words pair with the producers' stores: a bound is read
 * before the ring is looked at again (entries published before the bound was
 * stored are then visible); a fed core's rings are read before its idle flag
 * (it clears the flag before it takes). See shared.ts.
 */
import type { Plan } from '../graph/plan.js';
import type { SpscRing } from '../ring/spsc-ring.js';
import type { SharedState } from './shared.js';

/** decide(): an input is not decided at `now`; the core must wait. */
export const UNDECIDED = -1;

export interface InputChannel {
  ring: SpscRing;
  producer: number;
  boundCache: number;
  /** Logical capacity of a back-pressure channel, 0 for tail-drop transport rings. */
  bpCapacity: number;
  /** Entity of the task this channel feeds. */
  ent: number;
  /** After a decision: earliest time something can still arrive on it (Infinity while its task is detached). */
  next: number;
  /** The task it feeds: while detached, nothing that arrives can make the core act. */
  task: { readonly detached: boolean };
  /** Fed by this core itself (a queue between two of its tasks): nothing can appear on it before our own next run. */
  self: boolean;
  /**
   * When the producer is a core whose only feeder is this core: our rings
   * into it. If they are empty and it says it is idle, it cannot send before
   * our own next output, so this channel holds nothing up (a feedback loop
   * between two idle cores then jumps to the next outside event instead of
   * creeping forward by lookaheads).
   */
  feedRings: SpscRing[] | null;
}

export class InputSync {
  readonly channels: InputChannel[] = [];
  /** fedCoreIdle's answer per producer actor, and the decision it was asked in. */
  private readonly idleAnswer: Uint8Array;
  private readonly idleAskedAt: Float64Array;
  private decisionNo = 0;

  constructor(
    private readonly coreId: number,
    private readonly plan: Plan,
    private readonly shared: SharedState,
  ) {
    this.idleAnswer = new Uint8Array(plan.actors);
    this.idleAskedAt = new Float64Array(plan.actors).fill(-1);
  }

  /** COLD: the input rings of a task, in the order of its input's channels. */
  addTask(task: { readonly detached: boolean; readonly ent: number }, channelIds: readonly number[], rings: readonly SpscRing[], producers: readonly number[]): void {
    for (let r = 0; r < rings.length; r++) {
      const ch = this.plan.channels[channelIds[r]!]!;
      this.channels.push({
        ring: rings[r]!, producer: producers[r]!, boundCache: -Infinity,
        bpCapacity: ch.mode === 'backpressure' ? ch.logicalCap : 0, ent: task.ent, next: Infinity, task,
        self: ch.producer === this.coreId,
        feedRings: this.soleFeedRings(ch.producer),
      });
    }
  }

  /** Our rings into core p if we are its only feeder, else null. */
  private soleFeedRings(p: number): SpscRing[] | null {
    const plan = this.plan;
    if (p === this.coreId || p >= plan.cores) return null;
    const into = plan.channels.filter((c) => c.consumerCore === p);
    if (into.length === 0 || into.some((c) => c.producer !== this.coreId)) return null;
    return into.map((c) => this.shared.rings[c.id]!);
  }

  /**
   * Is every input decided up to `now`? Returns UNDECIDED if not, else the
   * time of the next event on the inputs (Infinity if none is known); each
   * channel's `next` is set.
   */
  decide(now: number): number {
    let next = Infinity;
    let blocked = false;
    const chans = this.channels;
    this.decisionNo++;
    for (let i = 0; i < chans.length; i++) {
      const c = chans[i]!;
      if (c.task.detached) {
        // Its packets wait until a control action attaches the task again
        // (between epochs); the core admits them when it cannot decide or at
        // the control point (admitEarly, in order across producers). Counted
        // as an event, a head already due would stop every idle jump (a
        // detached task behind a full back-pressure queue stalled the run).
        c.next = Infinity;
        continue;
      }
      const head = c.ring.peekTs();
      if (head !== Infinity && head > now) {
        c.next = head;
        if (head < next) next = head;
        continue;
      }
      if (c.self && head === Infinity) {
        // Our own queue, empty: whatever we put there later comes from a run
        // we have not decided yet, so it is no reason to wait or to stop an
        // idle jump.
        c.next = Infinity;
        continue;
      }
      if (c.feedRings !== null && head === Infinity && this.fedCoreIdle(c)) {
        // Look at the ring again: the producer fills its rings before it says
        // it is idle, so an entry it sent between our first look and the flag
        // we just read is visible now (missing it let another thread's run
        // decide past it: linux-sched --placement multi differed from run to
        // run on two threads). Idle, it sends nothing more before our next
        // output: decided up to what the ring holds.
        const h2 = c.ring.peekTs();
        c.next = h2;
        if (h2 < next) next = h2;
        continue;
      }
      if (c.boundCache <= now) {
        // Read the bound, then look at the ring again: entries published
        // before the bound was stored are then visible.
        c.boundCache = this.shared.loadBound(c.producer);
      }
      if (c.boundCache > now) {
        const h2 = c.ring.peekTs();
        const t = h2 < c.boundCache ? h2 : c.boundCache;
        c.next = t;
        if (t < next) next = t;
        continue;
      }
      if (c.bpCapacity > 0 && c.ring.count() >= c.bpCapacity) {
        // Full: decided until our next take. Its head may have arrived since we
        // first looked, so read it again for the next-event time.
        const h3 = c.ring.peekTs();
        c.next = h3;
        if (h3 < next) next = h3;
        continue;
      }
      blocked = true;
    }
    return blocked ? UNDECIDED : next;
  }

  /**
   * Is core c.producer idle with nothing of ours in flight to it (we are its
   * only feeder)? Asked once per producer per decision (decisionNo): the
   * answer cannot change within one, since only we fill the rings it would
   * have to take from before it clears its flag (8 routers fed by one
   * switch: 8 channels x 8 rings per decision before).
   */
  private fedCoreIdle(c: InputChannel): boolean {
    const p = c.producer;
    if (this.idleAskedAt[p] === this.decisionNo) return this.idleAnswer[p] === 1;
    this.idleAskedAt[p] = this.decisionNo;
    this.idleAnswer[p] = 0;
    const rings = c.feedRings!;
    // Our rings first, then its flag: it clears the flag before it takes.
    for (let i = 0; i < rings.length; i++) if (rings[i]!.count() > 0) return false;
    const idle = this.shared.loadIdle(p);
    this.idleAnswer[p] = idle ? 1 : 0;
    return idle;
  }

  /** Something waits in an input ring (not yet admitted or taken). */
  anyInRings(): boolean {
    const chans = this.channels;
    for (let i = 0; i < chans.length; i++) if (chans[i]!.ring.count() > 0) return true;
    return false;
  }

  describe(): string {
    return this.channels.map((c) => `producer ${c.producer} bound ${c.boundCache} ring ${c.ring.count()}`).join('; ');
  }
}
