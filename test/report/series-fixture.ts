/**
 * A hand-made run over time for the report and live-view tests: two flow
 * groups with SLOs, an NF failure and recovery, a controller that raises a
 * batch size, one missed and one lost control point. Deterministic.
 */
import type { GroupPoint, PeriodPoint, Score, Series, SeriesMeta } from '../../src/metrics/series.js';

export const PERIOD_S = 0.25e-3;
export const FAIL_AT_S = 50e-3;
export const RECOVER_AT_S = 60e-3;
export const MISS_EPOCH = 100;
export const LOST_EPOCH = 300;

export function fixtureMeta(points = 400, groupNames: [string, string] = ['web', 'video']): SeriesMeta {
  return {
    scenario: 'loadtest-fixture',
    periodSeconds: PERIOD_S,
    durationSeconds: points * PERIOD_S,
    groups: [
      { name: groupNames[0], port: 'eth0', slo: { latency: { percentile: 99, boundUs: 50 }, maxLoss: null, minRatePps: null } },
      { name: groupNames[1], port: 'eth0', slo: { latency: { percentile: 99, boundUs: 200 }, maxLoss: 0.01, minRatePps: null } },
    ],
    cores: [0, 1],
  };
}

/** The i-th point (epoch i + 1) of the fixture run. */
export function fixturePoint(i: number, meta: SeriesMeta = fixtureMeta()): PeriodPoint {
  const start = i * PERIOD_S;
  const end = (i + 1) * PERIOD_S;
  const failed = start >= FAIL_AT_S && start < RECOVER_AT_S;
  const batch = i < 180 ? 4 : i < 240 ? 8 : 16;
  const groups: GroupPoint[] = meta.groups.map((g, k) => {
    const offered = (k === 0 ? 2e6 : 1e6) * (1 + Math.min(1, i / 150));
    const delivered = failed ? offered * 0.3 : offered * 0.999;
    const p99 = failed ? 400 + 10 * k : 12 + 5 * k + (i % 7);
    const dropped = Math.round((offered - delivered) * PERIOD_S);
    const bound = g.slo!.latency!.boundUs;
    const loss = (offered - delivered) / offered;
    return {
      group: g.name,
      offeredPps: offered,
      deliveredPps: delivered,
      drops: dropped > 0 ? { 'nic-tail': dropped } : {},
      latency: { count: Math.round(delivered * PERIOD_S), meanUs: p99 / 2, p50Us: p99 / 3, p90Us: p99 / 1.5, p99Us: p99, p999Us: p99 * 1.4, maxUs: p99 * 2 },
      slo: { ok: p99 <= bound && (g.slo!.maxLoss === null || loss <= g.slo!.maxLoss), latencyUs: p99, loss },
    };
  });
  const sum = (f: (g: GroupPoint) => number): number => groups.reduce((a, g) => a + f(g), 0);
  const drops: Record<string, number> = {};
  for (const g of groups) for (const [r, n] of Object.entries(g.drops)) drops[r] = (drops[r] ?? 0) + n;
  if (failed) drops['nf-failed'] = 37;
  const epoch = i + 1;
  const events = [];
  if (start <= FAIL_AT_S && FAIL_AT_S < end) events.push({ atSeconds: FAIL_AT_S, kind: 'nf-fail', target: 'b', detail: { kind: 'nf-fail', module: 'b' } });
  if (start <= RECOVER_AT_S && RECOVER_AT_S < end) events.push({ atSeconds: RECOVER_AT_S, kind: 'nf-recover', target: 'b', detail: { kind: 'nf-recover', module: 'b' } });
  return {
    epoch,
    startSeconds: start,
    endSeconds: end,
    offeredPps: sum((g) => g.offeredPps),
    deliveredPps: sum((g) => g.deliveredPps),
    drops,
    latency: groups[0]!.latency,
    groups,
    coresInUse: failed ? 1 : 2,
    tasks: [
      { name: 'a', core: 0, batch: 32, weight: 1, priority: 0, attached: true, backlog: 3, packets: 700 },
      { name: 'b', core: 1, batch, weight: 1, priority: 0, attached: true, backlog: failed ? 512 : 20 + (i % 5), packets: failed ? 0 : 690 },
    ],
    actions: i === 179 ? [{ type: 'setBatch', task: 'b', batch: 8 }] : i === 239 ? [{ type: 'setBatch', task: 'b', batch: 16 }] : [],
    events,
    control: epoch === MISS_EPOCH ? 'miss' : epoch === LOST_EPOCH ? 'lost' : 'ok',
    sloOk: groups.every((g) => g.slo!.ok),
    ...(epoch === MISS_EPOCH ? { missReason: 'no reply within 50 ms' } : {}),
  };
}

export function fixtureScore(points: PeriodPoint[]): Score {
  const within = points.filter((p) => p.sloOk).length / points.length;
  return {
    periods: points.length,
    withinSlo: within,
    perGroup: [
      { group: points[0]!.groups[0]!.group, withinSlo: within, worstLatencyRatio: 8, worstLoss: 0.7, worstAtSeconds: FAIL_AT_S },
      { group: points[0]!.groups[1]!.group, withinSlo: within, worstLatencyRatio: 2.05, worstLoss: 0.7, worstAtSeconds: FAIL_AT_S },
    ],
    worstLatencyRatio: 8,
    recovery: [
      { atSeconds: FAIL_AT_S, kind: 'nf-fail', target: 'b', seconds: null },
      { atSeconds: RECOVER_AT_S, kind: 'nf-recover', target: 'b', seconds: 0.00025 },
    ],
    coreSeconds: 0.19,
    actionsPerSecond: 20,
    oscillation: [{ knob: 'task b batch', reversals: 0 }, { knob: 'cores in use', reversals: 2 }],
    misses: 1,
    lost: 1,
  };
}

export function fixtureSeries(n = 400, groupNames?: [string, string]): Series {
  const meta = fixtureMeta(n, groupNames);
  const points = Array.from({ length: n }, (_, i) => fixturePoint(i, meta));
  return { meta, points, score: fixtureScore(points) };
}
