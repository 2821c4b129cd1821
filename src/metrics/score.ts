/**
 * A run's score against its SLOs, from its series (metrics/series.ts):
 *
 *  - withinSlo: the share of periods in which every group with an SLO met it
 *    (periods that end in the warm-up are not scored);
 *  - per group: its share, the worst latency ratio (the SLO's percentile
 *    measured in a period over its bound) and loss, and when;
 *  - recovery, per event: from the event to the end of the last period,
 *    before the next event, in which some SLO was violated (0 when none was;
 *    null when the last period before the next event still violates: not
 *    recovered);
 *  - core-seconds: cores in use times the period, summed;
 *  - actions per second of virtual time;
 *  - oscillation: per knob (a task's batch, weight or priority; the cores
 *    in use), how often its change reversed direction;
 *  - the control points the controller missed, and whose telemetry was lost.
 */
import type { PeriodPoint, Score, SeriesEvent, SeriesMeta } from './series.js';

export function scoreSeries(meta: SeriesMeta, points: readonly PeriodPoint[], events: readonly SeriesEvent[], warmupSeconds: number): Score {
  const scored = points.filter((p) => p.endSeconds > warmupSeconds);
  const judged = scored.filter((p) => p.sloOk !== null);
  const withinSlo = judged.length === 0 ? null : judged.filter((p) => p.sloOk === true).length / judged.length;

  const perGroup: Score['perGroup'] = [];
  let worstLatencyRatio: number | null = null;
  for (const g of meta.groups) {
    if (g.slo === null) continue;
    let ok = 0;
    let n = 0;
    let worstRatio: number | null = null;
    let worstLoss = 0;
    let worstAt: number | null = null;
    for (const p of scored) {
      const gp = p.groups.find((x) => x.group === g.name);
      if (gp === undefined || gp.slo === null) continue;
      n++;
      if (gp.slo.ok) ok++;
      if (g.slo.latency !== null && gp.slo.latencyUs !== null) {
        const ratio = gp.slo.latencyUs / g.slo.latency.boundUs;
        if (worstRatio === null || ratio > worstRatio) {
          worstRatio = ratio;
          worstAt = p.endSeconds;
        }
      }
      if (gp.slo.loss > worstLoss) {
        worstLoss = gp.slo.loss;
        if (g.slo.latency === null) worstAt = p.endSeconds;
      }
    }
    perGroup.push({ group: g.name, withinSlo: n === 0 ? 1 : ok / n, worstLatencyRatio: worstRatio, worstLoss, worstAtSeconds: worstAt });
    if (worstRatio !== null && (worstLatencyRatio === null || worstRatio > worstLatencyRatio)) worstLatencyRatio = worstRatio;
  }

  const recovery: Score['recovery'] = [];
  const sorted = [...events].sort((a, b) => a.atSeconds - b.atSeconds);
  for (let i = 0; i < sorted.length; i++) {
    const ev = sorted[i]!;
    const until = i + 1 < sorted.length ? sorted[i + 1]!.atSeconds : Infinity;
    // The periods from the one the event falls in, up to the one the next event falls in.
    const window = points.filter((p) => p.endSeconds > ev.atSeconds && p.startSeconds < until && p.sloOk !== null);
    let lastBad = -1;
    for (let k = 0; k < window.length; k++) if (window[k]!.sloOk === false) lastBad = k;
    let seconds: number | null;
    if (window.length === 0 || lastBad < 0) seconds = 0;
    else if (lastBad === window.length - 1) seconds = null;
    else seconds = window[lastBad]!.endSeconds - ev.atSeconds;
    recovery.push({ atSeconds: ev.atSeconds, kind: ev.kind, target: ev.target, seconds });
  }

  let coreSeconds = 0;
  let actions = 0;
  for (const p of points) {
    coreSeconds += p.coresInUse * (p.endSeconds - p.startSeconds);
    actions += p.actions.length;
  }

  const knobs = new Map<string, number[]>();
  const push = (k: string, v: number) => {
    const list = knobs.get(k) ?? [];
    list.push(v);
    knobs.set(k, list);
  };
  for (const p of points) {
    push('cores in use', p.coresInUse);
    for (const t of p.tasks) {
      push(`${t.name} batch`, t.batch);
      push(`${t.name} weight`, t.weight);
      push(`${t.name} priority`, t.priority);
    }
  }
  const oscillation: Score['oscillation'] = [];
  for (const [knob, values] of knobs) {
    let lastSign = 0;
    let reversals = 0;
    let changed = false;
    for (let k = 1; k < values.length; k++) {
      const d = Math.sign(values[k]! - values[k - 1]!);
      if (d === 0) continue;
      changed = true;
      if (lastSign !== 0 && d !== lastSign) reversals++;
      lastSign = d;
    }
    if (changed) oscillation.push({ knob, reversals });
  }

  return {
    periods: points.length,
    withinSlo,
    perGroup,
    worstLatencyRatio,
    recovery,
    coreSeconds,
    actionsPerSecond: meta.durationSeconds > 0 ? actions / meta.durationSeconds : 0,
    oscillation,
    misses: points.filter((p) => p.control === 'miss').length,
    lost: points.filter((p) => p.control === 'lost').length,
  };
}
