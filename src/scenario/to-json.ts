/**
 * A resolved scenario as a plain, stable object for result records: object
 * keys sorted at every depth, so equal scenarios serialise to equal strings.
 * Follows JSON.stringify's rules otherwise (undefined fields dropped,
 * non-finite numbers become null, toJSON() honoured); typed arrays become
 * arrays, Maps become key-sorted objects and Sets arrays (module configs may
 * hold them).
 */
import type { Scenario } from './types.js';

export function scenarioToJSON(s: Scenario): unknown {
  return toPlain(s, new Set());
}

function toPlain(v: unknown, seen: Set<object>): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v !== 'object') return undefined; // undefined, functions, symbols: dropped, as in JSON
  if (seen.has(v)) throw new TypeError('scenarioToJSON: circular structure in a module config');
  seen.add(v);
  try {
    const withToJSON = v as { toJSON?: unknown };
    if (typeof withToJSON.toJSON === 'function') return toPlain((withToJSON.toJSON as () => unknown)(), seen);
    if (Array.isArray(v)) return v.map((x) => toPlain(x, seen) ?? null);
    if (ArrayBuffer.isView(v)) {
      return v instanceof DataView ? Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) : Array.from(v as unknown as ArrayLike<number | bigint>, (x) => toPlain(x, seen));
    }
    if (v instanceof Set) return [...v].map((x) => toPlain(x, seen) ?? null);
    const entries: [string, unknown][] =
      v instanceof Map ? [...v].map(([k, x]) => [String(k), x]) : Object.entries(v as Record<string, unknown>);
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const out: Record<string, unknown> = {};
    for (const [k, x] of entries) {
      const px = toPlain(x, seen);
      if (px !== undefined) out[k] = px;
    }
    return out;
  } finally {
    seen.delete(v);
  }
}
