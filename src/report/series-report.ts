/**
 * The report of one run over time (`emu run --report FILE`, and the page the
 * live view ends on): the score against the SLOs, then traffic, latency,
 * drops, cores and knobs, and the control points, all plotted against
 * virtual time with the run's events marked. Built from the record's
 * `series` (metrics/series.ts) as a ReportDoc for renderHtmlReport. COLD
 * code: runs once per report (the live view: a few times a second).
 *
 * The plots are built by `seriesPlots` from the meta and the points alone (no
 * score), so the live view draws the same charts while the run goes on.
 */
import type { ControlOutcome, PeriodPoint, Score, Series, SeriesEvent, SeriesMeta } from '../metrics/series.js';
import type { ReportDoc, ReportSection, ReportTable } from './html.js';
import type { Plot, PlotMarker, RefLine, Series as PlotSeries } from './svg-plot.js';
import { formatNumber, formatSi, renderTable } from './table.js';

export interface SeriesReportInfo {
  scenario: string;
  seed: number | string;
  emuVersion: string;
  /** Passed in: the report never reads a clock. */
  date: string;
  /** The command line that made the run. */
  command: string;
}

/** Control points listed at most in the Control table. */
export const MAX_CONTROL_ROWS = 200;
/** Tasks whose knobs are all plotted even when they do not change. */
const FEW_TASKS = 4;
/** Tasks whose backlog is plotted at most (the largest backlogs). */
const MAX_BACKLOG_TASKS = 8;

/** The unit of the time axis, chosen from the run's length so tick labels stay short. */
export interface TimeUnit {
  label: 's' | 'ms' | 'µs';
  /** Multiplies seconds into the unit. */
  scale: number;
}

export function timeUnitFor(durationSeconds: number): TimeUnit {
  if (durationSeconds >= 2) return { label: 's', scale: 1 };
  if (durationSeconds >= 2e-3) return { label: 'ms', scale: 1e3 };
  return { label: 'µs', scale: 1e6 };
}

/** A time in seconds as the report writes it (SI prefix, 3 digits). */
const seconds = (s: number): string => formatSi(s, 's');
const percent = (share: number): string => `${(share * 100).toFixed(1)} %`;

/** Every plot of a run over time; the live view shows a subset. */
export interface SeriesPlots {
  rate: Plot;
  /** One per flow group (or one for all traffic when there are no groups). */
  latency: Plot[];
  drops: Plot;
  cores: Plot;
  /** Null when there is no task to show (see `knobNote`). */
  batch: Plot | null;
  weight: Plot | null;
  backlog: Plot;
  /** Which tasks the knob plots show, in words. */
  knobNote: string;
}

/**
 * The plots of the points so far. Each point is drawn at the end of its
 * period (its control point), where its values become known.
 */
