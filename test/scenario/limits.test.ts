/**
 * The limits of src/scenario/limits.ts (issue 12, defects 4 and 5): input
 * that validated and then never finished, or aborted out of memory, is now
 * refused at once with a message naming the field, the value and the limit;
 * and everything shipped (scenarios/*.yaml, every experiment's points with
 * their defaults) stays within them.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXPERIMENTS } from '../../src/experiments/catalog.js';
import { NF_KINDS } from '../../src/nf/catalog.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import { MAX_MODULES, MAX_OFFERED_FRAMES } from '../../src/scenario/limits.js';
import type { ScenarioOverrides } from '../../src/scenario/types.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { offeredFrames } from '../../src/scenario/work.js';
import { ConfigError, MAX_KEPT_PROBLEMS, Problems, didYouMean, formatValue } from '../../src/util/config-check.js';
import { KINDS } from './fake-kinds.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** eth0.rx0 -> a -> eth0.tx on one core, 10 GbE, 64-byte frames at line rate. */
function base(): Record<string, any> {
  return {
    name: 'limits',
    duration: '2ms',
    machine: { hz: '2GHz', cores: 1 },
    ports: [{ name: 'eth0', lineRate: '10Gbps', traffic: { rate: 'line', frameSize: 64 } }],
    modules: [{ name: 'a', kind: 'synthetic' }],
    edges: [
      { from: 'eth0.rx0', to: 'a' },
      { from: 'a', to: 'eth0.tx' },
    ],
    tasks: [{ root: 'eth0.rx0', core: 0 }],
  };
}

function edit(f: (s: Record<string, any>) => void): Record<string, any> {
  const s = base();
  f(s);
  return s;
}

function validate(raw: unknown, overrides?: ScenarioOverrides) {
  return validateScenario(raw, { kinds: KINDS, baseDir: null, ...(overrides ? { overrides } : {}) });
}

