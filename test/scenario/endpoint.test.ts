import { describe, expect, it } from 'vitest';
import { formatEndpoint, parseEndpoint } from '../../src/scenario/endpoint.js';
import { Problems } from '../../src/util/config-check.js';

function parse(raw: unknown) {
  const p = new Problems();
  const r = parseEndpoint(p, raw, 'e', 'an endpoint');
  return { r, problems: p.list.map((x) => `${x.path}: ${x.expected}`) };
}

describe('parseEndpoint', () => {
  it.each([
    ['fw', { type: 'module', module: 'fw', gate: 0 }, false],
    ['fw:1', { type: 'module', module: 'fw', gate: 1 }, true],
    ['fw-2_b:0', { type: 'module', module: 'fw-2_b', gate: 0 }, true],
    ['eth0.rx', { type: 'rx', port: 'eth0', queue: 0 }, false],
    ['eth0.rx12', { type: 'rx', port: 'eth0', queue: 12 }, false],
    ['eth0.tx', { type: 'tx', port: 'eth0' }, false],
    [{ module: 'fw' }, { type: 'module', module: 'fw', gate: 0 }, false],
    [{ module: 'fw', gate: 2 }, { type: 'module', module: 'fw', gate: 2 }, true],
    [{ type: 'gate', module: 'fw', gate: 1 }, { type: 'module', module: 'fw', gate: 1 }, true],
    [{ type: 'queue', module: 'q1' }, { type: 'module', module: 'q1', gate: 0 }, false],
    [{ type: 'rx', port: 'eth0', queue: 3 }, { type: 'rx', port: 'eth0', queue: 3 }, false],
    [{ type: 'tx', port: 'eth0' }, { type: 'tx', port: 'eth0' }, false],
  ])('%j', (raw, endpoint, explicitGate) => {
    const { r, problems } = parse(raw);
    expect(problems).toEqual([]);
    expect(r).toEqual({ endpoint, explicitGate });
  });

  it.each([['fw:'], ['fw:-1'], ['eth0.tx0'], ['eth0.rx-1'], ['1fw'], ['a.b.rx0'], [''], [3], [null], [['fw']]])(
    'rejects %j',
    (raw) => {
      expect(parse(raw)).toEqual({ r: undefined, problems: ['e: an endpoint'] });
    },
  );

  it('reports problems inside object forms by field', () => {
    expect(parse({ module: 'fw', gate: -1 }).problems).toEqual(['e.gate: an integer >= 0']);
    expect(parse({ type: 'rx', port: 'eth0', queue: 1, gate: 2 }).problems).toEqual([
      'e.gate: unknown field; expected one of: type, port, queue',
    ]);
    expect(parse({ type: 'tx' }).problems).toEqual([
      'e.port: a name like eth0 or fw-1 (a letter, then letters, digits, "-" or "_")',
    ]);
    expect(parse({ port: 'eth0' }).problems).toEqual([
      'e.type: one of: module, rx, tx (or give `module:` for a module endpoint)',
    ]);
  });

  it('formatEndpoint writes the canonical string, which parses back', () => {
    for (const s of ['fw:0', 'fw:3', 'eth0.rx0', 'eth0.rx7', 'eth0.tx']) {
      expect(formatEndpoint(parse(s).r!.endpoint)).toBe(s);
    }
    expect(formatEndpoint(parse('fw').r!.endpoint)).toBe('fw:0');
  });
});
