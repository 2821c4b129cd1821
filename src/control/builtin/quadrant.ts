/**
 * `controller: { kind: quadrant, group, sloUs, alpha, beta, ... }` — the
 * SLO-driven autoscaler of [Quadrant], acting on the emulated server through
 * the harness's actions. Each chain instance is a chain whose first task
 * reads one RX queue of the group's port; the chains that start detached are
 * the pool it scales out into.
 *
 * At each control point, per chain in use, from telemetry of the period:
 *  - rate r: packets its first task took in the period, per second;
 *  - its most: r_max = F / (ΣS + N·C/B), S the cycles a packet costs each of
 *    its N tasks (busy cycles over packets, measured), C the context switch,
 *    B its batch, F the clock ([Quadrant]'s rate formula);
 *  - latency estimate t = 2 × the p99 of its per-batch execution time ([Quadrant]:
 *    worker p99 latency ≈ 2 × p99 batch time; the sum over its tasks);
 *  - NIC queue: its first task's backlog.
 * Each flow carries the group's offered rate over its flows (they take turns
 * on the wire; [Quadrant] reads per-flow rates at the switch), so a chain is
 * offered its flows times that. Then, with SLO T and 0 < α < β < 1:
 *  - a chain whose delivered counter did not move while packets reached it
 *    has failed: its flows go elsewhere, it is never used again;
 *  - a chain above βT sheds flows carrying Δr = r·(t − αT)/t · f, with
 *    f = r_max/r − 1, floored at 0.25 once r ≥ 0.8 r_max ([Quadrant]);
 *  - a chain offered more than the load cap of its r_max sheds the excess
 *    (a full batch bounds t, so an overload shows here first);
 *  - shed flows (and new flows, `admit`) go to the chain below αT that is
 *    most loaded and stays under the load cap (90 %, [Quadrant]) with them;
 *    if none can, a chain of the pool is scaled out (a chain outside the
 *    pool first takes `coldStartUs` to start);
 *  - a chain left with no flows is scaled in (its core is reclaimed);
 *  - with `batchOverhead: p`, each chain's batch is the smallest within 1 + p
 *    of the switch-free rate (sched/batch-rule.ts).
 * Flows take turns on the wire, so a chain's rate over its flows is the
 * rate one of them carries. The flows are the group's first `flows` ids;
 * with churn, new flows follow `admit` to the chain chosen for new flows.
 */
import { quadrantBatch } from '../../sched/batch-rule.js';
import type { ControlAction, Controller, Telemetry } from '../../engine/telemetry.js';
import { flowGroupsOf } from '../../engine/flow-groups.js';
import { MAX_BATCH } from '../../packet/batch.js';
import type { Scenario } from '../../scenario/types.js';
import { ConfigError, readNumber, readString, rejectUnknownKeys, type Problems } from '../../util/config-check.js';
import { parseDuration } from '../../util/units.js';
import type { ControllerKind } from './index.js';

/** [Quadrant]: the rate-adapting term of Δr is floored at this once a chain runs at FLOOR_FROM of its most. */
export const DELTA_FLOOR = 0.25;
export const FLOOR_FROM = 0.8;
/** [Quadrant]: chains are not run above about this share of their most. */
export const LOAD_CAP = 0.9;
/** [Quadrant]: worker p99 latency ≈ this × the p99 per-batch execution time. */
export const LATENCY_PER_BATCH_P99 = 2;

export interface QuadrantParams {
  group: string | null;
  sloUs: number;
  alpha: number;
  beta: number;
  loadCap: number;
  batchOverhead: number | null;
  coldStartUs: number;
  /** Chains of the pool (pre-deployed); null: every chain that starts detached. */
  pool: string[] | null;
}

/**
 * [Quadrant]'s Δr: the rate a chain at latency t (µs) above βT sheds so
 * that its latency falls to αT: r·(t − αT)/t scaled by how much head-room
 * the chain has, r_max/r − 1, that term floored at DELTA_FLOOR once r ≥
 * FLOOR_FROM·r_max. 0 when t ≤ αT.
 */
