/**
 * Loading a user machine preset from a JSON or YAML file (same fields as the
 * shipped presets; see preset.ts and docs/hardware-model.md). Every problem
 * is reported at once, with its dotted path and, when it can be found, its
 * line in the file. The only file of src/hw/ that touches Node: the rest of
 * the hardware model runs inside worker threads. COLD.
 */
import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { type Document, LineCounter, parseDocument } from 'yaml';
import { ConfigError, type Problem, Problems } from '../util/config-check.js';
import { type MachinePreset, validatePreset } from './preset.js';

/**
 * Reads, parses (JSON for .json, YAML otherwise; YAML accepts JSON too) and
 * validates a preset file.
 * @throws ConfigError("machine preset <path>", problems) on any problem.
 */
export function loadPresetFile(path: string): MachinePreset {
  const what = `machine preset ${path}`;
  let text: string;
  try {
    text = readFileSync(resolve(path), 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new ConfigError(what, [{ path, value: undefined, expected: `a readable preset file (${msg})` }]);
  }
  return parsePresetText(text, extname(path).toLowerCase() === '.json' ? 'json' : 'yaml', what);
}

/** Parses and validates preset text; see loadPresetFile. */
export function parsePresetText(text: string, format: 'json' | 'yaml', what = 'machine preset'): MachinePreset {
  const lineCounter = new LineCounter();
  let value: unknown;
  let doc: Document | null = null;
  if (format === 'json') {
    try {
      value = JSON.parse(text);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new ConfigError(what, [{ path: '(file)', value: undefined, expected: `valid JSON (${msg})` }]);
    }
  }
  const parsed = parseDocument(text, { lineCounter, prettyErrors: false });
  if (parsed.errors.length === 0) doc = parsed;
  else if (format === 'yaml') {
    throw new ConfigError(
      what,
      parsed.errors.map((err) => {
        const pos = lineCounter.linePos(err.pos[0]);
        return { path: `line ${pos.line}, column ${pos.col}`, value: undefined, expected: `valid YAML (${err.message.split('\n')[0]})` };
      }),
    );
  }
  if (format === 'yaml') value = parsed.toJS() as unknown;
  const p = new Problems();
  const preset = validatePreset(value, '', p);
  if (!p.ok) {
    if (doc !== null) addLines(p.list, doc, lineCounter);
    throw new ConfigError(what, p.list);
  }
  return preset;
}

const SEGMENT_RE = /^(?:\.?([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\])/;

/** "caches.L2.ways" -> ["caches", "L2", "ways"]; `sources["a.b"]` -> ["sources", "a.b"]; null if not a path. */
function pathSegments(path: string): (string | number)[] | null {
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

/** Sets `line` on each problem whose path (or nearest existing parent) is in the document. */
function addLines(problems: Problem[], doc: Document, lc: LineCounter): void {
  for (const pr of problems) {
    const segs = pathSegments(pr.path);
    if (segs === null) continue;
    for (let len = segs.length; len > 0; len--) {
      const node: unknown = doc.getIn(segs.slice(0, len), true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (range !== undefined) {
        pr.line = lc.linePos(range[0]).line;
        break;
      }
    }
  }
}
