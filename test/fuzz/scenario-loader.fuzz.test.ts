/**
 * Fuzz target for the scenario loader (src/scenario/load.ts, validate.ts):
 * every input must either load into a Scenario or throw the project's
 * ConfigError (exit code 2) — never another exception, never a slow call
 * (issue 12: "bad input must get a clear error, never a stack trace or a
 * hang"). The run is not exercised, only load and validation.
 *
 * Two kinds of input:
 *  - text: the shipped scenarios (scenarios/*.yaml, also as JSON) and the YAML
 *    examples of docs/ and the README, with one to four mutations: byte flips,
 *    inserted and deleted characters, truncation, lines spliced from other
 *    files, duplicated, swapped or re-indented lines, YAML aliases, anchors,
 *    tags and merge keys injected, numbers and unit values replaced by huge or
 *    odd ones, values wrapped in deep nesting, lists repeated thousands of
 *    times. Loaded with loadScenarioText as YAML, JSON or "auto".
 *  - structures: the same scenarios parsed, then one to four paths set to a
 *    value of the wrong type or range (null, NaN, 2^53, "1e30pps", deep or
 *    huge lists, objects with odd keys, another subtree...), given to
 *    validateScenario directly and, as JSON text, to loadScenarioText.
 *
 *   FUZZ_ITERATIONS  inputs per run (default 3000, a few seconds; `npm run fuzz` uses 100000)
 *   FUZZ_SEED        base seed (default 1); input i uses its own PRNG seeded from (seed, i),
 *                    so a failure message's seed and index reproduce that input alone
 *   FUZZ_ONLY        run only this input index (with FUZZ_SEED, to reproduce a failure)
 *   FUZZ_PROFILE     print the 15 slowest inputs
 *   FUZZ_DUMP        a file to write each text input to (with FUZZ_ONLY: that input)
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { NF_KINDS } from '../../src/nf/catalog.js';
import { loadScenarioText, parseScenarioText, type ScenarioFormat } from '../../src/scenario/load.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { ConfigError } from '../../src/util/config-check.js';
import { mulberry32 } from '../ring/prng.js';

const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 3000);
const SEED = Number(process.env.FUZZ_SEED ?? 1);
const ONLY = process.env.FUZZ_ONLY === undefined ? null : Number(process.env.FUZZ_ONLY);
/**
 * No input may take longer than this to load, in CPU time of this process (a
 * healthy load takes a few milliseconds; YAML near its 512 KiB limit about
 * 0.6 s, 4 MiB of JSON much less). CPU time, because the machine is shared: two other jobs running
 * made wall time twice as long, and a hang shows in CPU time just as well...
 */
const MAX_CALL_CPU_MS = 2000;
/** ...and, in case something waits instead of computing, this much wall time. */
const MAX_CALL_WALL_MS = 10_000;
/** Per-test timeout: generous for 100 000 inputs on a loaded 2-vCPU machine. */
const TIMEOUT_MS = Math.max(60_000, ITERATIONS * 10);
/** Failures kept for the report (the run goes on after the first, to find them all). */
const MAX_REPORTED = 10;

const root = fileURLToPath(new URL('../..', import.meta.url));

