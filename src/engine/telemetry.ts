/**
 * What the engine reports at each control point and what a controller may
 * send back. Plain, structured-clone friendly data; the msgpack wire protocol
 * for external controllers (a later issue) carries the same shapes.
 */

import type { ScenarioEvent } from '../scenario/types.js';
import type { PeriodPoint } from '../metrics/series.js';

export interface CoreTelemetry {
  core: number;
  /** The core's clock: at or past the control point, or, for a core stalled on a full back-pressure queue, where the stall began. */
  clockCycles: number;
  busyCycles: number;
  delivered: number;
  dropped: number;
  /** Packets waiting at each task's input (local queue + rings). */
  backlogs: { id: number; backlog: number }[];
  /** Per task: what the CPU scheduler did so far (cumulative since the start). */
  tasks: TaskTelemetry[];
}

export interface TaskTelemetry {
  id: number;
  name: string;
  packets: number;
  batches: number;
  /** Cycles running (NF work, system calls, copies, back-pressure stalls). */
  busyCycles: number;
  /** Cycles with work but not running. */
  waitCycles: number;
  /** Cycles of context switches into it (scheduler contention). */
  switchCycles: number;
  contextSwitches: number;
  preemptions: number;
  syscalls: number;
  timeouts: number;
  detached: boolean;
  /** Its batch size now (setBatch, or the coop batch rule). */
  batch: number;
  /** The 99th percentile of the cycles its batches took in the period that ends here (to within 1 %), null if it ran none, or in a run of one period. */
  batchCyclesP99: number | null;
}

export interface Telemetry {
  epoch: number;
  /** Virtual time of this control point. */
  atCycles: number;
  cores: CoreTelemetry[];
  /** The scenario's events (`events:`) timed in the period that ends here: at or after the previous control point, before this one. */
  events: ScenarioEvent[];
  /** The period that ends here, measured: rates, drops by reason and latency, in all and per flow group (metrics/series.ts). */
  period: PeriodPoint;
  /** Control points this telemetry is late by (a telemetry-delay event): its cores and period are those of control point epoch - staleBy. 0 normally. */
  staleBy: number;
}

export type ControlAction =
  /** Change the batch size of a task (by name) from the next epoch on. */
  | { type: 'setBatch'; task: string; batch: number }
  /** Change the WFQ weight (tickets) of a task's entity. */
  | { type: 'setWeight'; task: string; weight: number }
  /** Change a task's strict / RT priority (policies prio, rt-fifo, rt-rr; higher first). */
  | { type: 'setPriority'; task: string; priority: number }
  /** Attach a chain (its tasks become schedulable) / detach it (after its current batch). */
  | { type: 'attach'; chain: string }
  | { type: 'detach'; chain: string }
  /**
   * Send a flow group's new arrivals to chain instances: all to `to`, or
   * split by `split` weights ({ chain: weight }); neither: back to RSS.
   * Packets already queued stay where they are.
   */
  | { type: 'steer'; group: string; to?: string; split?: Record<string, number> }
  /** Pin one flow (global id, see hello's groups) to a chain instance; `to: null` unpins it. */
  | { type: 'moveFlow'; flow: number; to: string | null }
  /** Pin each new flow of a group (one that churn starts) to chain `to`'s instance as it starts; `to: null` ends that. */
  | { type: 'admit'; group: string; to: string | null }
  /** Scale a chain out: attach it and add its RX queue to its port's RSS table. */
  | { type: 'scaleOut'; chain: string }
  /** Scale a chain in: take its RX queue out of the RSS table; it is detached once its queues are empty. */
  | { type: 'scaleIn'; chain: string }
  /** Police a flow group at its port's ingress to `pps` (burst: frames, default 32); `pps: null` lifts it. */
  | { type: 'rateLimit'; group: string; pps: number | null; burst?: number };

/** Called at every control point; returns the actions to apply before resuming. */
export type Controller = (t: Telemetry) => ControlAction[] | Promise<ControlAction[]>;
