/**
 * What the engine reports at each control point and what a controller may
 * send back. Plain, structured-clone friendly data; the msgpack wire protocol
 * for external controllers (a later issue) carries the same shapes.
 */

import type { ScenarioEvent } from '../scenario/types.js';

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
}

export interface Telemetry {
  epoch: number;
  /** Virtual time of this control point. */
  atCycles: number;
  cores: CoreTelemetry[];
  /** The scenario's events (`events:`) timed in the period that ends here: at or after the previous control point, before this one. */
  events: ScenarioEvent[];
}

export type ControlAction =
  /** Change the batch size of a task (by name) from the next epoch on. */
  | { type: 'setBatch'; task: string; batch: number }
  /** Change the WFQ weight (tickets) of a task's entity. */
  | { type: 'setWeight'; task: string; weight: number }
  /** Attach a chain (its tasks become schedulable) / detach it (after its current batch). */
  | { type: 'attach'; chain: string }
  | { type: 'detach'; chain: string };

/** Called at every control point; returns the actions to apply before resuming. */
export type Controller = (t: Telemetry) => ControlAction[] | Promise<ControlAction[]>;
