/**
 * Loading a scenario file: read, parse (YAML or JSON), validate, and check
 * that the files it reads (pcap traces) exist. Every failure is a ConfigError
 * naming the file: syntax errors with line and column, validation problems
 * with their dotted path and, when it can be found, the source line. COLD.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { type Document, LineCounter, parseDocument } from 'yaml';
import { ConfigError, type Problem, Problems } from '../util/config-check.js';
import { lineColumn, locateJsonError } from './json-error.js';
import type { Scenario, ValidateOptions } from './types.js';
import { checkScenario } from './validate.js';

export type ScenarioFormat = 'json' | 'yaml' | 'auto';

interface Parsed {
  value: unknown;
  /** For mapping problem paths to source lines; null when unavailable. */
  doc: Document | null;
  lineCounter: LineCounter;
}

/**
 * Loads, parses and validates a scenario file. The format follows the
 * extension (.yaml/.yml, .json); other files are tried as JSON, then YAML.
 * Relative paths inside resolve against the file's directory.
 * Throws ConfigError("scenario <path>", problems).
 */
export function loadScenarioFile(path: string, opts: Omit<ValidateOptions, 'baseDir'>): Scenario {
  const what = `scenario ${path}`;
  const abs = resolve(path);
  const text = readScenarioText(path, abs, what);
  const ext = extname(abs).toLowerCase();
  const format: ScenarioFormat = ext === '.json' ? 'json' : ext === '.yaml' || ext === '.yml' ? 'yaml' : 'auto';
  const parsed = parseText(text, format, what);
  const p = new Problems();
  const scenario = checkScenario(
    p,
    parsed.value,
    { ...opts, baseDir: dirname(abs) },
    { sourcePath: abs, fileCheck: checkFile },
  );
  if (!p.ok) {
    addLines(p.list, parsed);
    throw new ConfigError(what, p.list);
  }
  return scenario!;
}

/**
 * Parses scenario text without validating it. Syntax errors throw
 * ConfigError(what, ...) with one problem per error, at "line L, column C".
 */
export function parseScenarioText(text: string, format: ScenarioFormat, what = 'scenario'): unknown {
  return parseText(text.replace(/^\uFEFF/, ''), format, what).value;
}

function readScenarioText(path: string, abs: string, what: string): string {
  const wrong = checkFile(abs);
  if (wrong !== null) {
    throw new ConfigError(what, [{ path, value: undefined, expected: `a scenario file (${wrong}: ${abs})` }]);
  }
  try {
    return readFileSync(abs, 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
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
    try {
      const value: unknown = JSON.parse(text);
      return { value, ...locator(text) };
    } catch (e) {
      if (format === 'json') throw new ConfigError(what, [jsonProblem(text, e)]);
      // 'auto': not JSON; try YAML below.
    }
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems: Problem[] = doc.errors.map((err) => {
      const offset = err.pos[0];
      const { line, column } = lineColumn(text, offset);
      return {
        path: `line ${line}, column ${column}`,
        value: sourceLine(text, line),
        expected: `valid YAML (${firstLine(err.message)})`,
      };
    });
    throw new ConfigError(what, problems);
  }
  return { value: doc.toJS() as unknown, doc, lineCounter };
}

/** A YAML parse of (valid) JSON text, used only to find the line of a problem path. */
function locator(text: string): Omit<Parsed, 'value'> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  return { doc: doc.errors.length === 0 ? doc : null, lineCounter };
}

function jsonProblem(text: string, e: unknown): Problem {
  const loc = locateJsonError(text);
  const offset = loc?.offset ?? text.length;
  const message = loc?.message ?? (e instanceof Error ? e.message : String(e));
  const { line, column } = lineColumn(text, offset);
  return { path: `line ${line}, column ${column}`, value: sourceLine(text, line), expected: `valid JSON (${message})` };
}

function sourceLine(text: string, line: number): string {
  return (text.split('\n')[line - 1] ?? '').replace(/\r$/, '').trim();
}

function firstLine(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?\s*$/, '').trim();
}

// ------------------------------------------------------ problem -> source line

const SEGMENT_RE = /^(?:\.?([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\])/;

/** "modules[1].config.x" -> ["modules", 1, "config", "x"]; null for paths that are not into the file ("--seed", "line 3, column 1"). */
export function pathSegments(path: string): (string | number)[] | null {
  const out: (string | number)[] = [];
  let rest = path;
  while (rest.length > 0) {
    const m = SEGMENT_RE.exec(rest);
    if (m === null) return null;
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(m[3]!) as string);
    rest = rest.slice(m[0].length);
  }
  return out;
}

/** Sets `line` on problems whose path (or its nearest existing parent, not the root) is in the document. */
function addLines(problems: Problem[], parsed: Parsed): void {
  const doc = parsed.doc;
  if (doc === null) return;
  for (const pr of problems) {
    const segs = pathSegments(pr.path);
    if (segs === null) continue;
    for (let len = segs.length; len > 0; len--) {
      const node: unknown = doc.getIn(segs.slice(0, len), true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range !== undefined) {
        pr.line = parsed.lineCounter.linePos(range[0]).line;
        break;
      }
    }
  }
}
