/**
 * Helpers that read result records for experiment summaries.
 */
import type { ResultRecord } from '../metrics/record.js';
import type { ReportTable } from '../report/html.js';
import type { PointResult } from './experiment.js';

/** Cycles per packet of all modules of one NF kind (null when none processed a packet). */
export function moduleKindCycles(r: ResultRecord, kind: string): number | null {
  let cycles = 0;
  let packets = 0;
  for (const m of r.modules) {
    if (m.kind !== kind) continue;
    cycles += m.cycles;
    packets += m.packets;
  }
  return packets > 0 ? cycles / packets : null;
}

/** Memory-stall cycles per packet of one NF kind, by level (null when the record has no memory breakdown). */
export function moduleKindMemory(r: ResultRecord, kind: string): Record<string, number> | null {
  let packets = 0;
  const sums: Record<string, number> = {};
  let any = false;
  for (const m of r.modules) {
    if (m.kind !== kind || !m.memory) continue;
    any = true;
    packets += m.packets;
    for (const [level, cycles] of Object.entries(m.memory)) sums[level] = (sums[level] ?? 0) + cycles;
  }
  if (!any || packets === 0) return null;
  for (const k of Object.keys(sums)) sums[k] = sums[k]! / packets;
  return sums;
}

/** One table per NF kind: stall cycles per packet on each memory level, per point. */
export function memoryColumns(results: PointResult[], kinds: string[]): ReportTable[] {
  const tables: ReportTable[] = [];
  for (const kind of kinds) {
    const rows: (string | number | null)[][] = [];
    let levels: string[] = [];
    for (const res of results) {
      const mem = moduleKindMemory(res.record, kind);
      if (mem === null) continue;
      if (levels.length === 0) levels = Object.keys(mem);
      rows.push([res.point.label, ...levels.map((l) => Math.round((mem[l] ?? 0) * 10) / 10)]);
    }
    if (rows.length > 0) tables.push({ title: `${kind}: memory stall cycles per packet by level`, columns: ['point', ...levels], rows });
  }
  return tables;
}
