import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { validateScenario } from '../../src/scenario/validate.js';
import type { ScenarioOverrides } from '../../src/scenario/types.js';
import { scenarioToJSON } from '../../src/scenario/to-json.js';
import { ConfigError, type Problem } from '../../src/util/config-check.js';
import { KINDS } from './fake-kinds.js';

/** A small valid scenario: eth0.rx0 -> a -> q1 -> b -> eth0.tx. */
function base(): Record<string, unknown> {
  return {
    name: 'base',
    duration: '10ms',
    machine: { hz: '2GHz', cores: 2 },
    ports: [{ name: 'eth0', lineRate: '10Gbps', traffic: { rate: 'line', flows: 4 } }],
    modules: [
      { name: 'a', kind: 'synthetic', config: { cyclesPerPacket: 100 } },
      { name: 'q1', kind: 'queue' },
      { name: 'b', kind: 'synthetic', config: { cyclesPerPacket: 50, gates: 2 } },
    ],
    edges: [
      { from: 'eth0.rx0', to: 'a' },
      { from: 'a', to: 'q1' },
      { from: 'q1', to: 'b' },
      { from: 'b:0', to: 'eth0.tx' },
    ],
    tasks: [
      { root: 'eth0.rx0', core: 0 },
      { root: 'q1', core: 1 },
    ],
  };
}

function validate(raw: unknown, overrides?: ScenarioOverrides) {
  return validateScenario(raw, { kinds: KINDS, baseDir: '/data/exp', ...(overrides ? { overrides } : {}) });
}