function errorOf(raw: unknown, overrides?: ScenarioOverrides): ConfigError {
  try {
    validate(raw, overrides);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

/** "path: got <value>, expected <expected>" lines as the CLI prints them. */
function lines(raw: unknown, overrides?: ScenarioOverrides): string[] {
  return errorOf(raw, overrides).message.split('\n').slice(1).map((l) => l.replace(/^ {2}- /, ''));
}

describe('rates (defect 4)', () => {
  it('a rate beyond 10x the line rate in 64-byte frames is refused, naming the bound', () => {
    expect(lines(edit((s) => (s.ports[0].traffic.rate = '1e30pps')))).toEqual([
      'ports[0].traffic.rate: got "1e30pps", expected a rate of at most 148.8Mpps or 100Gbps: 10 times what the port\'s 10Gbps line carries of 64-byte frames (the sender drops whatever the line cannot carry)',
    ]);
    expect(lines(edit((s) => (s.ports[0].traffic.rate = '101Gbps')))).toHaveLength(1);
    expect(lines(edit((s) => (s.ports[0].traffic.rate = '149Mpps')))).toHaveLength(1);
  });

  it('overload up to the bound stays possible (test/engine/analytic offers 20 Mpps on 10 GbE)', () => {
    for (const rate of ['20Mpps', '148Mpps', '100Gbps', 'line']) {
      expect(validate(edit((s) => (s.ports[0].traffic.rate = rate))).ports[0]!.traffic).toMatchObject({ kind: 'generator' });
    }
  });

  it('a pcap replay rate is bounded the same way', () => {
    const s = edit((s) => (s.ports[0].traffic = { pcap: 'in.pcap', timing: '1e12pps' }));
    expect(lines(s)).toEqual([
      'ports[0].traffic.timing: got "1e12pps", expected a rate of at most 148.8Mpps or 100Gbps: 10 times what the port\'s 10Gbps line carries of 64-byte frames (the sender drops whatever the line cannot carry)',
    ]);
  });

  it('no second problem about the rate when the line rate itself is wrong', () => {
    expect(lines(edit((s) => {
      s.ports[0].lineRate = 'fast';
      s.ports[0].traffic.rate = '1Gpps';
    })).map((l) => l.split(':')[0])).toEqual(['ports[0].lineRate']);
  });
});

describe('durations, control points and offered frames (defect 4)', () => {
  it('a duration beyond one day is refused, echoing what was written', () => {
    expect(lines(edit((s) => (s.duration = '1e9s')))).toEqual([
      'duration: got "1e9s", expected a duration at most 86400s (one day, the longest emu accepts)',
    ]);
    expect(lines(edit((s) => (s.duration = '2ms')), { duration: '1e20cycles' })).toEqual([
      '--duration: got "1e20cycles", expected a duration at most 86400s (one day, the longest emu accepts)',
    ]);
    expect(lines(edit((s) => (s.warmup = '2d')))[0]).toMatch(/^warmup: got "2d", expected a duration like/);
    expect(lines(edit((s) => (s.ports[0].traffic.start = '100000s')))[0]).toBe(
      'ports[0].traffic.start: got "100000s", expected a duration at most 86400s (one day, the longest emu accepts)',
    );
  });

  it('a scheduler\'s durations too (cfsSlice, rrSlice, timeout)', () => {
    expect(lines(edit((s) => (s.schedulers = [{ cores: 0, policy: 'cfs', cfsSlice: '100000s' }])))).toEqual([
      'schedulers[0].cfsSlice: got "100000s", expected nice, linux or a duration at most 86400s (one day, the longest emu accepts)',
    ]);
    expect(lines(edit((s) => (s.schedulers = [{ cores: 0, policy: 'rt-rr', rrSlice: '1e6s' }])))[0]).toMatch(/^schedulers\[0\]\.rrSlice: got "1e6s", expected a duration at most 86400s/);
    expect(lines(edit((s) => (s.schedulers = [{ cores: 0, policy: 'coop', timeout: '1e20cycles' }])))[0]).toMatch(/^schedulers\[0\]\.timeout: got "1e20cycles", expected a duration at most 86400s/);
  });

  it('a long, quiet run is fine: idle virtual time costs nothing', () => {
    const s = validate(edit((s) => {
      s.duration = '86400s';
      s.ports[0].traffic.rate = '1kpps';
    }));
    expect(s.durationCycles).toBe(86_400 * 2e9);
  });

  it('controlPeriod: at least 1 us, and at most 100 000 control points', () => {
    expect(lines(edit((s) => (s.controlPeriod = '1cycles')))).toEqual([
      'controlPeriod: got "1cycles", expected a control period of at least 1us: at most 100000 control points per run and none closer than 1us (this one gives 4000000 in 2ms; each costs about 0.3 ms of wall time)',
    ]);
    expect(validate(edit((s) => (s.controlPeriod = '1us'))).controlPeriodCycles).toBe(2000);
    expect(lines(edit((s) => {
      s.duration = '1s';
      s.controlPeriod = '5us';
    }))[0]).toMatch(/^controlPeriod: got "5us", expected a control period of at least 10us: .*this one gives 200000 in 1s/);
    // --duration can make a file's period too short: the message says where the duration came from.
    expect(lines(edit((s) => (s.controlPeriod = '1us')), { duration: '1s' })[0]).toMatch(/this one gives 1000000 in 1s, from --duration;/);
  });

  it('a run offering more than 1e9 frames is refused at its duration, naming the port', () => {
    expect(lines(edit((s) => {
      s.duration = '100s';
      s.ports[0].lineRate = '100Gbps';
    }))).toEqual([
      'duration: got "100s", expected a run whose traffic generators offer at most 1e9 frames (this one: about 1.5e10, 1.5e10 of them from port eth0 at 148.8Mpps); that many would take hours of wall time: shorten it or lower the rate',
    ]);
    expect(lines(base(), { duration: '100s' })[0]).toMatch(/^--duration: got "100s", expected a run whose traffic generators offer at most 1e9 frames/);
    // 60 s of 10 GbE IMIX is 2e8 frames: allowed.
    expect(validate(edit((s) => {
      s.duration = '60s';
      s.ports[0].traffic = { rate: 'line', frameSizes: 'imix' };
    })).ports).toHaveLength(1);
  });

  it('offeredFrames counts as the generator does: rate x (duration - start), bit rates at the mean frame', () => {
    const s = validate(edit((s) => {
      s.ports[0].traffic = { rate: '10Gbps', frameSize: 64, start: '1ms' };
    }));
    const o = offeredFrames(s.ports, s.hz, s.durationCycles);
    expect(o.total).toBeCloseTo((10e9 / 672) * 1e-3, 3);
    expect(o.largest).toMatchObject({ port: 'eth0' });
  });
});

describe('counts (defect 5)', () => {
  it(`a list of ${MAX_MODULES + 1} modules is one problem, found before any module is checked`, () => {
    const s = edit((s) => {
      s.modules = Array.from({ length: MAX_MODULES + 1 }, (_, i) => ({ name: `m${i}`, kind: 'nope' }));
    });
    const e = errorOf(s);
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]!.path).toBe('modules');
    expect(e.problems[0]!.expected).toBe(`a list of at most 4096 modules (this one has 4097; see "Limits" in docs/scenario-format.md)`);
    expect(e.message.split('\n')[1]).toMatch(/^ {2}- modules: got \[\{"name":"m0","kind":"nope"\},\{"name":"m1".*\.\.\., expected a list/);
  });

  it('780 000 modules (the 50 MB file of the issue) are refused in well under a second', () => {
    const modules = Array.from({ length: 780_000 }, (_, i) => ({ name: `m${i}`, kind: 'macswap', config: { cyclesPerPacket: 60 } }));
    const t0 = Date.now();
    const e = errorOf(edit((s) => (s.modules = modules)));
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(e.problems.map((p) => p.path)).toEqual(['modules']);
  });

  it('every counted list has its limit', () => {
    const many = (n: number) => Array.from({ length: n }, () => ({}));
    const e = errorOf(edit((s) => {
      s.ports = many(65);
      s.edges = many(16385);
      s.tasks = many(16385);
      s.schedulers = many(1025);
      s.taps = many(65);
      s.io = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`p${i}`, 'veth0']));
    }));
    expect(e.problems.map((p) => `${p.path}: ${p.expected.replace(/ \(.*$/, '')}`)).toEqual([
      'ports: a list of at most 64 ports',
      'edges: a list of at most 16384 edges',
      'tasks: a list of at most 16384 tasks',
      'schedulers: a list of at most 1024 scheduler entries',
      'taps: a list of at most 64 taps',
      'io: at most 64 entries, one per port',
    ]);
  });

  it('flows over all ports: at most 4 000 000', () => {
    const port = (i: number) => ({ name: `p${i}`, lineRate: '10Gbps', traffic: { rate: '1kpps', flows: 1_000_000 } });
    const s = edit((s) => {
      s.ports = [0, 1, 2, 3, 4].map(port);
      s.tasks = [0, 1, 2, 3, 4].map((i) => ({ root: `p${i}.rx0`, core: 0 }));
      s.edges = [{ from: 'p0.rx0', to: 'a' }, { from: 'a', to: 'p0.tx' }];
    });
    expect(lines(s)).toEqual([
      'ports[4].traffic.flows: got 1000000, expected at most 0 flows here: all ports together may have at most 4000000 (the ports before this one have 4000000)',
    ]);
  });

  it('frameSizes: at most one entry per frame size (1459)', () => {
    const sizes = Array.from({ length: 1460 }, (_, i) => ({ bytes: 64 + (i % 1459), weight: 1 }));
    expect(lines(edit((s) => (s.ports[0].traffic = { rate: 'line', frameSizes: sizes })))[0]).toMatch(
      /^ports\[0\]\.traffic\.frameSizes: got .*, expected a list of at most 1459 sizes \(one per frame size 64\.\.1522; this one has 1460\)$/,
    );
  });
});

