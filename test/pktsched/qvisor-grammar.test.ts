import { describe, expect, it } from 'vitest';
import { parsePolicy, PolicyError, resolvePolicy, type PolicyAst } from '../../src/pktsched/qvisor/policy-grammar.js';

/** The tree as nested name lists: tiers → groups → tenants. */
const shape = (ast: PolicyAst) => ast.tiers.map((t) => t.groups.map((g) => g.tenants.map((r) => r.name)));

function errorOf(fn: () => unknown): PolicyError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    return e as PolicyError;
  }
  throw new Error('expected a PolicyError');
}

describe('policy grammar: precedence and associativity', () => {
  it("parses the paper's example with + tightest, then >, then >>", () => {
    expect(shape(parsePolicy('T1 >> T2 > T3 + T4 >> T5'))).toEqual([[['T1']], [['T2'], ['T3', 'T4']], [['T5']]]);
  });

  it('reads + before > whichever side it is on', () => {
    expect(shape(parsePolicy('A + B > C'))).toEqual([[['A', 'B'], ['C']]]);
    expect(shape(parsePolicy('A > B + C'))).toEqual([[['A'], ['B', 'C']]]);
  });

  it('reads > before >> whichever side it is on', () => {
    expect(shape(parsePolicy('A > B >> C'))).toEqual([[['A'], ['B']], [['C']]]);
    expect(shape(parsePolicy('A >> B > C'))).toEqual([[['A']], [['B'], ['C']]]);
  });

  it('chains each operator as a flat list in written order (left to right)', () => {
    expect(shape(parsePolicy('A >> B >> C'))).toEqual([[['A']], [['B']], [['C']]]);
    expect(shape(parsePolicy('A > B > C'))).toEqual([[['A'], ['B'], ['C']]]);
    expect(shape(parsePolicy('A + B + C'))).toEqual([[['A', 'B', 'C']]]);
  });

  it('ignores whitespace, including none at all', () => {
    expect(shape(parsePolicy('A>>B>C+D'))).toEqual(shape(parsePolicy('  A >>\tB >\nC + D ')));
  });

  it('accepts the whole tenant name alphabet and keeps source spans', () => {
    const ast = parsePolicy('_x.1-a >> web_2');
    expect(shape(ast)).toEqual([[['_x.1-a']], [['web_2']]]);
    expect(ast.tiers[1]!.groups[0]!.tenants[0]).toEqual({ name: 'web_2', start: 10, end: 15 });
    expect(ast.tiers[0]!.start).toBe(0);
    expect(ast.tiers[0]!.end).toBe(6);
  });
});

describe('policy grammar: errors point at the column and say what was expected', () => {
  it('empty policy', () => {
    for (const text of ['', '   ']) {
      const e = errorOf(() => parsePolicy(text));
      expect(e.reason).toBe('empty policy; expected a tenant name');
      expect(e.column).toBe(1);
    }
  });

  it('leading operator', () => {
    const e = errorOf(() => parsePolicy('>> A'));
    expect(e.reason).toBe("expected a tenant name, found operator '>>'");
    expect(e.index).toBe(0);
    expect(e.message).toBe("expected a tenant name, found operator '>>' at column 1\n  >> A\n  ^");
  });

  it('trailing operator', () => {
    const e = errorOf(() => parsePolicy('A + B >'));
    expect(e.reason).toBe("expected a tenant name after '>', found end of policy");
    expect(e.column).toBe(8);
    expect(e.message.split('\n')[2]).toBe('         ^');
  });

  it('two operators in a row: A >>> B is >> then >', () => {
    const e = errorOf(() => parsePolicy('A >>> B'));
    expect(e.reason).toBe("operator '>' cannot follow '>>'; expected a tenant name");
    expect(e.index).toBe(4);
    expect(e.message).toBe("operator '>' cannot follow '>>'; expected a tenant name at column 5\n  A >>> B\n      ^");
    expect(errorOf(() => parsePolicy('A + >> B')).reason).toBe("operator '>>' cannot follow '+'; expected a tenant name");
  });

  it('two tenants with no operator between them', () => {
    const e = errorOf(() => parsePolicy('A >> B C'));
    expect(e.reason).toBe("expected an operator ('>>', '>' or '+') or end of policy, found tenant 'C'");
    expect(e.column).toBe(8);
  });

  it('parentheses, * and bare numbers are reserved, not silently accepted', () => {
    const paren = errorOf(() => parsePolicy('A >> (B + C)'));
    expect(paren.column).toBe(6);
    expect(paren.reason).toMatch(/^'\(' is reserved for nesting/);
    const star = errorOf(() => parsePolicy('A*2 + B'));
    expect(star.column).toBe(2);
    expect(star.reason).toMatch(/^'\*' is reserved for weights/);
    const num = errorOf(() => parsePolicy('A + 2B'));
    expect(num.column).toBe(5);
    expect(num.reason).toMatch(/^bare number '2B' is reserved for weights/);
  });

  it('foreign characters', () => {
    const e = errorOf(() => parsePolicy('A & B'));
    expect(e.reason).toBe("unexpected character '&'; expected a tenant name or an operator ('>>', '>' or '+')");
    expect(e.column).toBe(3);
    expect(errorOf(() => parsePolicy('A < B')).column).toBe(3);
  });
});

describe('policy resolution against the declared tenants', () => {
  const declared = ['dm', 'rt', 'bulk'];

  it('maps names to their declared index (the per-packet tenant label)', () => {
    expect(resolvePolicy('rt >> bulk > dm', declared).tiers).toEqual([[[1]], [[2], [0]]]);
  });

  it('names an unknown tenant, with a suggestion and the declared list', () => {
    const e = errorOf(() => resolvePolicy('dm >> rtt + bulk', declared));
    expect(e.reason).toBe("unknown tenant 'rtt' (did you mean 'rt'?); expected one of the declared tenants: dm, rt, bulk");
    expect(e.column).toBe(7);
  });

  it('rejects a tenant listed twice at the second mention', () => {
    const e = errorOf(() => resolvePolicy('dm >> rt + bulk > dm', declared));
    expect(e.reason).toBe("tenant 'dm' listed twice (first at column 1)");
    expect(e.column).toBe(19);
  });

  it('rejects declared tenants missing from the policy, pointing past the end', () => {
    const e = errorOf(() => resolvePolicy('dm', declared));
    expect(e.reason).toBe("declared tenants 'rt', 'bulk' missing from the policy; list every tenant, or set unlisted: 'lowest'");
    expect(e.column).toBe(3);
  });

  it("unlisted: 'lowest' adds one extra lowest tier of the unlisted tenants joined by +", () => {
    expect(resolvePolicy('rt', declared, 'lowest').tiers).toEqual([[[1]], [[0, 2]]]);
  });
});
