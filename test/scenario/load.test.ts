import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenarioFile, loadScenarioText, parseScenarioText, pathSegments } from '../../src/scenario/load.js';
import { ConfigError } from '../../src/util/config-check.js';
import { KINDS } from './fake-kinds.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'emu-scenario-'));
  mkdirSync(join(dir, 'traces'));
  writeFileSync(join(dir, 'traces', 'in.pcap'), 'not really a pcap: validation does not read it');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function load(path: string) {
  return loadScenarioFile(path, { kinds: KINDS });
}

function loadError(path: string): ConfigError {
  try {
    load(path);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

const YAML_TEXT = `# two stages
name: pipe
description: rx -> a -> q1 -> b -> tx
seed: 42
duration: 2ms
warmup: 100us
machine: { hz: 2.6GHz, cores: 2 }
ports:
  - name: eth0
    lineRate: 10Gbps
    rxQueues: 1
    traffic: { flows: 8, frameSizes: imix, rate: 5Gbps }
  - name: eth1
    lineRate: 10Gbps
    traffic:
      pcap: traces/in.pcap
      timing: recorded
modules:
  - { name: a, kind: synthetic, config: { cyclesPerPacket: 80 } }
  - { name: q1, kind: queue }
  - name: b
    kind: synthetic
edges:
  - { from: eth0.rx0, to: a }
  - { from: eth1.rx, to: a }
  - { from: a, to: q1 }
  - { from: "q1:0", to: b }
  - { from: b, to: eth0.tx }
tasks:
  - { root: eth0.rx0, core: 0 }
  - { root: eth1.rx0, core: 0, batch: 64 }
  - { root: q1, core: 1 }
taps:
  - { at: "a:0", file: out/a.pcap }
`;

const JSON_TEXT = JSON.stringify(
  {
    name: 'pipe',
    description: 'rx -> a -> q1 -> b -> tx',
    seed: 42,
    duration: '2ms',
    warmup: '100us',
    machine: { hz: 2.6e9, cores: 2 },
    ports: [
      { name: 'eth0', lineRate: '10Gbps', rxQueues: 1, traffic: { flows: 8, frameSizes: 'imix', rate: '5Gbps' } },
      { name: 'eth1', lineRate: 1e10, traffic: { pcap: 'traces/in.pcap', timing: 'recorded' } },
    ],
    modules: [
      { name: 'a', kind: 'synthetic', config: { cyclesPerPacket: 80 } },
      { name: 'q1', kind: 'queue' },
      { name: 'b', kind: 'synthetic' },
    ],
    edges: [
      { from: 'eth0.rx0', to: 'a' },
      { from: { type: 'rx', port: 'eth1' }, to: 'a' },
      { from: 'a', to: 'q1' },
      { from: 'q1:0', to: 'b' },
      { from: 'b', to: 'eth0.tx' },
    ],
    tasks: [
      { root: 'eth0.rx0', core: 0 },
      { root: 'eth1.rx0', core: 0, batch: 64 },
      { root: 'q1', core: 1 },
    ],
    taps: [{ at: { module: 'a' }, file: 'out/a.pcap' }],
  },
  null,
  2,
);

describe('loadScenarioFile', () => {
  it('a YAML file and the equivalent JSON file give the same scenario', () => {
    const y = load(write('pipe.yaml', YAML_TEXT));
    const j = load(write('pipe.json', JSON_TEXT));
    expect(y.sourcePath).toBe(join(dir, 'pipe.yaml'));
    expect(j.sourcePath).toBe(join(dir, 'pipe.json'));
    expect({ ...y, sourcePath: null }).toEqual({ ...j, sourcePath: null });
    expect(y.seed).toBe(42);
    expect(y.durationCycles).toBe(5_200_000);
    expect(y.warmupCycles).toBe(260_000);
    expect(y.tasks.map((t) => t.name)).toEqual(['eth0.rx0@0', 'eth1.rx0@0', 'q1@1']);
  });

  it('resolves pcap and tap paths against the scenario file directory, not the cwd', () => {
    const s = load(write('pipe.yml', YAML_TEXT));
    expect(s.ports[1]!.traffic).toEqual({
      kind: 'pcap',
      file: join(dir, 'traces', 'in.pcap'),
      timing: 'recorded',
      loop: 1,
    });
    expect(s.taps[0]!.file).toBe(join(dir, 'out', 'a.pcap'));
  });

  it('reports a missing or non-file pcap together with the other problems', () => {
    const text = YAML_TEXT.replace('pcap: traces/in.pcap', 'pcap: traces/missing.pcap').replace('seed: 42', 'seed: -1');
    const e = loadError(write('missing-pcap.yaml', text));
    expect(e.problems.map((p) => [p.path, p.value, p.expected])).toEqual([
      ['seed', -1, 'an integer between 0 and 4294967295 (uint32)'],
      [
        'ports[1].traffic.pcap',
        'traces/missing.pcap',
        `an existing pcap file (file not found: ${join(dir, 'traces', 'missing.pcap')})`,
      ],
    ]);
    const dirPcap = loadError(write('dir-pcap.yaml', YAML_TEXT.replace('pcap: traces/in.pcap', 'pcap: traces')));
    expect(dirPcap.problems[0]!.expected).toBe(`an existing pcap file (a directory, not a file: ${join(dir, 'traces')})`);
  });

  it('adds the source line to validation problems', () => {
    const text = YAML_TEXT.replace('rxQueues: 1', 'rxQueues: 0').replace('kind: synthetic\nedges', 'kind: synthetc\nedges');
    const e = loadError(write('lines.yaml', text));
    expect(e.message.split('\n')).toEqual([
      `scenario ${join(dir, 'lines.yaml')}: 2 problems`,
      '  - ports[0].rxQueues (line 11): got 0, expected an integer between 1 and 128',
      '  - modules[2].kind (line 22): got "synthetc", expected a module kind, one of: synthetic, queue (did you mean "synthetic"?)',
    ]);
    // JSON too, and a missing field points at its parent
    const broken = JSON.parse(JSON_TEXT) as { modules: Record<string, unknown>[] };
    delete broken.modules[1]!['kind'];
    const jsonText = JSON.stringify(broken, null, 2);
    const je = loadError(write('lines.json', jsonText));
    expect(je.problems).toHaveLength(1);
    expect(je.problems[0]!.path).toBe('modules[1].kind');
    // the "{" of modules[1] is the line just before its "name" (0-based index = 1-based line above)
    expect(je.problems[0]!.line).toBe(jsonText.split('\n').findIndex((l) => l.includes('"name": "q1"')));
  });

  it('reports YAML syntax errors with line and column', () => {
    const path = write('bad.yaml', 'name: x\nmachine: { hz: 2.6GHz, cores: 2\nports: []\n');
    const e = loadError(path);
    expect(e.problems.length).toBeGreaterThanOrEqual(1);
    expect(e.problems[0]!.path).toMatch(/^line 3, column \d+$/);
    expect(e.problems[0]!.expected).toMatch(/^valid YAML \(.+\)$/);
    expect(e.message).toMatch(new RegExp(`^scenario ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\d+ problems?\n  - line 3, column`));
    expect(e.message).not.toMatch(/\n\s+at /); // no stack-trace lines in the message

    const dup = loadError(write('dup.yaml', 'name: x\nname: y\n'));
    expect(dup.message).toBe(
      `scenario ${join(dir, 'dup.yaml')}: 1 problem\n  - line 2, column 1: got "name: y", expected valid YAML (Map keys must be unique)`,
    );
  });

  it('reports JSON syntax errors with line and column', () => {
    const e = loadError(write('bad.json', '{\n  "name": "x",\n  "seed": ,\n  "ports": []\n}\n'));
    expect(e.message).toBe(
      `scenario ${join(dir, 'bad.json')}: 1 problem\n  - line 3, column 11: got "\\"seed\\": ,", expected valid JSON (expected a value, found character ",")`,
    );
    const trailing = loadError(write('trailing.json', '{"a": [1, 2,]}'));
    expect(trailing.problems[0]!.path).toBe('line 1, column 13');
    const eof = loadError(write('eof.json', '{"a": 1'));
    expect(eof.problems[0]!.path).toBe('line 1, column 8');
    expect(eof.problems[0]!.expected).toBe('valid JSON (expected "," or "}", found end of input)');
  });

  it('other extensions are tried as JSON, then YAML', () => {
    expect(load(write('pipe.scenario', JSON_TEXT)).name).toBe('pipe');
    expect(load(write('pipe.txt', YAML_TEXT)).name).toBe('pipe');
    const e = loadError(write('bad.txt', 'a: [\n'));
    expect(e.problems[0]!.expected).toMatch(/^valid YAML/);
  });

  it('a missing file or a directory is one clear problem naming the path', () => {
    const e = loadError(join(dir, 'nope.yaml'));
    expect(e.message).toBe(
      `scenario ${join(dir, 'nope.yaml')}: 1 problem\n  - ${join(dir, 'nope.yaml')}: got nothing, expected a scenario file (file not found: ${join(dir, 'nope.yaml')})`,
    );
    expect(loadError(dir).problems[0]!.expected).toBe(`a scenario file (a directory, not a file: ${dir})`);
  });

  it('an empty file or a BOM', () => {
    expect(loadError(write('empty.yaml', '')).problems).toEqual([
      { path: '', value: null, expected: 'a mapping of fields (an object)' },
    ]);
    expect(load(write('bom.json', `\uFEFF${JSON_TEXT}`)).name).toBe('pipe');
  });
});

describe('parseScenarioText and pathSegments', () => {
  it('parses without validating', () => {
    expect(parseScenarioText('a: 1\nb: [x, "y:1"]\n', 'yaml')).toEqual({ a: 1, b: ['x', 'y:1'] });
    expect(parseScenarioText('{"a": 1}', 'auto')).toEqual({ a: 1 });
    expect(() => parseScenarioText('{"a": }', 'json', 'stdin')).toThrow(/^stdin: 1 problem\n  - line 1, column 7: /);
  });
  it('splits problem paths', () => {
    expect(pathSegments('modules[1].config.x')).toEqual(['modules', 1, 'config', 'x']);
    expect(pathSegments('a["my key"][0]')).toEqual(['a', 'my key', 0]);
    expect(pathSegments('--seed')).toBeNull();
    expect(pathSegments('line 3, column 1')).toBeNull();
  });
});

describe('every parse problem is a ConfigError with a position (issue 12, defect 3)', () => {
  it('an alias with no anchor before it: line and column of the alias', () => {
    const e = loadError(write('alias.yaml', 'name: *x\n'));
    expect(e.message).toBe(
      `scenario ${join(dir, 'alias.yaml')}: 1 problem\n  - line 1, column 7: got "name: *x", expected an alias *x after an anchor &x that defines it (YAML reads from the top)`,
    );
    // An anchor defined only after its alias is the same mistake.
    const late = loadError(write('alias-late.yaml', 'name: pipe\nseed: *s\nduration: &s 1\n'));
    expect(late.problems.map((p) => p.path)).toEqual(['line 2, column 7']);
  });

  it('anchors and aliases used as intended still load', () => {
    const text = YAML_TEXT.replace('config: { cyclesPerPacket: 80 }', 'config: &cfg { cyclesPerPacket: 80 }').replace(
      '  - name: b\n    kind: synthetic\n',
      '  - name: b\n    kind: synthetic\n    config: *cfg\n',
    );
    const s = load(write('anchors.yaml', text));
    expect(s.modules.find((m) => m.name === 'b')!.config).toEqual(s.modules.find((m) => m.name === 'a')!.config);
  });

  it('a "billion laughs" of aliases is refused quickly, naming the limit', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
    const t0 = Date.now();
    const e = loadError(write('laughs.yaml', `${lines.join('\n')}\n`));
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]!.path).toMatch(/^line \d+, column \d+$/);
    expect(e.problems[0]!.expected).toMatch(/^aliases that expand at most 1000 times in all/);
  });

  it('values nested deeper than 64 are refused (YAML and JSON)', () => {
    const deep = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;
    const y = loadError(write('deep.yaml', `name: x\nseed: ${deep(70)}\n`));
    expect(y.problems).toHaveLength(1);
    expect(y.problems[0]!.path).toMatch(/^line 2, column \d+$/);
    expect(y.problems[0]!.expected).toBe('lists and mappings nested at most 64 deep (a scenario needs about 8)');
    const j = loadError(write('deep.json', `{"name": "x", "seed": ${deep(100_000)}}`));
    expect(j.problems[0]!.expected).toMatch(/^lists and mappings nested at most 64 deep/);
    // 60 levels is fine as far as nesting goes (the field is still wrong).
    const ok = loadError(write('deep-ok.yaml', `name: x\nseed: ${deep(60)}\n`));
    expect(ok.problems.some((p) => p.path === 'seed')).toBe(true);
  });

  it('YAML tags, merge keys and odd keys give problems, not crashes or process warnings on stderr', () => {
    const warn = vi.spyOn(process, 'emitWarning');
    for (const text of ['name: !!int abc\n', 'name: !!binary "@@@"\n', 'seed: !!float x\n', '<<: {a: 1}\nname: x\n', '? [a, b]\n: c\n', '__proto__: {a: 1}\nname: x\n', 'name: !custom x\n']) {
      const e = loadError(write('tags.yaml', text));
      expect(e.message).not.toMatch(/\n\s+at /);
    }
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });

  it('a file over 4 MiB is refused before it is read', () => {
    const big = write('big.yaml', `name: big\ndescription: "${'x'.repeat(4 * 1024 * 1024)}"\n`);
    const t0 = Date.now();
    const e = loadError(big);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(e.problems).toEqual([
      { path: big, value: '4.0 MiB', expected: `a scenario of at most 4 MiB (4194304 bytes; this one has ${4 * 1024 * 1024 + 26})` },
    ]);
  });

  it('YAML over 512 KiB is refused before the YAML parser runs; the same scenario as JSON loads', () => {
    const padding = `# ${'x'.repeat(600 * 1024)}\n`;
    const t0 = Date.now();
    const e = loadError(write('big-yaml.yaml', padding + YAML_TEXT));
    expect(Date.now() - t0).toBeLessThan(500);
    expect(e.problems).toEqual([{
      path: '(text)',
      value: '601 KiB of YAML',
      expected: `YAML of at most 512 KiB (524288 bytes; this one has ${Buffer.byteLength(padding + YAML_TEXT)}), or JSON of at most 4 MiB: the YAML parser needs about a second per 800 KiB`,
    }]);
    const json = JSON.parse(JSON_TEXT) as Record<string, unknown>;
    json['description'] = 'x'.repeat(600 * 1024);
    expect(load(write('big.json', JSON.stringify(json))).name).toBe('pipe');
    // A problem in big JSON is still found, without a line (finding lines parses the text as YAML).
    json['seed'] = -1;
    const je = loadError(write('big-bad.json', JSON.stringify(json)));
    expect(je.problems.map((p) => [p.path, p.line])).toEqual([['seed', undefined]]);
  });
});

describe('loadScenarioText', () => {
  it('loads text that is not a file (standard input), resolving paths against baseDir', () => {
    const s = loadScenarioText(YAML_TEXT, { what: '(standard input)', format: 'auto', baseDir: dir, sourcePath: null }, { kinds: KINDS });
    expect(s.name).toBe('pipe');
    expect(s.sourcePath).toBeNull();
    expect(s.taps[0]!.file).toBe(join(dir, 'out', 'a.pcap'));
    expect(() => loadScenarioText('name: *x', { what: '(standard input)', format: 'auto', baseDir: dir, sourcePath: null }, { kinds: KINDS }))
      .toThrow(/^scenario \(standard input\): 1 problem\n {2}- line 1, column 7: /);
  });
});
