/**
 * Loading a scenario file: read, parse (YAML or JSON), validate, and check
 * that the files it reads (pcap traces) exist and, when asked, that the
 * files it writes (taps) can be written. Every failure is a ConfigError
 * naming the file: syntax errors with line and column, validation problems
 * with their dotted path and, when it can be found, the source line. Nothing
 * the parser does with bad text escapes as another error. COLD.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { pathSegments } from './path.js';
import { type Document, LineCounter, isAlias, isCollection, isScalar, parseDocument, visit } from 'yaml';
import { ConfigError, MAX_KEPT_PROBLEMS, type Problem, Problems } from '../util/config-check.js';
import { lineColumn, locateJsonError } from './json-error.js';
import { MAX_NESTING_DEPTH, MAX_SCENARIO_BYTES, MAX_YAML_ALIAS_EXPANSIONS, MAX_YAML_BYTES } from './limits.js';
import { checkOutputFile } from './output-file.js';
import type { Scenario, ValidateOptions } from './types.js';
import { checkScenario } from './validate.js';

export type ScenarioFormat = 'json' | 'yaml' | 'auto';

export interface LoadOptions extends Omit<ValidateOptions, 'baseDir'> {
  /**
   * 'check': the files a run would write (taps) must be writable: their
   * folder exists (a problem at taps[i].file otherwise). For callers about
   * to run the scenario in virtual time; real-time runs write no taps.
   */
  outputs?: 'check' | 'ignore';
}

/** Where scenario text came from, for loadScenarioText. */
export interface ScenarioSource {
  /** Names the input in the error: "scenario <what>". */
  what: string;
  format: ScenarioFormat;
  /** Relative paths inside (pcap, taps) resolve against it. */
  baseDir: string;
  /** Recorded as Scenario.sourcePath; null for text that is not a file. */
  sourcePath: string | null;
}

interface Parsed {
  value: unknown;
  /** For mapping problem paths to source lines; null when unavailable. Lazy: JSON is parsed again as YAML only when a problem needs a line. */
  locate: () => { doc: Document; lineCounter: LineCounter } | null;
}

/**
 * Loads, parses and validates a scenario file. The format follows the
 * extension (.yaml/.yml, .json); other files are tried as JSON, then YAML.
 * Relative paths inside resolve against the file's directory. A file larger
 * than MAX_SCENARIO_BYTES is refused before it is read.
 * Throws ConfigError("scenario <path>", problems).
 */
export function loadScenarioFile(path: string, opts: LoadOptions): Scenario {
  const what = `scenario ${path}`;
  const abs = resolve(path);
  const text = readScenarioText(path, abs, what);
  const ext = extname(abs).toLowerCase();
  const format: ScenarioFormat = ext === '.json' ? 'json' : ext === '.yaml' || ext === '.yml' ? 'yaml' : 'auto';
  return loadScenarioText(text, { what, format, baseDir: dirname(abs), sourcePath: abs }, opts);
}

/**
 * Parses and validates scenario text that did not come from a named file
 * (standard input, a test). Throws ConfigError("scenario <what>", problems).
 */
export function loadScenarioText(text: string, source: ScenarioSource, opts: LoadOptions): Scenario {
  const what = source.what.startsWith('scenario') ? source.what : `scenario ${source.what}`;
  checkTextSize(text, what);
  const parsed = parseText(text.replace(/^\uFEFF/, ''), source.format, what);
  const p = new Problems();
  const { outputs, ...validateOpts } = opts;
  const scenario = checkScenario(
    p,
    parsed.value,
    { ...validateOpts, baseDir: source.baseDir },
    { sourcePath: source.sourcePath, fileCheck: checkFile, ...(outputs === 'check' ? { outputCheck: checkOutputFile } : {}) },
  );
  if (!p.ok) {
    addLines(p.list, parsed);
    throw new ConfigError(what, p.list, p.omitted);
  }
  return scenario!;
}

/**
 * Parses scenario text without validating it. Syntax errors throw
 * ConfigError(what, ...) with one problem per error, at "line L, column C".
 */
export function parseScenarioText(text: string, format: ScenarioFormat, what = 'scenario'): unknown {
  checkTextSize(text, what);
  return parseText(text.replace(/^\uFEFF/, ''), format, what).value;
}

function sizeProblem(path: string, bytes: number): Problem {
  return {
    path,
    value: `${(bytes / (1024 * 1024)).toFixed(1)} MiB`,
    expected: `a scenario of at most ${MAX_SCENARIO_BYTES / (1024 * 1024)} MiB (${MAX_SCENARIO_BYTES} bytes; this one has ${bytes})`,
  };
}

/** UTF-8 size of `text`, or 0 when it is surely at most `limit` (cheap: a UTF-16 code unit is at most 3 bytes). */
function bytesOver(text: string, limit: number): number {
  if (text.length * 3 <= limit) return 0;
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes > limit ? bytes : 0;
}

