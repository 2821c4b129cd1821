/**
 * A run's series as CSV: one row per control period, for spreadsheets and
 * plotting tools. Columns: the period's end time, the control outcome and
 * whether every SLO held, cores in use, all traffic (offered, delivered,
 * dropped, p50/p99/max latency), then per flow group the same and its SLO
 * verdict, then per task its batch, weight and backlog. Numbers in plain
 * decimal; an empty cell where there is no value (no delivery, no SLO).
 */
import type { PeriodLatency, Series } from './series.js';

const cell = (v: number | string | boolean | null | undefined): string => {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
};

const sum = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);
const lat = (l: PeriodLatency | null) => [l?.p50Us ?? null, l?.p99Us ?? null, l?.maxUs ?? null];

export function seriesToCsv(series: Series): string {
  const groups = series.meta.groups.map((g) => g.name);
  const tasks = series.points[0]?.tasks.map((t) => t.name) ?? [];
  const header = ['end_s', 'control', 'slo_ok', 'cores_in_use', 'offered_pps', 'delivered_pps', 'dropped', 'p50_us', 'p99_us', 'max_us', 'actions', 'events'];
  for (const g of groups) header.push(...['offered_pps', 'delivered_pps', 'dropped', 'p50_us', 'p99_us', 'max_us', 'slo_ok'].map((c) => `${g}.${c}`));
  for (const t of tasks) header.push(`${t}.batch`, `${t}.weight`, `${t}.backlog`);
  const rows = [header.map(cell).join(',')];
  for (const p of series.points) {
    const row: (number | string | boolean | null)[] = [p.endSeconds, p.control, p.sloOk, p.coresInUse, p.offeredPps, p.deliveredPps, sum(p.drops), ...lat(p.latency), p.actions.length, p.events.map((e) => e.kind).join(' ')];
    for (const g of groups) {
      const gp = p.groups.find((x) => x.group === g);
      row.push(gp?.offeredPps ?? null, gp?.deliveredPps ?? null, gp === undefined ? null : sum(gp.drops), ...lat(gp?.latency ?? null), gp?.slo?.ok ?? null);
    }
    for (const name of tasks) {
      const t = p.tasks.find((x) => x.name === name);
      row.push(t?.batch ?? null, t?.weight ?? null, t?.backlog ?? null);
    }
    rows.push(row.map(cell).join(','));
  }
  return `${rows.join('\n')}\n`;
}