type Rand = () => number;
/** Integer in [0, n). */
const below = (r: Rand, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[below(r, xs.length)]!;

/**
 * A size for a "big" mutation: usually small, rarely past a limit (lists of
 * over 4096, values nested over 64, text near the YAML and file size limits). Big
 * inputs take the parser up to a second each; 1 in 200, they keep the
 * default run to a few seconds and still come up hundreds of times in
 * 100 000 inputs.
 */
function size(r: Rand, small: readonly number[], big: readonly number[]): number {
  return r() < 0.005 ? pick(r, big) : pick(r, small);
}

/** One PRNG per input, so input i is reproducible from (SEED, i) alone. */
function inputRng(i: number): Rand {
  return mulberry32((Math.imul(SEED, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0);
}

// ------------------------------------------------------------------ corpus

/** The scenario texts to start from: shipped scenarios and every YAML example in the docs. */
function corpusTexts(): string[] {
  const texts: string[] = [];
  const scenarios = join(root, 'scenarios');
  for (const f of readdirSync(scenarios).sort()) if (f.endsWith('.yaml')) texts.push(readFileSync(join(scenarios, f), 'utf8'));
  const docs = [join(root, 'README.md'), ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => join(root, 'docs', f))];
  for (const d of docs) {
    for (const m of readFileSync(d, 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)) texts.push(m[1]!);
  }
  return texts;
}

const TEXTS = corpusTexts();
/** The corpus texts that are whole scenarios, parsed: the seeds of the structural inputs. */
const OBJECTS: unknown[] = TEXTS.flatMap((t) => {
  try {
    const v = parseScenarioText(t, 'yaml');
    return v !== null && typeof v === 'object' && !Array.isArray(v) && 'ports' in v ? [v] : [];
  } catch {
    return [];
  }
});
/**
 * The sections no shipped scenario has, grafted onto the first: schedulers
 * of every policy, taps, io, pcap replay, a preset machine, anchors.
 */
function grafted(): unknown[] {
  const base = OBJECTS[0] as Record<string, unknown>;
  const withSection = (extra: Record<string, unknown>) => ({ ...structuredClone(base), ...extra });
  return [
    withSection({ schedulers: [{ cores: 0, policy: 'cfs', cfsSlice: 'linux', wakeupGranularity: '1ms' }] }),
    withSection({ schedulers: [{ cores: [0], policy: 'coop', timeout: '1ms', isolation: true, batchRule: 0.1 }] }),
    withSection({ schedulers: [{ cores: 0, policy: 'rt-rr', rrSlice: '10ms', switchCycles: 100, syscallCycles: 50 }] }),
    withSection({ taps: [{ at: 'eth0.rx0', file: 'out/rx.pcap' }, { at: 'eth0.tx', file: 'out/tx.pcap' }] }),
    withSection({ io: { eth0: { interface: 'veth0', backend: 'afxdp', netns: 'lab', xdpMode: 'skb' } } }),
    withSection({ ports: [{ name: 'eth0', lineRate: '10Gbps', traffic: { pcap: 'in.pcap', timing: '1Mpps', loop: 3 } }] }),
    withSection({ machine: { preset: 'e5-2667v3', cores: 2, ddio: true } }),
    withSection({ controlPeriod: '0.1ms', warmup: '0.2ms', threads: 2, seed: 7 }),
  ];
}

/** Every corpus scenario as JSON too (the loader's other parser). */
OBJECTS.push(...grafted());
const SEEDS = [...TEXTS, ...OBJECTS.map((o) => JSON.stringify(o, null, 2))];

// ------------------------------------------------------------ odd values

/** Bits of YAML and JSON syntax that parsers stumble on. */
const SNIPPETS = [
  '*x', '&x', '&a ', '*a', '!!binary', '!!int', '!!str', '!!float', '!!map', '!!seq', '!!set', '!!omap', '!custom', '!<tag:x>',
  '<<: *a', '? ', '- ', ': ', '{', '}', '[', ']', ',', '"', "'", '|', '>', '#', '%YAML 1.1\n', '%TAG ! tag:x:\n', '---\n', '...\n',
  '\t', '\r', '\n', '\u0000', '\uFEFF', '\uD800', '\\u0000', '`', '@', '~', 'null', 'true', '.inf', '-.nan', '0x10', '0o7', '1_000',
  '1e308', '1e-400', '-0', '9007199254740993', '__proto__', 'constructor', 'toString',
];

/** Values that replace a number or a unit value in the text. */
const ODD_SCALARS = [
  '0', '-1', '1.5', '1e308', '1e30', '-1e30', '9007199254740993', '4294967296', '.nan', '.inf', '-.inf', 'null', '~', '""', '[]', '{}',
  '1e30pps', '1e9s', '1e20cycles', '1cycles', '0.1ns', '86401s', '1e13bps', '10Tbps', '149Mpps', '-5ms', '1 sec', 'line', 'Line',
  '1e6', '0x7fffffff', '2.6e9', '1e-9', '"2ms"', '*x', '&x 1', '!!str 5', '!!int x', '[[[[1]]]]', `"${'x'.repeat(300)}"`,
];

/** A value of a random kind, for the structural inputs: wrong types, edges of ranges, odd shapes. */
function oddValue(r: Rand, donor: () => unknown): unknown {
  switch (below(r, 24)) {
    case 0: return null;
    case 1: return pick(r, [true, false]);
    case 2: return pick(r, [0, -1, 1, 1.5, -0, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 1e308, -1e308, 5e-324]);
    case 3: return pick(r, [NaN, Infinity, -Infinity]);
    case 4: return pick(r, ['', ' ', 'x', 'line', 'imix', 'auto', 'eth0', 'eth0.rx0', 'eth0.rx99', 'eth0.tx', 'a:1', 'q1', 'drop', 'backpressure']);
    case 5: return pick(r, ['1e30pps', '1e9s', '1e20cycles', '1cycles', '0.1ns', '86401s', '1e13bps', '10Tbps', '149Mpps', '-5ms', '1 sec', '1e308s', '5000cycles']);
    case 6: return 'x'.repeat(size(r, [100, 1000], [10_000, 200_000]));
    case 7: return [];
    case 8: return [pick(r, [1, 'a', null, {}])];
    case 9: return Array.from({ length: size(r, [2, 100], [4097, 20_000]) }, (_, i) => ({ name: `m${i}` }));
    case 10: return {};
    case 11: return { a: 1, b: [1, 2], c: { d: 'e' } };
    case 12: return JSON.parse('{"__proto__": {"polluted": 1}, "constructor": 1, "toString": 2}') as unknown;
    case 13: {
      let v: unknown = 1;
      for (let k = 0; k < size(r, [10, 70], [1000, 100_000]); k++) v = [v];
      return v;
    }
    case 14: return Object.fromEntries(Array.from({ length: size(r, [5, 50], [5000]) }, (_, i) => [`k${i}`, i]));
    case 15: return donor();
    case 16: {
      // One object reached many times over (what YAML aliases build).
      let v: unknown = { rate: 'line' };
      for (let k = 0; k < 30; k++) v = [v, v];
      return v;
    }
    case 17: return { [pick(r, ['name', 'kind', 'config', 'rate', 'from', 'to', 'root', 'core'])]: donor() };
    case 18: return pick(r, [-5, 0, 1, 2, 64, 1023, 1024, 1025, 65536, 65537, 1e6, 1e6 + 1, 4e6 + 1]);
    case 19: return pick(r, ['10.0.0.0/8', '10.0.0.1/8', '::1/128', '300.0.0.0/8', '10.0.0.0/33']);
    case 20: return [donor(), donor()];
    case 21: return new Date(0);
    case 22: return pick(r, ['0', '1', 'true', 'null', '[]']);
    default: return undefined; // removes the field
  }
}

// ------------------------------------------------------------ text mutations

function randomChar(r: Rand): string {
  switch (below(r, 4)) {
    case 0: return String.fromCharCode(32 + below(r, 95));
    case 1: return pick(r, ['\n', ' ', ':', '-', '{', '}', '[', ']', ',', '"', "'", '&', '*', '!', '#', '|', '>', '?', '%', '@', '`']);
    case 2: return String.fromCharCode(below(r, 32));
    default: return String.fromCharCode(below(r, 0x10000));
  }
}

function mutateText(r: Rand, text: string): string {
  const lines = () => text.split('\n');
  const at = () => below(r, text.length + 1);
  switch (below(r, 16)) {
    case 0: { // flip a few characters
      const chars = [...text];
      for (let k = 0; k < 1 + below(r, 4) && chars.length > 0; k++) chars[below(r, chars.length)] = randomChar(r);
      return chars.join('');
    }
    case 1: { const i = at(); return text.slice(0, i) + randomChar(r) + text.slice(i); }
    case 2: { const i = at(); return text.slice(0, i) + text.slice(i + 1 + below(r, 40)); }
    case 3: return text.slice(0, at()); // truncation
    case 4: { // splice a line of another corpus file
      const ls = lines();
      const other = pick(r, SEEDS).split('\n');
      ls.splice(below(r, ls.length + 1), 0, pick(r, other));
      return ls.join('\n');
    }
    case 5: { // duplicate, delete or swap lines
      const ls = lines();
      const i = below(r, ls.length);
      const j = below(r, ls.length);
      const op = below(r, 3);
      if (op === 0) ls.splice(i, 0, ls[i]!);
      else if (op === 1) ls.splice(i, 1);
      else [ls[i], ls[j]] = [ls[j]!, ls[i]!];
      return ls.join('\n');
    }
    case 6: { // re-indent a line
      const ls = lines();
      const i = below(r, ls.length);
      ls[i] = pick(r, ['', ' ', '  ', '    ', '\t']) + ls[i]!.trimStart();
      return ls.join('\n');
    }
    case 7: { const i = at(); return text.slice(0, i) + pick(r, SNIPPETS) + text.slice(i); }
    case 8: { // anchor a value, then alias it elsewhere (before or after: unresolved aliases too)
      const ls = lines();
      const i = below(r, ls.length);
      ls[i] = ls[i]!.replace(/: (\S)/, ': &a $1');
      const j = below(r, ls.length);
      ls[j] = ls[j]!.replace(/: (\S.*)$/, ': *a');
      return ls.join('\n');
    }
    case 9: { // a "billion laughs" up front
      const laughs = ['l0: &l0 [x, x, x, x, x, x, x, x, x, x]'];
      for (let k = 1; k < 2 + below(r, 10); k++) laughs.push(`l${k}: &l${k} [${Array(10).fill(`*l${k - 1}`).join(', ')}]`);
      return `${laughs.join('\n')}\n${text}`;
    }
    case 10: { // a number or a unit value replaced
      const matches = [...text.matchAll(/-?\d[\w.+/-]*/g)];
      if (matches.length === 0) return text;
      const m = pick(r, matches);
      return text.slice(0, m.index) + pick(r, ODD_SCALARS) + text.slice(m.index + m[0].length);
    }
    case 11: { // a value wrapped in deep nesting
      const depth = size(r, [5, 65], [200, 3000]);
      const ls = lines();
      const i = below(r, ls.length);
      ls[i] = ls[i]!.replace(/: (\S.*)$/, (_m, v: string) => `: ${'['.repeat(depth)}${v}${']'.repeat(depth)}`);
      return ls.join('\n');
    }
    case 12: { // a list item repeated thousands of times (limits on counts)
      const ls = lines();
      const items = ls.map((l, k) => [l, k] as const).filter(([l]) => /^\s*- /.test(l));
      if (items.length === 0) return text;
      const [line, k] = pick(r, items);
      ls.splice(k, 0, ...Array<string>(size(r, [2, 100], [4097, 20_000])).fill(line));
      return ls.join('\n');
    }
    case 13: { // a long line
      const i = at();
      return text.slice(0, i) + 'x'.repeat(size(r, [100, 1000], [100_000, 520_000, 4_200_000])) + text.slice(i);
    }
    case 14: { // a tag on a value
      const ls = lines();
      const i = below(r, ls.length);
      ls[i] = ls[i]!.replace(/: (\S)/, `: ${pick(r, ['!!str', '!!int', '!!float', '!!binary', '!!seq', '!!map', '!!null', '!!bool', '!x', '!!set', '!!timestamp'])} $1`);
      return ls.join('\n');
    }
    default: { // two texts joined: duplicate keys, a second document
      return text + pick(r, ['\n', '\n---\n', '\n...\n']) + pick(r, SEEDS).slice(0, below(r, 400));
    }
  }
}

// ------------------------------------------------------------ structure mutations

/** Paths to the values inside `v`: each object once (aliases share them), through lists of at most 50, at most 3000 paths. */
function paths(v: unknown): (string | number)[][] {
  const out: (string | number)[][] = [];
  const seen = new Set<object>();
  const walk = (x: unknown, prefix: (string | number)[]) => {
    if (out.length >= 3000) return;
    out.push(prefix);
    if (x === null || typeof x !== 'object' || seen.has(x)) return;
    seen.add(x);
    if (Array.isArray(x)) {
      if (x.length <= 50) x.forEach((y, i) => walk(y, [...prefix, i]));
    } else {
      for (const [k, y] of Object.entries(x)) walk(y, [...prefix, k]);
    }
  };
  walk(v, []);
  return out;
}

/** True when `v` is a tree of at most 1e6 values: JSON of a value that shares objects can be exponentially long. */
function isSmallTree(v: unknown): boolean {
  const seen = new Set<object>();
  const stack = [v];
  let n = 0;
  while (stack.length > 0) {
    const x = stack.pop();
    if (++n > 1e6) return false;
    if (x === null || typeof x !== 'object') continue;
    if (seen.has(x)) return false;
    seen.add(x);
    for (const y of Array.isArray(x) ? x : Object.values(x)) stack.push(y);
  }
  return true;
}

function setPath(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  let o = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (value === undefined) {
    if (Array.isArray(o)) o.splice(Number(last), 1);
    else delete o[last];
  } else o[last] = value;
  return root;
}

function getPath(root: unknown, path: (string | number)[]): unknown {
  let o = root;
  for (const k of path) o = (o as Record<string | number, unknown>)[k];
  return o;
}

function mutateStructure(r: Rand, seed: unknown): unknown {
  let v: unknown = structuredClone(seed); // corpus objects are trees
  const n = 1 + below(r, 4);
  for (let k = 0; k < n; k++) {
    const ps = paths(v);
    const p = pick(r, ps);
    const donor = () => {
      const d = getPath(v, pick(r, ps));
      return isSmallTree(d) ? structuredClone(d) : d;
    };
    const op = below(r, 4);
    if (op === 0 && getPath(v, p) !== null && typeof getPath(v, p) === 'object' && !Array.isArray(getPath(v, p))) {
      // An unknown field, or a near miss of a known one.
      const key = pick(r, ['nmae', 'Name', 'durations', 'rate ', 'core', '', 'x'.repeat(1000), '__proto__', 'constructor', '0']);
      (getPath(v, p) as Record<string, unknown>)[key] = oddValue(r, donor);
    } else {
      v = setPath(v, p, oddValue(r, donor));
    }
  }
  return v;
}

/** A reproducible rendering of a structure: JSON, with what JSON cannot carry spelt out (shared objects named, not repeated). */
function showStructure(v: unknown): string {
  if (!isSmallTree(v)) return '<a structure that shares objects or holds over a million values: reproduce it with FUZZ_ONLY>';
  return JSON.stringify(v, (_k, x: unknown) => {
    if (x === undefined) return '<undefined>';
    if (typeof x === 'number' && !Number.isFinite(x)) return `<${x}>`;
    return x;
  });
}

// ------------------------------------------------------------ the target

interface Failure {
  index: number;
  kind: string;
  why: string;
  input: string;
}

const dir = mkdtempSync(join(tmpdir(), 'emu-scenario-fuzz-'));
// The files the shipped scenarios name exist here, so loads get as far as they can.
mkdirSync(join(dir, 'out'));
writeFileSync(join(dir, 'in.pcap'), 'not read by validation');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs one call; a failure is anything but a return or a ConfigError, or a call over MAX_CALL_CPU_MS or MAX_CALL_WALL_MS. */
function check(fn: () => unknown): string | null {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let why: string | null = null;
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ConfigError)) {
      const err = e as Error;
      why = `threw ${err?.constructor?.name ?? typeof e}: ${err?.stack ?? String(e)}`;
    } else if (/\n\s+at /.test(e.message)) {
      why = `a ConfigError whose message holds a stack trace: ${e.message}`;
    }
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  if (why === null && (cpuMs > MAX_CALL_CPU_MS || wallMs > MAX_CALL_WALL_MS)) {
    why = `took ${Math.round(cpuMs)} ms of CPU, ${Math.round(wallMs)} ms of wall time (limits ${MAX_CALL_CPU_MS} and ${MAX_CALL_WALL_MS} ms)`;
  }
  return why;
}

