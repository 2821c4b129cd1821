/**
 * Endpoint syntax: where an edge starts or ends, where a task is rooted,
 * where a tap listens.
 *
 *   "fw"        module fw, gate 0         { module: fw }  or { type: module, module: fw, gate: 0 }
 *   "fw:1"      module fw, gate 1         { module: fw, gate: 1 }
 *   "eth0.rx"   port eth0, rx queue 0     { type: rx, port: eth0 }
 *   "eth0.rx2"  port eth0, rx queue 2     { type: rx, port: eth0, queue: 2 }
 *   "eth0.tx"   port eth0, transmit       { type: tx, port: eth0 }
 *
 * The object forms are the resolved forms of scenario/types.ts, so a resolved
 * endpoint can be written back into a scenario file. `type: gate` (taps) and
 * `type: queue` (task roots) are accepted as spellings of `type: module`.
 *
 * This file checks syntax only; whether the module or port exists is the
 * validator's business.
 */
import {
  type Problems,
  isPlainObject,
  joinPath,
  readInt,
  readString,
  rejectUnknownKeys,
} from '../util/config-check.js';
import type { Endpoint } from './types.js';

/** Module and port names: a letter, then letters, digits, "-" or "_" (no "." or ":", which endpoints use). */
export const ENTITY_NAME_RE = /^[A-Za-z][A-Za-z0-9_-]*$/;
export const ENTITY_NAME_HELP = 'a name like eth0 or fw-1 (a letter, then letters, digits, "-" or "_")';

const NAME_SRC = '[A-Za-z][A-Za-z0-9_-]*';
const MODULE_RE = new RegExp(`^(${NAME_SRC})(?::(\\d+))?$`);
const RX_RE = new RegExp(`^(${NAME_SRC})\\.rx(\\d+)?$`);
const TX_RE = new RegExp(`^(${NAME_SRC})\\.tx$`);

export interface ParsedEndpoint {
  endpoint: Endpoint;
  /** True when a module gate was written out ("fw:0", { gate: 0 }); false for "fw". */
  explicitGate: boolean;
}

/**
 * Parses an endpoint string or object. On a syntax problem records it (the
 * string case uses `expected`) and returns undefined.
 */
export function parseEndpoint(p: Problems, raw: unknown, path: string, expected: string): ParsedEndpoint | undefined {
  if (typeof raw === 'string') {
    const s = raw.trim();
    let m = MODULE_RE.exec(s);
    if (m !== null) {
      const gate = m[2] === undefined ? 0 : Number(m[2]);
      if (Number.isSafeInteger(gate)) {
        return { endpoint: { type: 'module', module: m[1]!, gate }, explicitGate: m[2] !== undefined };
      }
    }
    m = RX_RE.exec(s);
    if (m !== null) {
      const queue = m[2] === undefined ? 0 : Number(m[2]);
      if (Number.isSafeInteger(queue)) {
        return { endpoint: { type: 'rx', port: m[1]!, queue }, explicitGate: false };
      }
    }
    m = TX_RE.exec(s);
    if (m !== null) return { endpoint: { type: 'tx', port: m[1]! }, explicitGate: false };
    p.add(path, raw, expected);
    return undefined;
  }
  if (!isPlainObject(raw)) {
    p.add(path, raw, expected);
    return undefined;
  }
  const before = p.count;
  let type = raw['type'];
  if (type === undefined && raw['module'] !== undefined) type = 'module';
  if (type === 'gate' || type === 'queue') type = 'module';
  const name = { pattern: ENTITY_NAME_RE, patternHelp: ENTITY_NAME_HELP };
  switch (type) {
    case 'module': {
      rejectUnknownKeys(p, raw, ['type', 'module', 'gate'], path);
      const module = readString(p, raw, 'module', path, name);
      const gate = readInt(p, raw, 'gate', path, { min: 0, default: 0 });
      if (p.count !== before) return undefined;
      return { endpoint: { type: 'module', module, gate }, explicitGate: raw['gate'] !== undefined };
    }
    case 'rx': {
      rejectUnknownKeys(p, raw, ['type', 'port', 'queue'], path);
      const port = readString(p, raw, 'port', path, name);
      const queue = readInt(p, raw, 'queue', path, { min: 0, default: 0 });
      if (p.count !== before) return undefined;
      return { endpoint: { type: 'rx', port, queue }, explicitGate: false };
    }
    case 'tx': {
      rejectUnknownKeys(p, raw, ['type', 'port'], path);
      const port = readString(p, raw, 'port', path, name);
      if (p.count !== before) return undefined;
      return { endpoint: { type: 'tx', port }, explicitGate: false };
    }
    default:
      p.add(
        joinPath(path, 'type'),
        raw['type'],
        'one of: module, rx, tx (or give `module:` for a module endpoint)',
      );
      return undefined;
  }
}

/** Canonical string form: "fw:1" (the gate always shown), "eth0.rx2", "eth0.tx". */
export function formatEndpoint(e: Endpoint): string {
  switch (e.type) {
    case 'module':
      return `${e.module}:${e.gate}`;
    case 'rx':
      return `${e.port}.rx${e.queue}`;
    case 'tx':
      return `${e.port}.tx`;
  }
}
