/**
 * EDF by slack (docs/pktsched.md, "Rank functions"): a packet's absolute
 * deadline is its generation time plus its flow's relative deadline D_f;
 * absolute deadlines grow without bound, so the rank is the *slack* at the
 * moment of ranking, in microseconds:
 *   rank = max(0, genCycles + D_f - nowCycles) / cyclesPerUs
 * Same-flow packets keep EDF order; across flows it favours later arrivals by
 * their arrival-time difference (an approximation, chosen so the rank has a
 * fixed origin). Late packets get slack 0 (most urgent). The generation time
 * is the packet's metadata (PacketPool.ingressCycles at the generator), not a
 * header field.
 */

export class EdfSlackRank {
  readonly maxFlows: number;
  readonly cyclesPerUs: number;
  private readonly deadlineCycles: Float64Array;

  /** COLD. `cyclesPerUs` comes from the machine preset (hz / 1e6). */
  constructor(maxFlows: number, cyclesPerUs: number) {
    const problems: string[] = [];
    if (!Number.isInteger(maxFlows) || maxFlows < 1) problems.push(`maxFlows must be a positive integer, got ${maxFlows}`);
    if (!(cyclesPerUs > 0)) problems.push(`cyclesPerUs must be > 0, got ${cyclesPerUs}`);
    if (problems.length > 0) throw new RangeError(`EdfSlackRank: ${problems.join('; ')}`);
    this.maxFlows = maxFlows;
    this.cyclesPerUs = cyclesPerUs;
    this.deadlineCycles = new Float64Array(maxFlows).fill(NaN);
  }

  /** COLD-ish: relative deadline of flow `flowId`. */
  setFlow(flowId: number, relDeadlineCycles: number): void {
    this.deadlineCycles[flowId] = relDeadlineCycles;
  }

  /** HOT: slack rank in µs; NaN for an unknown flow. */
  rankOf(flowId: number, genCycles: number, nowCycles: number): number {
    if (flowId >= this.maxFlows) return NaN;
    const slack = genCycles + this.deadlineCycles[flowId]! - nowCycles;
    return slack > 0 ? slack / this.cyclesPerUs : slack <= 0 ? 0 : NaN;
  }
}