export function seriesPlots(meta: SeriesMeta, points: readonly PeriodPoint[]): SeriesPlots {
  const unit = timeUnitFor(meta.durationSeconds);
  const xLabel = `virtual time (${unit.label})`;
  const at = (p: PeriodPoint): number => p.endSeconds * unit.scale;
  const markers = eventMarkers(points.flatMap((p) => p.events), unit);
  const line = (name: string, y: (p: PeriodPoint) => number | null, style?: PlotSeries['style']): PlotSeries => {
    const s: PlotSeries = { name, points: points.map((p) => ({ x: at(p), y: y(p) })) };
    if (style !== undefined) s.style = style;
    return s;
  };
  const groupOf = (p: PeriodPoint, name: string) => p.groups.find((g) => g.group === name);
  const groups = meta.groups.map((g) => g.name);

  // Traffic: all of it, and per group when there is more than one.
  const rateSeries = [line('offered (all)', (p) => p.offeredPps), line('delivered (all)', (p) => p.deliveredPps)];
  if (groups.length > 1) {
    for (const g of groups) {
      rateSeries.push(line(`offered ${g}`, (p) => groupOf(p, g)?.offeredPps ?? null));
      rateSeries.push(line(`delivered ${g}`, (p) => groupOf(p, g)?.deliveredPps ?? null));
    }
  }
  const rate: Plot = { id: 'rate', title: 'Offered and delivered rate', xLabel, yLabel: 'rate (pps)', series: rateSeries, markers };

  // Latency: p50/p99/p99.9 per group on a log axis, the SLO bound, the periods that missed the SLO.
  const latency: Plot[] = [];
  const latencyLines = (pick: (p: PeriodPoint) => PeriodPoint['latency']): PlotSeries[] => [
    line('p50', (p) => pick(p)?.p50Us ?? null),
    line('p99', (p) => pick(p)?.p99Us ?? null),
    line('p99.9', (p) => pick(p)?.p999Us ?? null),
  ];
  if (groups.length === 0) {
    latency.push({ id: 'latency', title: 'Latency, all traffic', xLabel, yLabel: 'latency (µs)', yScale: 'log', series: latencyLines((p) => p.latency), markers });
  }
  meta.groups.forEach((g, i) => {
    const series = latencyLines((p) => groupOf(p, g.name)?.latency ?? null);
    const refLines: RefLine[] = [];
    if (g.slo?.latency) {
      refLines.push({ y: g.slo.latency.boundUs, label: `SLO: p${g.slo.latency.percentile} <= ${formatNumber(g.slo.latency.boundUs)} µs`, seriesIndex: 3 });
    }
    if (g.slo !== null) {
      // A missed period shows as a marker at its measured latency (the SLO's percentile, else p99).
      series.push(line('SLO missed', (p) => {
        const gp = groupOf(p, g.name);
        if (gp?.slo == null || gp.slo.ok) return null;
        return gp.slo.latencyUs ?? gp.latency?.p99Us ?? null;
      }, 'points'));
    }
    latency.push({
      id: `latency-${i}`,
      title: `Latency of group ${g.name}`,
      xLabel,
      yLabel: 'latency (µs)',
      yScale: 'log',
      series,
      markers,
      refLines,
    });
  });

  // Drops per second by reason.
  const reasons = [...new Set(points.flatMap((p) => Object.keys(p.drops)))].sort();
  const perSecond = (count: number, p: PeriodPoint): number => count / Math.max(1e-12, p.endSeconds - p.startSeconds);
  const drops: Plot = {
    id: 'drops',
    title: 'Drops by reason',
    xLabel,
    yLabel: 'drops (per s)',
    series: reasons.map((r) => line(r, (p) => perSecond(p.drops[r] ?? 0, p))),
    markers,
  };
  if (reasons.length === 0) drops.note = 'No packet was dropped.';

  const cores: Plot = { id: 'cores', title: 'Cores in use', xLabel, yLabel: 'cores', series: [line('cores in use', (p) => p.coresInUse, 'step')], markers };

  // Knobs: every task when there are few, else those whose knob changes.
  const tasks = [...new Set(points.flatMap((p) => p.tasks.map((t) => t.name)))];
  const taskOf = (p: PeriodPoint, name: string) => p.tasks.find((t) => t.name === name);
  const changes = (name: string, key: 'batch' | 'weight'): boolean => new Set(points.map((p) => taskOf(p, name)?.[key])).size > 1;
  const knob = (key: 'batch' | 'weight', id: string, title: string): Plot | null => {
    const shown = tasks.length <= FEW_TASKS ? tasks : tasks.filter((t) => changes(t, key));
    if (shown.length === 0) return null;
    return { id, title, xLabel, yLabel: key, series: shown.map((t) => line(t, (p) => taskOf(p, t)?.[key] ?? null, 'step')), markers };
  };
  const batch = knob('batch', 'batch', 'Batch size per task');
  const weight = knob('weight', 'weight', 'Weight per task');
  const knobNote =
    tasks.length <= FEW_TASKS
      ? `All ${tasks.length} tasks are shown.`
      : `Of ${tasks.length} tasks, only those whose batch or weight changed are shown${batch === null && weight === null ? ' (none did)' : ''}.`;

  const maxBacklog = (name: string): number => Math.max(0, ...points.map((p) => taskOf(p, name)?.backlog ?? 0));
  const backlogTasks = tasks.length <= MAX_BACKLOG_TASKS ? tasks : [...tasks].sort((a, b) => maxBacklog(b) - maxBacklog(a)).slice(0, MAX_BACKLOG_TASKS);
  const backlog: Plot = {
    id: 'backlog',
    title: 'Backlog per task at each control point',
    xLabel,
    yLabel: 'packets waiting',
    series: backlogTasks.map((t) => line(t, (p) => taskOf(p, t)?.backlog ?? null)),
    markers,
  };
  if (backlogTasks.length < tasks.length) backlog.note = `The ${MAX_BACKLOG_TASKS} tasks with the largest backlog of ${tasks.length}.`;

  // Every time plot spans the whole run, so the live view's axes hold still as points arrive.
  const extent = [0, meta.durationSeconds * unit.scale];
  for (const plot of [rate, ...latency, drops, cores, batch, weight, backlog]) if (plot !== null) plot.xExtent = extent;
  return { rate, latency, drops, cores, batch, weight, backlog, knobNote };
}

