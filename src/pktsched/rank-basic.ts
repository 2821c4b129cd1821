/**
 * The two trivial rank functions: FIFO by arrival time, and a constant
 * priority per flow (e.g. a tenant's class); lower = served first.
 */

/** HOT: FIFO as a rank: the arrival time itself (PIFO then behaves as FIFO). */
export function fifoArrivalRank(nowCycles: number): number {
  return nowCycles;
}

export class FlowPriorityRank {
  readonly maxFlows: number;
  private readonly priority: Float64Array;

  /** COLD: every flow starts at `defaultPriority`. */
  constructor(maxFlows: number, defaultPriority = 0) {
    if (!Number.isInteger(maxFlows) || maxFlows < 1) throw new RangeError(`FlowPriorityRank: maxFlows must be a positive integer, got ${maxFlows}`);
    this.maxFlows = maxFlows;
    this.priority = new Float64Array(maxFlows).fill(defaultPriority);
  }

  /** COLD-ish. */
  setFlow(flowId: number, priority: number): void {
    this.priority[flowId] = priority;
  }

  /** HOT: NaN for a flow id out of range. */
  rankOf(flowId: number): number {
    return flowId < this.maxFlows ? this.priority[flowId]! : NaN;
  }
}
