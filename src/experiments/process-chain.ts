/**
 * NF chains whose NFs are separate schedulable tasks ("processes") on one
 * core, joined by queues: the layouts the scheduling experiments compare.
 *
 *  direct  NIC -> nf1 -> q -> nf2 -> q -> ... -> nfN -> TX, every NF a task on
 *          the NF core, handing packets over through shared-memory queues.
 *  switch  every hop goes through a software switch: NIC -> sw -> nf1 -> sw ->
 *          nf2 -> ... -> nfN -> sw -> TX. The switch is one process (its
 *          tasks share an entity: no context switch between them) on its own
 *          core (multiprocessor) or on the NF core (uniprocessor); it may copy
 *          each packet into the next NF's memory.
 */

export interface ProcessChainOptions {
  name: string;
  description: string;
  seed: number;
  machine: Record<string, unknown>;
  port: Record<string, unknown>;
  /** The NFs in chain order (name, kind, config). */
  nfs: { name: string; kind: string; config?: unknown }[];
  /** Scheduler of the NF core (a `schedulers:` entry without `cores`). */
  scheduler: Record<string, unknown>;
  /** Task fields of every NF task (batch, syscalls, nice...). */
  nfTask: Record<string, unknown>;
  /** Packets each queue holds. */
  queueSize: number;
  layout: { kind: 'direct' } | {
    kind: 'switch';
    /** 'multi': the switch on core 1; 'uni': on the NF core. */
    placement: 'multi' | 'uni';
    /** The switch's per-packet forwarding cost, cycles. */
    cyclesPerPacket: number;
    /** The switch copies each packet it hands to an NF. */
    copy: boolean;
    batch: number;
  };
  duration: string;
  warmup: string;
}

/** A scenario object (as a YAML file would give) for one process chain. */
export function processChain(o: ProcessChainOptions): Record<string, unknown> {
  const n = o.nfs.length;
  const modules: Record<string, unknown>[] = o.nfs.map((nf) => ({ name: nf.name, kind: nf.kind, ...(nf.config === undefined ? {} : { config: nf.config }) }));
  const edges: { from: string; to: string }[] = [];
  const tasks: Record<string, unknown>[] = [];
  const queue = (name: string) => modules.push({ name, kind: 'queue', config: { size: o.queueSize, whenFull: 'drop' } });
  const nfTask = (i: number, root: string) => tasks.push({ name: o.nfs[i]!.name, root, core: 0, chain: 'chain', ...o.nfTask });
  let cores = 1;
  if (o.layout.kind === 'direct') {
    edges.push({ from: 'eth0.rx0', to: o.nfs[0]!.name });
    nfTask(0, 'eth0.rx0');
    for (let i = 1; i < n; i++) {
      queue(`q${i}`);
      edges.push({ from: o.nfs[i - 1]!.name, to: `q${i}` }, { from: `q${i}`, to: o.nfs[i]!.name });
      nfTask(i, `q${i}`);
    }
    edges.push({ from: o.nfs[n - 1]!.name, to: 'eth0.tx' });
  } else {
    const sw = o.layout;
    const swCore = sw.placement === 'multi' ? 1 : 0;
    cores = swCore + 1;
    // Switch hop h (0..n) takes from the NIC (h = 0) or from NF h's return
    // queue, and hands to NF h+1's input queue (or to TX after the last NF).
    for (let h = 0; h <= n; h++) {
      const root = h === 0 ? 'eth0.rx0' : `ret${h}`;
      const fwd = `sw${h}`;
      modules.push({ name: fwd, kind: 'synthetic', config: { cyclesPerPacket: sw.cyclesPerPacket } });
      edges.push({ from: root, to: fwd });
      if (h < n) {
        queue(`in${h + 1}`);
        edges.push({ from: fwd, to: `in${h + 1}` });
      } else {
        edges.push({ from: fwd, to: 'eth0.tx' });
      }
      tasks.push({ name: `switch-${h}`, root, core: swCore, batch: sw.batch, process: 'vswitch', chain: 'switch', copy: sw.copy && h < n });
    }
    for (let i = 0; i < n; i++) {
      queue(`ret${i + 1}`);
      edges.push({ from: `in${i + 1}`, to: o.nfs[i]!.name }, { from: o.nfs[i]!.name, to: `ret${i + 1}` });
      nfTask(i, `in${i + 1}`);
    }
  }
  return {
    name: o.name,
    description: o.description,
    seed: o.seed,
    duration: o.duration,
    warmup: o.warmup,
    machine: { ...o.machine, cores },
    ports: [{ name: 'eth0', ...o.port }],
    modules,
    edges,
    tasks,
    schedulers: [{ cores: 0, ...o.scheduler }],
  };
}
