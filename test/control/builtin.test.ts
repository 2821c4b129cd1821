/**
 * Built-in controllers (`controller: { kind, ... }`): checked with the
 * scenario, used by `run` when the caller gives no controller, and the same
 * policy as the example controllers gives the same record.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTROLLER_KINDS } from '../../src/control/builtin/index.js';
import { loadScenario, run } from '../../src/index.js';
import { ConfigError } from '../../src/util/config-check.js';

const root = join(__dirname, '..', '..');
const PIPE3 = readFileSync(join(root, 'scenarios', 'pipeline-3.yaml'), 'utf8').replace('controlPeriod: 0.5ms', 'controlPeriod: 0.2ms');
const withController = (yaml: string) => ({ text: `${PIPE3}\ncontroller:\n${yaml}`, format: 'yaml' as const });

describe('built-in controllers', () => {
  it('kind: threshold drives the run as the example controller does, byte for byte', async () => {
    const builtin = await run(withController('  kind: threshold\n  backlog: 128\n'), { threads: 1 });
    const external = await run({ text: PIPE3, format: 'yaml' }, { threads: 2, externalController: `node ${join(root, 'examples', 'controllers', 'ts', 'threshold.mjs')}`, onControllerStderr: () => {} });
    const strip = (r: unknown) => JSON.stringify({ ...(r as object), scenario: null });
    expect(strip(builtin.record)).toBe(strip(external.record));
    expect(builtin.record.series!.points.some((p) => p.actions.length > 0)).toBe(true);
    // A controller of the caller's wins over the scenario's.
    const mine = await run(withController('  kind: threshold\n'), { threads: 1, controller: () => [] });
    expect(mine.record.series!.points.every((p) => p.actions.length === 0)).toBe(true);
  });

  it('its fields are checked with the scenario, with their paths', () => {
    const problems = (yaml: string) => {
      try {
        loadScenario(withController(yaml));
      } catch (e) {
        return (e as ConfigError).problems.map((p) => `${p.path}: ${p.expected}`);
      }
      return [];
    };
    expect(problems('  kind: threshold\n  backlog: -1\n')).toEqual(['controller.backlog: an integer >= 0']);
    expect(problems('  kind: threshold\n  backlogs: 3\n')[0]).toMatch(/^controller.backlogs: unknown field/);
    expect(problems('  kind: nope\n')[0]).toBe(`controller.kind: one of: ${CONTROLLER_KINDS.map((k) => k.name).join(', ')}`);
    expect(problems('  kind: threshold\n  command: node x.mjs\n')).toEqual(['controller.command: either kind (a built-in controller) or command (an external one), not both']);
  });
});