/** The problems of an invalid scenario (fails the test if it is valid). */
function problems(raw: unknown, overrides?: ScenarioOverrides): Problem[] {
  try {
    validate(raw, overrides);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

/** "path: expected" lines, for compact assertions. */
function lines(raw: unknown, overrides?: ScenarioOverrides): string[] {
  return problems(raw, overrides).map((p) => `${p.path}: ${p.expected}`);
}

function edit(f: (s: Record<string, any>) => void): Record<string, unknown> {
  const s = base();
  f(s as Record<string, any>);
  return s;
}

describe('validateScenario: a valid scenario', () => {
  it('resolves units and applies every default', () => {
    const s = validate(base());
    expect(s).toEqual({
      version: 1,
      name: 'base',
      description: '',
      seed: 1,
      hz: 2e9,
      durationCycles: 20_000_000,
      warmupCycles: 0,
      controlPeriodCycles: 20_000_000,
      threads: 'auto',
      machine: { name: 'generic', hz: 2e9, cores: 2, sockets: 1, preset: null, ddio: false },
      ports: [
        {
          name: 'eth0',
          lineRateBps: 10e9,
          rxQueues: 1,
          rxRingSize: 1024,
          senderBufferFrames: 256,
          traffic: {
            kind: 'generator',
            flows: 4,
            proto: 'udp',
            sizes: [{ bytes: 64, weight: 1 }],
            rate: { kind: 'line' },
            arrivals: 'constant',
            startCycles: 0,
            srcNet: [0x0a000000, 8],
            dstNet: [0xc0a80000, 16],
            dstHosts: null,
          },
        },
      ],
      modules: [
        { name: 'a', kind: 'synthetic', config: { cyclesPerPacket: 100, gates: 1 }, outputGates: 1 },
        { name: 'q1', kind: 'queue', config: { size: 1024 }, outputGates: 1 },
        { name: 'b', kind: 'synthetic', config: { cyclesPerPacket: 50, gates: 2 }, outputGates: 2 },
      ],
      edges: [
        { from: { type: 'rx', port: 'eth0', queue: 0 }, to: { type: 'module', module: 'a', gate: 0 } },
        { from: { type: 'module', module: 'a', gate: 0 }, to: { type: 'module', module: 'q1', gate: 0 } },
        { from: { type: 'module', module: 'q1', gate: 0 }, to: { type: 'module', module: 'b', gate: 0 } },
        { from: { type: 'module', module: 'b', gate: 0 }, to: { type: 'tx', port: 'eth0' } },
      ],
      tasks: [
        { name: 'eth0.rx0@0', root: { type: 'rx', port: 'eth0', queue: 0 }, core: 0, batch: 32, chain: 'eth0.rx0@0', weight: 1, priority: 0, nice: 0, process: '', detached: false, copy: false, syscalls: 'none' },
        { name: 'q1@1', root: { type: 'queue', module: 'q1' }, core: 1, batch: 32, chain: 'q1@1', weight: 1, priority: 0, nice: 0, process: '', detached: false, copy: false, syscalls: 'none' },
      ],
      schedulers: [],
      taps: [],
      sourcePath: null,
    });
  });

  it('reads every optional field', () => {
    const s = validate(
      edit((s) => {
        Object.assign(s, {
          version: 1,
          description: 'all fields',
          seed: 4294967295,
          warmup: '1ms',
          controlPeriod: '500us',
          threads: 2,
        });
        s.machine = { name: 'xeon', hz: 2.6e9, cores: 4, sockets: 2 };
        s.ports[0] = {
          name: 'eth0',
          lineRate: '100Gb/s',
          rxQueues: 2,
          rxRingSize: 4096,
          senderBuffer: 64,
          traffic: {
            flows: 1000,
            proto: 'tcp',
            frameSizes: [
              { bytes: 64, weight: 3 },
              { bytes: 1522, weight: 0.5 },
            ],
            rate: '14.88Mpps',
            arrivals: 'poisson',
            start: '100us',
          },
        };
        s.tasks.push({
          root: { type: 'rx', port: 'eth0', queue: 1 }, core: 3, batch: 64, name: 'second',
          weight: 2.5, priority: 7, nice: -5, process: 'p', chain: 'c', detached: true, copy: true, syscalls: 'per-batch',
        });
        s.taps = [
          { at: 'b:1', file: 'out/b1.pcap' },
          { at: 'eth0.tx', file: '/abs/tx.pcap' },
          { at: 'eth0.rx', file: 'rx.pcap' },
        ];
      }),
    );
    expect(s.seed).toBe(4294967295);
    expect(s.description).toBe('all fields');
    expect(s.threads).toBe(2);
    expect(s.warmupCycles).toBe(2_600_000);
    expect(s.controlPeriodCycles).toBe(1_300_000);
    expect(s.machine).toEqual({ name: 'xeon', hz: 2.6e9, cores: 4, sockets: 2, preset: null, ddio: false });
    expect(s.ports[0]).toMatchObject({ lineRateBps: 100e9, rxQueues: 2, rxRingSize: 4096, senderBufferFrames: 64 });
    expect(s.ports[0]!.traffic).toEqual({
      kind: 'generator',
      flows: 1000,
      proto: 'tcp',
      sizes: [
        { bytes: 64, weight: 3 },
        { bytes: 1522, weight: 0.5 },
      ],
      rate: { kind: 'pps', pps: 14.88e6 },
      arrivals: 'poisson',
      startCycles: 260_000,
      srcNet: [0x0a000000, 8],
      dstNet: [0xc0a80000, 16],
      dstHosts: null,
    });
    expect(s.tasks[2]).toEqual({
      name: 'second', root: { type: 'rx', port: 'eth0', queue: 1 }, core: 3, batch: 64,
      weight: 2.5, priority: 7, nice: -5, process: 'p', chain: 'c', detached: true, copy: true, syscalls: 'per-batch',
    });
    expect(s.taps).toEqual([
      { at: { type: 'gate', module: 'b', gate: 1 }, file: resolve('/data/exp/out/b1.pcap') },
      { at: { type: 'tx', port: 'eth0' }, file: resolve('/abs/tx.pcap') },
      { at: { type: 'rx', port: 'eth0', queue: 0 }, file: resolve('/data/exp/rx.pcap') },
    ]);
  });

  it('expands imix and accepts a port without traffic', () => {
    const s = validate(
      edit((s) => {
        s.ports[0].traffic = { frameSizes: 'imix', rate: '5Gbps' };
        s.ports.push({ name: 'eth1', lineRate: 25e9, rxQueues: 4 }); // no traffic: its queues need no task
      }),
    );
    expect(s.ports[0]!.traffic).toMatchObject({
      sizes: [
        { bytes: 64, weight: 7 },
        { bytes: 594, weight: 4 },
        { bytes: 1518, weight: 1 },
      ],
      rate: { kind: 'bps', bps: 5e9 },
    });
    expect(s.ports[1]!.traffic).toBeNull();
  });

  it('resolves pcap traffic against baseDir, and against the cwd without one', () => {
    const raw = edit((s) => {
      s.ports[0].traffic = { pcap: 'traces/t.pcap', timing: '1Mpps', loop: 3 };
    });
    expect(validate(raw).ports[0]!.traffic).toEqual({
      kind: 'pcap',
      file: resolve('/data/exp/traces/t.pcap'),
      timing: { kind: 'pps', pps: 1e6 },
      loop: 3,
    });
    const s = validateScenario(raw, { kinds: KINDS, baseDir: null });
    expect(s.ports[0]!.traffic).toMatchObject({ file: resolve(process.cwd(), 'traces/t.pcap') });
    const recorded = edit((s) => {
      s.ports[0].traffic = { pcap: '/t.pcap' };
    });
    expect(validate(recorded).ports[0]!.traffic).toEqual({ kind: 'pcap', file: resolve('/t.pcap'), timing: 'recorded', loop: 1 });
  });

  it('accepts the object forms of endpoints', () => {
    const s = validate(
      edit((s) => {
        s.edges = [
          { from: { type: 'rx', port: 'eth0', queue: 0 }, to: { module: 'a' } },
          { from: { module: 'a', gate: 0 }, to: { type: 'module', module: 'q1', gate: 0 } },
          { from: 'q1', to: 'b:0' },
          { from: { type: 'gate', module: 'b', gate: 1 }, to: { type: 'tx', port: 'eth0' } },
        ];
        s.tasks[1].root = { type: 'queue', module: 'q1' };
      }),
    );
    expect(s.edges[3]).toEqual({ from: { type: 'module', module: 'b', gate: 1 }, to: { type: 'tx', port: 'eth0' } });
    expect(s.tasks[1]!.root).toEqual({ type: 'queue', module: 'q1' });
  });

  it('scenarioToJSON is plain and key-sorted', () => {
    const s = validate(base());
    const j = scenarioToJSON(s) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual([...Object.keys(j)].sort());
    expect(Object.keys(j['machine'] as object)).toEqual(['cores', 'ddio', 'hz', 'name', 'preset', 'sockets']);
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
    expect(j).toEqual(JSON.parse(JSON.stringify(s))); // same content, only the key order differs
    // equal scenarios built in a different key order serialise identically
    const shuffled = Object.fromEntries(Object.entries(base()).reverse());
    expect(JSON.stringify(scenarioToJSON(validate(shuffled)))).toBe(JSON.stringify(j));
  });
});

describe('validateScenario: one error listing every problem', () => {
  it('reports six different mistakes at once, with paths and values', () => {
    const raw = edit((s) => {
      s.name = 'Bad Name';
      delete s.duration;
      s.durations = '5ms'; // misspelt key
      s.machine.hz = 2.6; // 2.6 Hz: out of range
      s.ports[0].lineRate = '40G';
      s.ports[0].rxRingSize = 1000;
      s.modules[0].config.cyclesPerPacket = -5;
      s.modules[2].kind = 'synthetc';
      s.edges[1].to = 'nf9';
      s.tasks[1].core = 7;
    });
    let err: ConfigError | undefined;
    try {
      validate(raw);
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.message.split('\n')).toEqual([
      'scenario: 10 problems',
      '  - durations: got "5ms", unknown field (did you mean "duration"?); expected one of: version, name, description, seed, duration, warmup, controlPeriod, threads, machine, ports, modules, edges, tasks, schedulers, taps, io, events, controller',
      '  - name: got "Bad Name", expected a name like rtc-vs-pl (lower-case letters, digits, "-", "_" or ".", starting with a letter or digit)',
      '  - machine.hz: got 2.6, expected a clock frequency like 2.6GHz, 3400MHz or 2.6e9 (Hz), between 1MHz and 100GHz',
      '  - duration: got nothing, expected a duration like 10ms, 250us, 2s or 5000cycles (a bare number is seconds), > 0',
      '  - ports[0].lineRate: got "40G", expected a bit rate like 10Gbps, 100Gb/s or 2.5e10 (bits per second), between 1kbps and 10Tbps',
      '  - ports[0].rxRingSize: got 1000, expected a power of two between 16 and 65536',
      '  - modules[0].config.cyclesPerPacket: got -5, expected a number >= 0',
      '  - modules[2].kind: got "synthetc", expected a module kind, one of: synthetic, queue (did you mean "synthetic"?)',
      // b's kind is unknown, so its gate count is unknown: edges from b are not range-checked.
      '  - edges[1].to: got "nf9", expected the name of a module or port endpoint (modules: a, q1, b; ports: eth0)',
      '  - tasks[1].core: got 7, expected a core number between 0 and 1 (machine.cores is 2)',
    ]);
    expect(err!.problems[8]).toEqual({
      path: 'edges[1].to',
      value: 'nf9',
      expected: 'the name of a module or port endpoint (modules: a, q1, b; ports: eth0)',
    });
  });
});

describe('validateScenario: top level, machine, durations', () => {
  it('names the scenario in the error when it can', () => {
    expect(() => validate(edit((s) => (s.seed = -1)))).toThrow(/^scenario base: 1 problem\n/);
  });

  it('rejects a non-object, and a wrong version', () => {
    expect(lines(42)).toEqual([': a mapping of fields (an object)']);
    expect(lines(['a'])).toEqual([': a mapping of fields (an object)']);
    expect(lines(edit((s) => (s.version = 2)))).toEqual(['version: 1 (the only version of the format so far)']);
  });

  it('reports missing required fields', () => {
    expect(lines({})).toEqual([
      'name: a name like rtc-vs-pl (lower-case letters, digits, "-", "_" or ".", starting with a letter or digit)',
      'machine: a machine, like { preset: xeon-8168-2s } or { hz: 2.6GHz, cores: 4 }',
      'duration: a duration like 10ms, 250us, 2s or 5000cycles (a bare number is seconds), > 0',
      'ports: a list with at least 1 item',
      'tasks: a list with at least 1 item',
    ]);
  });

  it('checks seed, threads, description', () => {
    expect(
      lines(
        edit((s) => {
          s.seed = 2 ** 32;
          s.threads = 0;
          s.description = 5;
        }),
      ),
    ).toEqual([
      'description: a string',
      'seed: an integer between 0 and 4294967295 (uint32)',
      'threads: auto, or an integer between 1 and 1024 (worker threads)',
    ]);
    expect(validate(edit((s) => (s.threads = 'auto'))).threads).toBe('auto');
    expect(validate(edit((s) => (s.seed = 0))).seed).toBe(0);
  });

  it('checks the machine', () => {
    expect(lines(edit((s) => (s.machine = { hz: '2.6 GHz', cores: 6, sockets: 4, numa: true })))).toEqual([
      'machine.numa: unknown field; expected one of: name, hz, cores, sockets, preset, presetFile, ddio',
      'machine.sockets: a number of sockets that divides machine.cores (6)',
    ]);
    expect(lines(edit((s) => (s.machine = { hz: '3400MHz', cores: 2000 })))).toEqual([
      'machine.cores: an integer between 1 and 1024',
    ]);
    expect(lines(edit((s) => (s.machine = 'xeon')))).toEqual(['machine: a mapping of fields (an object)']);
  });

  it('checks durations and their relations', () => {
    expect(validate(edit((s) => (s.duration = 0.001))).durationCycles).toBe(2_000_000);
    expect(validate(edit((s) => (s.duration = '5000cycles'))).durationCycles).toBe(5000);
    expect(
      lines(
        edit((s) => {
          s.warmup = '10ms';
          s.controlPeriod = '11ms';
        }),
      ),
    ).toEqual([
      'warmup: a duration shorter than duration (10ms)',
      'controlPeriod: a duration no longer than duration (10ms)',
    ]);
    expect(
      lines(
        edit((s) => {
          s.duration = '0s';
          s.warmup = 'soon';
          s.controlPeriod = 0;
        }),
      ),
    ).toEqual([
      'duration: a duration like 10ms, 250us, 2s or 5000cycles (a bare number is seconds), > 0',
      'warmup: a duration like 10ms, 250us, 2s or 5000cycles (a bare number is seconds)',
      'controlPeriod: a duration like 10ms, 250us, 2s or 5000cycles (a bare number is seconds), > 0',
    ]);
  });
});

describe('validateScenario: overrides', () => {
  it('replace the file values before the checks', () => {
    const s = validate(base(), { seed: 7, threads: 3, duration: '1ms' });
    expect(s.seed).toBe(7);
    expect(s.threads).toBe(3);
    expect(s.durationCycles).toBe(2_000_000);
    expect(s.controlPeriodCycles).toBe(2_000_000);
    expect(validate(edit((s) => (s.threads = 2)), { threads: 'auto' }).threads).toBe('auto');
    // a duration missing from the file may come from the CLI
    expect(validate(edit((s) => delete s.duration), { duration: 2 }).durationCycles).toBe(4e9);
  });

  it('report their problems as --flags', () => {
    expect(lines(base(), { seed: -3, threads: 1.5, duration: 'forever' })).toEqual([
      '--seed: an integer between 0 and 4294967295 (uint32)',
      '--threads: auto, or an integer between 1 and 1024 (worker threads)',
      '--duration: a duration like 10ms, 250us, 2s or 5000cycles (a bare number is seconds), > 0',
    ]);
    expect(lines(edit((s) => (s.warmup = '2ms')), { duration: '1ms' })).toEqual([
      'warmup: a duration shorter than duration (1ms, from --duration)',
    ]);
  });
});

describe('validateScenario: ports and traffic', () => {
  it('checks port fields', () => {
    expect(
      lines(
        edit((s) => {
          s.ports[0] = { name: '0eth', lineRate: '10Mpps', rxQueues: 0, senderBuffer: 0, traffic: 'line' };
        }),
      ),
    ).toEqual([
      'ports[0].name: a name like eth0 or fw-1 (a letter, then letters, digits, "-" or "_")',
      'ports[0].lineRate: a bit rate like 10Gbps, 100Gb/s or 2.5e10 (bits per second), between 1kbps and 10Tbps',
      'ports[0].rxQueues: an integer between 1 and 128',
      'ports[0].senderBuffer: an integer between 1 and 1048576',
      'ports[0].traffic: a mapping of fields (an object)',
      // port 0 has no valid name, so the edges and task that use eth0 point at nothing:
      'edges[0].from: an endpoint of an existing port (ports: (none))',
      'edges[3].to: an endpoint of an existing port (ports: (none))',
      'tasks[0].root: an endpoint of an existing port (ports: (none))',
    ]);
  });

  it('checks generator fields', () => {
    expect(
      lines(
        edit((s) => {
          s.ports[0].traffic = {
            flows: 0,
            proto: 'icmp',
            frameSize: 63,
            rate: 1e6,
            arrivals: 'bursty',
            start: '10ms',
            burst: 4,
          };
        }),
      ),
    ).toEqual([
      'ports[0].traffic.burst: unknown field; expected one of: flows, proto, frameSize, frameSizes, rate, arrivals, start, srcNet, dstNet, dstHosts, profile, slo, churn, elephants',
      'ports[0].traffic.flows: an integer between 1 and 1000000',
      'ports[0].traffic.proto: one of: udp, tcp',
      'ports[0].traffic.frameSize: an integer between 64 and 1522',
      'ports[0].traffic.rate: a rate like line, 10Gbps, 100Gb/s, 14.88Mpps or 500kpps (a bare number is ambiguous: add pps or bps)',
      'ports[0].traffic.arrivals: one of: constant, poisson',
      'ports[0].traffic.start: a start time before the end of the run (duration is 10ms)',
    ]);
  });

  it('checks frame size lists', () => {
    expect(
      lines(
        edit((s) => {
          s.ports[0].traffic = { rate: 'line', frameSize: 64, frameSizes: 'imix' };
        }),
      ),
    ).toEqual(['ports[0].traffic.frameSizes: either frameSize or frameSizes, not both']);
    expect(
      lines(
        edit((s) => {
          s.ports[0].traffic = { rate: 'line', frameSizes: [{ bytes: 2000, weight: 0 }, 64] };
        }),
      ),
    ).toEqual([
      'ports[0].traffic.frameSizes[0].bytes: an integer between 64 and 1522',
      'ports[0].traffic.frameSizes[0].weight: a number > 0',
      'ports[0].traffic.frameSizes[1]: a mapping of fields (an object)',
    ]);
    expect(lines(edit((s) => (s.ports[0].traffic = { rate: 'line', frameSizes: 'IMIX' })))).toEqual([
      'ports[0].traffic.frameSizes: imix, or a list of { bytes: 64..1522, weight: > 0 } (at least one)',
    ]);
  });

  it('checks pcap fields (without touching the file)', () => {
    expect(
      lines(
        edit((s) => {
          s.ports[0].traffic = { pcap: '', timing: 'line', loop: 0, rate: 'line' };
        }),
      ),
    ).toEqual([
      'ports[0].traffic.rate: unknown field; expected one of: pcap, timing, loop',
      'ports[0].traffic.pcap: the path of a pcap file (relative to the scenario file)',
      'ports[0].traffic.timing: recorded, or a rate like 1Mpps or 5Gbps',
      'ports[0].traffic.loop: an integer between 1 and 1000000',
    ]);
  });
});

describe('validateScenario: modules and names', () => {
  it('names are unique across modules and ports', () => {
    expect(
      lines(
        edit((s) => {
          s.modules.push({ name: 'a', kind: 'synthetic' }, { name: 'eth0', kind: 'synthetic' });
        }),
      ),
    ).toEqual([
      'modules[3].name: a name not used by another module or port (modules[0] is already named a)',
      'modules[4].name: a name not used by another module or port (ports[0] is already named eth0)',
    ]);
  });

  it('checks kinds and module fields', () => {
    expect(
      lines(
        edit((s) => {
          s.modules.push({ name: 'c.d', kind: 7, confg: {} }, { name: 'e', kind: 'queue', config: { size: 3 } });
        }),
      ),
    ).toEqual([
      'modules[3].confg: unknown field (did you mean "config"?); expected one of: name, kind, config',
      'modules[3].name: a name like eth0 or fw-1 (a letter, then letters, digits, "-" or "_")',
      'modules[3].kind: a module kind, one of: synthetic, queue',
      'modules[4].config.size: a power of two between 16 and 65536',
      // a queue module, even an invalid one, needs a task:
      'tasks: a task with root e (packets entering queue module e would never be drained)',
    ]);
  });

  it('a config checker that throws still gives a clean problem', () => {
    const boom = {
      name: 'boom',
      help: 'throws',
      isQueue: false,
      checkConfig(): unknown {
        throw new Error('kaboom');
      },
      outputGates: () => 1,
    };
    const raw = edit((s) => s.modules.push({ name: 'x', kind: 'boom', config: { k: 1 } }));
    try {
      validateScenario(raw, { kinds: [...KINDS, boom], baseDir: null });
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).problems).toEqual([
        { path: 'modules[3].config', value: { k: 1 }, expected: 'a config the boom checker accepts (it failed: kaboom)' },
      ]);
    }
  });
});

