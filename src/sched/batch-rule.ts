/**
 * [Quadrant]'s batch-size rule. A chain of N NFs costing S_i cycles a packet
 * in all, each batch handing the core over N times at C cycles a switch,
 * runs at F / (ΣS + N·C/B) packets a second against F / ΣS without
 * switches; the smallest batch B whose rate is within a factor 1 + p of
 * that is ⌈N·C / (p·ΣS)⌉ (clamped to 1 .. maxBatch).
 */
export function quadrantBatch(sumCyclesPerPacket: number, nfs: number, switchCycles: number, p: number, maxBatch: number): number {
  if (!(sumCyclesPerPacket > 0) || !(p > 0)) return 1;
  const b = Math.ceil((nfs * switchCycles) / (p * sumCyclesPerPacket));
  return b < 1 ? 1 : b > maxBatch ? maxBatch : b;
}
