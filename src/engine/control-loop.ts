/**
 * Main thread, at each control point: what the controller is told, what it
 * answers, and which operations the workers apply.
 *
 *  - Telemetry: the cores' state and the period's point (metrics/series.ts).
 *    A telemetry-loss event means the controller is not asked; a
 *    telemetry-delay event of N periods means it is asked with the telemetry
 *    of the control point N earlier (`staleBy: N`).
 *  - The answer: checked (actions.ts). A controller that throws, times out
 *    or answers wrongly fails the run, or, where the scenario says
 *    `controller.onMiss: no-action`, the period counts as no action and the
 *    miss is recorded.
 *  - Actuation: with `controller.actuationDelay: K`, the operations take
 *    effect K control points after the answer. Chains scaling in are
 *    detached at the first control point where their queues are empty.
 */
import type { Plan } from '../graph/plan.js';
import type { PeriodPoint } from '../metrics/series.js';
import type { Scenario } from '../scenario/types.js';
import type { Actions, EngineOp } from './actions.js';
import type { ControlAction, Controller, CoreTelemetry, Telemetry } from './telemetry.js';

/** Default wait for an in-process controller's answer at a control point (a promise that never settles would hang the run). */
export const CONTROLLER_TIMEOUT_MS = 60_000;

/** The controller's answer, or an error once `ms` of wall time have passed without one. */
async function answerWithin(answer: ControlAction[] | Promise<ControlAction[]>, ms: number): Promise<ControlAction[]> {
  if (!(answer instanceof Promise)) return answer;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms (the controller timeout)`)), ms);
  });
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
  }
}

export interface ControlLoopOptions {
  controller?: Controller;
  controllerTimeoutMs?: number;
}

export class ControlLoop {
  /** Answers waiting for their actuation delay: the control point they take effect at. */
  private readonly pending: { at: number; actions: ControlAction[]; ops: EngineOp[] }[] = [];
  /** Telemetry of earlier control points, for telemetry-delay events (only kept when the scenario has one). */
  private readonly history: Telemetry[] = [];
  private readonly keep: number;
  private readonly timeoutMs: number;

  constructor(private readonly s: Scenario, private readonly actions: Actions, private readonly opts: ControlLoopOptions) {
    this.keep = Math.max(0, ...(s.events ?? []).map((e) => (e.kind === 'telemetry-delay' ? e.periods : 0)));
    this.timeoutMs = opts.controllerTimeoutMs ?? s.controller?.timeoutMs ?? CONTROLLER_TIMEOUT_MS;
  }

  /** The operations to apply at control point e; fills in the point's actions and control outcome. Throws when the controller fails the run. */
  async decide(e: number, fromCycles: number, atCycles: number, cores: CoreTelemetry[], point: PeriodPoint, plan: Plan): Promise<EngineOp[]> {
    const backlog = new Map<string, number>();
    for (const c of cores) for (const b of c.backlogs) backlog.set(plan.tasks[b.id]!.name, b.backlog);
    const drained = this.actions.drained((t) => backlog.get(t) ?? 0);
    const ops: EngineOp[] = [...drained.ops];
    const taken: ControlAction[] = [...drained.actions];
    const controller = this.opts.controller;
    if (controller !== undefined) {
      const events = (this.s.events ?? []).filter((ev) => ev.atCycles >= fromCycles && ev.atCycles < atCycles);
      const now: Telemetry = { epoch: e, atCycles, cores, events, period: point, staleBy: 0 };
      if (this.keep > 0) {
        this.history.push(now);
        if (this.history.length > this.keep + 1) this.history.shift();
      }
      const fault = this.channelFault(atCycles);
      let told: Telemetry | null = now;
      if (fault === 'loss') told = null;
      else if (fault !== null) {
        const old = this.history.length > fault ? this.history[this.history.length - 1 - fault]! : null;
        told = old === null ? null : { ...old, epoch: e, atCycles, staleBy: fault };
      }
      if (told === null) {
        point.control = 'lost';
      } else {
        try {
          const answer = await answerWithin(controller(told), this.timeoutMs);
          const resolved = this.actions.resolve(answer);
          point.control = told.staleBy > 0 ? 'stale' : 'ok';
          this.pending.push({ at: e + (this.s.controller?.actuationDelay ?? 0), actions: resolved.actions, ops: resolved.ops });
        } catch (err) {
          if (this.s.controller?.onMiss !== 'no-action') throw err;
          point.control = 'miss';
          point.missReason = (err as Error).message;
        }
      }
    }
    for (let k = 0; k < this.pending.length;) {
      const p = this.pending[k]!;
      if (p.at === e) {
        ops.push(...p.ops);
        taken.push(...p.actions);
        this.pending.splice(k, 1);
      } else k++;
    }
    point.actions = taken as unknown as Record<string, unknown>[];
    return ops;
  }

  /** A control-channel event covering this control point: 'loss', a delay in periods, or null (the latest event wins). */
  private channelFault(atCycles: number): 'loss' | number | null {
    let out: 'loss' | number | null = null;
    for (const ev of this.s.events ?? []) {
      if (ev.atCycles > atCycles) break;
      if ((ev.kind === 'telemetry-loss' || ev.kind === 'telemetry-delay') && atCycles < ev.atCycles + ev.forCycles) {
        out = ev.kind === 'telemetry-loss' ? 'loss' : ev.periods;
      }
    }
    return out;
  }
}
