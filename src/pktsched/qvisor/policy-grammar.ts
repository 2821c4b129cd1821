/**
 * The QVISOR policy language [QVISOR]: how an operator ranks tenants against
 * each other on one scheduler. COLD: parsed once per policy change.
 *
 *   policy  := tier  ( ">>" tier  )*      strict, isolated
 *   tier    := group ( ">"  group )*      preferred, best effort
 *   group   := tenant ( "+" tenant )*     shared
 *   tenant  := [A-Za-z_][A-Za-z0-9_.-]*
 *
 * `+` binds tightest, then `>`, then `>>`; all three are associative lists
 * (no nesting), so `A >> B > C + D >> E` is tiers [A], [B > (C + D)], [E].
 * Whitespace is insignificant; the tokeniser matches `>>` before `>`, so
 * `A >>> B` is `>>` then `>` and is rejected ("operator '>' cannot follow '>>'").
 *
 * Parentheses, `*` and bare numbers are reserved for later grammar versions
 * (nesting and weights, which the paper leaves open) and rejected now with a
 * message that says so. Every error is a {@link PolicyError}: the 0-based
 * index, the 1-based column, what was found, what was expected there, and a
 * caret line under the policy text.
 */

import { didYouMean } from '../../util/config-check.js';

/** A tenant name as written, with its source span [start, end). */
export interface TenantRef {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

/** Tenants joined by `+`. */
export interface GroupNode {
  readonly tenants: readonly TenantRef[];
  readonly start: number;
  readonly end: number;
}

/** Groups joined by `>`, highest preference first. */
export interface TierNode {
  readonly groups: readonly GroupNode[];
  readonly start: number;
  readonly end: number;
}

/** Tiers joined by `>>`, highest first. */
export interface PolicyAst {
  readonly text: string;
  readonly tiers: readonly TierNode[];
}

/** A policy that does not parse or does not match the declared tenants. */
export class PolicyError extends Error {
  /** 0-based index into the policy text where the problem is. */
  readonly index: number;
  /** 1-based column (index + 1), as the message says it. */
  readonly column: number;
  /** The problem without the position and caret lines. */
  readonly reason: string;

  constructor(text: string, index: number, reason: string) {
    super(`${reason} at column ${index + 1}\n  ${text}\n  ${' '.repeat(index)}^`);
    this.name = 'PolicyError';
    this.index = index;
    this.column = index + 1;
    this.reason = reason;
  }
}

type TokKind = 'name' | '>>' | '>' | '+' | 'end';

interface Token {
  kind: TokKind;
  text: string;
  start: number;
  end: number;
}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_.-]/;
const OPERATORS = "'>>', '>' or '+'";

function describe(t: Token): string {
  if (t.kind === 'end') return 'end of policy';
  if (t.kind === 'name') return `tenant '${t.text}'`;
  return `operator '${t.text}'`;
}

/** Splits the text into tokens, rejecting reserved and foreign characters where they stand. */
function tokenise(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '>') {
      const two = text[i + 1] === '>';
      out.push({ kind: two ? '>>' : '>', text: two ? '>>' : '>', start: i, end: i + (two ? 2 : 1) });
      i += two ? 2 : 1;
    } else if (c === '+') {
      out.push({ kind: '+', text: '+', start: i, end: i + 1 });
      i++;
    } else if (NAME_START.test(c)) {
      let j = i + 1;
      while (j < text.length && NAME_CHAR.test(text[j]!)) j++;
      out.push({ kind: 'name', text: text.slice(i, j), start: i, end: j });
      i = j;
    } else if (c === '(' || c === ')') {
      throw new PolicyError(text, i, `'${c}' is reserved for nesting, which this grammar version does not support; expected a tenant name or an operator (${OPERATORS})`);
    } else if (c === '*') {
      throw new PolicyError(text, i, `'*' is reserved for weights, which this grammar version does not support; expected a tenant name or an operator (${OPERATORS})`);
    } else if (c >= '0' && c <= '9') {
      let j = i + 1;
      while (j < text.length && NAME_CHAR.test(text[j]!)) j++;
      throw new PolicyError(text, i, `bare number '${text.slice(i, j)}' is reserved for weights, and a tenant name must start with a letter or '_'; expected a tenant name`);
    } else {
      throw new PolicyError(text, i, `unexpected character '${c}'; expected a tenant name or an operator (${OPERATORS})`);
    }
  }
  out.push({ kind: 'end', text: '', start: text.length, end: text.length });
  return out;
}