function checkTextSize(text: string, what: string): void {
  const bytes = bytesOver(text, MAX_SCENARIO_BYTES);
  if (bytes > 0) throw new ConfigError(what, [sizeProblem('(text)', bytes)]);
}

/** Before the YAML parser: text it would take over a second to read is refused (JSON may be larger). */
function checkYamlSize(text: string, what: string): void {
  const bytes = bytesOver(text, MAX_YAML_BYTES);
  if (bytes === 0) return;
  throw new ConfigError(what, [{
    path: '(text)',
    value: `${(bytes / 1024).toFixed(0)} KiB of YAML`,
    expected: `YAML of at most ${MAX_YAML_BYTES / 1024} KiB (${MAX_YAML_BYTES} bytes; this one has ${bytes}), or JSON of at most ${MAX_SCENARIO_BYTES / (1024 * 1024)} MiB: the YAML parser needs about a second per 800 KiB`,
  }]);
}

function readScenarioText(path: string, abs: string, what: string): string {
  const wrong = checkFile(abs);
  if (wrong !== null) {
    throw new ConfigError(what, [{ path, value: undefined, expected: `a scenario file (${wrong}: ${abs})` }]);
  }
  try {
    // Checked before reading: a 50 MB file would take a minute to parse and then exhaust the heap.
    const bytes = statSync(abs).size;
    if (bytes > MAX_SCENARIO_BYTES) throw new ConfigError(what, [sizeProblem(path, bytes)]);
    return readFileSync(abs, 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new ConfigError(what, [{ path, value: undefined, expected: `a readable scenario file (${msg})` }]);
  }
}

/** What is wrong with a path that should be a readable file, or null. */
function checkFile(abs: string): string | null {
  try {
    const st = statSync(abs, { throwIfNoEntry: false });
    if (st === undefined) return 'file not found';
    if (!st.isFile()) return st.isDirectory() ? 'a directory, not a file' : 'not a regular file';
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

function parseText(text: string, format: ScenarioFormat, what: string): Parsed {
  if (format !== 'yaml') {
    let value: unknown;
    let ok = false;
    try {
      value = JSON.parse(text);
      ok = true;
    } catch (e) {
      if (format === 'json') throw new ConfigError(what, [jsonProblem(text, e)]);
      // 'auto': not JSON; try YAML below.
    }
    if (ok) {
      checkNesting(value, what, null);
      let located: ReturnType<Parsed['locate']> | undefined;
      return { value, locate: () => (located ??= locator(text)) };
    }
  }
  checkYamlSize(text, what);
  const lineCounter = new LineCounter();
  let doc: Document;
  // Every syntax error is an Error, whose stack the parser never uses: without capturing it, a
  // broken file of 160 000 errors parses in half the time. Synchronous, and restored at once.
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, logLevel: 'error' });
  } catch (e) {
    // The parser reports what it finds in doc.errors; this is for what it did not expect to meet.
    throw new ConfigError(what, [{ path: '(text)', value: undefined, expected: `text the YAML parser can read (it failed: ${messageOf(e)})` }]);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  if (doc.errors.length > 0) {
    // A broken file can hold tens of thousands of errors: list the first ones (positions from the
    // line counter, a binary search, not a scan of the text per error), count the rest.
    const shown = doc.errors.slice(0, MAX_KEPT_PROBLEMS);
    const problems: Problem[] = shown.map((err) => {
      const { line, col } = lineCounter.linePos(err.pos[0]);
      return {
        path: `line ${line}, column ${col}`,
        value: lineText(text, lineCounter, line),
        expected: `valid YAML (${firstLine(err.message)})`,
      };
    });
    throw new ConfigError(what, problems, doc.errors.length - shown.length);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_EXPANSIONS }) as unknown;
  } catch (e) {
    throw new ConfigError(what, [toJsProblem(text, doc, e)]);
  }
  checkNesting(value, what, { text, doc });
  return { value, locate: () => ({ doc, lineCounter }) };
}

function messageOf(e: unknown): string {
  return firstLine(e instanceof Error ? e.message : String(e));
}

/**
 * Turning a parsed YAML document into values failed: an alias whose anchor
 * is not defined before it ("*x" with no "&x" above), or aliases that expand
 * too much. Points at the alias when it can tell which.
 */
function toJsProblem(text: string, doc: Document, e: unknown): Problem {
  const message = messageOf(e);
  const unresolved = /^Unresolved alias.*: (.*)$/.exec(message);
  const at = firstAlias(doc, unresolved?.[1] ?? null);
  const where = (offset: number | undefined): Pick<Problem, 'path' | 'value'> => {
    if (offset === undefined) return { path: '(text)', value: undefined };
    const { line, column } = lineColumn(text, offset);
    return { path: `line ${line}, column ${column}`, value: sourceLine(text, line) };
  };
  if (unresolved !== null) {
    return { ...where(at), expected: `an alias *${unresolved[1]} after an anchor &${unresolved[1]} that defines it (YAML reads from the top)` };
  }
  if (/alias count/i.test(message)) {
    return {
      ...where(at),
      expected: `aliases that expand at most ${MAX_YAML_ALIAS_EXPANSIONS} times in all (the YAML parser's guard against a few lines expanding into millions of values)`,
    };
  }
  return { ...where(undefined), expected: `YAML the parser can turn into values (it failed: ${message})` };
}

