/**
 * Execution models as placement recipes (the three models of [ExecModels]):
 * from one chain description and a set of cores, build the module graph,
 * edges and tasks of a scenario.
 *
 *  - rtc     run-to-completion: `cores` instances of the whole chain, one per
 *            core, each polling its own RX queue; the NIC spreads flows over
 *            the queues with RSS.
 *  - pl      pipeline: `pipelines` independent pipelines, each with one NF per
 *            core and a queue (ring) between consecutive NFs; the NIC spreads
 *            flows over the pipelines' RX queues with RSS.
 *  - hybrid  the chain cut into stages (groups of consecutive NFs), each stage
 *            replicated `replicas[s]` times on its own cores; a stage replica
 *            spreads its output over the next stage's replicas by flow hash
 *            (a `hashsplit` module), so a flow always takes the same path.
 *
 * The result is a plain scenario object (as a YAML file would give), which
 * goes through the same validation as any scenario. As in BESS, the
 * difference between the models is only the graph: where the queues are and
 * which core drains them. Nothing here prices the difference; the hardware
 * model does, from the accesses the NFs and the queues make.
 */

export interface ChainNf {
  /** Name of the NF in the chain (module names derive from it). */
  name: string;
  kind: string;
  config?: unknown;
}

export type ExecModel =
  | { model: 'rtc'; cores: number }
  | { model: 'pl'; pipelines: number }
  | { model: 'hybrid'; stages: string[][]; replicas: number[] };

export interface ChainLayout {
  name: string;
  description?: string;
  seed?: number;
  /** The scenario's `machine` section, as written in a file. */
  machine: Record<string, unknown>;
  port: { name?: string; lineRate: string | number; rxRingSize?: number; senderBuffer?: number; traffic: Record<string, unknown> };
  chain: ChainNf[];
  model: ExecModel;
  /** Queues between pipeline stages. */
  queue?: { size: number; whenFull: 'drop' | 'backpressure' };
  batch?: number;
  duration: string | number;
  warmup?: string | number;
  controlPeriod?: string | number;
  /** First core to use (cores are numbered from socket 0). */
  firstCore?: number;
}

export class LayoutError extends Error {}

/** Number of cores a model uses for a chain of `n` NFs. */
export function coresUsed(model: ExecModel, chainLength: number): number {
  switch (model.model) {
    case 'rtc': return model.cores;
    case 'pl': return model.pipelines * chainLength;
    case 'hybrid': return model.replicas.reduce((a, b) => a + b, 0);
  }
}

/** Short label of a model, e.g. "RTC 18", "PL 6x3", "hybrid [acl]x6 [lb,l3fwd]x6". */
export function modelLabel(model: ExecModel, chainLength: number): string {
  switch (model.model) {
    case 'rtc': return `RTC ${model.cores}`;
    case 'pl': return `PL ${model.pipelines}x${chainLength}`;
    case 'hybrid': return `hybrid ${model.stages.map((st, i) => `[${st.join(',')}]x${model.replicas[i]}`).join(' ')}`;
  }
}

