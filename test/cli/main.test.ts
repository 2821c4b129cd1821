/**
 * The `emu` command line, driven through main() with captured output streams
 * (no child processes, except one smoke test of the real launcher): exit codes,
 * what goes to stdout and stderr, and the files --out / --msgpack write.
 *
 * Bad input must give exit code 2 and a message that names the problem, one
 * line per problem, and never a stack trace.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unpack } from 'msgpackr';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_BAD_INPUT, EXIT_OK, main, type CliIo } from '../../src/cli/main.js';
import type { ResultRecord } from '../../src/metrics/record.js';
import { NF_KINDS } from '../../src/nf/catalog.js';
import { encodePcap } from '../../src/traffic/pcap.js';
import { EMU_VERSION } from '../../src/version.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const L2FWD = join(root, 'scenarios', 'l2fwd.yaml');
/** 4 cores: with --threads 2 the cores really are spread over two workers. */
const RTC4 = join(root, 'scenarios', 'rtc-4.yaml');

const dir = mkdtempSync(join(tmpdir(), 'emu-cli-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A stack frame line as Node prints them ("\n    at fn (file:1:2)"). */
const STACK_TRACE = /\n\s+at /;

interface Ran { code: number; out: string; err: string }

/** Runs `emu ARGS...` in-process with captured, non-TTY output streams (and `stdin` as standard input). */
async function emu(...args: string[]): Promise<Ran> {
  return emuWithStdin(undefined, ...args);
}

async function emuWithStdin(stdin: string | undefined, ...args: string[]): Promise<Ran> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: { write: (s: string | Uint8Array) => { out += typeof s === 'string' ? s : Buffer.from(s).toString('latin1'); return true; }, isTTY: false },
    err: { write: (s: string) => { err += s; return true; }, isTTY: false },
    readStdin: () => {
      if (stdin === undefined) throw new Error('no standard input in this test');
      return stdin;
    },
  };
  const code = await main(['node', 'emu', ...args], io);
  return { code, out, err };
}