export function migrationRate(r: number, rMax: number, tUs: number, sloUs: number, alpha: number): number {
  const target = alpha * sloUs;
  if (!(tUs > target) || !(r > 0)) return 0;
  let f = rMax / r - 1;
  if (r >= FLOOR_FROM * rMax && f < DELTA_FLOOR) f = DELTA_FLOOR;
  if (f < 0) f = 0;
  return (r * (tUs - target)) / tUs * f;
}

export interface ChainState {
  name: string;
  latencyUs: number;
  rate: number;
  rMax: number;
  flows: number;
}

/**
 * Where flows carrying `addRate` go: among chains (other than `except`)
 * below αT whose load stays under the cap with it, the most loaded; null if
 * none. Ties: the earlier chain in the list.
 */
export function admissionTarget(chains: readonly ChainState[], addRate: number, sloUs: number, alpha: number, loadCap: number, except: string | null = null): string | null {
  let best: ChainState | null = null;
  for (const c of chains) {
    if (c.name === except || !(c.latencyUs < alpha * sloUs) || !(c.rMax > 0)) continue;
    if ((c.rate + addRate) / c.rMax > loadCap) continue;
    if (best === null || c.rate / c.rMax > best.rate / best.rMax) best = c;
  }
  return best === null ? null : best.name;
}

/** A chain failed when its delivered counter did not move over a period in which packets came to it (taken or waiting). */
export function looksFailed(deliveredInPeriod: number, arrived: number): boolean {
  return deliveredInPeriod === 0 && arrived > 0;
}

export const quadrant: ControllerKind<QuadrantParams> = {
  name: 'quadrant',
  help: "[Quadrant]'s SLO autoscaler: sloUs, alpha, beta (thresholds αT < βT), loadCap, batchOverhead, coldStartUs, pool, group",
  checkParams(raw: Record<string, unknown>, path: string, p: Problems, ctx: { hz: number }): QuadrantParams {
    rejectUnknownKeys(p, raw, ['group', 'slo', 'alpha', 'beta', 'loadCap', 'batchOverhead', 'coldStart', 'pool'], path);
    const us = (key: string, def: number | null): number => {
      const v = raw[key];
      if (v === undefined && def !== null) return def;
      const d = parseDuration(v, ctx.hz);
      if (d === null || !(d.cycles > 0 || (def !== null && d.cycles === 0))) {
        p.add(`${path}.${key}`, v, 'a duration like 50us or 1ms');
        return def ?? 1;
      }
      return (d.cycles / ctx.hz) * 1e6;
    };
    const sloUs = us('slo', null);
    const alpha = readNumber(p, raw, 'alpha', path, { min: 0, exclusiveMin: true, max: 1, default: 0.5 });
    const beta = readNumber(p, raw, 'beta', path, { min: 0, exclusiveMin: true, max: 1, default: 0.8 });
    if (!(alpha < beta)) p.add(`${path}.beta`, raw['beta'], `a threshold above alpha (${alpha}): 0 < alpha < beta < 1`);
    const loadCap = readNumber(p, raw, 'loadCap', path, { min: 0, exclusiveMin: true, max: 1, default: LOAD_CAP });
    const batchOverhead = raw['batchOverhead'] === undefined ? null : readNumber(p, raw, 'batchOverhead', path, { min: 0, exclusiveMin: true, max: 10 });
    const coldStartUs = us('coldStart', 0);
    let pool: string[] | null = null;
    if (raw['pool'] !== undefined) {
      if (!Array.isArray(raw['pool']) || raw['pool'].some((x) => typeof x !== 'string')) p.add(`${path}.pool`, raw['pool'], 'a list of chain names');
      else pool = raw['pool'] as string[];
    }
    const group = raw['group'] === undefined ? null : readString(p, raw, 'group', path, {});
    return { group, sloUs, alpha, beta, loadCap, batchOverhead, coldStartUs, pool };
  },
  create(s: Scenario, params: QuadrantParams): Controller {
    return new QuadrantController(s, params).controller;
  },
};

