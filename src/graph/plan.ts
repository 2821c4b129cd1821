/**
 * From a validated Scenario to an execution Plan: which modules run on which
 * core inside which task, where each output gate leads, which rings (channels)
 * connect cores, and how big the packet pool must be.
 *
 * A task is a run-to-completion unit: it takes a batch from its input (an RX
 * queue or a queue module), pushes it through the modules reachable from there
 * without crossing another queue, and ends at queues (channels to other tasks),
 * TX ports, sinks, drops or dead ends. As in BESS, run-to-completion versus
 * pipeline is a property of the graph: a queue is the only task boundary.
 *
 * The plan is plain data (no class instances): the main thread builds it once
 * and posts it to every worker, so every thread sees the same ids in the same
 * order — drop-reason ids, module ids, channel ids — which keeps results
 * independent of the thread layout.
 */
import { NF_KINDS, findNfKind } from '../nf/catalog.js';
import type { Scenario } from '../scenario/types.js';
import { MAX_POOL_CAPACITY } from '../packet/pool.js';

/** Where packets leaving an output gate go. */
export type Target =
  | { t: 'module'; m: number }
  | { t: 'channel'; ch: number }
  | { t: 'tx'; port: number }
  | { t: 'sink'; m: number }
  | { t: 'deadend' };

export interface ModulePlan {
  id: number;
  name: string;
  kind: string;
  config: unknown;
  core: number;          // -1 if no task reaches it
  task: number;          // -1 if no task reaches it
  gates: Target[];
}

export interface ChannelPlan {
  id: number;
  /** Actor id of the producer: a core id, or cores + port index for a NIC. */
  producer: number;
  consumerCore: number;
  input: number;
  mode: 'drop' | 'backpressure';
  /** Ring capacity (power of two). For backpressure channels, the logical capacity is `logicalCap`. */
  ringCapacity: number;
  logicalCap: number;
}

export interface InputPlan {
  id: number;
  task: number;
  kind: 'rx' | 'queue';
  /** Port index for rx, module id of the queue for queue inputs. */
  ref: number;
  rxQueue: number;
  mode: 'drop' | 'backpressure';
  /** Logical capacity: RX descriptor ring size or queue size. */
  capacity: number;
  dropReason: number;
  channels: number[];
}

export interface TaskPlan {
  id: number;
  name: string;
  core: number;
  batch: number;
  input: number;
  entry: Target;
  /** Modules of this task in discovery order. */
  modules: number[];
  /** Length of the longest module path (bounds packets buffered inside a task run). */
  depth: number;
}

export interface PortPlan {
  id: number;
  name: string;
  /** channel id per RX queue (-1 when no task polls it, which validation forbids when traffic exists). */
  rxChannels: number[];
}

/**
 * One NIC actor: it runs the port's whole arrival and wire model (cheap, and
 * identical in every shard) but creates, counts and delivers only the frames
 * of its own RX queues. A port is one shard until shardNics() splits it by
 * the worker thread of the queues' consumers, so that frame creation runs
 * beside the cores that take the frames (unless the shards' pool partitions
 * would pass SHARDED_POOL_BUDGET); results do not depend on the split.
 */
export interface NicPlan {
  id: number;
  port: number;
  queues: number[];
  actor: number;
  poolBase: number;
  poolCount: number;
}

export interface TapPlan {
  id: number;
  file: string;
  site: { type: 'gate'; module: number; gate: number } | { type: 'tx'; port: number } | { type: 'rx'; port: number; queue: number };
}

export interface Plan {
  cores: number;
  actors: number;
  reasons: string[];
  modules: ModulePlan[];
  tasks: TaskPlan[];
  inputs: InputPlan[];
  channels: ChannelPlan[];
  ports: PortPlan[];
  nics: NicPlan[];
  taps: TapPlan[];
  poolCapacity: number;
  /** Packets that can be held at once outside the RX side (queues, stages, batches): part of every NIC partition. */
  aliveShared: number;
  warnings: string[];
}

/** Packets one core may stage for one channel during a task run (engine/output.ts). */
export const STAGE_CAPACITY = 2048;

/** Ring between the NIC and an RX core, and between cores for tail-drop queues: pure transport. */
export const TRANSPORT_RING_CAPACITY = 4096;

/** Drop reasons the engine itself counts; NF kinds add theirs after these. */
export const ENGINE_REASONS = [
  'nic_line_rate',      // the sender could not put the frame on the wire: sender buffer full
  'nic_rx_ring_full',   // RX descriptor ring full when the frame arrived
  'queue_full',         // a tail-drop queue was full
  'deadend',            // output gate connected to nothing
  'gate_overflow',      // an NF emitted more packets on one gate than a batch can hold
  'nf_timeout',         // in the batch of an NF the cooperative scheduler stopped for not yielding in time
  'nf_stopped',         // reached an NF the scheduler had stopped
  'nf_failed',          // reached an NF that an nf-fail event took down (events:)
  'link_down',          // offered while a link-down event had the port's link down (events:)
  'rate_limited',       // over its flow group's rate limit (a controller's rateLimit action), policed at the port's ingress
] as const;

