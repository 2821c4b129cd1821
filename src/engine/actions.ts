/**
 * A controller's actions, checked against the scenario and turned into the
 * engine's operations (EngineOp), on the main thread at a control point.
 * Workers apply the same operations in the same order at the same control
 * point (host.ts): cores take the task and chain ones, NICs the steering and
 * policing ones, so what a run does never depends on threads.
 *
 * It also keeps what the actions changed that later ones depend on: which
 * RX queues are in each port's RSS table, and which chains are scaling in
 * (they are detached once their queues are empty: `drained`).
 */
import type { Scenario } from '../scenario/types.js';
import type { FlowGroups } from './flow-groups.js';
import { initialRssQueues } from './steering.js';
import type { ControlAction } from './telemetry.js';

export type EngineOp =
  | { op: 'batch'; task: string; batch: number }
  | { op: 'weight'; task: string; weight: number }
  | { op: 'priority'; task: string; priority: number }
  | { op: 'attached'; chain: string; on: boolean }
  | { op: 'active'; port: number; queue: number; on: boolean }
  | { op: 'steer'; port: number; groupInPort: number; split: { queue: number; weight: number }[] | null }
  | { op: 'pin'; port: number; flow: number; queue: number | null }
  | { op: 'admit'; port: number; groupInPort: number; queue: number | null }
  | { op: 'police'; port: number; groupInPort: number; pps: number | null; burst: number };

/** Frames a policer lets through back to back when nothing else is said. */
export const DEFAULT_POLICER_BURST = 32;
/** Largest burst a policer may be given, frames. */
export const MAX_POLICER_BURST = 1 << 20;

const ACTION_TYPES = ['setBatch', 'setWeight', 'setPriority', 'attach', 'detach', 'steer', 'moveFlow', 'admit', 'scaleOut', 'scaleIn', 'rateLimit'] as const;

/** A chain instance: the RX queue a chain's first task reads. */
interface Instance {
  port: number;
  queue: number;
}

export class ActionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ActionError';
  }
}

export class Actions {
  private readonly tasks: Set<string>;
  private readonly chains: Set<string>;
  /** Chain -> the RX queues its tasks read. */
  private readonly instances = new Map<string, Instance[]>();
  /** Per port: the queues in its RSS table. */
  private readonly active: Set<number>[];
  private readonly draining = new Set<string>();

  constructor(private readonly s: Scenario, private readonly groups: FlowGroups) {
    this.tasks = new Set(s.tasks.map((t) => t.name));
    this.chains = new Set(s.tasks.map((t) => t.chain));
    for (const t of s.tasks) {
      if (t.root.type !== 'rx') continue;
      const port = s.ports.findIndex((p) => p.name === (t.root as { port: string }).port);
      const list = this.instances.get(t.chain) ?? [];
      list.push({ port, queue: t.root.queue });
      this.instances.set(t.chain, list);
    }
    this.active = s.ports.map((_, i) => new Set(initialRssQueues(s, i)));
  }

  /** The chains that read an RX queue, with it (hello's instances). */
  instanceList(): { chain: string; port: string; queue: number }[] {
    const out: { chain: string; port: string; queue: number }[] = [];
    for (const [chain, list] of this.instances) for (const i of list) out.push({ chain, port: this.s.ports[i.port]!.name, queue: i.queue });
    return out;
  }

