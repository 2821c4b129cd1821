/**
 * What the engine reports at each control point and what a controller may
 * send back. Plain, structured-clone friendly data; the msgpack wire protocol
 * for external controllers (a later issue) carries the same shapes.
 */

export interface CoreTelemetry {
  core: number;
  /** The core's clock: at or past the control point, or, for a core stalled on a full back-pressure queue, where the stall began. */
  clockCycles: number;
  busyCycles: number;
  delivered: number;
  dropped: number;
  /** Packets waiting at each task's input (local queue + rings). */
  backlogs: { id: number; backlog: number }[];
}

export interface Telemetry {
  epoch: number;
  /** Virtual time of this control point. */
  atCycles: number;
  cores: CoreTelemetry[];
}

export type ControlAction =
  /** Change the batch size of a task (by name) from the next epoch on. */
  | { type: 'setBatch'; task: string; batch: number };

/** Called at every control point; returns the actions to apply before resuming. */
export type Controller = (t: Telemetry) => ControlAction[] | Promise<ControlAction[]>;