describe('messages stay small whatever the input', () => {
  it(`lists the first ${MAX_KEPT_PROBLEMS} problems and counts the rest`, () => {
    const s = base();
    for (let i = 0; i < 1000; i++) s[`junk${i}`] = i;
    const e = errorOf(s);
    expect(e.problems).toHaveLength(MAX_KEPT_PROBLEMS);
    expect(e.omitted).toBe(1000 - MAX_KEPT_PROBLEMS);
    const msg = e.message.split('\n');
    expect(msg[0]).toBe('scenario limits: 1000 problems');
    expect(msg).toHaveLength(MAX_KEPT_PROBLEMS + 2);
    expect(msg.at(-1)).toBe(`  ... and ${1000 - MAX_KEPT_PROBLEMS} more (only the first ${MAX_KEPT_PROBLEMS} are listed)`);
    // count still says whether a check found something.
    const p = new Problems();
    for (let i = 0; i < 300; i++) p.add('x', i, 'y');
    expect(p.count).toBe(300);
  });

  it('formatValue reads only what it shows: huge, deep, shared and cyclic values', () => {
    const t0 = Date.now();
    expect(formatValue(Array.from({ length: 1_000_000 }, (_, i) => i))).toBe(`[${Array.from({ length: 30 }, (_, i) => i).join(',')}`.slice(0, 57) + '...');
    expect(formatValue('x'.repeat(4_000_000))).toBe(`"${'x'.repeat(56)}...`);
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(formatValue(deep)).toBe(`${'['.repeat(57)}...`);
    // A value shared a billion times over (what YAML aliases build) is not walked in full.
    let shared: unknown = ['x'];
    for (let i = 0; i < 40; i++) shared = [shared, shared];
    expect(formatValue(shared)).toMatch(/\.\.\.$/);
    expect(Date.now() - t0).toBeLessThan(1000);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    expect(formatValue(cyclic)).toBe('[an object that cannot be shown]');
  });

  it('formatValue still shows small values exactly as JSON does', () => {
    expect(formatValue({ a: 1, b: [true, null, 'x'], c: undefined, d: () => 1 })).toBe('{"a":1,"b":[true,null,"x"],"d":"[function]"}');
    expect(formatValue([undefined, Infinity, 10n])).toBe('[null,"Infinity","10n"]');
    expect(formatValue(new Date(0))).toBe('"1970-01-01T00:00:00.000Z"');
    expect(formatValue(-0)).toBe('-0');
    expect(formatValue(undefined)).toBe('nothing');
  });

  it('did-you-mean does not compare a 1 MB field name letter by letter', () => {
    const t0 = Date.now();
    expect(didYouMean('x'.repeat(1_000_000), ['duration', 'seed', 'name'])).toBeNull();
    expect(Date.now() - t0).toBeLessThan(200);
    expect(didYouMean('durtion', ['duration', 'seed'])).toBe('duration');
  });
});

describe('everything shipped is within the limits', () => {
  it('scenarios/*.yaml', () => {
    const dir = join(root, 'scenarios');
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) expect(loadScenarioFile(join(dir, f), { kinds: NF_KINDS }).name).toBeTruthy();
  });

  it('every experiment point with its defaults, and all of an experiment\'s points together', () => {
    for (const exp of EXPERIMENTS) {
      let frames = 0;
      for (const point of exp.points(exp.defaults())) {
        const s = validateScenario(point.scenario, { kinds: NF_KINDS, baseDir: null });
        frames += offeredFrames(s.ports, s.hz, s.durationCycles).total;
      }
      expect(frames, exp.name).toBeLessThan(MAX_OFFERED_FRAMES / 10);
    }
  });
});