interface Chain {
  name: string;
  /** Its task names: the first reads the RX queue. */
  tasks: string[];
  core: number;
  inUse: boolean;
  failed: boolean;
  /** Virtual µs from which a chain outside the pool has started; 0 for the pool. */
  readyAtUs: number;
  inPool: boolean;
}

class QuadrantController {
  private readonly chains: Chain[] = [];
  /** Owner chain index of each of the group's flows. */
  private readonly owner: Int32Array;
  private readonly firstFlow: number;
  private readonly group: string;
  private readonly prevPackets = new Map<string, number>();
  private readonly prevBusy = new Map<string, number>();
  private readonly prevDelivered = new Map<number, number>();
  private started = false;
  private readonly churn: boolean;
  private admitted: string | null = null;
  private readonly switchCycles: number;

  constructor(private readonly s: Scenario, private readonly p: QuadrantParams) {
    const fg = flowGroupsOf(s);
    const gi = p.group === null ? 0 : fg.byName(p.group);
    const fail = (path: string, value: unknown, expected: string): never => {
      throw new ConfigError(`scenario ${s.name}`, [{ path, value, expected }]);
    };
    if (gi < 0 || fg.count === 0) fail('controller.group', p.group, `a flow group of the scenario (${fg.groups.map((g) => g.name).join(', ') || 'it has none'})`);
    const info = fg.groups[gi]!;
    this.group = info.name;
    this.firstFlow = info.firstFlow;
    this.owner = new Int32Array(info.flows).fill(-1);
    this.churn = info.spec.churn !== undefined;
    const byChain = new Map<string, Chain>();
    for (const t of s.tasks) {
      let c = byChain.get(t.chain);
      if (c === undefined) {
        if (t.root.type !== 'rx' || t.root.port !== info.portName) continue;
        c = { name: t.chain, tasks: [], core: t.core, inUse: !t.detached, failed: false, readyAtUs: 0, inPool: true };
        byChain.set(t.chain, c);
        this.chains.push(c);
      }
      c.tasks.push(t.name);
    }
    if (this.chains.length === 0) fail('controller.group', this.group, `a group whose port has RX queues read by chains (port ${info.portName} has none)`);
    for (const c of this.chains) c.inPool = p.pool === null ? true : p.pool.includes(c.name);
    if (p.pool !== null) for (const name of p.pool) if (!byChain.has(name)) fail('controller.pool', name, `chains that read an RX queue of port ${info.portName}: ${this.chains.map((c) => c.name).join(', ')}`);
    if (!this.chains.some((c) => c.inUse)) this.chains[0]!.inUse = true;
    const sched = s.schedulers.find((x) => x.cores.includes(this.chains[0]!.core));
    this.switchCycles = sched?.switchCycles ?? s.machine.preset?.os.contextSwitchCycles ?? 0;
  }

  readonly controller: Controller = (t) => this.step(t);