  /**
   * Check a controller's answer and turn it into operations; throws an
   * ActionError naming the first wrong action and what was expected. State
   * (RSS tables, chains scaling in) changes only when every action is good.
   */
  resolve(actions: unknown): { actions: ControlAction[]; ops: EngineOp[] } {
    if (!Array.isArray(actions)) throw new ActionError(`it returned ${actions === null ? 'null' : typeof actions}, expected a list of actions`);
    const ops: EngineOp[] = [];
    const active = this.active.map((a) => new Set(a));
    const draining = new Set(this.draining);
    actions.forEach((a: unknown, i) => {
      const act = (a ?? {}) as Record<string, unknown>;
      const where = `action ${i} (${show(a)})`;
      const fail = (what: string): never => { throw new ActionError(`${where}: ${what}`); };
      const task = (): string => {
        if (typeof act['task'] !== 'string' || !this.tasks.has(act['task'])) fail(`task must name a task of the scenario (${[...this.tasks].join(', ')})`);
        return act['task'] as string;
      };
      const chain = (key = 'chain'): string => {
        if (typeof act[key] !== 'string' || !this.chains.has(act[key])) fail(`${key} must name a chain of the scenario (${[...this.chains].join(', ')})`);
        return act[key] as string;
      };
      const group = (): number => {
        const g = typeof act['group'] === 'string' ? this.groups.byName(act['group']) : -1;
        if (g < 0) fail(`group must name a flow group of the scenario (${this.groups.groups.map((x) => x.name).join(', ') || 'it has none'})`);
        return g;
      };
      const instanceOn = (name: string, port: number, key: string): number => {
        const inst = (this.instances.get(name) ?? []).filter((x) => x.port === port);
        if (inst.length !== 1) {
          const here = this.instanceList().filter((x) => x.port === this.s.ports[port]!.name).map((x) => x.chain);
          fail(`${key} must name a chain that reads one RX queue of port ${this.s.ports[port]!.name} (${here.join(', ') || 'none'})`);
        }
        return inst[0]!.queue;
      };
      const type = act['type'];
      if (typeof type !== 'string' || !(ACTION_TYPES as readonly string[]).includes(type)) fail(`type must be one of ${ACTION_TYPES.join(', ')}`);
      switch (type as (typeof ACTION_TYPES)[number]) {
        case 'setBatch': {
          const t = task();
          if (!isInt(act['batch']) || (act['batch'] as number) < 1) fail('batch must be an integer >= 1');
          ops.push({ op: 'batch', task: t, batch: act['batch'] as number });
          return;
        }
        case 'setWeight': {
          const t = task();
          if (typeof act['weight'] !== 'number' || !(act['weight'] > 0) || !Number.isFinite(act['weight'])) fail('weight must be a number > 0');
          ops.push({ op: 'weight', task: t, weight: act['weight'] as number });
          return;
        }
        case 'setPriority': {
          const t = task();
          if (!isInt(act['priority']) || Math.abs(act['priority'] as number) > 1_000_000) fail('priority must be an integer (higher runs first)');
          ops.push({ op: 'priority', task: t, priority: act['priority'] as number });
          return;
        }
        case 'attach':
        case 'detach':
          ops.push({ op: 'attached', chain: chain(), on: type === 'attach' });
          return;
        case 'scaleOut':
        case 'scaleIn': {
          const c = chain();
          const inst = this.instances.get(c) ?? [];
          if (inst.length === 0) fail(`chain ${c} reads no RX queue: only a chain fed by a port's RSS can be scaled`);
          for (const x of inst) {
            if (type === 'scaleIn') {
              active[x.port]!.delete(x.queue);
              if (active[x.port]!.size === 0) fail(`scaling ${c} in would leave port ${this.s.ports[x.port]!.name} with no queue in its RSS table`);
            } else {
              active[x.port]!.add(x.queue);
            }
            ops.push({ op: 'active', port: x.port, queue: x.queue, on: type === 'scaleOut' });
          }
          if (type === 'scaleOut') {
            draining.delete(c);
            ops.push({ op: 'attached', chain: c, on: true });
          } else {
            draining.add(c);
          }
          return;
        }
        case 'steer': {
          const g = group();
          const info = this.groups.groups[g]!;
          const gi = info.indexInPort;
          if (act['to'] !== undefined && act['split'] !== undefined) fail('give to or split, not both');
          if (act['to'] !== undefined) {
            if (typeof act['to'] !== 'string') fail('to must name a chain');
            ops.push({ op: 'steer', port: info.port, groupInPort: gi, split: [{ queue: instanceOn(act['to'] as string, info.port, 'to'), weight: 1 }] });
            return;
          }
          if (act['split'] === undefined) {
            ops.push({ op: 'steer', port: info.port, groupInPort: gi, split: null });
            return;
          }
          const sp = act['split'];
          if (sp === null || typeof sp !== 'object' || Array.isArray(sp) || Object.keys(sp).length === 0) fail('split must be a map { chain: weight > 0 } with at least one entry');
          const split = Object.entries(sp as Record<string, unknown>).map(([name, w]) => {
            if (typeof w !== 'number' || !(w > 0) || !Number.isFinite(w)) fail(`split.${name} must be a weight > 0`);
            return { queue: instanceOn(name, info.port, `split.${name}`), weight: w as number };
          });
          ops.push({ op: 'steer', port: info.port, groupInPort: gi, split });
          return;
        }
        case 'moveFlow': {
          const f = act['flow'];
          const g = isInt(f) ? this.groups.groupOf(f as number) : this.groups.count;
          if (g >= this.groups.count) fail(`flow must be a flow id of the scenario: an integer 0..${this.groups.flowCount - 1} (hello lists each group's firstFlow and ids)`);
          const info = this.groups.groups[g]!;
          if (act['to'] !== null && typeof act['to'] !== 'string') fail('to must name a chain, or be null to unpin the flow');
          const queue = act['to'] === null ? null : instanceOn(act['to'] as string, info.port, 'to');
          ops.push({ op: 'pin', port: info.port, flow: f as number, queue });
          return;
        }
        case 'admit': {
          const g = group();
          const info = this.groups.groups[g]!;
          if (act['to'] !== null && typeof act['to'] !== 'string') fail('to must name a chain, or be null (new flows follow the group\'s rule)');
          const queue = act['to'] === null ? null : instanceOn(act['to'] as string, info.port, 'to');
          ops.push({ op: 'admit', port: info.port, groupInPort: info.indexInPort, queue });
          return;
        }
        case 'rateLimit': {
          const g = group();
          const info = this.groups.groups[g]!;
          const pps = act['pps'];
          if (pps !== null && (typeof pps !== 'number' || !(pps > 0) || !Number.isFinite(pps))) fail('pps must be a rate > 0 (packets per second), or null to lift the limit');
          const burst = act['burst'] ?? DEFAULT_POLICER_BURST;
          if (!isInt(burst) || (burst as number) < 1 || (burst as number) > MAX_POLICER_BURST) fail(`burst must be an integer 1..${MAX_POLICER_BURST} (frames)`);
          ops.push({ op: 'police', port: info.port, groupInPort: info.indexInPort, pps: pps as number | null, burst: burst as number });
          return;
        }
      }
    });
    this.active.splice(0, this.active.length, ...active);
    this.draining.clear();
    for (const c of draining) this.draining.add(c);
    return { actions: actions as ControlAction[], ops };
  }

  /**
   * Chains scaling in whose tasks' queues are all empty at this control
   * point: they are detached now. `backlog(task)` is the task's backlog.
   */
  drained(backlog: (task: string) => number): { actions: ControlAction[]; ops: EngineOp[] } {
    const actions: ControlAction[] = [];
    const ops: EngineOp[] = [];
    for (const c of [...this.draining].sort()) {
      if (this.s.tasks.some((t) => t.chain === c && backlog(t.name) > 0)) continue;
      this.draining.delete(c);
      actions.push({ type: 'detach', chain: c });
      ops.push({ op: 'attached', chain: c, on: false });
    }
    return { actions, ops };
  }
}

function isInt(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v);
}

function show(v: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}
