/**
 * Flow groups and global flow ids. Each generator of a port (the port's one
 * generator, or each of its `groups:`) is a flow group; global flow ids are
 * laid out port by port, group by group, each group taking its flows plus the
 * fresh flows its churn may draw. A pcap port has no flow ids (NO_FLOW): its
 * frames count in the extra group `groups.length` ("unassigned").
 *
 * COLD, except groupOf (called per delivered or dropped packet).
 */
import type { GeneratorSpec, Scenario, SloSpec } from '../scenario/types.js';
import { generatorFlowIds, generatorsOf } from '../scenario/traffic.js';

export interface FlowGroupInfo {
  name: string;
  /** Index in scenario.ports. */
  port: number;
  portName: string;
  /** Index of the group among its port's generators. */
  indexInPort: number;
  /** First global flow id. */
  firstFlow: number;
  /** Flows active at once (the generator's `flows`). */
  flows: number;
  /** Flow ids the group owns: flows + churn reserve. */
  ids: number;
  slo: SloSpec | null;
  spec: GeneratorSpec;
}

export class FlowGroups {
  readonly groups: FlowGroupInfo[] = [];
  /** First global flow id of each port's generators (0-based count before it). */
  readonly flowBases: number[] = [];
  readonly flowCount: number;
  /** Group boundaries: ends[g] = firstFlow + ids of group g (ascending). */
  private readonly ends: Float64Array;

  constructor(s: Scenario) {
    let next = 0;
    s.ports.forEach((port, pi) => {
      this.flowBases.push(next);
      generatorsOf(port.traffic).forEach((g, gi) => {
        const ids = generatorFlowIds(g);
        this.groups.push({
          name: g.name ?? port.name, port: pi, portName: port.name, indexInPort: gi,
          firstFlow: next, flows: g.flows, ids, slo: g.slo ?? null, spec: g,
        });
        next += ids;
      });
    });
    this.flowCount = next;
    this.ends = Float64Array.from(this.groups, (g) => g.firstFlow + g.ids);
  }

  get count(): number {
    return this.groups.length;
  }

  /** HOT: the group of a global flow id; `count` (unassigned) for NO_FLOW and anything out of range. */
  groupOf(flow: number): number {
    const ends = this.ends;
    let lo = 0;
    let hi = ends.length;
    if (hi === 1) return flow < ends[0]! ? 0 : 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (flow < ends[mid]!) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  byName(name: string): number {
    return this.groups.findIndex((g) => g.name === name);
  }

  /** The groups of a port, in order. */
  ofPort(port: number): FlowGroupInfo[] {
    return this.groups.filter((g) => g.port === port);
  }
}

/** One FlowGroups per scenario object (a worker builds it once for all its actors). */
const cache = new WeakMap<Scenario, FlowGroups>();
export function flowGroupsOf(s: Scenario): FlowGroups {
  let g = cache.get(s);
  if (g === undefined) {
    g = new FlowGroups(s);
    cache.set(s, g);
  }
  return g;
}