  private step(t: Telemetry): ControlAction[] {
    const actions: ControlAction[] = [];
    if (!this.started) {
      // Every flow of the group starts on the chains in use, dealt round robin, and is pinned there.
      this.started = true;
      const live = this.chains.map((c, i) => (c.inUse ? i : -1)).filter((i) => i >= 0);
      for (let f = 0; f < this.owner.length; f++) {
        this.owner[f] = live[f % live.length]!;
        actions.push({ type: 'moveFlow', flow: this.firstFlow + f, to: this.chains[this.owner[f]!]!.name });
      }
    }
    const period = t.period.endSeconds - t.period.startSeconds;
    const nowUs = t.period.endSeconds * 1e6;
    const hz = this.s.hz;
    const tasks = new Map<string, { packets: number; busy: number; p99: number | null; backlog: number; batch: number }>();
    for (const core of t.cores) {
      for (const task of core.tasks) {
        const backlog = core.backlogs.find((b) => b.id === task.id)?.backlog ?? 0;
        tasks.set(task.name, { packets: task.packets, busy: task.busyCycles, p99: task.batchCyclesP99, backlog, batch: task.batch });
      }
    }
    // Flows take turns on the wire: each carries the group's offered rate over its flows (what the switch's counters give [Quadrant]).
    const offeredPps = t.period.groups.find((g) => g.group === this.group)?.offeredPps ?? 0;
    const perFlow = this.owner.length > 0 ? offeredPps / this.owner.length : 0;
    const flowsOf = new Int32Array(this.chains.length);
    for (const o of this.owner) if (o >= 0) flowsOf[o]++;
    // Each chain's core's delivered counter: the packet counter whose standing still says an NF failed.
    const deliveredOf = new Map<number, number>();
    for (const core of t.cores) {
      deliveredOf.set(core.core, core.delivered - (this.prevDelivered.get(core.core) ?? 0));
      this.prevDelivered.set(core.core, core.delivered);
    }
    const state: (ChainState & { index: number; taken: number; backlog: number; cyclesPerPacket: number; delivered: number })[] = [];
    this.chains.forEach((c, i) => {
      let p99 = 0;
      let cycles = 0;
      let firstPackets = 0;
      for (const [k, name] of c.tasks.entries()) {
        const m = tasks.get(name);
        if (m === undefined) continue;
        const dp = m.packets - (this.prevPackets.get(name) ?? 0);
        const db = m.busy - (this.prevBusy.get(name) ?? 0);
        this.prevPackets.set(name, m.packets);
        this.prevBusy.set(name, m.busy);
        if (k === 0) firstPackets = dp;
        if (dp > 0) cycles += db / dp;
        p99 += m.p99 ?? 0;
      }
      const first = tasks.get(c.tasks[0]!);
      state.push({
        // [Quadrant]'s rate formula: F / (ΣS + N·C/B), the chain's N tasks each switched in once a batch of B.
        index: i, name: c.name, rate: flowsOf[i]! * perFlow, taken: firstPackets / period,
        rMax: cycles > 0 ? hz / (cycles + (c.tasks.length * this.switchCycles) / Math.max(1, first?.batch ?? 1)) : Infinity, flows: flowsOf[i]!,
        latencyUs: (LATENCY_PER_BATCH_P99 * p99 / hz) * 1e6, backlog: first?.backlog ?? 0, cyclesPerPacket: cycles,
        delivered: deliveredOf.get(c.core) ?? 0,
      });
    });

    // A chain that took no packets yet (fresh from the pool) is taken to cost what the others do: the instances run the same chain.
    const known = state.map((c) => c.rMax).filter((x) => Number.isFinite(x));
    if (known.length > 0) {
      const hint = Math.min(...known);
      for (const c of state) if (!Number.isFinite(c.rMax)) c.rMax = hint;
    }

    // Failures: a chain in use whose delivered counter stood still while packets came to it.
    for (const c of state) {
      const chain = this.chains[c.index]!;
      if (!chain.inUse || chain.failed || c.flows === 0) continue;
      if (looksFailed(c.delivered, c.backlog + c.taken * period)) {
        chain.failed = true;
        c.latencyUs = Infinity;
      }
    }

    const usable = () => state.filter((c) => this.chains[c.index]!.inUse && !this.chains[c.index]!.failed);
    /** Move `count` flows of chain `from` to chain `to` (indices). */
    const move = (from: number, to: number, count: number) => {
      let moved = 0;
      for (let f = 0; f < this.owner.length && moved < count; f++) {
        if (this.owner[f] !== from) continue;
        this.owner[f] = to;
        actions.push({ type: 'moveFlow', flow: this.firstFlow + f, to: this.chains[to]!.name });
        moved++;
      }
      return moved;
    };
    /** A chain to take `rate` more, scaling one out when none can; null when none is ready. */
    const place = (rate: number, except: string): number | null => {
      const target = admissionTarget(usable(), rate, this.p.sloUs, this.p.alpha, this.p.loadCap, except);
      if (target !== null) return this.chains.findIndex((c) => c.name === target);
      const spare = this.chains.findIndex((c) => !c.inUse && !c.failed && (c.inPool || c.readyAtUs > 0) && c.readyAtUs <= nowUs);
      if (spare >= 0) {
        this.chains[spare]!.inUse = true;
        actions.push({ type: 'scaleOut', chain: this.chains[spare]!.name });
        const st = state[spare]!;
        st.latencyUs = 0;
        st.rate = 0;
        return spare;
      }
      // Start one outside the pool: usable once its cold start is over.
      const cold = this.chains.findIndex((c) => !c.inUse && !c.failed && !c.inPool && c.readyAtUs === 0);
      if (cold >= 0) this.chains[cold]!.readyAtUs = nowUs + this.p.coldStartUs;
      return null;
    };

    for (const c of state) {
      const chain = this.chains[c.index]!;
      if (!chain.inUse || c.flows === 0 || !(perFlow > 0)) continue;
      let shed = 0;
      if (chain.failed) shed = c.flows;
      else {
        // Above βT: shed Δr ([Quadrant]'s rule, on the rate the chain took).
        if (c.latencyUs > this.p.beta * this.p.sloUs) shed = Math.ceil(migrationRate(c.taken, c.rMax, c.latencyUs, this.p.sloUs, this.p.alpha) / perFlow);
        // Above the load cap: shed what the chain is offered beyond it (a full batch bounds the latency estimate, so overload shows here first).
        const over = c.rate - this.p.loadCap * c.rMax;
        if (over > 0) shed = Math.max(shed, Math.ceil(over / perFlow));
        shed = Math.min(shed, c.flows - 1);
      }
      while (shed > 0) {
        // To one chain as much as it takes under the cap; the rest to the next.
        const to = place(perFlow, c.name);
        if (to === null) break;
        const dst = state[to]!;
        const room = Number.isFinite(dst.rMax) ? Math.max(1, Math.floor((this.p.loadCap * dst.rMax - dst.rate) / perFlow)) : shed;
        const moved = move(c.index, to, Math.min(shed, room));
        if (moved === 0) break;
        dst.rate += moved * perFlow;
        dst.flows += moved;
        c.flows -= moved;
        c.rate -= moved * perFlow;
        shed -= moved;
      }
    }

    // New flows (churn starts them) go where the admission rule says; told only when that changes.
    if (this.churn) {
      const admitTo = admissionTarget(usable(), 0, this.p.sloUs, this.p.alpha, this.p.loadCap);
      if (admitTo !== null && admitTo !== this.admitted) {
        this.admitted = admitTo;
        actions.push({ type: 'admit', group: this.group, to: admitTo });
      }
    }

    // Reclaim: a chain in use with no flows left is scaled in (keep one).
    for (const c of state) {
      const chain = this.chains[c.index]!;
      if (!chain.inUse) continue;
      const left = this.owner.reduce((n, o) => n + (o === c.index ? 1 : 0), 0);
      if (left > 0) continue;
      if (!chain.failed && this.chains.filter((x) => x.inUse && !x.failed).length <= 1) continue;
      chain.inUse = false;
      actions.push({ type: 'scaleIn', chain: chain.name });
    }

    // Batch rule.
    if (this.p.batchOverhead !== null) {
      for (const c of state) {
        const chain = this.chains[c.index]!;
        if (!chain.inUse || !(c.cyclesPerPacket > 0)) continue;
        const b = quadrantBatch(c.cyclesPerPacket, chain.tasks.length, this.switchCycles, this.p.batchOverhead, MAX_BATCH);
        for (const name of chain.tasks) if (tasks.get(name)?.batch !== b) actions.push({ type: 'setBatch', task: name, batch: b });
      }
    }
    return actions;
  }
}
