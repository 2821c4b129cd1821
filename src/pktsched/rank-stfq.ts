/**
 * Start-time fair queueing as a PIFO rank program ([PIFO] reference model
 * and Netbench; docs/pktsched.md, "Rank functions").
 *
 * State: per flow the last finish tag F[f]; per tenant a virtual time V[t],
 * the start tag of that tenant's most recently dequeued packet. Enqueue of a
 * packet of flow f, tenant t, length len, weight w_f:
 *   S = max(V[t], F[f]);  F[f] = S + len / w_f;  rank = S
 * A flow without state, or with F[f] <= V[t], behaves alike (S = V[t]), so
 * flow state never needs evicting here (dense flow ids, one Float64 each).
 * V is per tenant so that, when several tenants share one scheduler, another
 * tenant's dequeues do not move this tenant's clock.
 * len is the frame length in bytes as it will be transmitted.
 */

export class StfqRank {
  readonly maxFlows: number;
  readonly maxTenants: number;
  private readonly finish: Float64Array;
  private readonly weight: Float64Array;
  /** Virtual time per tenant (read-only for callers). */
  readonly virtualTime: Float64Array;

  /** COLD: every flow starts with weight 1 and no state. */
  constructor(maxFlows: number, maxTenants = 1) {
    const problems: string[] = [];
    if (!Number.isInteger(maxFlows) || maxFlows < 1) problems.push(`maxFlows must be a positive integer, got ${maxFlows}`);
    if (!Number.isInteger(maxTenants) || maxTenants < 1) problems.push(`maxTenants must be a positive integer, got ${maxTenants}`);
    if (problems.length > 0) throw new RangeError(`StfqRank: ${problems.join('; ')}`);
    this.maxFlows = maxFlows;
    this.maxTenants = maxTenants;
    this.finish = new Float64Array(maxFlows);
    this.weight = new Float64Array(maxFlows).fill(1);
    this.virtualTime = new Float64Array(maxTenants);
  }

  /** COLD-ish. */
  setWeight(flowId: number, weight: number): void {
    if (!(weight > 0)) throw new RangeError(`StfqRank.setWeight: weight must be > 0, got ${weight}`);
    this.weight[flowId] = weight;
  }

  /** HOT: start tag of a packet of `lenBytes` of flow `flowId` (tenant `tenant`). */
  rankOf(flowId: number, tenant: number, lenBytes: number): number {
    if (flowId >= this.maxFlows || tenant >= this.maxTenants) return NaN;
    const v = this.virtualTime[tenant]!;
    const f = this.finish[flowId]!;
    const start = f > v ? f : v;
    this.finish[flowId] = start + lenBytes / this.weight[flowId]!;
    return start;
  }

  /** HOT: the packet of rank `rank` of tenant `tenant` was dequeued. */
  onDequeue(tenant: number, rank: number): void {
    this.virtualTime[tenant] = rank;
  }

  /**
   * HOT: a packet ranked by rankOf was dropped: roll its flow's finish tag
   * back (exact only if it was the flow's most recent packet, as in Netbench).
   */
  onDrop(flowId: number, lenBytes: number): void {
    this.finish[flowId] = this.finish[flowId]! - lenBytes / this.weight[flowId]!;
  }
}
