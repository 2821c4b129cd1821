import { describe, expect, it } from 'vitest';
import { scenarioToJSON } from '../../src/scenario/to-json.js';
import type { Scenario } from '../../src/scenario/types.js';

function scenarioWithConfig(config: unknown): Scenario {
  return {
    version: 1, name: 'x', description: '', seed: 1, hz: 1e9, durationCycles: 10, warmupCycles: 0,
    controlPeriodCycles: 10, threads: 'auto', machine: { name: 'generic', hz: 1e9, cores: 1, sockets: 1 },
    ports: [], modules: [{ name: 'm', kind: 'k', config, outputGates: 1 }], edges: [], tasks: [], taps: [],
    sourcePath: null,
  };
}

describe('scenarioToJSON', () => {
  it('sorts keys at every depth and turns odd values into plain JSON', () => {
    const j = scenarioToJSON(
      scenarioWithConfig({
        z: 1,
        a: { y: [3, { d: 1, c: 2 }], x: undefined },
        table: new Uint16Array([1, 2]),
        map: new Map<string, number>([['b', 2], ['a', 1]]),
        set: new Set(['s']),
        big: 5n,
        inf: Infinity,
        when: new Date(0),
      }),
    ) as { modules: { config: Record<string, unknown> }[] };
    const config = j.modules[0]!.config;
    expect(JSON.stringify(config)).toBe(
      '{"a":{"y":[3,{"c":2,"d":1}]},"big":"5","inf":null,"map":{"a":1,"b":2},"set":["s"],"table":[1,2],"when":"1970-01-01T00:00:00.000Z","z":1}',
    );
  });
  it('rejects circular configs with a clear error', () => {
    const c: Record<string, unknown> = {};
    c['self'] = c;
    expect(() => scenarioToJSON(scenarioWithConfig(c))).toThrow(/circular/);
  });
  it('a shared (non-circular) object may appear twice', () => {
    const shared = { k: 1 };
    const j = scenarioToJSON(scenarioWithConfig({ a: shared, b: shared })) as { modules: { config: unknown }[] };
    expect(j.modules[0]!.config).toEqual({ a: { k: 1 }, b: { k: 1 } });
  });
});