function eventMarkers(events: SeriesEvent[], unit: TimeUnit): PlotMarker[] {
  return events.map((e) => ({ x: e.atSeconds * unit.scale, label: e.target ? `${e.kind} ${e.target}` : e.kind }));
}

/** The score as label/value rows, shared by the HTML table and the terminal one. */
export function scoreRows(score: Score): [string, string][] {
  const rows: [string, string][] = [];
  rows.push(['periods', String(score.periods)]);
  rows.push(['within SLO, all groups', score.withinSlo === null ? '- (no SLO)' : percent(score.withinSlo)]);
  for (const g of score.perGroup) {
    rows.push([`within SLO, ${g.group}`, percent(g.withinSlo)]);
    if (g.worstLatencyRatio !== null) {
      const when = g.worstAtSeconds === null ? '' : ` at ${seconds(g.worstAtSeconds)}`;
      rows.push([`worst latency / bound, ${g.group}`, `${formatNumber(g.worstLatencyRatio)}x${when}`]);
    }
    rows.push([`worst loss, ${g.group}`, percent(g.worstLoss)]);
  }
  if (score.worstLatencyRatio !== null) {
    const worst = score.perGroup.find((g) => g.worstLatencyRatio === score.worstLatencyRatio);
    const when = worst?.worstAtSeconds == null ? '' : ` (${worst.group} at ${seconds(worst.worstAtSeconds)})`;
    rows.push(['worst latency / bound', `${formatNumber(score.worstLatencyRatio)}x${when}`]);
  }
  for (const r of score.recovery) {
    const what = `${r.kind}${r.target ? ` ${r.target}` : ''} at ${seconds(r.atSeconds)}`;
    rows.push([`recovery after ${what}`, r.seconds === null ? 'not recovered' : seconds(r.seconds)]);
  }
  rows.push(['core-seconds', formatNumber(score.coreSeconds)]);
  rows.push(['actions per second', formatNumber(score.actionsPerSecond)]);
  for (const o of score.oscillation) rows.push([`oscillation, ${o.knob}`, `${o.reversals} reversal${o.reversals === 1 ? '' : 's'}`]);
  rows.push(['control misses', String(score.misses)]);
  rows.push(['telemetry lost', String(score.lost)]);
  return rows;
}

/** The score as a plain-text table for the terminal (after `emu run`'s summary). */
export function renderScoreTable(score: Score): string {
  return renderTable([{ title: 'measure' }, { title: 'value' }], scoreRows(score), { title: 'score against the SLOs' });
}

/** Actions as compact text: `setBatch task=b batch=8; detach chain=c`. */
export function actionsText(actions: readonly Record<string, unknown>[]): string {
  return actions
    .map((a) => {
      const head = typeof a['type'] === 'string' ? a['type'] : '';
      const rest = Object.entries(a)
        .filter(([k]) => k !== 'type')
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
      return [head, ...rest].filter((s) => s !== '').join(' ');
    })
    .join('; ');
}

const QUIET: readonly ControlOutcome[] = ['ok', 'none'];

function controlTable(points: readonly PeriodPoint[], unit: TimeUnit): { table: ReportTable; shown: number; total: number } {
  const notable = points.filter((p) => p.actions.length > 0 || !QUIET.includes(p.control));
  const shown = notable.slice(0, MAX_CONTROL_ROWS);
  return {
    table: {
      title: 'Control points with actions or without an answer',
      columns: ['epoch', `time (${unit.label})`, 'outcome', 'actions'],
      rows: shown.map((p) => [p.epoch, p.endSeconds * unit.scale, p.missReason ? `${p.control}: ${p.missReason}` : p.control, p.actions.length === 0 ? '-' : actionsText(p.actions)]),
    },
    shown: shown.length,
    total: notable.length,
  };
}

