/**
 * Config checking shared by the scenario validator and every NF's config
 * checker. The rule: a bad input gets ONE error that lists every problem,
 * each with its dotted path, the offending value and what was expected.
 *
 * How to use it: make a {@link Problems}, read every field with the readers
 * below (each records a problem and returns a harmless fallback instead of
 * throwing, so checking continues and collects everything), then call
 * `problems.throwIfAny('what was checked')` once.
 *
 * COLD. No `node:*` imports: NF config checkers run inside worker threads too.
 *
 * Message format (one problem per line; see {@link formatProblem}):
 *
 *   scenario fw-test: 2 problems
 *     - modules[1].config.cyclesPerPacket: got -5, expected a number >= 0
 *     - durations: got "10ms", unknown field (did you mean "duration"?); expected one of: name, seed, ...
 */

/** One thing wrong with an input. `value` is what was found (undefined when the field is missing). */
export interface Problem {
  path: string;
  value: unknown;
  expected: string;
  /** 1-based line in the source file, when a loader could tell (shown as "path (line 12)"). */
  line?: number;
}

/** Thrown once per bad input; `problems` holds every problem found, in the order found. */
export class ConfigError extends Error {
  readonly problems: Problem[];
  readonly what: string;

  constructor(what: string, problems: Problem[]) {
    super(formatProblems(what, problems));
    this.name = 'ConfigError';
    this.what = what;
    this.problems = problems;
  }
}

/** Collects problems; see the file comment. */
export class Problems {
  readonly list: Problem[] = [];

  add(path: string, value: unknown, expected: string): void {
    this.list.push({ path, value, expected });
  }

  /** Appends problems found elsewhere (for example by a nested checker that threw a ConfigError). */
  addAll(problems: readonly Problem[]): void {
    for (const pr of problems) this.list.push(pr);
  }

  get ok(): boolean {
    return this.list.length === 0;
  }

  get count(): number {
    return this.list.length;
  }

  throwIfAny(what: string): void {
    if (this.list.length > 0) throw new ConfigError(what, this.list.slice());
  }
}

const UNKNOWN_FIELD = 'unknown field';
const MAX_VALUE_CHARS = 60;
const MAX_LISTED_NAMES = 20;

/** "<what>: N problem(s)" followed by one indented line per problem. */
export function formatProblems(what: string, problems: readonly Problem[]): string {
  const n = problems.length;
  const lines = [`${what}: ${n} problem${n === 1 ? '' : 's'}`];
  for (const pr of problems) lines.push(`  - ${formatProblem(pr)}`);
  return lines.join('\n');
}

/**
 * "path: got <value>, expected <expected>". An empty path is shown as
 * "(top level)"; a known source line as "path (line 12)". Unknown-field problems (whose `expected` starts with
 * "unknown field") read "path: got <value>, unknown field ...; expected one of ..."
 * so the line does not say "expected unknown field".
 */
export function formatProblem(pr: Problem): string {
  let where = pr.path === '' ? '(top level)' : pr.path;
  if (pr.line !== undefined) where += ` (line ${pr.line})`;
  const got = formatValue(pr.value);
  if (pr.expected.startsWith(UNKNOWN_FIELD)) return `${where}: got ${got}, ${pr.expected}`;
  return `${where}: got ${got}, expected ${pr.expected}`;
}

/**
 * A short, JSON-like rendering of a value for messages: strings quoted,
 * objects as compact JSON, `undefined` as "nothing", truncated to about 60
 * characters.
 */
