/**
 * Built-in controllers: `controller: { kind: NAME, ...its fields }` in a
 * scenario. Each kind checks its fields (the validator calls checkParams
 * through ControllerKindInfo, so `emu validate` reports them with their
 * paths) and makes an in-process Controller for a run. A run given a
 * controller of its own (`--controller`, `run(..., { controller })`) uses
 * that one instead.
 */
import type { Controller } from '../../engine/telemetry.js';
import type { ControllerKindInfo, Scenario } from '../../scenario/types.js';
import { Problems } from '../../util/config-check.js';
import { quadrant } from './quadrant.js';
import { threshold } from './threshold.js';
import { rtsched } from './rtsched.js';

export interface ControllerKind<P = unknown> extends ControllerKindInfo {
  checkParams(raw: Record<string, unknown>, path: string, p: Problems, s: { hz: number; taskNames: readonly string[] }): P;
  /** A fresh controller for one run of `s` (it may keep state across control points). */
  create(s: Scenario, params: P): Controller;
}

export const CONTROLLER_KINDS: readonly ControllerKind<never>[] = [threshold as ControllerKind<never>, quadrant as ControllerKind<never>, rtsched as ControllerKind<never>];

/**
 * The scenario's built-in controller for one run, or null when it names
 * none. Its parameters were checked when the scenario was validated with
 * CONTROLLER_KINDS; a scenario validated without them is checked here.
 */
export function builtinController(s: Scenario): Controller | null {
  const b = s.controller?.builtin ?? null;
  if (b === null) return null;
  const kind = CONTROLLER_KINDS.find((k) => k.name === b.kind) as ControllerKind<unknown> | undefined;
  const p = new Problems();
  if (kind === undefined) {
    p.add('controller.kind', b.kind, `one of: ${CONTROLLER_KINDS.map((k) => k.name).join(', ')}`);
    p.throwIfAny(`scenario ${s.name}`);
  }
  const params = b.checked ? b.params : kind!.checkParams(b.params as Record<string, unknown>, 'controller', p, { hz: s.hz, taskNames: s.tasks.map((t) => t.name) });
  p.throwIfAny(`scenario ${s.name}`);
  return kind!.create(s, params);
}
