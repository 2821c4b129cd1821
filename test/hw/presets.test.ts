/**
 * Machine presets: the shipped ones validate and cite a source for every
 * number; numbers chosen inside published ranges stay inside them; a bad
 * user preset gets one error listing every problem with its path.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPresetFile, parsePresetText } from '../../src/hw/preset-file.js';
import {
  copyCostFit,
  copyCycles,
  llcPartition,
  missingSources,
  PRESET_FIELDS,
  presetValue,
  socketOfCore,
  validatePreset,
} from '../../src/hw/preset.js';
import { DEFAULT_PRESET_NAME, findPreset, getPreset, listPresets, SHIPPED_PRESETS } from '../../src/hw/presets/index.js';
import { ConfigError, Problems } from '../../src/util/config-check.js';

describe('shipped presets', () => {
  it('are the three machines of the seed papers ([ExecModels], [SCC], [Quadrant]), default first', () => {
    expect(listPresets().map((p) => p.name)).toEqual(['xeon-8168-2s', 'e5-2667v3', 'e5-2630v3']);
    expect(DEFAULT_PRESET_NAME).toBe('xeon-8168-2s');
    expect(getPreset().name).toBe('xeon-8168-2s');
  });

  for (const raw of SHIPPED_PRESETS) {
    describe(raw.name, () => {
      it('validates with no problem', () => {
        const p = new Problems();
        validatePreset(structuredClone(raw), '', p);
        expect(p.list).toEqual([]);
      });

      it('cites a source for every numeric and boolean field, naming a paper or saying assumed/derived', () => {
        expect(missingSources(raw)).toEqual([]);
        for (const f of PRESET_FIELDS) {
          expect(raw.sources[f.path], f.path).toMatch(/\[(ExecModels|SCC|Quadrant)\]|assumed|derived/);
        }
        // And every field holds a value of its kind.
        for (const f of PRESET_FIELDS) {
          expect(typeof presetValue(raw, f.path), f.path).toBe(f.kind === 'bool' ? 'boolean' : 'number');
        }
      });

      it('has a copy-cost fit that reproduces [Quadrant]\'s two measurements within 1 cycle', () => {
        expect(Math.abs(copyCycles(raw, 100) - 247)).toBeLessThanOrEqual(1);
        expect(Math.abs(copyCycles(raw, 1500) - 467)).toBeLessThanOrEqual(1);
      });

      it('is what getPreset returns, frozen', () => {
        const m = getPreset(raw.name);
        expect(m).toEqual(raw);
        expect(Object.isFrozen(m.caches.L2)).toBe(true);
        expect(findPreset(raw.name)).toBe(m);
      });
    });
  }

  it('copy fit: slope (467 - 247) / (1500 - 100) = 0.15714 cycles/B, intercept 247 - 100 * slope = 231.29', () => {
    const fit = copyCostFit(getPreset('e5-2630v3'));
    expect(fit.cyclesPerByte).toBeCloseTo(220 / 1400, 12);
    expect(fit.fixedCycles).toBeCloseTo(231.2857142857, 8);
    expect(copyCycles(getPreset('e5-2630v3'), 64)).toBe(Math.round(231.2857142857 + 64 * (220 / 1400))); // 241
    expect(copyCycles(getPreset('e5-2630v3'), 64)).toBe(241);
  });

  it('xeon-8168-2s: the numbers chosen inside the published ranges of [ExecModels]', () => {
    const m = getPreset('xeon-8168-2s');
    const inRange = (v: number, lo: number, hi: number) => expect(v >= lo && v <= hi, `${v} in [${lo}, ${hi}]`).toBe(true);
    inRange(m.caches.LLC.latencyCycles, 44, 70);
    inRange(m.caches.LLC.remoteLatencyCycles, 100, 150);
    inRange(m.coherence.crossSocketPenaltyCycles, 100, 150);
    expect(m.coherence.cleanTransferCycles).toBe(44);
    expect(m.coherence.dirtyTransferCycles).toBeLessThanOrEqual(70);
    // The clean cross-socket transfer and the remote L3 access are the same mechanism.
    expect(m.coherence.cleanTransferCycles + m.coherence.crossSocketPenaltyCycles).toBe(m.caches.LLC.remoteLatencyCycles);
    expect(m.dram).toEqual({ localLatencyCycles: 250, remoteLatencyCycles: 420 });
  });

  it('numbers cores socket by socket and partitions the LLC per core', () => {
    const m = getPreset('xeon-8168-2s');
    expect(socketOfCore(m, 23)).toBe(0);
    expect(socketOfCore(m, 24)).toBe(1);
    expect(llcPartition(m)).toEqual({ sets: 2048, ways: 11, sizeBytes: 1441792 }); // 1.375 MiB
    expect(llcPartition(getPreset('e5-2667v3'))).toEqual({ sets: 2048, ways: 20, sizeBytes: 2621440 }); // 2.5 MiB
  });

  it('getPreset names the known presets for an unknown name', () => {
    expect(() => getPreset('xeon-8186-2s')).toThrow(/unknown machine preset "xeon-8186-2s" \(did you mean "xeon-8168-2s"\?\); known presets: xeon-8168-2s, e5-2667v3, e5-2630v3/);
    expect(findPreset('nope')).toBeUndefined();
  });
});

/** A valid user preset to break in tests. */
function userPreset(): Record<string, any> {
  const m = structuredClone(SHIPPED_PRESETS[0]!) as unknown as Record<string, any>;
  m.name = 'my-box';
  m.sources = { hz: 'lscpu' };
  return m;
}