/** Writes a file in the test's temporary directory; returns its path. */
function tmpFile(name: string, text: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Asserts a bad-input outcome: exit 2, nothing on stdout, a stack-free message on stderr. */
function expectBadInput(r: Ran): void {
  expect(r.code, `stderr: ${r.err}`).toBe(EXIT_BAD_INPUT);
  expect(r.out).toBe('');
  expect(r.err.trim()).not.toBe('');
  expect(r.err).not.toMatch(STACK_TRACE);
}

describe('emu run', () => {
  it('--json prints a conserved emu.result/1 record on stdout and nothing on stderr', async () => {
    const r = await emu('run', L2FWD, '--json');
    expect(r.code).toBe(EXIT_OK);
    expect(r.err).toBe('');
    const rec = JSON.parse(r.out) as ResultRecord;
    expect(rec.schema).toBe('emu.result/1');
    expect(rec.emuVersion).toBe(EMU_VERSION);
    expect(rec.scenario.name).toBe('l2fwd');
    expect(rec.seed).toBe(1);
    expect(rec.totals.generated).toBeGreaterThan(0);
    expect(rec.totals.delivered).toBeGreaterThan(0);
    expect(rec.totals.conserved).toBe(true);
    expect(rec.totals.generated).toBe(rec.totals.delivered + rec.totals.dropped + rec.totals.inFlight);
  });

  it('prints a human summary by default: totals, the task table and the module table', async () => {
    const r = await emu('run', L2FWD);
    expect(r.code).toBe(EXIT_OK);
    expect(r.err).toBe('');
    expect(() => JSON.parse(r.out)).toThrow();
    expect(r.out).toMatch(/^scenario l2fwd \(seed 1\): /);
    expect(r.out).toContain('delivered');
    expect(r.out).toMatch(/packets: generated \d+ = delivered \d+ \+ dropped \d+.*\[conserved\]/);
    // The task table: its title, its header and the one task's row.
    expect(r.out).toMatch(/\ntasks\ntask\s+core\s+packets\s+mean batch/);
    expect(r.out).toMatch(/\neth0\.rx0@0\s+0\s+\d+/);
    expect(r.out).toMatch(/\nswap\s+macswap\s+0\s+\d+/);
  });

  it('--out and --msgpack write files that decode to the record printed by --json', async () => {
    const jsonFile = join(dir, 'result.json');
    const mpFile = join(dir, 'result.msgpack');
    const r = await emu('run', L2FWD, '--json', '--out', jsonFile, '--msgpack', mpFile);
    expect(r.code).toBe(EXIT_OK);
    const printed = JSON.parse(r.out) as ResultRecord;
    expect(readFileSync(jsonFile, 'utf8')).toBe(r.out);
    const fromJson = JSON.parse(readFileSync(jsonFile, 'utf8')) as ResultRecord;
    const fromMsgpack = unpack(readFileSync(mpFile)) as ResultRecord;
    expect(fromJson).toEqual(printed);
    expect(fromMsgpack).toEqual(printed);
    expect(fromMsgpack.schema).toBe('emu.result/1');
  });

  it('--seed 5 is recorded and changes the results', async () => {
    const base = JSON.parse((await emu('run', L2FWD, '--json')).out) as ResultRecord;
    const r = await emu('run', L2FWD, '--json', '--seed', '5');
    expect(r.code).toBe(EXIT_OK);
    const seeded = JSON.parse(r.out) as ResultRecord;
    expect(base.seed).toBe(1);
    expect(seeded.seed).toBe(5);
    // l2fwd draws IMIX frame sizes from the seeded PRNG, so the bytes offered differ.
    expect(seeded.ports[0]!.generatedBytes).not.toBe(base.ports[0]!.generatedBytes);
    expect(seeded.totals.conserved).toBe(true);
  });

  it('--duration 0.5ms replaces the file\'s 1ms', async () => {
    const base = JSON.parse((await emu('run', L2FWD, '--json')).out) as ResultRecord;
    const r = await emu('run', L2FWD, '--json', '--duration', '0.5ms');
    expect(r.code).toBe(EXIT_OK);
    const short = JSON.parse(r.out) as ResultRecord;
    expect(base.time.durationCycles).toBe(2_600_000); // 1 ms at 2.6 GHz
    expect(short.time.durationCycles).toBe(1_300_000);
    expect(short.totals.generated).toBeLessThan(base.totals.generated);
  });

  it('--threads 2 gives byte-identical JSON to --threads 1, and really uses 2 threads', async () => {
    // rtc-4 has 4 cores: threads are capped at the core count, so on l2fwd
    // (1 core) this comparison could not fail. Thread-count independence of
    // the engine itself is test/engine/determinism.test.ts's job; this checks
    // that the option reaches it.
    const one = await emu('run', RTC4, '--json', '--threads', '1', '--duration', '1ms');
    const two = await emu('run', RTC4, '--json', '--threads', '2', '--duration', '1ms');
    expect(one.code).toBe(EXIT_OK);
    expect(two.code).toBe(EXIT_OK);
    expect(JSON.parse(one.out).totals.conserved).toBe(true);
    expect(two.out).toBe(one.out);
    // The summary line names the thread count actually used.
    const human = await emu('run', RTC4, '--threads', '2', '--duration', '1ms');
    expect(human.code).toBe(EXIT_OK);
    expect(human.out.split('\n')[0]).toMatch(/ on 2 threads$/);
  });
});

describe('bad input: exit 2, one line per problem, no stack trace', () => {
  it('an unknown command', async () => {
    const r = await emu('frob');
    expectBadInput(r);
    expect(r.err).toMatch(/unknown command 'frob'/);
  });

  it('an unknown option', async () => {
    const r = await emu('run', L2FWD, '--bogus');
    expectBadInput(r);
    expect(r.err).toMatch(/unknown option '--bogus'/);
  });

  for (const [opt, value, expected] of [
    ['--seed', '-1', /--seed.*-1.*expected an integer between 0 and 4294967295/],
    ['--seed', 'abc', /--seed.*abc.*expected an integer between 0 and 4294967295/],
    ['--threads', '0', /--threads.*expected "auto" or an integer between 1 and 1024, got "0"/],
    ['--duration', 'banana', /--duration: got "banana", expected a duration/],
  ] as const) {
    it(`${opt} ${value}`, async () => {
      const r = await emu('run', L2FWD, opt, value);
      expectBadInput(r);
      expect(r.err).toMatch(expected);
    });
  }

  it('a missing scenario file', async () => {
    const missing = join(dir, 'no-such-scenario.yaml');
    const r = await emu('run', missing);
    expectBadInput(r);
    expect(r.err).toContain(missing);
    expect(r.err).toMatch(/file not found/);
  });

  it('a YAML syntax error, with its line and column', async () => {
    const f = tmpFile('syntax.yaml', 'name: broken\nduration: 1ms\nmachine: { hz: 2.6GHz, cores: 1\nports: []\n');
    const r = await emu('run', f);
    expectBadInput(r);
    expect(r.err).toContain(f);
    expect(r.err).toMatch(/line \d+, column \d+: .*expected valid YAML/);
  });

  it('a scenario with several mistakes lists each one with its path', async () => {
    const f = tmpFile('mistakes.yaml', [
      'name: several-mistakes',
      'durations: 1ms', // misspelt: unknown field, and duration is missing
      'machine: { hz: 2.6GHz, cores: 0 }',
      'ports:',
      '  - { name: eth0, lineRate: 10Gbps, traffic: { frameSize: 64, rate: line } }',
      'modules:',
      '  - { name: swap, kind: macswap }',
      'edges:',
      '  - { from: eth0.rx0, to: nf9 }',
      'tasks:',
      '  - { root: eth0.rx0, core: 0 }',
      '',
    ].join('\n'));
    const r = await emu('run', f);
    expectBadInput(r);
    const m = /(\d+) problems\n/.exec(r.err);
    expect(m).not.toBeNull();
    const n = Number(m![1]);
    expect(n).toBeGreaterThanOrEqual(3);
    // One "  - path: ..." line per problem.
    const lines = r.err.split('\n').filter((l) => l.startsWith('  - '));
    expect(lines).toHaveLength(n);
    expect(r.err).toMatch(/\n {2}- durations \(line 2\): got "1ms", unknown field \(did you mean "duration"\?\)/);
    expect(r.err).toMatch(/\n {2}- duration: got nothing, expected a duration/);
    expect(r.err).toMatch(/\n {2}- machine\.cores \(line 3\): got 0, expected /);
    expect(r.err).toMatch(/\n {2}- edges\[0\]\.to \(line 9\): got "nf9", expected the name of a module/);
  });

  it('a graph error (a module reached from two tasks) is a PlanError', async () => {
    const f = tmpFile('two-tasks.yaml', [
      'name: shared-module',
      'duration: 0.1ms',
      'machine: { hz: 2.6GHz, cores: 2 }',
      'ports:',
      '  - { name: eth0, lineRate: 10Gbps, rxQueues: 2, traffic: { flows: 8, frameSize: 64, rate: line } }',
      'modules:',
      '  - { name: swap, kind: macswap }',
      'edges:',
      '  - { from: eth0.rx0, to: swap }',
      '  - { from: eth0.rx1, to: swap }',
      '  - { from: swap, to: eth0.tx }',
      'tasks:',
      '  - { root: eth0.rx0, core: 0 }',
      '  - { root: eth0.rx1, core: 1 }',
      '',
    ].join('\n'));
    const r = await emu('run', f);
    expectBadInput(r);
    expect(r.err).toMatch(/^emu: scenario graph: 1 problem\n {2}- module swap is reached by tasks eth0\.rx0@0 and eth0\.rx1@1/);
  });

  /** A scenario replaying `pcapName` (relative to the scenario file). */
  function pcapScenario(name: string, pcapName: string): string {
    return tmpFile(name, [
      `name: ${name.replace(/\.yaml$/, '')}`,
      'duration: 0.1ms',
      'machine: { hz: 2.6GHz, cores: 1 }',
      'ports:',
      `  - { name: eth0, lineRate: 10Gbps, traffic: { pcap: ${pcapName} } }`,
      'modules:',
      '  - { name: swap, kind: macswap }',
      'edges:',
      '  - { from: eth0.rx0, to: swap }',
      '  - { from: swap, to: eth0.tx }',
      'tasks:',
      '  - { root: eth0.rx0, core: 0 }',
      '',
    ].join('\n'));
  }

  it('a malformed pcap is bad input for validate too: exit 2, file and byte offset named', async () => {
    const garbage = new TextEncoder().encode('this is not a capture file, just some text bytes...\n');
    const pcap = tmpFile('garbage-validate.pcap', garbage);
    const r = await emu('validate', pcapScenario('garbage-validate.yaml', 'garbage-validate.pcap'));
    expectBadInput(r);
    expect(r.err).toBe(`emu: ${pcap}: byte 0: unknown magic 0x74686973 (bytes as stored): not a classic pcap file (expected a1b2c3d4 or a1b23c4d in either byte order)\n`);
  });
  it('a pcap file of garbage: the message names the file and byte offset 0', async () => {
    const garbage = new TextEncoder().encode('this is not a capture file, just some text bytes...\n');
    const pcap = tmpFile('garbage.pcap', garbage);
    const r = await emu('run', pcapScenario('garbage-pcap.yaml', 'garbage.pcap'));
    expectBadInput(r);
    expect(r.err).toBe(`emu: ${pcap}: byte 0: unknown magic 0x74686973 (bytes as stored): not a classic pcap file (expected a1b2c3d4 or a1b23c4d in either byte order)\n`);
  });

  it('a pcap file with a truncated record: the message names the file and the record\'s byte offset', async () => {
    // One good 60-byte record (24 + 16 + 60 = byte 100), then 10 stray bytes.
    const good = encodePcap([{ tsNs: 0, data: new Uint8Array(60) }]);
    const bytes = new Uint8Array(good.length + 10);
    bytes.set(good);
    bytes.fill(0xee, good.length);
    const pcap = tmpFile('truncated.pcap', bytes);
    const r = await emu('run', pcapScenario('truncated-pcap.yaml', 'truncated.pcap'));
    expectBadInput(r);
    expect(r.err).toBe(`emu: ${pcap}: byte 100: record 1: header truncated (need 16 bytes, 10 left)\n`);
  });
});

/** l2fwd's text with `edit` applied, as a file in the test's directory. */
function l2fwdWith(name: string, edit: (text: string) => string): string {
  return tmpFile(name, edit(readFileSync(L2FWD, 'utf8')));
}

describe('issue 12: bad input found before anything runs, exit 2, never a stack trace or a hang', () => {
  it('an alias without an anchor (name: *x) is a scenario error with its line and column, for validate and run', async () => {
    const f = tmpFile('alias.yaml', 'name: *x\n');
    for (const cmd of ['validate', 'run']) {
      const r = await emu(cmd, f);
      expectBadInput(r);
      expect(r.err).toBe(`emu: scenario ${f}: 1 problem\n  - line 1, column 7: got "name: *x", expected an alias *x after an anchor &x that defines it (YAML reads from the top)\n`);
    }
  });

  it('a scenario file over 4 MiB is refused before it is parsed', async () => {
    const f = tmpFile('huge.yaml', `name: huge\n# ${'x'.repeat(5 * 1024 * 1024)}\n`);
    const t0 = Date.now();
    const r = await emu('validate', f);
    expect(Date.now() - t0).toBeLessThan(2000);
    expectBadInput(r);
    expect(r.err).toMatch(/: got "5\.0 MiB", expected a scenario of at most 4 MiB \(4194304 bytes; this one has 5242894\)/);
  });

  for (const [what, edit, expected] of [
    ['rate: 1e30pps', (t: string) => t.replace('rate: line', 'rate: 1e30pps'), /ports\[0\]\.traffic\.rate \(line 12\): got "1e30pps", expected a rate of at most 148\.8Mpps or 100Gbps/],
    ['controlPeriod: 1cycles', (t: string) => t.replace('duration: 1ms', 'duration: 1ms\ncontrolPeriod: 1cycles'), /controlPeriod \(line 8\): got "1cycles", expected a control period of at least 1us: at most 100000 control points/],
    ['duration: 1e9s', (t: string) => t.replace('duration: 1ms', 'duration: 1e9s'), /duration \(line 7\): got "1e9s", expected a duration at most 86400s/],
  ] as const) {
    it(`${what} validates no more: exit 2 at once`, async () => {
      const t0 = Date.now();
      const r = await emu('run', l2fwdWith(`bound-${what.replace(/[^a-z0-9]/gi, '')}.yaml`, edit));
      expect(Date.now() - t0).toBeLessThan(2000);
      expectBadInput(r);
      expect(r.err).toMatch(expected);
    });
  }

  it('--duration that would offer more than 1e9 frames is refused, naming --duration', async () => {
    const r = await emu('run', L2FWD, '--duration', '600s');
    expectBadInput(r);
    expect(r.err).toMatch(/- --duration: got "600s", expected a run whose traffic generators offer at most 1e9 frames \(this one: about 2e9,/);
  });

  it('emu scenario rtc-vs-pl --warmup 10s is refused before the first point, naming --warmup', async () => {
    const t0 = Date.now();
    const r = await emu('scenario', 'rtc-vs-pl', '--warmup', '10s');
    expect(Date.now() - t0).toBeLessThan(5000);
    expectBadInput(r);
    expect(r.err).toMatch(/^emu: emu scenario rtc-vs-pl: 1 problem\n {2}- --warmup: got "10s", expected a shorter one: the 18 points may offer at most 1e9 frames in all/);
  });

  it('--window 1e9s echoes what was written and says the limit', async () => {
    const r = await emu('scenario', 'rtc-vs-pl', '--window', '1e9s');
    expectBadInput(r);
    expect(r.err).toMatch(/argument '1e9s' is invalid\. expected a duration like 1ms or 500us, at most 86400s \(one day\), got "1e9s"/);
    const both = await emu('scenario', 'wfq-weights', '--window', '50000s', '--warmup', '40000s');
    expectBadInput(both);
    expect(both.err).toBe('emu: emu scenario wfq-weights: 1 problem\n  - --window: got "50000s", expected --window and --warmup together at most 86400s (one day; here 50000s + 40000s)\n');
  });

  it('--window and --warmup in a spelling the experiments do not read (1E2us, 100 μs) still run', async () => {
    const r = await emu('scenario', 'rtc-vs-pl', '--frames', '1518', '--window', '1E1us', '--warmup', '5 \u03bcs', '--threads', '1', '--json', '-q');
    expect(r.code, r.err).toBe(EXIT_OK);
    expect(JSON.parse(r.out).params).toMatchObject({ window: '10000ns', warmup: '5000ns' });
  });

  it('emu hw run: no frame limit and no tap check, since a real-time run generates no traffic and writes no taps', async () => {
    // 1000 s of 10 GbE IMIX would be 3.4e9 frames in virtual time; the run stops at the missing io: section.
    const f = l2fwdWith('hw-long.yaml', (t) => t.replace('duration: 1ms', 'duration: 1000s').replace('tasks:', 'taps:\n  - { at: "swap:0", file: no-such-folder/t.pcap }\ntasks:'));
    const r = await emu('hw', 'run', f, '-q');
    expectBadInput(r);
    expect(r.err).toMatch(/a real-time run needs an interface for every port: add io:/);
    // The same file in virtual time: both problems.
    const v = await emu('validate', f);
    expectBadInput(v);
    expect(v.err).toMatch(/duration \(line 7\): got "1000s", expected a run whose traffic generators offer at most 1e9 frames/);
    expect(v.err).toMatch(/taps\[0\]\.file \(line 19\): got "no-such-folder\/t\.pcap"/);
  });

  it('emu hw list --netns nosuch is bad input (exit 2), naming the namespace', async () => {
    const r = await emu('hw', 'list', '--netns', 'nosuch');
    expectBadInput(r);
    expect(r.err).toMatch(/option '--netns <name>' argument 'nosuch' is invalid\. expected a network namespace in \/run\/netns/);
    expectBadInput(await emu('hw', 'list', '--netns', '../etc'));
  });
});

describe('issue 12: output files are checked before the run', () => {
  const missing = join(dir, 'no-such-folder');

  it('--out and --msgpack into a missing folder: exit 2 at once, naming the option', async () => {
    const t0 = Date.now();
    // 10 s of virtual time would take half a minute: the check comes first.
    const r = await emu('run', L2FWD, '--duration', '10s', '--out', join(missing, 'r.json'), '--msgpack', join(missing, 'r.msgpack'), '-q');
    expect(Date.now() - t0).toBeLessThan(2000);
    expectBadInput(r);
    const lines = r.err.split('\n');
    expect(lines[0]).toBe('emu: options: 2 problems');
    expect(lines[1]).toMatch(/^ {2}- --out: got ".*r\.json", expected a file the command can write, or - for standard output \(folder .*no-such-folder not found\)$/);
    expect(lines[2]).toMatch(/^ {2}- --msgpack: got ".*r\.msgpack", expected a file the command can write, or - for standard output \(folder .*no-such-folder not found\)$/);
    const folder = await emu('run', L2FWD, '--out', dir);
    expectBadInput(folder);
    expect(folder.err).toContain(`(${dir} is a folder, not a file)`);
  });

  it('--out, --csv and --report of emu scenario, before the first point', async () => {
    const t0 = Date.now();
    const r = await emu('scenario', 'rtc-vs-pl', '--out', join(missing, 'a.json'), '--csv', join(missing, 'a.csv'), '--report', join(missing, 'a.html'));
    expect(Date.now() - t0).toBeLessThan(5000);
    expectBadInput(r);
    expect(r.err.split('\n').filter((l) => l.startsWith('  - ')).map((l) => l.split(':')[0])).toEqual(['  - --out', '  - --csv', '  - --report']);
  });

  it('a tap into a missing folder: exit 2 before the run, naming the tap, for run and validate', async () => {
    const f = l2fwdWith('tap-missing.yaml', (t) => t.replace('tasks:', 'taps:\n  - { at: "swap:0", file: no-such-folder/t.pcap }\ntasks:'));
    for (const cmd of ['run', 'validate']) {
      const r = await emu(cmd, f);
      expectBadInput(r);
      expect(r.err).toBe(`emu: scenario ${f}: 1 problem\n  - taps[0].file (line 19): got "no-such-folder/t.pcap", expected a pcap file the run can write (folder ${missing} not found)\n`);
    }
  });

  it('--out - writes the record to standard output instead of the summary', async () => {
    const r = await emu('run', L2FWD, '--out', '-');
    expect(r.code, r.err).toBe(EXIT_OK);
    const rec = JSON.parse(r.out) as ResultRecord;
    expect(rec.schema).toBe('emu.result/1');
    expect(r.out).toBe((await emu('run', L2FWD, '--json')).out);
    const mp = await emu('run', L2FWD, '--msgpack', '-');
    expect(mp.code, mp.err).toBe(EXIT_OK);
    expect((unpack(Buffer.from(mp.out, 'latin1')) as ResultRecord).schema).toBe('emu.result/1');
  });

  it('standard output carries one thing: --json with --out -, or two "-", is bad input', async () => {
    const r = await emu('run', L2FWD, '--json', '--out', '-');
    expectBadInput(r);
    expect(r.err).toBe('emu: options: 1 problem\n  - --out: got "-", expected a file (standard output already carries what --json writes)\n');
    const two = await emu('scenario', 'rtc-vs-pl', '--csv', '-', '--report', '-');
    expectBadInput(two);
    expect(two.err).toMatch(/--report: got "-", expected a file \(standard output already carries what --csv writes\)/);
  });

  it('emu scenario --csv - prints the CSV alone on standard output', async () => {
    const r = await emu('scenario', 'rtc-vs-pl', '--frames', '1518', '--window', '10us', '--warmup', '5us', '--threads', '1', '--csv', '-', '-q');
    expect(r.code, r.err).toBe(EXIT_OK);
    const rows = r.out.trim().split('\n');
    expect(rows[0]).toMatch(/^label,frameBytes,model,delivered_mpps/);
    expect(rows).toHaveLength(4); // header + rtc, pl, hybrid
  });
});

describe('emu validate', () => {
  it('- reads the scenario from standard input; relative paths resolve against the working directory', async () => {
    const r = await emuWithStdin(readFileSync(L2FWD, 'utf8'), 'validate', '-');
    expect(r.code, r.err).toBe(EXIT_OK);
    expect(r.out).toBe('(standard input): ok (1 modules, 1 tasks on 1 cores, 1 rings)\n');
    const bad = await emuWithStdin('name: *x\n', 'validate', '-');
    expectBadInput(bad);
    expect(bad.err).toMatch(/^emu: scenario \(standard input\): 1 problem\n {2}- line 1, column 7: /);
  });

  it('accepts a good file: exit 0 and "ok"', async () => {
    const r = await emu('validate', L2FWD);
    expect(r.code).toBe(EXIT_OK);
    expect(r.err).toBe('');
    expect(r.out).toBe(`${L2FWD}: ok (1 modules, 1 tasks on 1 cores, 1 rings)\n`);
  });

  it('rejects a bad file: exit 2 and its problems', async () => {
    const f = tmpFile('validate-bad.yaml', 'name: Bad Name\nduration: -1ms\nmachine: { hz: 2.6GHz, cores: 1 }\nports: []\ntasks: []\n');
    const r = await emu('validate', f);
    expectBadInput(r);
    expect(r.err).toMatch(/^emu: scenario .*validate-bad\.yaml: \d+ problems?\n/);
    expect(r.err).toMatch(/\n {2}- name \(line 1\): got "Bad Name"/);
    expect(r.err).toMatch(/\n {2}- duration \(line 2\): got "-1ms"/);
  });
});

describe('emu nf list', () => {
  it('lists every NF kind of the catalog', async () => {
    const r = await emu('nf', 'list');
    expect(r.code).toBe(EXIT_OK);
    expect(NF_KINDS.length).toBeGreaterThan(0);
    const rows = r.out.split('\n');
    for (const k of NF_KINDS) {
      expect(rows.some((l) => l.startsWith(`${k.name} `) && l.includes(k.help)), k.name).toBe(true);
    }
  });

  it('--json parses and names the same kinds, in catalog order', async () => {
    const r = await emu('nf', 'list', '--json');
    expect(r.code).toBe(EXIT_OK);
    const kinds = JSON.parse(r.out) as { name: string; gates: string[]; isQueue: boolean }[];
    expect(kinds.map((k) => k.name)).toEqual(NF_KINDS.map((k) => k.name));
    expect(kinds.find((k) => k.name === 'macswap')).toMatchObject({ gates: ['out'], isQueue: false });
    expect(kinds.find((k) => k.name === 'queue')?.isQueue).toBe(true);
  });
});

describe('emu --help', () => {
  it('exits 0 and mentions run, validate and nf', async () => {
    const r = await emu('--help');
    expect(r.code).toBe(EXIT_OK);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/Usage: emu /);
    expect(r.out).toMatch(/\n\s+run \[options\] <file>/);
    expect(r.out).toMatch(/\n\s+validate \[options\] <file>/);
    expect(r.out).toMatch(/\n\s+nf\b/);
  });
});

describe('the real launcher (bin/emu.js)', () => {
  it('--version and run --json work through a child process', () => {
    const launcher = join(root, 'bin', 'emu.js');
    const version = spawnSync(process.execPath, [launcher, '--version'], { cwd: root, encoding: 'utf8' });
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(EMU_VERSION);

    const run = spawnSync(process.execPath, [launcher, 'run', 'scenarios/l2fwd.yaml', '--json'], { cwd: root, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const rec = JSON.parse(run.stdout) as ResultRecord;
    expect(rec.schema).toBe('emu.result/1');
    expect(rec.totals.conserved).toBe(true);
  });

  it('a reader that goes away (emu ... | head -1) ends it quietly, with no stack trace', async () => {
    const { spawn } = await import('node:child_process');
    const launcher = join(root, 'bin', 'emu.js');
    // A long output (an experiment document, megabytes), whose reader closes after the first chunk.
    const child = spawn(process.execPath, [launcher, 'scenario', 'rtc-vs-pl', '--frames', '64', '--window', '10us', '--warmup', '5us', '--threads', '1', '--json', '-q'], { cwd: root });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(err).not.toMatch(/EPIPE|Error|at /);
    expect(code).toBe(0);
  });
});

describe('emu run --controller', () => {
  const PIPE3 = join(root, 'scenarios', 'pipeline-3.yaml');
  const JS_CONTROLLER = `node ${join(root, 'examples', 'controllers', 'ts', 'threshold.mjs')}`;

  it('drives the run with an external controller over stdio: its actions change the record, the same way every time', async () => {
    const plain = await emu('run', PIPE3, '--json', '--quiet', '--threads', '1');
    const driven = await emu('run', PIPE3, '--json', '--quiet', '--threads', '1', '--controller', JS_CONTROLLER);
    const again = await emu('run', PIPE3, '--json', '--quiet', '--threads', '2', '--controller', JS_CONTROLLER);
    expect(plain.code).toBe(EXIT_OK);
    expect(driven.code, driven.err).toBe(EXIT_OK);
    expect(again.code, again.err).toBe(EXIT_OK);
    const a = JSON.parse(plain.out) as ResultRecord;
    const b = JSON.parse(driven.out) as ResultRecord;
    expect(b.totals.conserved).toBe(true);
    // q1 stays full (256 > the controller's 128), so stage b's batch is doubled at each control point.
    const meanBatch = (r: ResultRecord) => r.tasks.find((t) => t.name === 'q1@1')!.meanBatch;
    expect(meanBatch(b)).toBeGreaterThan(meanBatch(a));
    expect(again.out).toBe(driven.out);
  });

  it('a controller that cannot be started is bad input (exit 2), named', async () => {
    const r = await emu('run', PIPE3, '--quiet', '--controller', join(dir, 'no-such-controller'));
    expect(r.code).toBe(EXIT_BAD_INPUT);
    expect(r.err).toContain('--controller: cannot start');
    expect(r.err).not.toMatch(STACK_TRACE);
  });

  it("a scenario's controller.command drives the run when --controller is not given; it starts in the scenario's folder", async () => {
    const sub = join(dir, 'with-controller');
    mkdirSync(sub, { recursive: true });
    copyFileSync(join(root, 'examples', 'controllers', 'python', 'threshold.py'), join(sub, 'ctl.py'));
    const text = readFileSync(PIPE3, 'utf8') + '\ncontroller:\n  command: /usr/bin/python3 ctl.py\n';
    writeFileSync(join(sub, 'pipe3.yaml'), text);
    const fromFile = await emu('run', join(sub, 'pipe3.yaml'), '--json', '--quiet', '--threads', '1');
    const fromFlag = await emu('run', PIPE3, '--json', '--quiet', '--threads', '1', '--controller', JS_CONTROLLER);
    expect(fromFile.code, fromFile.err).toBe(EXIT_OK);
    const a = JSON.parse(fromFile.out) as ResultRecord;
    const b = JSON.parse(fromFlag.out) as ResultRecord;
    // The Python and the JS example follow one policy: the same run (the resolved scenario aside).
    expect(JSON.stringify({ ...a, scenario: null })).toBe(JSON.stringify({ ...b, scenario: null }));
    expect(a.series!.points[0]!.control).toBe('ok');
    // A command that cannot start is named by its field.
    writeFileSync(join(sub, 'bad.yaml'), readFileSync(PIPE3, 'utf8') + '\ncontroller:\n  command: ./no-such-controller\n');
    const bad = await emu('run', join(sub, 'bad.yaml'), '--quiet');
    expect(bad.code).toBe(EXIT_BAD_INPUT);
    expect(bad.err).toContain('controller.command: cannot start');
  });

  it('--controller-timeout takes milliseconds', async () => {
    const r = await emu('run', PIPE3, '--quiet', '--controller-timeout', 'soon', '--controller', JS_CONTROLLER);
    expect(r.code).toBe(EXIT_BAD_INPUT);
    expect(r.err).toContain('expected a time in milliseconds');
  });
});

describe('--json on validate, scenario list and scenario show', () => {
  it('validate --json: the counts for a good scenario, every problem with its path for a bad one (exit 2)', async () => {
    const good = await emu('validate', join(root, 'scenarios', 'rtc-4.yaml'), '--json');
    expect(good.code).toBe(EXIT_OK);
    expect(JSON.parse(good.out)).toMatchObject({ ok: true, modules: 12, tasks: 4, cores: 4, rings: 4, warnings: [] });
    const bad = await emu('validate', tmpFile('bad-json.yaml', 'name: x\nduration: soon\n'), '--json');
    expect(bad.code).toBe(EXIT_BAD_INPUT);
    const out = JSON.parse(bad.out) as { ok: boolean; problems: { path: string }[] };
    expect(out.ok).toBe(false);
    expect(out.problems.map((p) => p.path)).toContain('duration');
  });

  it('scenario list --json and scenario show NAME --json', async () => {
    const list = JSON.parse((await emu('scenario', 'list', '--json')).out) as { name: string }[];
    expect(list.map((e) => e.name)).toContain('autoscale');
    const show = JSON.parse((await emu('scenario', 'show', 'autoscale', '--json')).out) as { name: string; parameters: { name: string }[] };
    expect(show.name).toBe('autoscale');
    expect(show.parameters.map((p) => p.name)).toContain('slos');
  });
});

describe('emu run --set', () => {
  it('sets fields before the checks (repeatable); a bad one is bad input named by the option', async () => {
    const r = await emu('run', join(root, 'scenarios', 'pipeline-3.yaml'), '--json', '--quiet', '--set', 'duration=1ms', '--set', 'tasks[1].batch=8');
    expect(r.code, r.err).toBe(EXIT_OK);
    const rec = JSON.parse(r.out) as ResultRecord;
    expect(rec.time.durationCycles).toBe(2.6e6);
    expect(rec.tasks[1]!.meanBatch).toBeLessThanOrEqual(8);
    const bad = await emu('run', join(root, 'scenarios', 'pipeline-3.yaml'), '--quiet', '--set', 'tasks[7].batch=8');
    expectBadInput(bad);
    expect(bad.err).toContain('--set tasks[7].batch: got "tasks[7].batch=8", expected an index of the list tasks (it has 3 entries)');
  });
});

describe('emu run --csv', () => {
  it('writes the run over time, one row per control period, with the groups and tasks as columns; a run of one period is refused before it starts', async () => {
    const LOADTEST = join(root, 'scenarios', 'loadtest.yaml');
    const r = await emu('run', LOADTEST, '--quiet', '--threads', '1', '--csv', '-');
    expect(r.code, r.err).toBe(EXIT_OK);
    const lines = r.out.trim().split('\n');
    // 4 ms in periods of 0.25 ms: 16 rows under the header.
    expect(lines).toHaveLength(17);
    const header = lines[0]!.split(',');
    expect(header.slice(0, 4)).toEqual(['end_s', 'control', 'slo_ok', 'cores_in_use']);
    expect(header).toContain('eth0.p99_us');
    expect(header).toContain('q1@1.batch');
    const last = lines[16]!.split(',');
    expect(Number(last[0])).toBeCloseTo(0.004, 12);
    expect(last.length).toBe(header.length);
    const one = await emu('run', join(root, 'scenarios', 'l2fwd.yaml'), '--quiet', '--csv', join(dir, 'x.csv'));
    expect(one.code).toBe(EXIT_BAD_INPUT);
    expect(one.err).toContain('--csv: the run has a single control period');
  });
});

describe('emu run --controller, interrupted', () => {
  it('Ctrl-C (SIGINT) to emu also ends the controller process, which runs in its own process group', async () => {
    const pidFile = join(dir, 'controller.pid');
    // A controller that says who it is, then never answers (emu waits at the first control point).
    const ctl = tmpFile('silent-controller.mjs', `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(pidFile)}, String(process.pid));\nsetInterval(() => {}, 1000);\n`);
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [join(root, 'bin', 'emu.js'), 'run', join(root, 'scenarios', 'loadtest.yaml'), '--quiet',
      '--controller-timeout', '600000', '--controller', `${process.execPath} ${ctl}`], { cwd: root, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const waitFor = async (ok: () => boolean, what: string) => {
      for (let i = 0; i < 200; i++) { if (ok()) return; await new Promise((r) => setTimeout(r, 50)); }
      throw new Error(`timed out waiting for ${what}`);
    };
    const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
    try {
      await waitFor(() => { try { return readFileSync(pidFile, 'utf8') !== ''; } catch { return false; } }, 'the controller to start');
      const ctlPid = Number(readFileSync(pidFile, 'utf8'));
      expect(alive(ctlPid)).toBe(true);
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      await waitFor(() => !alive(ctlPid), 'the controller to be gone');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