export class PlanError extends Error {
  constructor(readonly problems: string[]) {
    super(`scenario graph: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PlanError';
  }
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

export function buildPlan(s: Scenario): Plan {
  const problems: string[] = [];
  const warnings: string[] = [];
  const reasons: string[] = [...ENGINE_REASONS];
  for (const k of NF_KINDS) for (const r of k.dropReasons) if (!reasons.includes(r)) reasons.push(r);
  const reasonId = (r: string) => reasons.indexOf(r);

  const modIndex = new Map<string, number>();
  s.modules.forEach((m, i) => modIndex.set(m.name, i));
  const portIndex = new Map<string, number>();
  s.ports.forEach((p, i) => portIndex.set(p.name, i));

  const modules: ModulePlan[] = s.modules.map((m, i) => ({
    id: i, name: m.name, kind: m.kind, config: m.config, core: -1, task: -1,
    gates: Array.from({ length: m.outputGates }, (): Target => ({ t: 'deadend' })),
  }));

  // Edge lookup: (module, gate) -> to ; (port, rxq) -> to
  const fromModule = new Map<string, (typeof s.edges)[number]['to']>();
  const fromRx = new Map<string, (typeof s.edges)[number]['to']>();
  for (const e of s.edges) {
    if (e.from.type === 'module') fromModule.set(`${e.from.module}:${e.from.gate}`, e.to);
    else if (e.from.type === 'rx') fromRx.set(`${e.from.port}:${e.from.queue}`, e.to);
  }

  const cores = s.machine.cores;
  const inputs: InputPlan[] = [];
  const channels: ChannelPlan[] = [];
  const tasks: TaskPlan[] = [];
  const ports: PortPlan[] = s.ports.map((p, i) => ({
    id: i, name: p.name, rxChannels: Array.from({ length: p.rxQueues }, () => -1),
  }));

  // One input per task; queue inputs are keyed by module id.
  const queueInput = new Map<number, number>();
  s.tasks.forEach((t, ti) => {
    const root = t.root;
    const inputId = inputs.length;
    if (root.type === 'rx') {
      const pi = portIndex.get(root.port)!;
      const port = s.ports[pi]!;
      const ch: ChannelPlan = {
        id: channels.length, producer: cores + pi, consumerCore: t.core, input: inputId, mode: 'drop',
        ringCapacity: TRANSPORT_RING_CAPACITY, logicalCap: port.rxRingSize,
      };
      channels.push(ch);
      ports[pi]!.rxChannels[root.queue] = ch.id;
      inputs.push({ id: inputId, task: ti, kind: 'rx', ref: pi, rxQueue: root.queue, mode: 'drop', capacity: port.rxRingSize, dropReason: reasonId('nic_rx_ring_full'), channels: [ch.id] });
    } else {
      const mi = modIndex.get(root.module)!;
      const cfg = s.modules[mi]!.config as { size: number; whenFull: 'drop' | 'backpressure' };
      inputs.push({ id: inputId, task: ti, kind: 'queue', ref: mi, rxQueue: -1, mode: cfg.whenFull, capacity: cfg.size, dropReason: reasonId('queue_full'), channels: [] });
      queueInput.set(mi, inputId);
      modules[mi]!.core = t.core;
      modules[mi]!.task = ti;
    }
    tasks.push({ id: ti, name: t.name, core: t.core, batch: t.batch, input: inputId, entry: { t: 'deadend' }, modules: [], depth: 0 });
  });

  // Channel from a producer core into a queue module: one per (core, queue).
  const channelFor = new Map<string, number>();
  const queueChannel = (producerCore: number, qm: number): number => {
    const key = `${producerCore}:${qm}`;
    const have = channelFor.get(key);
    if (have !== undefined) return have;
    const inp = inputs[queueInput.get(qm)!]!;
    const bp = inp.mode === 'backpressure';
    if (bp && tasks[inp.task]!.core === producerCore) {
      problems.push(`queue ${s.modules[qm]!.name}: whenFull: backpressure between two tasks of core ${producerCore} would stall the core on itself (the producer waits for room only the consumer, on the same core, can make); use whenFull: drop, or drain it from another core`);
    }
    const ch: ChannelPlan = {
      id: channels.length, producer: producerCore, consumerCore: tasks[inp.task]!.core, input: inp.id, mode: inp.mode,
      ringCapacity: bp ? nextPow2(inp.capacity) : TRANSPORT_RING_CAPACITY, logicalCap: inp.capacity,
    };
    channels.push(ch);
    inp.channels.push(ch.id);
    channelFor.set(key, ch.id);
    return ch.id;
  };

  // Walk each task's subgraph.
  for (const task of tasks) {
    const inp = inputs[task.input]!;
    const rootTo = inp.kind === 'rx'
      ? fromRx.get(`${s.ports[inp.ref]!.name}:${inp.rxQueue}`)
      : fromModule.get(`${s.modules[inp.ref]!.name}:0`);
    const onPath = new Set<number>();
    const resolve = (to: (typeof s.edges)[number]['to'] | undefined, depth: number, via: string): Target => {
      if (to === undefined) return { t: 'deadend' };
      if (to.type === 'tx') return { t: 'tx', port: portIndex.get(to.port)! };
      if (to.type === 'rx') return { t: 'deadend' }; // rejected by validation
      const mi = modIndex.get(to.module)!;
      const mod = modules[mi]!;
      const kind = findNfKind(mod.kind)!;
      if (kind.isQueue) {
        if (!queueInput.has(mi)) return { t: 'deadend' }; // validation requires a drain task
        return { t: 'channel', ch: queueChannel(task.core, mi) };
      }
      if (onPath.has(mi)) {
        problems.push(`task ${task.name}: a cycle through module ${mod.name} (${via}); packets would loop forever on one core`);
        return { t: 'deadend' };
      }
      if (mod.task !== -1 && mod.task !== task.id) {
        problems.push(`module ${mod.name} is reached by tasks ${tasks[mod.task]!.name} and ${task.name}; a module instance lives on one core — give each task its own instance or put a queue in between`);
        return { t: 'deadend' };
      }
      task.depth = Math.max(task.depth, depth);
      if (mod.task === -1) {
        mod.task = task.id;
        mod.core = task.core;
        task.modules.push(mi);
        if (kind.name !== 'sink') {
          onPath.add(mi);
          for (let g = 0; g < mod.gates.length; g++) {
            mod.gates[g] = resolve(fromModule.get(`${mod.name}:${g}`), depth + 1, `${mod.name}:${g}`);
          }
          onPath.delete(mi);
        }
      }
      return kind.name === 'sink' ? { t: 'sink', m: mi } : { t: 'module', m: mi };
    };
    task.entry = resolve(rootTo, 1, inp.kind === 'rx' ? 'rx' : s.modules[inp.ref]!.name);
    if (task.entry.t === 'deadend') warnings.push(`task ${task.name}: its input is connected to nothing; every packet it takes is dropped as deadend`);
  }
  for (const m of modules) {
    if (m.task === -1) warnings.push(`module ${m.name} is not reachable from any task; it is not instantiated`);
  }

  // What can be held at once away from the RX side: queues and their rings,
  // and each task's batch in flight. A producer's stages hold only packets of
  // its current run (a core whose stage will not flush runs nothing else
  // until it does, and no NF makes packets), so the batch term covers them;
  // counting a full STAGE_CAPACITY per channel as well made the rtc-vs-pl
  // hybrid's pool (72 channels) twice as big as it needs.
  let aliveShared = 0;
  for (const c of channels) if (c.producer < cores) aliveShared += c.ringCapacity;
  for (const i of inputs) if (i.kind === 'queue') aliveShared += i.capacity;
  for (const t of tasks) aliveShared += t.batch * (t.depth + 2);

  const taps: TapPlan[] = s.taps.map((tp, i) => {
    const at = tp.at;
    const site: TapPlan['site'] = at.type === 'gate'
      ? { type: 'gate', module: modIndex.get(at.module)!, gate: at.gate }
      : at.type === 'tx' ? { type: 'tx', port: portIndex.get(at.port)! } : { type: 'rx', port: portIndex.get(at.port)!, queue: at.queue };
    return { id: i, file: tp.file, site };
  });

  for (const cycle of backPressureCycles(channels, cores)) {
    const hops = cycle.map((c) => `${s.modules[inputs[c.input]!.ref]!.name} (core ${c.producer} -> core ${c.consumerCore})`);
    problems.push(
      `queues ${hops.join(', ')} form a cycle of whenFull: backpressure queues across cores: a core waiting for room in one `
      + 'drains none of its other inputs, so once they are all full each core waits on the next and none moves again (a deadlock on real cores too); '
      + 'make one of them whenFull: drop',
    );
  }

  if (problems.length > 0) throw new PlanError(problems);
  const plan: Plan = {
    cores, actors: cores, reasons, modules, tasks, inputs, channels, ports, nics: [], taps,
    poolCapacity: 1, aliveShared, warnings,
  };
  return shardNics(plan, s, () => 0);
}

/**
 * COLD: one cycle of back-pressure channels per group of cores that can block
 * one another in a ring (each cycle as its channels in order, from its least
 * core). A core whose flush waits for room takes from none of its inputs
 * until it gets in, so a core-level cycle deadlocks once its queues fill,
 * even when no packet's path loops (two tasks on core 0, one feeding core 1,
 * one fed by it).
 */
export function backPressureCycles(channels: readonly ChannelPlan[], cores: number): ChannelPlan[][] {
  const out: ChannelPlan[][] = Array.from({ length: cores }, () => []);
  for (const c of channels) {
    if (c.mode === 'backpressure' && c.producer < cores && c.producer !== c.consumerCore) out[c.producer]!.push(c);
  }
  const cycles: ChannelPlan[][] = [];
  // A core on a cycle already reported is not a start again.
  const covered = new Uint8Array(cores);
  for (let start = 0; start < cores; start++) {
    if (covered[start] === 1 || out[start]!.length === 0) continue;
    // Depth-first search for a path of channels back to `start` through cores above it.
    const path: ChannelPlan[] = [];
    const seen = new Uint8Array(cores);
    const search = (core: number): boolean => {
      seen[core] = 1;
      for (const c of out[core]!) {
        path.push(c);
        if (c.consumerCore === start) return true;
        if (c.consumerCore > start && seen[c.consumerCore] === 0 && search(c.consumerCore)) return true;
        path.pop();
      }
      return false;
    };
    if (!search(start)) continue;
    for (const c of path) covered[c.producer] = 1;
    cycles.push(path);
  }
  return cycles;
}

/**
 * Packet slots the NIC partitions of a sharded plan may add up to (2 GiB of
 * frame slots). Each shard's partition must hold everything that can be
 * alive at once (the shared queues included), so n shards need n times
 * that; past this budget each port gets a single NIC actor instead, which
 * feeds its consumers on every worker (it rings their doorbells).
 */
export const SHARDED_POOL_BUDGET = 1 << 20;

/**
 * Split each port's NIC into one actor per worker thread that hosts a
 * consumer of its RX queues (see NicPlan), give each its pool partition and
 * make it the producer of its queues' rings. Returns a new plan.
 * @throws PlanError if even one NIC actor per port needs a pool above MAX_POOL_CAPACITY.
 */
export function shardNics(base: Plan, s: Scenario, workerOfCore: (core: number) => number): Plan {
  let plan = shardNicsBy(base, s, workerOfCore);
  if (plan.poolCapacity > SHARDED_POOL_BUDGET) {
    const whole = shardNicsBy(base, s, () => 0);
    if (whole.nics.length < plan.nics.length) plan = whole;
  }
  if (plan.poolCapacity > MAX_POOL_CAPACITY) {
    throw new PlanError([
      `the packet pool would need ${plan.poolCapacity} buffers, more than the ${MAX_POOL_CAPACITY} it can have: it must hold everything the queues, their rings and the RX rings can hold at once; use fewer or smaller queues or RX rings`,
    ]);
  }
  return plan;
}

/** shardNics with the shards given by `group` (queues whose consumers share a group share a NIC actor). */
function shardNicsBy(base: Plan, s: Scenario, group: (core: number) => number): Plan {
  const channels = base.channels.map((c) => ({ ...c }));
  const nics: NicPlan[] = [];
  let poolBase = 0;
  for (const port of base.ports) {
    const spec = s.ports[port.id]!;
    if (spec.traffic === null) continue;
    const byWorker = new Map<number, number[]>();
    port.rxChannels.forEach((ch, q) => {
      if (ch < 0) return;
      const w = group(channels[ch]!.consumerCore);
      const list = byWorker.get(w) ?? [];
      list.push(q);
      byWorker.set(w, list);
    });
    for (const w of [...byWorker.keys()].sort((a, b) => a - b)) {
      const queues = byWorker.get(w)!;
      const actor = base.cores + nics.length;
      let alive = base.aliveShared + spec.senderBufferFrames;
      for (const q of queues) {
        const ch = channels[port.rxChannels[q]!]!;
        ch.producer = actor;
        alive += ch.ringCapacity + spec.rxRingSize;
      }
      // Larger than everything that can be held at once, so the NIC always
      // finds a free buffer and never waits on a core that waits for it.
      const poolCount = nextPow2(alive + 1024);
      nics.push({ id: nics.length, port: port.id, queues, actor, poolBase, poolCount });
      poolBase += poolCount;
    }
  }
  return { ...base, channels, nics, actors: base.cores + nics.length, poolCapacity: Math.max(poolBase, 1) };
}
