import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  Problems,
  asObject,
  didYouMean,
  editDistance,
  formatValue,
  joinPath,
  readArray,
  readBool,
  readInt,
  readNumber,
  readString,
  rejectUnknownKeys,
} from '../../src/util/config-check.js';

describe('formatValue', () => {
  it('renders values JSON-like', () => {
    expect(formatValue(undefined)).toBe('nothing');
    expect(formatValue(null)).toBe('null');
    expect(formatValue(-5)).toBe('-5');
    expect(formatValue(NaN)).toBe('NaN');
    expect(formatValue('nf9')).toBe('"nf9"');
    expect(formatValue(true)).toBe('true');
    expect(formatValue({ a: 1, b: [1, 'x'] })).toBe('{"a":1,"b":[1,"x"]}');
    expect(formatValue(10n)).toBe('10n');
    expect(formatValue(() => 1)).toBe('a function');
  });
  it('truncates long values to 60 characters', () => {
    const s = formatValue('x'.repeat(200));
    expect(s.length).toBe(60);
    expect(s.endsWith('...')).toBe(true);
  });
  it('survives circular objects', () => {
    const o: Record<string, unknown> = {};
    o['self'] = o;
    expect(formatValue(o)).toBe('[an object that cannot be shown]');
  });
});

describe('Problems and ConfigError', () => {
  it('is ok until something is added, and throws once with every problem', () => {
    const p = new Problems();
    expect(p.ok).toBe(true);
    p.throwIfAny('nothing wrong'); // does not throw
    p.add('modules[1].config.cyclesPerPacket', -5, 'a number >= 0');
    p.add('edges[0].to', 'nf9', 'the name of a module or port endpoint (modules: fw, lb; ports: eth0)');
    expect(p.ok).toBe(false);
    let err: unknown;
    try {
      p.throwIfAny('scenario test');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const ce = err as ConfigError;
    expect(ce.name).toBe('ConfigError');
    expect(ce.problems).toHaveLength(2);
    expect(ce.message).toBe(
      [
        'scenario test: 2 problems',
        '  - modules[1].config.cyclesPerPacket: got -5, expected a number >= 0',
        '  - edges[0].to: got "nf9", expected the name of a module or port endpoint (modules: fw, lb; ports: eth0)',
      ].join('\n'),
    );
  });
  it('says "1 problem", shows the top level and source lines', () => {
    const e = new ConfigError('x', [
      { path: '', value: 3, expected: 'a mapping of fields (an object)' },
      { path: 'a.b', value: 1, expected: 'a string', line: 7 },
    ]);
    expect(e.message.split('\n')).toEqual([
      'x: 2 problems',
      '  - (top level): got 3, expected a mapping of fields (an object)',
      '  - a.b (line 7): got 1, expected a string',
    ]);
    expect(new ConfigError('y', [{ path: 'k', value: undefined, expected: 'z' }]).message).toBe(
      'y: 1 problem\n  - k: got nothing, expected z',
    );
  });
});

describe('paths', () => {
  it('joins keys and brackets odd ones', () => {
    expect(joinPath('', 'a')).toBe('a');
    expect(joinPath('a[2]', 'b')).toBe('a[2].b');
    expect(joinPath('a', 'my key')).toBe('a["my key"]');
  });
});

describe('readers', () => {
  it('readInt: defaults, ranges, powers of two, missing', () => {
    const p = new Problems();
    const o = { a: 5, b: 3.5, c: 100, d: 48, e: '7', f: 64 };
    expect(readInt(p, o, 'a', 'x', { min: 1 })).toBe(5);
    expect(readInt(p, o, 'zz', 'x', { default: 9 })).toBe(9);
    expect(readInt(p, o, 'b', 'x', { default: 2 })).toBe(2);
    expect(readInt(p, o, 'c', 'x', { min: 1, max: 10 })).toBe(1);
    expect(readInt(p, o, 'd', 'x', { min: 16, max: 65536, powerOfTwo: true })).toBe(16);
    expect(readInt(p, o, 'f', 'x', { min: 16, max: 65536, powerOfTwo: true })).toBe(64);
    expect(readInt(p, o, 'e', '', {})).toBe(0);
    expect(readInt(p, o, 'missing', 'x', { min: 0 })).toBe(0);
    expect(p.list).toEqual([
      { path: 'x.b', value: 3.5, expected: 'an integer' },
      { path: 'x.c', value: 100, expected: 'an integer between 1 and 10' },
      { path: 'x.d', value: 48, expected: 'a power of two between 16 and 65536' },
      { path: 'e', value: '7', expected: 'an integer' },
      { path: 'x.missing', value: undefined, expected: 'an integer >= 0' },
    ]);
  });
  it('readNumber: exclusive minimum, non-finite', () => {
    const p = new Problems();
    const o = { w: 0, x: 0.5, y: Infinity };
    expect(readNumber(p, o, 'x', '', { min: 0, exclusiveMin: true })).toBe(0.5);
    readNumber(p, o, 'w', '', { min: 0, exclusiveMin: true });
    readNumber(p, o, 'y', '', {});
    readNumber(p, o, 'w', '', { min: 1, max: 2 });
    expect(p.list.map((x) => x.expected)).toEqual(['a number > 0', 'a number', 'a number between 1 and 2']);
  });
  it('readString: oneOf with did-you-mean, pattern with help', () => {
    const p = new Problems();
    const o = { proto: 'upd', name: 'Bad Name', d: 3 };
    expect(readString(p, o, 'proto', 't', { oneOf: ['udp', 'tcp'], default: 'udp' })).toBe('udp');
    expect(readString(p, o, 'name', '', { pattern: /^[a-z]+$/, patternHelp: 'a lower-case word' })).toBe('');
    expect(readString(p, o, 'd', '', { default: 'x' })).toBe('x');
    expect(readString(p, o, 'none', '', { default: 'dflt' })).toBe('dflt');
    expect(p.list).toEqual([
      { path: 't.proto', value: 'upd', expected: 'one of: udp, tcp (did you mean "udp"?)' },
      { path: 'name', value: 'Bad Name', expected: 'a lower-case word' },
      { path: 'd', value: 3, expected: 'a string' },
    ]);
  });
  it('readBool and readArray', () => {
    const p = new Problems();
    const o = { b: 'yes', a: {}, e: [] };
    expect(readBool(p, o, 'b', '', { default: true })).toBe(true);
    expect(readBool(p, o, 'zz', '', { default: false })).toBe(false);
    expect(readArray(p, o, 'a', '', {})).toEqual([]);
    expect(readArray(p, o, 'e', '', { minLength: 1 })).toEqual([]);
    expect(readArray(p, o, 'none', '', { default: [1] })).toEqual([1]);
    expect(p.list.map((x) => `${x.path}: ${x.expected}`)).toEqual([
      'b: true or false',
      'a: a list',
      'e: a list with at least 1 item',
    ]);
  });
  it('asObject rejects arrays, null and class instances', () => {
    const p = new Problems();
    expect(asObject(p, { a: 1 }, 'o')).toEqual({ a: 1 });
    expect(asObject(p, [], 'o')).toBeUndefined();
    expect(asObject(p, null, 'o')).toBeUndefined();
    expect(asObject(p, new Date(0), 'o')).toBeUndefined();
    expect(p.list).toHaveLength(3);
  });
});

describe('rejectUnknownKeys', () => {
  it('lists allowed fields and suggests close misspellings', () => {
    const p = new Problems();
    rejectUnknownKeys(p, { duration: 1, durations: '10ms', zzzzzz: 1, Seed: 2 }, ['duration', 'seed', 'name'], '');
    expect(p.list).toEqual([
      {
        path: 'durations',
        value: '10ms',
        expected: 'unknown field (did you mean "duration"?); expected one of: duration, seed, name',
      },
      { path: 'zzzzzz', value: 1, expected: 'unknown field; expected one of: duration, seed, name' },
      { path: 'Seed', value: 2, expected: 'unknown field (did you mean "seed"?); expected one of: duration, seed, name' },
    ]);
    expect(new ConfigError('c', p.list).message.split('\n')[1]).toBe(
      '  - durations: got "10ms", unknown field (did you mean "duration"?); expected one of: duration, seed, name',
    );
  });
  it('edit distance and suggestions', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(didYouMean('contrlPeriod', ['controlPeriod', 'threads'])).toBe('controlPeriod');
    expect(didYouMean('xyz', ['controlPeriod', 'threads'])).toBeNull();
    expect(editDistance('upd', 'udp')).toBe(1); // a swap is one edit
    expect(didYouMean('upd', ['udp', 'tcp'])).toBe('udp');
    expect(didYouMean('numa', ['name', 'hz'])).toBeNull(); // 2 edits is too many for a 4-letter word
    expect(didYouMean('cores', ['cores', 'core'])).toBe('cores');
  });
});

describe('worker-safe modules', () => {
  it('units.ts and config-check.ts import nothing from node:*', async () => {
    const { readFileSync } = await import('node:fs');
    for (const f of ['../../src/util/units.ts', '../../src/util/config-check.ts']) {
      const text = readFileSync(new URL(f, import.meta.url), 'utf8');
      expect(text).not.toMatch(/from\s+['"]node:|require\(\s*['"]node:|import\(\s*['"]node:/);
      expect(text).not.toMatch(/\bprocess\./);
    }
  });
});