describe('validateScenario: edges', () => {
  it('endpoints must parse and point at something', () => {
    expect(
      lines(
        edit((s) => {
          s.edges.push(
            { from: 'a b', to: 'eth0.tx' },
            { from: 'eth9.rx0', to: 'ab' },
            { from: 'a', to: 'eth0' },
            { from: { port: 'eth0' }, to: 'b' },
            { from: 'q1:0', to: 'b', via: 'x' },
          );
        }),
      ),
    ).toEqual([
      'edges[4].from: a module output gate like fw or fw:1, or an rx queue like eth0.rx0',
      'edges[5].from: an endpoint of an existing port (ports: eth0) (did you mean "eth0"?)',
      'edges[5].to: the name of a module or port endpoint (modules: a, q1, b; ports: eth0) (did you mean "a"?)',
      'edges[6].from: an output with no other edge (gate already connected by edges[1]; use a module to fan out)',
      'edges[6].to: the name of a module or port endpoint (eth0 is a port: write eth0.rx0 or eth0.tx)',
      'edges[7].from.type: one of: module, rx, tx (or give `module:` for a module endpoint)',
      'edges[8].via: unknown field; expected one of: from, to',
      'edges[8].from: an output with no other edge (gate already connected by edges[2]; use a module to fan out)',
    ]);
  });

  it('direction, gates and queues are checked', () => {
    expect(
      lines(
        edit((s) => {
          s.ports[0].rxQueues = 2;
          s.tasks.push({ root: 'eth0.rx1', core: 1 });
          s.edges.push(
            { from: 'eth0.tx', to: 'a' },
            { from: 'b:1', to: 'eth0.rx1' },
            { from: 'eth0.rx1', to: 'b:1' },
            { from: 'b:2', to: 'eth0.tx' },
            { from: 'a:1', to: 'b' },
            { from: 'eth0.rx2', to: 'b' },
          );
        }),
      ),
    ).toEqual([
      'edges[4].from: a module output gate or an rx queue (packets leave the emulator at a tx endpoint)',
      'edges[5].to: a module or a port transmit endpoint like eth0.tx (packets cannot be sent into an rx queue)',
      'edges[6].to: a module input: b or b:0 (a module has one input gate, 0)',
      'edges[7].from: an output gate of b (b, a synthetic module, has 2 output gates: b:0 to b:1)',
      'edges[8].from: an output gate of a (a, a synthetic module, has 1 output gate: a:0)',
      'edges[9].from: an rx queue of eth0 (eth0 has 2 rx queues: eth0.rx0 to eth0.rx1)',
    ]);
  });

  it('fan-in is allowed; a module with no output gates has none to connect', () => {
    const s = validate(
      edit((s) => {
        s.modules.push({ name: 'sink', kind: 'synthetic', config: { gates: 0 } });
        s.edges.push({ from: 'b:1', to: 'eth0.tx' });
      }),
    );
    expect(s.edges.filter((e) => e.to.type === 'tx')).toHaveLength(2);
    expect(lines(edit((s) => {
      s.modules.push({ name: 'sink', kind: 'synthetic', config: { gates: 0 } });
      s.edges.push({ from: 'sink', to: 'eth0.tx' });
    }))).toEqual(['edges[4].from: an output gate of sink (sink, a synthetic module, has no output gates)']);
  });
});

