/**
 * Main thread: one PeriodPoint per control period (metrics/series.ts), from
 * what the workers report at the control point (cumulative group counters,
 * the period's latency histograms, each core's tasks), and the knobs the
 * applied actions set. COLD: once per control point.
 */
import type { Plan } from '../graph/plan.js';
import { LatencyHistogram } from '../metrics/histogram.js';
import { scoreSeries } from '../metrics/score.js';
import type { GroupPoint, PeriodLatency, PeriodPoint, Series, SeriesEvent, SeriesMeta, SloSpec } from '../metrics/series.js';
import type { Scenario, ScenarioEvent } from '../scenario/types.js';
import type { EngineOp } from './actions.js';
import type { FlowGroups } from './flow-groups.js';
import type { WorkerPeriod } from './host.js';
import type { CoreTelemetry } from './telemetry.js';

/** A delivered rate counts as meeting a rate SLO within this share of it (a period's deliveries lag its arrivals by the chain's latency). */
export const RATE_SLO_TOLERANCE = 0.01;

export class SeriesBuilder {
  readonly points: PeriodPoint[] = [];
  private readonly G: number;
  private readonly R: number;
  private prevGenerated: Float64Array;
  private prevDelivered: Float64Array;
  private prevDrops: Float64Array;
  /** Knobs the cores do not report: WFQ weight and priority by task name (from the scenario, then the applied actions). */
  private readonly weight = new Map<string, number>();
  private readonly priority = new Map<string, number>();
  /** Each task's packets up to the previous control point. */
  private cumulativePackets = new Map<string, number>();

  constructor(private readonly s: Scenario, private readonly plan: Plan, private readonly groups: FlowGroups, private readonly epochEnds: readonly number[]) {
    this.G = groups.count + 1;
    this.R = plan.reasons.length;
    this.prevGenerated = new Float64Array(this.G);
    this.prevDelivered = new Float64Array(this.G);
    this.prevDrops = new Float64Array(this.G * this.R);
    for (const t of s.tasks) {
      this.weight.set(t.name, t.weight);
      this.priority.set(t.name, t.priority);
    }
  }

  meta(): SeriesMeta {
    return {
      scenario: this.s.name,
      periodSeconds: this.s.controlPeriodCycles / this.s.hz,
      durationSeconds: this.s.durationCycles / this.s.hz,
      groups: this.groups.groups.map((g) => ({ name: g.name, port: g.portName, slo: g.slo })),
      cores: [...new Set(this.s.tasks.map((t) => t.core))].sort((a, b) => a - b),
    };
  }

  /** Knobs changed by the operations applied at a control point. */
  applied(ops: readonly EngineOp[]): void {
    for (const op of ops) {
      if (op.op === 'weight') this.weight.set(op.task, op.weight);
      else if (op.op === 'priority') this.priority.set(op.task, op.priority);
    }
  }