/**
 * Parses the policy text into tiers → groups → tenant names, checking syntax
 * only (see {@link resolvePolicy} for the tenants). Throws {@link PolicyError}.
 */
export function parsePolicy(text: string): PolicyAst {
  const toks = tokenise(text);
  if (toks.length === 1) throw new PolicyError(text, 0, 'empty policy; expected a tenant name');
  let k = 0;

  const expectName = (after: Token | null): TenantRef => {
    const t = toks[k]!;
    if (t.kind === 'name') {
      k++;
      return { name: t.text, start: t.start, end: t.end };
    }
    if (after === null) throw new PolicyError(text, t.start, `expected a tenant name, found ${describe(t)}`);
    if (t.kind === 'end') throw new PolicyError(text, t.start, `expected a tenant name after '${after.text}', found end of policy`);
    throw new PolicyError(text, t.start, `operator '${t.text}' cannot follow '${after.text}'; expected a tenant name`);
  };

  const tiers: TierNode[] = [];
  let prevOp: Token | null = null;
  for (;;) {
    const groups: GroupNode[] = [];
    for (;;) {
      const tenants: TenantRef[] = [expectName(prevOp)];
      while (toks[k]!.kind === '+') {
        prevOp = toks[k++]!;
        tenants.push(expectName(prevOp));
      }
      groups.push({ tenants, start: tenants[0]!.start, end: tenants[tenants.length - 1]!.end });
      if (toks[k]!.kind !== '>') break;
      prevOp = toks[k++]!;
    }
    tiers.push({ groups, start: groups[0]!.start, end: groups[groups.length - 1]!.end });
    const t = toks[k]!;
    if (t.kind === 'end') break;
    if (t.kind !== '>>') {
      // Only a name can get here: two names with no operator between them.
      throw new PolicyError(text, t.start, `expected an operator (${OPERATORS}) or end of policy, found ${describe(t)}`);
    }
    prevOp = toks[k++]!;
  }
  return { text, tiers };
}

/** What to do with declared tenants the policy does not name. */
export type UnlistedRule = 'error' | 'lowest';

/**
 * A policy bound to the declared tenants: tenant indices (positions in the
 * declared list, which are the per-packet tenant labels) per group per tier.
 */
export interface ResolvedPolicy {
  readonly ast: PolicyAst;
  /** tiers[i][j] = tenant indices of group j of tier i, in policy order. */
  readonly tiers: readonly (readonly (readonly number[])[])[];
}

/**
 * Parses `text` and binds it to `declared` tenant ids: every name must be
 * declared and listed once, and every declared tenant must be listed unless
 * `unlisted` is 'lowest' (then the unlisted ones form one extra lowest tier,
 * joined by `+`, in declared order). Throws {@link PolicyError}.
 */
export function resolvePolicy(text: string, declared: readonly string[], unlisted: UnlistedRule = 'error'): ResolvedPolicy {
  const ast = parsePolicy(text);
  const indexOf = new Map<string, number>();
  declared.forEach((id, i) => indexOf.set(id, i));
  const seenAt = new Map<string, number>();
  const tiers = ast.tiers.map((tier) =>
    tier.groups.map((g) =>
      g.tenants.map((ref) => {
        const idx = indexOf.get(ref.name);
        if (idx === undefined) {
          throw new PolicyError(text, ref.start, `unknown tenant '${ref.name}'${hint(ref.name, declared)}; expected one of the declared tenants: ${declared.join(', ') || '(none)'}`);
        }
        const first = seenAt.get(ref.name);
        if (first !== undefined) throw new PolicyError(text, ref.start, `tenant '${ref.name}' listed twice (first at column ${first + 1})`);
        seenAt.set(ref.name, ref.start);
        return idx;
      }),
    ),
  );
  const missing = declared.filter((id) => !seenAt.has(id));
  if (missing.length > 0) {
    if (unlisted === 'error') {
      throw new PolicyError(text, text.length, `declared tenant${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} missing from the policy; list every tenant, or set unlisted: 'lowest'`);
    }
    tiers.push([missing.map((id) => indexOf.get(id)!)]);
  }
  return { ast, tiers };
}

function hint(word: string, candidates: readonly string[]): string {
  const m = didYouMean(word, candidates);
  return m === null ? '' : ` (did you mean '${m}'?)`;
}