describe('validateScenario: tasks', () => {
  it('roots must exist and be rx queues or queue modules', () => {
    expect(
      lines(
        edit((s) => {
          s.tasks.push(
            { root: 'a', core: 0 },
            { root: 'q1:0', core: 0 },
            { root: 'eth0.tx', core: 0 },
            { root: 'nope', core: 0 },
            { core: 0 },
            { root: 'eth0.rx3', core: 0, batch: 0, prio: 1 },
          );
        }),
      ),
    ).toEqual([
      'tasks[2].root: an rx queue like eth0.rx0, or the name of a queue module (queue modules: q1); a is a synthetic module, not a queue',
      'tasks[3].root: an rx queue like eth0.rx0, or the name of a queue module (queue modules: q1)',
      'tasks[4].root: an rx queue like eth0.rx0, or the name of a queue module (queue modules: q1)',
      'tasks[5].root: the name of a module or port endpoint (modules: a, q1, b; ports: eth0)',
      'tasks[6].root: an rx queue like eth0.rx0, or the name of a queue module (queue modules: q1)',
      'tasks[7].prio: unknown field; expected one of: name, root, core, batch, weight, priority, nice, process, chain, detached, copy, syscalls',
      'tasks[7].root: an rx queue of eth0 (eth0 has 1 rx queue: eth0.rx0)',
      'tasks[7].batch: an integer between 1 and 1024',
    ]);
  });

  it('one task per root, unique names, core in range', () => {
    expect(
      lines(
        edit((s) => {
          s.tasks.push({ root: 'eth0.rx', core: 1 }, { root: 'eth0.rx0', core: -1 });
          s.tasks[0].name = 'q1@1';
        }),
      ),
    ).toEqual([
      'tasks[1].name: a task name not used by another task (tasks[0] is named q1@1)',
      'tasks[2].root: a root no other task has (tasks[0] is already rooted at eth0.rx0)',
      'tasks[3].core: an integer >= 0',
      'tasks[3].root: a root no other task has (tasks[0] is already rooted at eth0.rx0)',
    ]);
  });

  it('every rx queue of a port with traffic and every queue module has a task', () => {
    expect(
      lines(
        edit((s) => {
          s.ports[0].rxQueues = 3;
          s.tasks = [{ root: 'eth0.rx1', core: 0 }];
        }),
      ),
    ).toEqual([
      'tasks: a task with root eth0.rx0 (packets arriving on eth0.rx0 would never be polled)',
      'tasks: a task with root eth0.rx2 (packets arriving on eth0.rx2 would never be polled)',
      'tasks: a task with root q1 (packets entering queue module q1 would never be drained)',
    ]);
    expect(problems(edit((s) => (s.tasks = [{ root: 'q1', core: 0 }])))[0]!.value).toEqual(['q1']);
  });
});

