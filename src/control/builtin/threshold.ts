/**
 * `controller: { kind: threshold, backlog: 128, maxBatch: 256 }` — the
 * example controllers' policy as a built-in: at each control point, double
 * the batch of every task whose queue holds more than `backlog` packets, up
 * to `maxBatch`. A baseline to compare other controllers with, and the
 * smallest built-in.
 */
import type { Controller, ControlAction } from '../../engine/telemetry.js';
import type { Scenario } from '../../scenario/types.js';
import { readInt, rejectUnknownKeys, type Problems } from '../../util/config-check.js';
import type { ControllerKind } from './index.js';

export interface ThresholdParams {
  backlog: number;
  maxBatch: number;
}

export const threshold: ControllerKind<ThresholdParams> = {
  name: 'threshold',
  help: 'double the batch of a task whose backlog is over `backlog` packets (default 128), up to `maxBatch` (default 256)',
  checkParams(raw: Record<string, unknown>, path: string, p: Problems): ThresholdParams {
    rejectUnknownKeys(p, raw, ['backlog', 'maxBatch'], path);
    return {
      backlog: readInt(p, raw, 'backlog', path, { min: 0, default: 128 }),
      maxBatch: readInt(p, raw, 'maxBatch', path, { min: 1, max: 1024, default: 256 }),
    };
  },
  create(s: Scenario, params: ThresholdParams): Controller {
    const batch = new Map(s.tasks.map((t) => [t.name, t.batch]));
    return (t) => {
      const actions: ControlAction[] = [];
      for (const core of t.cores) {
        for (const b of core.backlogs) {
          const name = core.tasks.find((x) => x.id === b.id)?.name;
          if (name === undefined || b.backlog <= params.backlog || batch.get(name)! >= params.maxBatch) continue;
          batch.set(name, Math.min(params.maxBatch, batch.get(name)! * 2));
          actions.push({ type: 'setBatch', task: name, batch: batch.get(name)! });
        }
      }
      return actions;
    };
  },
};