function loadText(text: string, format: ScenarioFormat): unknown {
  return loadScenarioText(text, { what: 'fuzz', format, baseDir: dir, sourcePath: null }, { kinds: NF_KINDS, outputs: 'check' });
}

/** Input i: a mutated text or a mutated structure, checked; a Failure or null. */
function runInput(i: number): Failure | null {
  const r = inputRng(i);
  if (r() < 0.6) {
    let text = pick(r, SEEDS);
    for (let k = 1 + below(r, 4); k > 0; k--) text = mutateText(r, text);
    const format = pick(r, ['yaml', 'json', 'auto'] as const);
    if (process.env['FUZZ_DUMP']) writeFileSync(process.env['FUZZ_DUMP'], text); // to look at one input closely
    const why = check(() => loadText(text, format));
    return why === null ? null : { index: i, kind: `text (format ${format})`, why, input: JSON.stringify(text) };
  }
  const v = mutateStructure(r, pick(r, OBJECTS));
  const direct = check(() => validateScenario(v, { kinds: NF_KINDS, baseDir: dir }));
  if (direct !== null) return { index: i, kind: 'structure (validateScenario)', why: direct, input: showStructure(v) };
  // Shared objects would make JSON text exponentially long: then the direct check was the test.
  if (!isSmallTree(v)) return null;
  let json: string | undefined;
  try {
    json = JSON.stringify(v);
  } catch {
    return null; // e.g. an object whose prototype became a Date through a "__proto__" key: not JSON
  }
  if (json === undefined) return null;
  const why = check(() => loadText(json!, 'json'));
  return why === null ? null : { index: i, kind: 'structure as JSON text', why, input: json };
}