describe('validatePreset on user presets', () => {
  it('accepts a preset without sources', () => {
    const raw = userPreset();
    delete raw.sources;
    const p = new Problems();
    const m = validatePreset(raw, '', p);
    expect(p.list).toEqual([]);
    expect(m.sources).toEqual({});
    expect(missingSources(m).length).toBe(PRESET_FIELDS.length);
  });

  it('lists every problem, each with its dotted path', () => {
    const raw = userPreset();
    raw.coresPerSocket = 0; // below 1
    raw.caches.L2.ways = '16'; // a string
    raw.caches.L3 = { sizeBytes: 1 }; // unknown level
    delete raw.dram.remoteLatencyCycles; // missing
    raw.caches.L1d.latencyCycles = 20; // above L2's 14: reported at L2 (must be >= L1)
    raw.caches.L1d.sizeBytes = 1000; // not whole sets
    raw.nic.ddio = 'yes'; // not a boolean
    raw.nic.socket = 2; // sockets is 2: no socket 2
    raw.coherence.dirtyTransferCycles = 30; // below clean 44
    raw.copy.largeBytes = 50; // below smallBytes
    raw.sources['caches.L2.latncyCycles'] = 'typo';
    raw.sources.hz = 3; // not a string
    raw.extra = true; // unknown top-level field
    const p = new Problems();
    validatePreset(raw, 'machine', p);
    const paths = p.list.map((x) => x.path).sort();
    expect(paths).toEqual(
      [
        'machine.caches.L1d.sizeBytes',
        'machine.caches.L2.ways',
        'machine.caches.L2.latencyCycles',
        'machine.caches.L3',
        'machine.coherence.dirtyTransferCycles',
        'machine.copy.largeBytes',
        'machine.dram.remoteLatencyCycles',
        'machine.extra',
        'machine.nic.ddio',
        'machine.nic.socket',
        'machine.coresPerSocket',
        'machine.sources["caches.L2.latncyCycles"]',
        'machine.sources.hz',
      ].sort(),
    );
    const typo = p.list.find((x) => x.path.includes('latncy'))!;
    expect(typo.expected).toContain('did you mean "caches.L2.latencyCycles"?');
    const ways = p.list.find((x) => x.path === 'machine.caches.L2.ways')!;
    expect(ways.value).toBe('16');
    // The missing field is reported once, not again by the latency-order check.
    expect(p.list.filter((x) => x.path === 'machine.dram.remoteLatencyCycles')).toHaveLength(1);
    expect(p.list.find((x) => x.path === 'machine.caches.L2.latencyCycles')!.expected).toBe('a number >= caches.L1d.latencyCycles (20)');
    expect(p.list.find((x) => x.path === 'machine.nic.socket')!.expected).toBe('a socket index below sockets (2)');
  });

  it('rejects a non-object and a bad name', () => {
    const p = new Problems();
    validatePreset([1, 2], 'm', p);
    expect(p.list.map((x) => x.path)).toEqual(['m']);
    const q = new Problems();
    const raw = userPreset();
    raw.name = 'has space';
    validatePreset(raw, '', q);
    expect(q.list.map((x) => x.path)).toEqual(['name']);
  });
});

describe('preset files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'emu-hw-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a JSON preset equal to the shipped one it was written from', () => {
    const f = join(dir, 'box.json');
    writeFileSync(f, JSON.stringify(getPreset('e5-2667v3'), null, 2));
    expect(loadPresetFile(f)).toEqual(getPreset('e5-2667v3'));
  });

  it('loads YAML and reports every problem with its path and line', () => {
    const f = join(dir, 'bad.yaml');
    const m = userPreset();
    m.caches.L2.ways = 0;
    m.nic.lineRateBps = 'fast';
    delete m.sources;
    // Hand-written YAML so the lines are known: flow mappings, one group per line.
    const text = [
      `name: ${m.name}`,
      `description: test`,
      `sockets: 2`,
      `coresPerSocket: 24`,
      `hz: 3.4e9`,
      `lineBytes: 64`,
      `caches:`,
      `  L1d: { sizeBytes: 16384, ways: 8, latencyCycles: 4 }`,
      `  L2: { sizeBytes: 1048576, ways: 0, latencyCycles: 14 }`,
      `  LLC: { sizeBytes: 34603008, ways: 11, latencyCycles: 44, remoteLatencyCycles: 144, inclusive: false }`,
      `dram: { localLatencyCycles: 250, remoteLatencyCycles: 420 }`,
      `coherence: { cleanTransferCycles: 44, dirtyTransferCycles: 70, crossSocketPenaltyCycles: 100 }`,
      `os: { contextSwitchCycles: 3400, batchContextSwitchCycles: 3876, rtContextSwitchCycles: 3196, syscallCycles: 139 }`,
      `copy: { smallBytes: 100, smallCycles: 247, largeBytes: 1500, largeCycles: 467 }`,
      `nic: { socket: 0, ddio: true, lineRateBps: fast, ports: 2 }`,
    ].join('\n');
    writeFileSync(f, text);
    let err: unknown;
    try {
      loadPresetFile(f);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const ce = err as ConfigError;
    expect(ce.problems.map((x) => [x.path, x.line])).toEqual([
      ['caches.L2.ways', 9],
      ['nic.lineRateBps', 15],
    ]);
    expect(ce.message).toContain(`machine preset ${f}: 2 problems`);
    expect(ce.message).toContain('caches.L2.ways (line 9): got 0, expected an integer between 1 and 32');
  });

  it('reports syntax errors and missing files as ConfigErrors', () => {
    expect(() => parsePresetText('{ "name": ', 'json')).toThrow(ConfigError);
    expect(() => parsePresetText('a: [1, 2', 'yaml')).toThrow(/valid YAML/);
    expect(() => loadPresetFile(join(dir, 'missing.yaml'))).toThrow(/a readable preset file/);
  });
});
