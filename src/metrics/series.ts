/**
 * The run over time, one point per control period: what the record's
 * `series` holds, what the live view streams while a run goes on, and what
 * the report plots. Plain JSON data (structured-clone and msgpack friendly).
 *
 * Rates are per second of virtual time over the period; counts are what
 * happened in the period (not cumulative). Latencies are in microseconds of
 * virtual time, of the packets delivered in the period.
 */

/** Latency percentiles of the packets delivered in one period, µs. */
export interface PeriodLatency {
  count: number;
  meanUs: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
}

/** A flow group's service level objective (scenario `ports[].traffic.groups[].slo`). */
export interface SloSpec {
  /** The given percentile (e.g. 99) of the period's latency must be at most boundUs. */
  latency: { percentile: number; boundUs: number } | null;
  /** The share of the period's offered packets that are dropped must be at most this (0..1). */
  maxLoss: number | null;
  /** The delivered rate must be at least min(this, offered rate) packets per second. */
  minRatePps: number | null;
}

/** How one flow group fared in one period. */
export interface GroupPoint {
  group: string;
  offeredPps: number;
  deliveredPps: number;
  /** Packets of the group dropped in the period, by reason. */
  drops: Record<string, number>;
  latency: PeriodLatency | null;
  /** Null: the group has no SLO. `latencyUs` is the SLO's percentile measured in the period (null if nothing was delivered). */
  slo: { ok: boolean; latencyUs: number | null; loss: number } | null;
}

/** A task's knobs and queue at the end of a period. */
export interface TaskPoint {
  name: string;
  core: number;
  batch: number;
  weight: number;
  priority: number;
  attached: boolean;
  /** Packets waiting at its input at the control point. */
  backlog: number;
  /** Packets it processed in the period. */
  packets: number;
}

/** One event of the scenario's timeline, or of the control channel, as the series shows it. */
export interface SeriesEvent {
  atSeconds: number;
  kind: string;
  /** What it applies to (module, port, core, ...), for a label. */
  target: string;
  /** The event as the scenario gave it (resolved). */
  detail: Record<string, unknown>;
}

/** What happened at the control point that ends a period. */
export type ControlOutcome =
  /** No controller. */
  | 'none'
  /** The controller answered (possibly with no action). */
  | 'ok'
  /** The controller did not answer in time, crashed or sent garbage, and the scenario counts that as no action. */
  | 'miss'
  /** The telemetry of this control point was lost on the way (a scenario event); no action. */
  | 'lost'
  /** The controller was asked with telemetry older than this control point (a scenario event). */
  | 'stale';

export interface PeriodPoint {
  epoch: number;
  startSeconds: number;
  endSeconds: number;
  /** All traffic. */
  offeredPps: number;
  deliveredPps: number;
  drops: Record<string, number>;
  latency: PeriodLatency | null;
  groups: GroupPoint[];
  /** Cores that had an attached task and were online at the control point. */
  coresInUse: number;
  tasks: TaskPoint[];
  /** Actions that took effect at this control point (after any actuation delay). */
  actions: Record<string, unknown>[];
  /** Events timed in this period. */
  events: SeriesEvent[];
  control: ControlOutcome;
  /** Why the control point was missed (the error), when control is 'miss'. */
  missReason?: string;
  /** Every group with an SLO met it in this period; null when no group has one. */
  sloOk: boolean | null;
}

/** Before the first point: what the series is about (the live view's header). */
export interface SeriesMeta {
  scenario: string;
  periodSeconds: number;
  durationSeconds: number;
  groups: { name: string; port: string; slo: SloSpec | null }[];
  /** Cores of the machine that run tasks at some point. */
  cores: number[];
}

/** The score of a run against its SLOs (metrics/score.ts). */
export interface Score {
  periods: number;
  /** Share of periods in which every group with an SLO met it; null without SLOs. */
  withinSlo: number | null;
  perGroup: { group: string; withinSlo: number; worstLatencyRatio: number | null; worstLoss: number; worstAtSeconds: number | null }[];
  /** The worst period of any group: measured latency percentile over its bound (> 1 is a violation). */
  worstLatencyRatio: number | null;
  /** Per event: seconds from the event until the start of the first period after which every SLO holds to the next event (or the end); 0 if none was violated; null if not recovered. */
  recovery: { atSeconds: number; kind: string; target: string; seconds: number | null }[];
  coreSeconds: number;
  actionsPerSecond: number;
  /** Per knob (task batch, task weight, task priority, cores in use): how often its change reversed direction. */
  oscillation: { knob: string; reversals: number }[];
  /** Control points where the controller missed (timeout/crash counted as no action) or its telemetry was lost. */
  misses: number;
  lost: number;
}

export interface Series {
  meta: SeriesMeta;
  points: PeriodPoint[];
  score: Score;
}