describe('validateScenario: taps', () => {
  it('checks the tap point and file', () => {
    expect(
      lines(
        edit((s) => {
          s.taps = [
            { at: 'b:2', file: 'x.pcap' },
            { at: 'eth1.tx', file: 'y.pcap' },
            { file: 'z.pcap' },
            { at: 'a', file: 7 },
            { at: 'a:0', file: 'x.pcap' },
          ];
        }),
      ),
    ).toEqual([
      'taps[0].at: an output gate of b (b, a synthetic module, has 2 output gates: b:0 to b:1)',
      'taps[1].at: an endpoint of an existing port (ports: eth0) (did you mean "eth0"?)',
      'taps[2].at: a module output gate like fw:1, an rx queue like eth0.rx0 or a port transmit endpoint like eth0.tx',
      'taps[3].file: the path of the pcap file to write (relative to the scenario file)',
      `taps[4].file: a file no other tap writes (taps[0] writes ${resolve('/data/exp/x.pcap')})`,
    ]);
  });
});

describe('validateScenario: machine presets and routable traffic', () => {
  const withMachine = (machine: unknown, traffic: Record<string, unknown> = { flows: 4, frameSize: 64, rate: 'line' }) => ({
    name: 'preset', duration: '1ms', machine,
    ports: [{ name: 'eth0', lineRate: '100Gbps', traffic }],
    modules: [{ name: 'a', kind: 'synthetic' }],
    edges: [{ from: 'eth0.rx0', to: 'a' }, { from: 'a', to: 'eth0.tx' }],
    tasks: [{ root: 'eth0.rx0', core: 0 }],
  });
  it('a shipped preset gives the machine its clock, cores, sockets and hardware model', () => {
    const s = validate(withMachine({ preset: 'xeon-8168-2s', cores: 18 }));
    expect(s.machine.name).toBe('xeon-8168-2s');
    expect(s.machine.hz).toBe(3.4e9);
    expect(s.machine.cores).toBe(18);
    expect(s.machine.sockets).toBe(1);
    expect(s.machine.preset?.coresPerSocket).toBe(24);
    expect(s.machine.ddio).toBe(s.machine.preset!.nic.ddio);
    expect(validate(withMachine({ preset: 'xeon-8168-2s' })).machine.cores).toBe(48);
  });
  it('rejects an unknown preset, clock overrides and too many cores, naming each', () => {
    expect(lines(withMachine({ preset: 'xeon-8186-2s', hz: '3GHz' }))).toEqual([
      'machine.hz: nothing: with a preset, hz comes from the preset (write your own preset file to change it)',
      expect.stringMatching(/^machine\.preset: a machine preset: .*did you mean "xeon-8168-2s"/),
    ]);
    expect(lines(withMachine({ preset: 'e5-2630v3', cores: 64 }))[0]).toMatch(/^machine\.cores: an integer between 1 and 16/);
  });
  it('routable destinations: dstNet and dstHosts', () => {
    const s = validate(withMachine({ hz: '2GHz', cores: 1 }, { flows: 4, frameSize: 64, rate: 'line', dstNet: '10.64.0.0/10', dstHosts: 4 }));
    const t = s.ports[0]!.traffic as { dstNet: [number, number]; dstHosts: number | null };
    expect(t.dstNet).toEqual([0x0a400000, 10]);
    expect(t.dstHosts).toBe(4);
    expect(lines(withMachine({ hz: '2GHz', cores: 1 }, { flows: 4, frameSize: 64, rate: 'line', dstNet: '10.64.0.1/10' }))).toEqual([
      'ports[0].traffic.dstNet: a prefix with no host bits set (e.g. the network address of 10.64.0.1/10)',
    ]);
  });
});