export function formatValue(v: unknown): string {
  let s: string;
  if (v === undefined) return 'nothing';
  if (typeof v === 'number') s = Object.is(v, -0) ? '-0' : String(v);
  else if (typeof v === 'bigint') s = `${v}n`;
  else if (typeof v === 'function') return 'a function';
  else if (typeof v === 'symbol') s = v.toString();
  else {
    try {
      s =
        JSON.stringify(v, (_k, x: unknown) => {
          if (typeof x === 'bigint') return `${x}n`;
          if (typeof x === 'number' && !Number.isFinite(x)) return String(x);
          if (typeof x === 'function') return '[function]';
          return x;
        }) ?? String(v);
    } catch {
      s = Array.isArray(v) ? '[a list that cannot be shown]' : '[an object that cannot be shown]';
    }
  }
  return s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS - 3)}...` : s;
}

const IDENT_RE = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `path.key`, or `key` when path is ''; odd keys are bracketed: `path["my key"]`. */
export function joinPath(path: string, key: string): string {
  if (!IDENT_RE.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** `path[i]`. */
export function indexPath(path: string, i: number): string {
  return `${path}[${i}]`;
}

/** "a, b, c" — at most 20 names, then "... (N more)". */
export function listNames(names: readonly string[]): string {
  if (names.length === 0) return '(none)';
  if (names.length <= MAX_LISTED_NAMES) return names.join(', ');
  return `${names.slice(0, MAX_LISTED_NAMES).join(', ')}, ... (${names.length - MAX_LISTED_NAMES} more)`;
}

/**
 * Edit distance counting insertions, deletions, substitutions and swaps of
 * two neighbours as one edit each (optimal string alignment), case-insensitive:
 * typos are often swaps ("upd") or case slips ("Seed").
 */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const w = y.length + 1;
  const d = new Array<number>((x.length + 1) * w);
  for (let i = 0; i <= x.length; i++) d[i * w] = i;
  for (let j = 0; j <= y.length; j++) d[j] = j;
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * w + j]! + 1, d[i * w + j - 1]! + 1, d[(i - 1) * w + j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) v = Math.min(v, d[(i - 2) * w + j - 2]! + 1);
      d[i * w + j] = v;
    }
  }
  return d[x.length * w + y.length]!;
}

/**
 * The closest candidate, or null. At most 2 edits, and fewer for short words
 * (1 edit up to 5 characters) so "numa" does not suggest "name".
 */
export function didYouMean(word: string, candidates: readonly string[]): string | null {
  const limit = Math.min(2, Math.max(1, Math.floor(word.length / 3)));
  let best: string | null = null;
  let bestD = limit + 1;
  for (const c of candidates) {
    const dist = editDistance(word, c);
    if (dist < bestD) {
      best = c;
      bestD = dist;
    }
  }
  return best;
}

/** ` (did you mean "x"?)` or ''. */
export function didYouMeanHint(word: string, candidates: readonly string[]): string {
  const m = didYouMean(word, candidates);
  return m === null ? '' : ` (did you mean ${JSON.stringify(m)}?)`;
}

/** True for `{...}` literals, JSON/YAML mappings and Object.create(null); false for arrays, class instances, null. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** `raw` as an object, or undefined and a problem "expected a mapping of fields" if it is not a plain object. */
export function asObject(p: Problems, raw: unknown, path: string): Record<string, unknown> | undefined {
  if (isPlainObject(raw)) return raw;
  p.add(path, raw, 'a mapping of fields (an object)');
  return undefined;
}

function rangeText(noun: string, min: number | undefined, max: number | undefined, exclusiveMin = false): string {
  if (min !== undefined && max !== undefined) {
    return exclusiveMin ? `${noun} > ${min} and <= ${max}` : `${noun} between ${min} and ${max}`;
  }
  if (min !== undefined) return `${noun} ${exclusiveMin ? '>' : '>='} ${min}`;
  if (max !== undefined) return `${noun} <= ${max}`;
  return noun;
}

function isPowerOfTwo(n: number): boolean {
  return n >= 1 && Number.isInteger(Math.log2(n));
}

/**
 * An integer field. Missing: the default if given, else a problem. Returns the
 * default (or min, or 0) after a problem.
 */
export function readInt(
  p: Problems,
  obj: Record<string, unknown>,
  key: string,
  path: string,
  opts: { min?: number; max?: number; default?: number; powerOfTwo?: boolean } = {},
): number {
  const where = joinPath(path, key);
  const noun = opts.powerOfTwo ? 'a power of two' : 'an integer';
  const expected = rangeText(noun, opts.min, opts.max);
  const fallback = opts.default ?? opts.min ?? (opts.powerOfTwo ? 1 : 0);
  const v = obj[key];
  if (v === undefined) {
    if (opts.default !== undefined) return opts.default;
    p.add(where, v, expected);
    return fallback;
  }
  if (
    typeof v !== 'number' ||
    !Number.isSafeInteger(v) ||
    (opts.min !== undefined && v < opts.min) ||
    (opts.max !== undefined && v > opts.max) ||
    (opts.powerOfTwo === true && !isPowerOfTwo(v))
  ) {
    p.add(where, v, expected);
    return fallback;
  }
  return v;
}

/** A finite number field; see {@link readInt}. */
export function readNumber(
  p: Problems,
  obj: Record<string, unknown>,
  key: string,
  path: string,
  opts: { min?: number; max?: number; default?: number; exclusiveMin?: boolean } = {},
): number {
  const where = joinPath(path, key);
  const expected = rangeText('a number', opts.min, opts.max, opts.exclusiveMin);
  const fallback = opts.default ?? (opts.min !== undefined ? opts.min + (opts.exclusiveMin ? 1 : 0) : 0);
  const v = obj[key];
  if (v === undefined) {
    if (opts.default !== undefined) return opts.default;
    p.add(where, v, expected);
    return fallback;
  }
  if (
    typeof v !== 'number' ||
    !Number.isFinite(v) ||
    (opts.min !== undefined && (opts.exclusiveMin ? v <= opts.min : v < opts.min)) ||
    (opts.max !== undefined && v > opts.max)
  ) {
    p.add(where, v, expected);
    return fallback;
  }
  return v;
}

/**
 * A string field. With `oneOf`, the value must be one of them (did-you-mean
 * hint on near misses); with `pattern`, it must match (describe it in
 * `patternHelp`, e.g. "a name like fw-1 (letters, digits, - and _)").
 */
export function readString(
  p: Problems,
  obj: Record<string, unknown>,
  key: string,
  path: string,
  opts: { default?: string; oneOf?: readonly string[]; pattern?: RegExp; patternHelp?: string } = {},
): string {
  const where = joinPath(path, key);
  let expected = 'a string';
  if (opts.oneOf !== undefined) expected = `one of: ${listNames(opts.oneOf)}`;
  else if (opts.patternHelp !== undefined) expected = opts.patternHelp;
  else if (opts.pattern !== undefined) expected = `a string matching ${String(opts.pattern)}`;
  const fallback = opts.default ?? opts.oneOf?.[0] ?? '';
  const v = obj[key];
  if (v === undefined) {
    if (opts.default !== undefined) return opts.default;
    p.add(where, v, expected);
    return fallback;
  }
  if (typeof v !== 'string') {
    p.add(where, v, expected);
    return fallback;
  }
  if (opts.oneOf !== undefined && !opts.oneOf.includes(v)) {
    p.add(where, v, expected + didYouMeanHint(v, opts.oneOf));
    return fallback;
  }
  if (opts.pattern !== undefined && !opts.pattern.test(v)) {
    p.add(where, v, expected);
    return fallback;
  }
  return v;
}

/** A boolean field (true or false; strings such as "yes" are problems). */
export function readBool(
  p: Problems,
  obj: Record<string, unknown>,
  key: string,
  path: string,
  opts: { default?: boolean } = {},
): boolean {
  const where = joinPath(path, key);
  const v = obj[key];
  if (v === undefined) {
    if (opts.default !== undefined) return opts.default;
    p.add(where, v, 'true or false');
    return false;
  }
  if (typeof v !== 'boolean') {
    p.add(where, v, 'true or false');
    return opts.default ?? false;
  }
  return v;
}

/** A list field. Returns [] (or the default) after a problem. */
export function readArray(
  p: Problems,
  obj: Record<string, unknown>,
  key: string,
  path: string,
  opts: { default?: unknown[]; minLength?: number } = {},
): unknown[] {
  const where = joinPath(path, key);
  const min = opts.minLength ?? 0;
  const expected =
    min > 0 ? `a list with at least ${min} item${min === 1 ? '' : 's'}` : 'a list';
  const v = obj[key];
  if (v === undefined) {
    if (opts.default !== undefined) return opts.default;
    p.add(where, v, expected);
    return [];
  }
  if (!Array.isArray(v)) {
    p.add(where, v, expected);
    return opts.default ?? [];
  }
  if (v.length < min) {
    p.add(where, v, expected);
    return v;
  }
  return v;
}

/**
 * One problem per key of `obj` not in `allowed`:
 * "unknown field (did you mean "x"?); expected one of: a, b, c".
 */
export function rejectUnknownKeys(
  p: Problems,
  obj: Record<string, unknown>,
  allowed: readonly string[],
  path: string,
): void {
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    p.add(
      joinPath(path, key),
      obj[key],
      `${UNKNOWN_FIELD}${didYouMeanHint(key, allowed)}; expected one of: ${listNames(allowed)}`,
    );
  }
}