/** Offset of the first alias to `source` whose anchor comes later or never (any alias when source is null). */
function firstAlias(doc: Document, source: string | null): number | undefined {
  const anchors = new Set<string>();
  let found: number | undefined;
  try {
    visit(doc, {
      Node(_key, node) {
        if (isAlias(node)) {
          if (source === null || (node.source === source && !anchors.has(source))) {
            found = node.range?.[0];
            return visit.BREAK;
          }
        } else if ((isScalar(node) || isCollection(node)) && node.anchor) anchors.add(node.anchor);
        return undefined;
      },
    });
  } catch {
    // No position then: the message still says what is wrong.
  }
  return found;
}

/**
 * Refuses values nested deeper than MAX_NESTING_DEPTH (a scenario needs
 * about 8). Iterative, and each shared object (a YAML alias) is walked once
 * per depth it is reached at, so it costs no more than the text.
 */
function checkNesting(value: unknown, what: string, yaml: { text: string; doc: Document } | null): void {
  const deepest = new Map<object, number>();
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_NESTING_DEPTH) {
      const offset = yaml === null ? undefined : deepNodeOffset(yaml.doc);
      const pos = offset === undefined ? null : lineColumn(yaml!.text, offset);
      throw new ConfigError(what, [{
        path: pos === null ? '(text)' : `line ${pos.line}, column ${pos.column}`,
        value: pos === null ? undefined : sourceLine(yaml!.text, pos.line),
        expected: `lists and mappings nested at most ${MAX_NESTING_DEPTH} deep (a scenario needs about 8)`,
      }]);
    }
    const seen = deepest.get(v);
    if (seen !== undefined && seen >= depth) continue;
    deepest.set(v, depth);
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
}

/** Offset of the first collection nested MAX_NESTING_DEPTH deep in the document, if the walk finds one. */
function deepNodeOffset(doc: Document): number | undefined {
  let found: number | undefined;
  try {
    visit(doc, {
      Node(_key, node, path) {
        if (isCollection(node) && path.filter((x) => isCollection(x)).length >= MAX_NESTING_DEPTH) {
          found = node.range?.[0];
          return visit.BREAK;
        }
        return undefined;
      },
    });
  } catch {
    // Leave it without a position.
  }
  return found;
}

/** A YAML parse of (valid) JSON text, used only to find the line of a problem path; none for JSON too big to parse as YAML quickly. */
function locator(text: string): { doc: Document; lineCounter: LineCounter } | null {
  if (bytesOver(text, MAX_YAML_BYTES) > 0) return null;
  try {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, prettyErrors: false, logLevel: 'error' });
    return doc.errors.length === 0 ? { doc, lineCounter } : null;
  } catch {
    return null;
  }
}

function jsonProblem(text: string, e: unknown): Problem {
  const loc = locateJsonError(text);
  const offset = loc?.offset ?? text.length;
  const message = loc?.message ?? (e instanceof Error ? e.message : String(e));
  const { line, column } = lineColumn(text, offset);
  return { path: `line ${line}, column ${column}`, value: sourceLine(text, line), expected: `valid JSON (${message})` };
}

/** Line `line` (1-based) of `text`, trimmed and cut as sourceLine does, found through the line counter. */
function lineText(text: string, lineCounter: LineCounter, line: number): string {
  const start = lineCounter.lineStarts[line - 1] ?? text.length;
  const next = lineCounter.lineStarts[line];
  const end = Math.min(next === undefined ? text.length : next - 1, start + 200);
  return text.slice(start, end).replace(/\r$/, '').trim();
}

/** The source line, trimmed; a long one is cut (formatValue shows about 60 characters anyway). */
function sourceLine(text: string, line: number): string {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return '';
    start = nl + 1;
  }
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  if (end - start > 200) end = start + 200;
  return text.slice(start, end).replace(/\r$/, '').trim();
}

function firstLine(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?\s*$/, '').trim();
}

// ------------------------------------------------------ problem -> source line

/** Sets `line` on problems whose path (or its nearest existing parent, not the root) is in the document. */
function addLines(problems: Problem[], parsed: Parsed): void {
  if (!problems.some((pr) => pathSegments(pr.path) !== null)) return;
  const located = parsed.locate();
  if (located === null) return;
  const { doc, lineCounter } = located;
  for (const pr of problems) {
    const segs = pathSegments(pr.path);
    if (segs === null) continue;
    for (let len = segs.length; len > 0; len--) {
      let node: unknown;
      try {
        node = doc.getIn(segs.slice(0, len), true);
      } catch {
        node = undefined; // a path through an alias or an odd key: no line for this one
      }
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range !== undefined) {
        pr.line = lineCounter.linePos(range[0]).line;
        break;
      }
    }
  }
}

export { pathSegments } from './path.js';