/** The report of a run with more than one control period. Deterministic: same series and info, same document. */
export function seriesReportDoc(series: Series, info: SeriesReportInfo): ReportDoc {
  const { meta, points, score } = series;
  const unit = timeUnitFor(meta.durationSeconds);
  const plots = seriesPlots(meta, points);
  const events = points.flatMap((p) => p.events);
  const eventText =
    events.length === 0
      ? 'The run had no events.'
      : `Dashed vertical lines mark the run's ${events.length} event${events.length === 1 ? '' : 's'}: ` +
        events.map((e) => `${e.kind}${e.target ? ` ${e.target}` : ''} at ${seconds(e.atSeconds)}`).join(', ') + '.';

  const slos = meta.groups.filter((g) => g.slo !== null);
  const sections: ReportSection[] = [];
  sections.push({
    heading: 'Score',
    text:
      `${points.length} control periods of ${seconds(meta.periodSeconds)} over ${seconds(meta.durationSeconds)} of virtual time. ` +
      (slos.length === 0
        ? 'No flow group has an SLO.'
        : `A period is within SLO when every group with an SLO met it (${slos.map((g) => sloText(g.name, g.slo!)).join('; ')}).`),
    tables: [{ title: 'Score', columns: ['measure', 'value'], rows: scoreRows(score) }],
  });
  sections.push({
    heading: 'Traffic',
    text: `Offered and delivered packets per second of virtual time, each period drawn at its end. ${eventText}`,
    plots: [plots.rate],
  });
  sections.push({
    heading: 'Latency',
    text:
      'Latency percentiles of the packets delivered in each period, on a log axis. The dashed horizontal line is the group\'s SLO bound; ' +
      'a marker of the "SLO missed" series flags each period in which the group missed its SLO (latency, loss or rate).',
    plots: plots.latency,
  });
  sections.push({ heading: 'Drops', text: 'Packets dropped per second, by reason.', plots: [plots.drops] });
  sections.push({
    heading: 'Cores and knobs',
    text: `Cores with an attached task, and each task's batch size and weight at the end of each period (step lines). ${plots.knobNote}`,
    plots: [plots.cores, ...(plots.batch ? [plots.batch] : []), ...(plots.weight ? [plots.weight] : []), plots.backlog],
  });
  const control = controlTable(points, unit);
  sections.push({
    heading: 'Control',
    text:
      control.total === 0
        ? 'No control point had actions or a missing answer.'
        : control.shown < control.total
          ? `The first ${control.shown} of ${control.total} control points with actions or without an answer (the data block has them all).`
          : `The ${control.total} control point${control.total === 1 ? '' : 's'} with actions or without an answer; at the others the controller answered with no action.`,
    tables: control.total === 0 ? [] : [control.table],
  });

  return {
    title: `Run report: ${info.scenario}`,
    subtitle: score.withinSlo === null ? `${points.length} control periods` : `${percent(score.withinSlo)} of ${points.length} control periods within SLO`,
    meta: [
      { label: 'scenario', value: info.scenario },
      { label: 'seed', value: String(info.seed) },
      { label: 'emu version', value: info.emuVersion },
      { label: 'date', value: info.date },
      { label: 'command', value: info.command },
    ],
    sections,
    data: series,
  };
}

function sloText(group: string, slo: NonNullable<SeriesMeta['groups'][number]['slo']>): string {
  const parts: string[] = [];
  if (slo.latency) parts.push(`p${slo.latency.percentile} <= ${formatNumber(slo.latency.boundUs)} µs`);
  if (slo.maxLoss !== null) parts.push(`loss <= ${percent(slo.maxLoss)}`);
  if (slo.minRatePps !== null) parts.push(`rate >= ${formatSi(slo.minRatePps, 'pps')}`);
  return `${group}: ${parts.length === 0 ? 'none' : parts.join(', ')}`;
}
