/**
 * Control points: every control period all cores stop at the same virtual
 * time, telemetry reaches the controller, its actions apply before the run
 * resumes — deterministically, whatever the thread layout.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/engine/run.js';
import { recordToJson } from '../../src/metrics/record.js';
import { NF_KINDS } from '../../src/nf/catalog.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import type { ControlAction, Telemetry } from '../../src/engine/telemetry.js';

const s = loadScenarioFile(join(__dirname, '..', '..', 'scenarios', 'pipeline-3.yaml'), { kinds: NF_KINDS });

function controller(seen: Telemetry[]) {
  return (t: Telemetry): ControlAction[] => {
    seen.push(t);
    // From the second control point on, stage b takes batches of 8.
    return t.epoch === 1 ? [{ type: 'setBatch', task: 'q1@1', batch: 8 }] : [];
  };
}

describe('control points', () => {
  it('telemetry arrives at every control point, at the same virtual time for every core', async () => {
    const seen: Telemetry[] = [];
    await runScenario(s, { threads: 3, controller: controller(seen) });
    // duration 2 ms, control period 0.5 ms: control points at 0.5, 1 and 1.5 ms.
    expect(seen.map((t) => t.epoch)).toEqual([0, 1, 2]);
    expect(seen.map((t) => t.atCycles)).toEqual([1_300_000, 2_600_000, 3_900_000]);
    for (const t of seen) {
      expect(t.cores.map((c) => c.core)).toEqual([0, 1, 2]);
      // Cores 1 and 2 are past the control point; core 0 is stalled on the
      // full queue q1 since before it (its clock is where the stall began).
      expect(t.cores[1]!.clockCycles).toBeGreaterThanOrEqual(t.atCycles);
      expect(t.cores[2]!.clockCycles).toBeGreaterThanOrEqual(t.atCycles);
      expect(t.cores[0]!.clockCycles).toBeLessThan(t.atCycles);
    }
    // The back-pressured queue in front of stage b is full at every control point.
    for (const t of seen) expect(t.cores[1]!.backlogs[0]!.backlog).toBe(256);
  });

  it('an action changes the run from the next epoch on, identically for every thread count', async () => {
    const plain = await runScenario(s, { threads: 1 });
    const runs: string[] = [];
    const telemetry: string[] = [];
    for (const threads of [1, 2, 3]) {
      const seen: Telemetry[] = [];
      const { record } = await runScenario(s, { threads, controller: controller(seen) });
      runs.push(recordToJson(record));
      telemetry.push(JSON.stringify(seen));
      const b = record.tasks.find((t) => t.name === 'q1@1')!;
      // Batches of 8 for the last two of four epochs: more batches than before.
      expect(b.batches).toBeGreaterThan(plain.record.tasks.find((t) => t.name === 'q1@1')!.batches * 1.5);
    }
    expect(new Set(runs).size).toBe(1);
    expect(new Set(telemetry).size).toBe(1);
    expect(runs[0]).not.toBe(recordToJson(plain.record));
  });

  it('a controller that throws fails the run with a clear error', async () => {
    await expect(runScenario(s, { threads: 2, controller: () => { throw new Error('no policy'); } }))
      .rejects.toThrow(/controller failed at control point 0: no policy/);
  });

  it('a controller that never answers fails the run after the controller timeout, instead of hanging it', async () => {
    await expect(runScenario(s, { threads: 2, controllerTimeoutMs: 300, controller: () => new Promise<never>(() => {}) }))
      .rejects.toThrow(/controller failed at control point 0: no answer within 300 ms \(the controller timeout\)/);
  });
});
