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

/**
 * Thrown once per bad input; `problems` holds the problems found, in the
 * order found: every one, or the first {@link MAX_KEPT_PROBLEMS} and the
 * number of the others in `omitted`.
 */
export class ConfigError extends Error {
  readonly problems: Problem[];
  readonly what: string;
  readonly omitted: number;

  constructor(what: string, problems: Problem[], omitted = 0) {
    super(formatProblems(what, problems, omitted));
    this.name = 'ConfigError';
    this.what = what;
    this.problems = problems;
    this.omitted = omitted;
  }
}

/**
 * Problems kept (and listed) per error. A file can hold hundreds of thousands
 * of mistakes (a mapping of 400 000 unknown fields fits in the 4 MiB a scenario file may have): past this
 * many they are only counted, so memory and the message stay small.
 */
export const MAX_KEPT_PROBLEMS = 200;

/** Collects problems; see the file comment. */
export class Problems {
  readonly list: Problem[] = [];
  /** Problems found after the first MAX_KEPT_PROBLEMS: counted, not kept. */
  omitted = 0;

  add(path: string, value: unknown, expected: string): void {
    this.push({ path, value, expected });
  }

  /** Appends problems found elsewhere (for example by a nested checker that threw a ConfigError). */
  addAll(problems: readonly Problem[], omitted = 0): void {
    for (const pr of problems) this.push(pr);
    this.omitted += omitted;
  }

  private push(pr: Problem): void {
    if (this.list.length < MAX_KEPT_PROBLEMS) this.list.push(pr);
    else this.omitted++;
  }

  get ok(): boolean {
    return this.count === 0;
  }

  /** Every problem found, kept or not (so `count` before and after a check says whether it found one). */
  get count(): number {
    return this.list.length + this.omitted;
  }

  throwIfAny(what: string): void {
    if (this.count > 0) throw new ConfigError(what, this.list.slice(), this.omitted);
  }
}

const UNKNOWN_FIELD = 'unknown field';
const MAX_VALUE_CHARS = 60;
const MAX_LISTED_NAMES = 20;

/** "<what>: N problem(s)" followed by one indented line per problem (and one for those `omitted`). */
export function formatProblems(what: string, problems: readonly Problem[], omitted = 0): string {
  const n = problems.length + omitted;
  const lines = [`${what}: ${n} problem${n === 1 ? '' : 's'}`];
  for (const pr of problems) lines.push(`  - ${formatProblem(pr)}`);
  if (omitted > 0) lines.push(`  ... and ${omitted} more (only the first ${problems.length} are listed)`);
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
 * characters. It reads only as much of the value as it shows, so a list of
 * a million items, a 4 MB string or a structure nested 100 000 deep costs
 * no more than a small one.
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
      s = shortJson(v, MAX_VALUE_CHARS + 1) ?? String(v);
    } catch {
      s = Array.isArray(v) ? '[a list that cannot be shown]' : '[an object that cannot be shown]';
    }
  }
  return s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS - 3)}...` : s;
}

class Cyclic extends Error {}

/**
 * JSON.stringify(v) as formatValue wants it (bigints as "12n", non-finite
 * numbers and functions as strings), cut once it is `budget` characters
 * long: the rest of the value is never visited. undefined where
 * JSON.stringify gives undefined. Throws on a cycle, as JSON.stringify does.
 */
function shortJson(root: unknown, budget: number): string | undefined {
  let out = '';
  const open = new Set<object>();
  const full = () => out.length >= budget;
  /** False when the value is skipped (undefined, a symbol): JSON leaves such properties out. */
  const emit = (x0: unknown): boolean => {
    let x = x0;
    if (x !== null && typeof x === 'object' && typeof (x as { toJSON?: unknown }).toJSON === 'function') {
      x = (x as { toJSON: () => unknown }).toJSON();
    }
    if (typeof x === 'bigint') x = `${x}n`;
    else if (typeof x === 'number' && !Number.isFinite(x)) x = String(x);
    else if (typeof x === 'function') x = '[function]';
    if (x === undefined || typeof x === 'symbol') return false;
    if (x === null || typeof x === 'boolean' || typeof x === 'number') {
      out += JSON.stringify(x);
      return true;
    }
    if (typeof x === 'string') {
      out += JSON.stringify(x.length > budget ? x.slice(0, budget) : x);
      return true;
    }
    const obj = x as object;
    if (open.has(obj)) throw new Cyclic();
    open.add(obj);
    if (Array.isArray(obj)) {
      out += '[';
      for (let i = 0; i < obj.length && !full(); i++) {
        if (i > 0) out += ',';
        if (!emit(obj[i])) out += 'null';
      }
      out += ']';
    } else {
      out += '{';
      let first = true;
      for (const k in obj) {
        if (full()) break;
        if (!Object.prototype.hasOwnProperty.call(obj, k)) continue;
        const mark = out.length;
        out += `${first ? '' : ','}${JSON.stringify(k)}:`;
        if (emit((obj as Record<string, unknown>)[k])) first = false;
        else out = out.slice(0, mark);
      }
      out += '}';
    }
    open.delete(obj);
    return true;
  };
  return emit(root) ? out : undefined;
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
    // At least |length difference| edits apart: skip without the O(n*m) table (a 1 MB key is not a typo).
    if (Math.abs(word.length - c.length) > limit) continue;
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
