/**
 * `--set PATH=VALUE`: one field changed before the scenario is checked, the
 * value read as YAML, the change checked with the rest, and a bad path or
 * value named with the override.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NF_KINDS } from '../../src/nf/catalog.js';
import { loadScenarioText } from '../../src/scenario/load.js';
import { splitSet } from '../../src/scenario/set-override.js';
import { ConfigError } from '../../src/util/config-check.js';

const root = join(__dirname, '..', '..');
const text = readFileSync(join(root, 'scenarios', 'pipeline-3.yaml'), 'utf8');
const load = (set: string[]) => loadScenarioText(text, { what: 'pipeline-3', format: 'yaml', baseDir: join(root, 'scenarios'), sourcePath: null }, { kinds: NF_KINDS, overrides: { set } });
const problems = (set: string[]) => {
  try {
    load(set);
  } catch (e) {
    return (e as ConfigError).problems.map((p) => `${p.path}: ${p.expected}`);
  }
  return [];
};

describe('--set', () => {
  it('changes a top-level field, a nested one and a list element, values read as YAML', () => {
    const s = load(['duration=1ms', 'ports[0].traffic.rate=2Mpps', 'modules[2].config.cyclesPerPacket=99', 'tasks[1].batch=8', 'controller={ onMiss: no-action }']);
    expect(s.durationCycles).toBe(2.6e6);
    expect(s.ports[0]!.traffic).toMatchObject({ rate: { kind: 'pps', pps: 2e6 } });
    expect(s.modules[2]!.config).toMatchObject({ cyclesPerPacket: 99 });
    expect(s.tasks[1]!.batch).toBe(8);
    expect(s.controller?.onMiss).toBe('no-action');
  });

  it('a bad value gets the field\'s own message; a bad path or form names the override', () => {
    expect(problems(['tasks[0].batch=lots'])[0]).toMatch(/^tasks\[0\]\.batch: /);
    expect(problems(['tasks[9].batch=8'])).toEqual(['--set tasks[9].batch: an index of the list tasks (it has 3 entries)']);
    expect(problems(['tasks[3]=x'])).toEqual(['--set tasks[3]: an index of the list tasks (it has 3 entries)']);
    expect(problems(['duration'])).toEqual(['--set: PATH=VALUE, e.g. duration=2ms or ports[0].traffic.rate=5Mpps']);
    expect(problems(['name.first=x'])[0]).toMatch(/^--set name\.first: a path into the scenario: name is not a map or list/);
    expect(problems(['ports[0].traffic.rate=[1,'])[0]).toMatch(/^--set ports\[0\]\.traffic\.rate: a YAML value/);
  });

  it('splits at the first "=" (a value may hold more)', () => {
    expect(splitSet('a.b=x=y')).toEqual({ path: 'a.b', value: 'x=y' });
    expect(splitSet('=x')).toBeNull();
  });
});