  /** The point of control period e (its actions and control outcome are filled in by the caller). */
  point(e: number, cores: readonly CoreTelemetry[], periods: readonly WorkerPeriod[]): PeriodPoint {
    const { G, R, s } = this;
    const hz = s.hz;
    const start = e === 0 ? 0 : this.epochEnds[e - 1]!;
    const end = this.epochEnds[e]!;
    const seconds = (end - start) / hz;
    const generated = new Float64Array(G);
    const delivered = new Float64Array(G);
    const drops = new Float64Array(G * R);
    const hist: LatencyHistogram[] = Array.from({ length: G }, () => new LatencyHistogram({ significantDigits: 2 }));
    for (const w of periods) {
      for (let g = 0; g < G; g++) {
        generated[g] += w.groupGenerated[g] ?? 0;
        delivered[g] += w.groupDelivered[g] ?? 0;
        const snap = w.latency[g];
        if (snap !== undefined && snap !== null) hist[g]!.mergeSnapshot(snap);
      }
      for (let k = 0; k < G * R; k++) drops[k] += w.groupDrops[k] ?? 0;
    }
    const all = new LatencyHistogram({ significantDigits: 2 });
    for (const h of hist) if (h.count > 0) all.mergeSnapshot(h.snapshot());
    const groupPoints: GroupPoint[] = [];
    let offeredAll = 0;
    let deliveredAll = 0;
    const dropsAll: Record<string, number> = {};
    let sloOk: boolean | null = null;
    for (let g = 0; g < G; g++) {
      const gen = generated[g]! - this.prevGenerated[g]!;
      const del = delivered[g]! - this.prevDelivered[g]!;
      const byReason: Record<string, number> = {};
      let dropped = 0;
      for (let r = 0; r < R; r++) {
        const d = drops[g * R + r]! - this.prevDrops[g * R + r]!;
        if (d === 0) continue;
        byReason[this.plan.reasons[r]!] = d;
        dropsAll[this.plan.reasons[r]!] = (dropsAll[this.plan.reasons[r]!] ?? 0) + d;
        dropped += d;
      }
      offeredAll += gen;
      deliveredAll += del;
      if (g === G - 1) continue; // unassigned (pcap): in the totals only
      const info = this.groups.groups[g]!;
      const gp: GroupPoint = {
        group: info.name,
        offeredPps: gen / seconds,
        deliveredPps: del / seconds,
        drops: byReason,
        latency: latencyOf(hist[g]!, hz),
        slo: info.slo === null ? null : judge(info.slo, hist[g]!, hz, gen, del, dropped, seconds),
      };
      if (gp.slo !== null) sloOk = (sloOk ?? true) && gp.slo.ok;
      groupPoints.push(gp);
    }
    this.prevGenerated = generated;
    this.prevDelivered = delivered;
    this.prevDrops = drops;

    const offline = offlineCores(s.events ?? [], end);
    const inUse = new Set<number>();
    const tasks: PeriodPoint['tasks'] = [];
    const cumulative = new Map<string, number>();
    for (const c of cores) {
      for (const t of c.tasks) {
        const backlog = c.backlogs.find((b) => b.id === t.id)?.backlog ?? 0;
        if (!t.detached && !offline.has(c.core)) inUse.add(c.core);
        cumulative.set(t.name, t.packets);
        tasks.push({
          name: t.name, core: c.core, batch: t.batch, weight: this.weight.get(t.name) ?? 1, priority: this.priority.get(t.name) ?? 0,
          attached: !t.detached, backlog, packets: t.packets - (this.cumulativePackets.get(t.name) ?? 0),
        });
      }
    }
    this.cumulativePackets = cumulative;
    tasks.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    const point: PeriodPoint = {
      epoch: e,
      startSeconds: start / hz,
      endSeconds: end / hz,
      offeredPps: offeredAll / seconds,
      deliveredPps: deliveredAll / seconds,
      drops: dropsAll,
      latency: latencyOf(all, hz),
      groups: groupPoints,
      coresInUse: inUse.size,
      tasks,
      actions: [],
      events: (s.events ?? []).filter((ev) => ev.atCycles >= start && ev.atCycles < end).map((ev) => seriesEvent(ev, hz)),
      control: 'none',
      sloOk,
    };
    this.points.push(point);
    return point;
  }
  finish(): Series {
    const meta = this.meta();
    const events = (this.s.events ?? []).map((ev) => seriesEvent(ev, this.s.hz));
    return { meta, points: this.points, score: scoreSeries(meta, this.points, events, this.s.warmupCycles / this.s.hz) };
  }
}

function latencyOf(h: LatencyHistogram, hz: number): PeriodLatency | null {
  if (h.count === 0) return null;
  const us = (cycles: number) => (cycles / hz) * 1e6;
  return {
    count: h.count,
    meanUs: us(h.sum / h.count),
    p50Us: us(h.valueAtPercentile(50)),
    p90Us: us(h.valueAtPercentile(90)),
    p99Us: us(h.valueAtPercentile(99)),
    p999Us: us(h.valueAtPercentile(99.9)),
    maxUs: us(h.max),
  };
}

/** A group's SLO in one period: latency percentile, loss share, delivered rate. */
function judge(slo: SloSpec, h: LatencyHistogram, hz: number, offered: number, delivered: number, dropped: number, seconds: number): GroupPoint['slo'] {
  const latencyUs = slo.latency === null || h.count === 0 ? null : (h.valueAtPercentile(slo.latency.percentile) / hz) * 1e6;
  const loss = offered > 0 ? Math.min(1, dropped / offered) : 0;
  let ok = true;
  if (slo.latency !== null && latencyUs !== null && latencyUs > slo.latency.boundUs) ok = false;
  if (slo.maxLoss !== null && loss > slo.maxLoss) ok = false;
  if (slo.minRatePps !== null) {
    const want = Math.min(slo.minRatePps, offered / seconds);
    if (delivered / seconds < want * (1 - RATE_SLO_TOLERANCE)) ok = false;
  }
  return { ok, latencyUs, loss };
}

/** Cores an event has taken offline by time t. */
function offlineCores(events: readonly ScenarioEvent[], t: number): Set<number> {
  const off = new Set<number>();
  for (const e of events) {
    if (e.atCycles > t) break;
    if (e.kind === 'core-offline') off.add(e.core);
    else if (e.kind === 'core-online') off.delete(e.core);
  }
  return off;
}

export function seriesEvent(e: ScenarioEvent, hz: number): SeriesEvent {
  const { atCycles, kind, ...rest } = e as ScenarioEvent & Record<string, unknown>;
  const target = 'module' in e ? e.module : 'port' in e ? e.port : 'core' in e ? `core ${e.core}` : 'controller';
  return { atSeconds: atCycles / hz, kind, target, detail: rest };
}