/** COLD: the scenario object of a chain under an execution model. */
export function layoutChain(l: ChainLayout): Record<string, unknown> {
  if (l.chain.length === 0) throw new LayoutError('the chain has no NF');
  const portName = l.port.name ?? 'eth0';
  const first = l.firstCore ?? 0;
  const queue = l.queue ?? { size: 1024, whenFull: 'backpressure' };
  const modules: Record<string, unknown>[] = [];
  const edges: { from: string; to: string }[] = [];
  const tasks: Record<string, unknown>[] = [];
  const batch = l.batch ?? 32;
  const nf = (c: ChainNf, suffix: string) => ({ name: `${c.name}-${suffix}`, kind: c.kind, config: c.config ?? {} });
  let rxQueues: number;

  // Stages: groups of consecutive chain NFs, each with a replica count.
  let stages: { nfs: ChainNf[]; replicas: number }[];
  let independent: boolean; // pl: pipelines never mix
  switch (l.model.model) {
    case 'rtc':
      stages = [{ nfs: l.chain, replicas: l.model.cores }];
      independent = true;
      break;
    case 'pl':
      stages = l.chain.map((c) => ({ nfs: [c], replicas: (l.model as { pipelines: number }).pipelines }));
      independent = true;
      break;
    case 'hybrid': {
      const m = l.model;
      if (m.stages.length !== m.replicas.length) throw new LayoutError(`hybrid: ${m.stages.length} stages but ${m.replicas.length} replica counts`);
      const byName = new Map(l.chain.map((c) => [c.name, c]));
      const flat = m.stages.flat();
      if (flat.length !== l.chain.length || flat.some((n, i) => n !== l.chain[i]!.name)) {
        throw new LayoutError(`hybrid: the stages ${JSON.stringify(m.stages)} must cover the chain ${l.chain.map((c) => c.name).join(' -> ')} in order`);
      }
      stages = m.stages.map((names, i) => ({ nfs: names.map((n) => byName.get(n)!), replicas: m.replicas[i]! }));
      independent = false;
      break;
    }
  }
  for (const st of stages) if (!Number.isInteger(st.replicas) || st.replicas < 1) throw new LayoutError(`replica counts must be integers >= 1, got ${st.replicas}`);
  rxQueues = stages[0]!.replicas;

  let core = first;
  // coreOf[s][r]: the core of replica r of stage s.
  const coreOf: number[][] = [];
  if (independent && stages.length > 1) {
    // Pipelines: pipeline r takes consecutive cores (stage 0, 1, ... of r).
    for (let s = 0; s < stages.length; s++) coreOf.push([]);
    for (let r = 0; r < rxQueues; r++) for (let s = 0; s < stages.length; s++) coreOf[s]!.push(core++);
  } else {
    for (const st of stages) coreOf.push(Array.from({ length: st.replicas }, () => core++));
  }

  for (let s = 0; s < stages.length; s++) {
    const st = stages[s]!;
    const next = stages[s + 1];
    for (let r = 0; r < st.replicas; r++) {
      const sfx = `${r}`;
      // The stage's NFs, chained.
      st.nfs.forEach((c, i) => {
        modules.push(nf(c, sfx));
        if (i > 0) edges.push({ from: `${st.nfs[i - 1]!.name}-${sfx}`, to: `${c.name}-${sfx}` });
      });
      const firstName = `${st.nfs[0]!.name}-${sfx}`;
      const lastName = `${st.nfs[st.nfs.length - 1]!.name}-${sfx}`;
      // Input of the replica.
      if (s === 0) {
        edges.push({ from: `${portName}.rx${r}`, to: firstName });
        tasks.push({ root: `${portName}.rx${r}`, core: coreOf[s]![r]!, batch, name: `${firstName}` });
      } else {
        const q = `q${s}-${sfx}`;
        edges.push({ from: q, to: firstName });
        tasks.push({ root: q, core: coreOf[s]![r]!, batch, name: `${firstName}` });
      }
      // Output of the replica.
      if (next === undefined) {
        edges.push({ from: lastName, to: `${portName}.tx` });
      } else if (independent) {
        edges.push({ from: lastName, to: `q${s + 1}-${sfx}` });
      } else if (next.replicas === 1) {
        edges.push({ from: lastName, to: `q${s + 1}-0` });
      } else {
        const split = `split${s + 1}-${sfx}`;
        modules.push({ name: split, kind: 'hashsplit', config: { gates: next.replicas } });
        edges.push({ from: lastName, to: split });
        for (let j = 0; j < next.replicas; j++) edges.push({ from: `${split}:${j}`, to: `q${s + 1}-${j}` });
      }
    }
    if (next !== undefined) {
      for (let j = 0; j < next.replicas; j++) modules.push({ name: `q${s + 1}-${j}`, kind: 'queue', config: { ...queue } });
    }
  }

  const scenario: Record<string, unknown> = {
    name: l.name,
    description: l.description ?? `${l.chain.map((c) => c.name).join(' -> ')} under ${modelLabel(l.model, l.chain.length)}`,
    seed: l.seed ?? 1,
    duration: l.duration,
    machine: l.machine,
    ports: [{
      name: portName,
      lineRate: l.port.lineRate,
      rxQueues,
      ...(l.port.rxRingSize !== undefined ? { rxRingSize: l.port.rxRingSize } : {}),
      ...(l.port.senderBuffer !== undefined ? { senderBuffer: l.port.senderBuffer } : {}),
      traffic: l.port.traffic,
    }],
    modules,
    edges,
    tasks,
  };
  if (l.warmup !== undefined) scenario['warmup'] = l.warmup;
  if (l.controlPeriod !== undefined) scenario['controlPeriod'] = l.controlPeriod;
  return scenario;
}