describe('scenario loader fuzz', () => {
  it('has a corpus', () => {
    expect(TEXTS.length).toBeGreaterThanOrEqual(8);
    expect(OBJECTS.length).toBeGreaterThanOrEqual(5);
  });

  it(`${ONLY === null ? ITERATIONS : 1} seeded inputs (seed ${SEED}) load or throw ConfigError, each within ${MAX_CALL_CPU_MS} ms`, () => {
    const failures: Failure[] = [];
    let count = 0;
    const indices = ONLY === null ? Array.from({ length: ITERATIONS }, (_, i) => i) : [ONLY];
    const slow: [number, number][] = [];
    for (const i of indices) {
      const t0 = performance.now();
      const f = runInput(i);
      if (process.env['FUZZ_PROFILE']) slow.push([performance.now() - t0, i]);
      if (f !== null) {
        count++;
        if (failures.length < MAX_REPORTED) failures.push(f);
      }
    }
    if (process.env['FUZZ_PROFILE']) console.log(`total ${Math.round(slow.reduce((a, x) => a + x[0], 0))} ms, top 60 ${Math.round(slow.sort((a, b) => b[0] - a[0]).slice(0, 60).reduce((a, x) => a + x[0], 0))} ms\n` + slow.slice(0, 15).map(([ms, i]) => `${i}: ${Math.round(ms)} ms`).join('\n'));
    const report = failures.map((f) =>
      `input ${f.index} (reproduce: FUZZ_SEED=${SEED} FUZZ_ONLY=${f.index}), ${f.kind}:\n  ${f.why.split('\n').slice(0, 8).join('\n  ')}\n  input: ${f.input.length > 4000 ? `${f.input.slice(0, 4000)}... (${f.input.length} characters)` : f.input}`,
    );
    expect(count, `${count} of ${indices.length} inputs failed; the first ${failures.length}:\n\n${report.join('\n\n')}`).toBe(0);
  }, TIMEOUT_MS);
});
