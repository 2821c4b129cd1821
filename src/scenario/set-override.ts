/**
 * `--set PATH=VALUE`: change one field of a scenario before it is checked,
 * as NPF and ns-3 users change one parameter from the command line. PATH is
 * written as the checker names fields (`duration`, `ports[0].traffic.rate`,
 * `modules[2].config.cyclesPerPacket`); VALUE is read as a YAML value (`2ms`,
 * `5Mpps`, `64`, `true`, `[1, 2]`, `{ kind: threshold }`). Missing maps on
 * the way are created; a list index must exist. The change is then checked
 * with the rest of the file, so a bad value gets the field's own message.
 * COLD.
 */
import { parse } from 'yaml';
import type { Problems } from '../util/config-check.js';
import { pathSegments } from './path.js';

export interface SetOverride {
  /** As given: "ports[0].traffic.rate=5Mpps". */
  text: string;
}

/** Splits "PATH=VALUE"; null when there is no "=" or no path. */
export function splitSet(text: string): { path: string; value: string } | null {
  const i = text.indexOf('=');
  if (i <= 0) return null;
  return { path: text.slice(0, i).trim(), value: text.slice(i + 1) };
}

/** A deep copy of `raw` with every override applied; problems name the override (`--set PATH`). */
export function applySets(p: Problems, raw: unknown, sets: readonly string[]): unknown {
  if (sets.length === 0) return raw;
  const root: unknown = structuredClone(raw);
  for (const text of sets) {
    const where = '--set';
    const kv = splitSet(text);
    if (kv === null) {
      p.add(where, text, 'PATH=VALUE, e.g. duration=2ms or ports[0].traffic.rate=5Mpps');
      continue;
    }
    const segs = pathSegments(kv.path);
    if (segs === null || segs.length === 0) {
      p.add(`${where} ${kv.path}`, text, 'a field path like duration, ports[0].traffic.rate or modules[1].config.size');
      continue;
    }
    let value: unknown;
    try {
      value = kv.value.trim() === '' ? '' : parse(kv.value);
    } catch (e) {
      p.add(`${where} ${kv.path}`, kv.value, `a YAML value (${(e as Error).message.split('\n')[0]})`);
      continue;
    }
    if (root === null || typeof root !== 'object') return root;
    let node = root as Record<string | number, unknown>;
    let ok = true;
    for (let i = 0; i < segs.length - 1; i++) {
      const s = segs[i]!;
      if (Array.isArray(node) && (typeof s !== 'number' || s >= node.length)) {
        p.add(`${where} ${kv.path}`, text, `an index of the list ${segs.slice(0, i).join('.') || '(top)'} (it has ${node.length} entries)`);
        ok = false;
        break;
      }
      let next = node[s];
      if (next === undefined && typeof s === 'string' && !Array.isArray(node)) {
        next = {};
        node[s] = next;
      }
      if (next === null || typeof next !== 'object' || (typeof s === 'number') !== Array.isArray(node)) {
        p.add(`${where} ${kv.path}`, text, `a path into the scenario: ${segs.slice(0, i + 1).join('.')} is ${next === undefined ? 'missing' : 'not a map or list'}`);
        ok = false;
        break;
      }
      node = next as Record<string | number, unknown>;
    }
    if (!ok) continue;
    const last = segs[segs.length - 1]!;
    if (Array.isArray(node) && (typeof last !== 'number' || last >= node.length)) {
      p.add(`${where} ${kv.path}`, text, `an index of the list ${segs.slice(0, -1).join('.')} (it has ${node.length} entries)`);
      continue;
    }
    node[last] = value;
  }
  return root;
}
