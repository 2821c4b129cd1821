/**
 * urlfilter configuration: fields, defaults, the checker, Snort-style
 * content strings and the seeded URL-pattern generator. COLD throughout.
 *
 *   patterns       list of Snort-like content strings: text (UTF-8) with
 *                  |hex| byte blocks, e.g. "/scripts/..|c0 af|../"; "\|" and
 *                  "\\" escape a literal | and \. 1..255 bytes each.
 *   generate       { count, seed? }: add `count` (1..20000) seeded random
 *                  URL-like strings ("/cgi-bin/x3k_q.php?id=") — seed
 *                  defaults to 1.
 *                  Neither given: DEFAULT_URL_PATTERNS (classic web-attack
 *                  URI strings, illustrative only).
 *   nocase         ASCII-case-insensitive matching (Snort's `nocase`); true.
 *   action         block (drop the connection) | alert (count matches, pass).
 *   connections    table capacity, 1..1048576; 4096.
 *   windowBytes    per-direction out-of-order hold window, 0..65536; 2048
 *                  (one full-size segment ahead).
 *   oooOverflow    skip | drop: what happens to an out-of-order segment the
 *                  window cannot hold (see tcp-reassembly.ts); skip.
 *   nonTcp         pass | drop; pass.
 *   idleTimeout    seconds (a number or a duration string such as "30s");
 *                  a connection with no packet for longer is forgotten. 30
 *                  (Snort 2 stream5's default TCP session timeout); 0 never.
 *   cyclesPerBatch, cyclesPerPacket, cyclesPerScannedByte: see DEFAULT_COST.
 */
import {
  asObject, indexPath, joinPath, readArray, readBool, readInt, readNumber, readString, rejectUnknownKeys, type Problems,
} from '../util/config-check.js';
import { Prng } from '../util/prng.js';
import { parseDurationSeconds } from '../util/units.js';

export interface UrlFilterConfig {
  patterns: string[];
  generate: { count: number; seed: number } | null;
  nocase: boolean;
  action: 'block' | 'alert';
  connections: number;
  windowBytes: number;
  oooOverflow: 'skip' | 'drop';
  nonTcp: 'pass' | 'drop';
  /** Seconds without a packet after which a connection is forgotten; 0 = never. */
  idleTimeout: number;
  cyclesPerBatch: number;
  cyclesPerPacket: number;
  cyclesPerScannedByte: number;
}

/**
 * Cost basis (estimates for a ~2.6 GHz x86 core, memory excluded — the
 * cache model prices the declared table lines):
 *  - cyclesPerPacket 70: header parse (~25, as l3fwd's parse), a 9-word
 *    MurmurHash-style key hash (~15), one probe and key compare (~15), the
 *    sequence-number bookkeeping (~15).
 *  - cyclesPerScannedByte 6: a DFA step is a dependent chain — byte load,
 *    class lookup, add, next-state load — so it runs at about one L1
 *    load-to-use latency (4–5 cycles) plus an add per byte; ~430 MB/s at
 *    2.6 GHz, in the range reported for table-driven Aho–Corasick in
 *    software IDSes. Charged via chargeCycles on bytes actually fed to the
 *    automaton (not on headers, retransmitted bytes or dropped packets).
 */
export const DEFAULT_COST = { cyclesPerBatch: 0, cyclesPerPacket: 70, cyclesPerScannedByte: 6 } as const;

export const MAX_PATTERN_BYTES = 255;
export const MAX_PATTERNS = 20000;

/** Classic web-attack URI content strings (as in Snort's web-* rules); an illustrative default set. */
export const DEFAULT_URL_PATTERNS: readonly string[] = [
  '/etc/passwd', 'cmd.exe', '/bin/sh', '/cgi-bin/phf', '/cgi-bin/test-cgi', '/_vti_bin/', '/default.ida?',
  '..%c0%af', '..%255c', '/scripts/root.exe', '/msadc/', '/iisadmin', 'union select', '/phpmyadmin/',
  '<script>', '/wp-login.php',
];

const KEYS = [
  'patterns', 'generate', 'nocase', 'action', 'connections', 'windowBytes', 'oooOverflow', 'nonTcp', 'idleTimeout',
  'cyclesPerBatch', 'cyclesPerPacket', 'cyclesPerScannedByte',
];

/** Snort 2.9 manual, stream5_tcp `timeout`: "Session timeout. The default is 30". Seconds. */
export const DEFAULT_IDLE_TIMEOUT_S = 30;
const CONTENT_HELP = `a Snort-style content string (text with |hex| bytes, \\| and \\\\ escapes) of 1 to ${MAX_PATTERN_BYTES} bytes`;

export function checkUrlFilterConfig(raw: unknown, path: string, p: Problems): UrlFilterConfig {
  const o = asObject(p, raw ?? {}, path) ?? {};
  rejectUnknownKeys(p, o, KEYS, path);
  const patterns: string[] = [];
  if (o.patterns !== undefined) {
    const list = readArray(p, o, 'patterns', path);
    if (list.length > MAX_PATTERNS) p.add(joinPath(path, 'patterns'), `${list.length} patterns`, `at most ${MAX_PATTERNS} patterns`);
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      const where = indexPath(joinPath(path, 'patterns'), i);
      if (typeof s !== 'string') p.add(where, s, CONTENT_HELP);
      else {
        const r = parseContent(s);
        if (typeof r === 'string') p.add(where, s, `${CONTENT_HELP} (${r})`);
        else patterns.push(s);
      }
    }
  }
  let generate: UrlFilterConfig['generate'] = null;
  if (o.generate !== undefined) {
    const gp = joinPath(path, 'generate');
    const g = asObject(p, o.generate, gp);
    if (g !== undefined) {
      rejectUnknownKeys(p, g, ['count', 'seed'], gp);
      generate = {
        count: readInt(p, g, 'count', gp, { min: 1, max: MAX_PATTERNS }),
        seed: readInt(p, g, 'seed', gp, { min: 0, max: 0xffffffff, default: 1 }),
      };
    }
  }
  if (o.patterns === undefined && o.generate === undefined) patterns.push(...DEFAULT_URL_PATTERNS);
  let idleTimeout = DEFAULT_IDLE_TIMEOUT_S;
  if (o.idleTimeout !== undefined) {
    const v = parseDurationSeconds(o.idleTimeout);
    if (v === null) p.add(joinPath(path, 'idleTimeout'), o.idleTimeout, 'seconds (a number) or a duration such as "30s" or "500ms"; 0 never forgets');
    else idleTimeout = v;
  }
  return {
    patterns,
    generate,
    nocase: readBool(p, o, 'nocase', path, { default: true }),
    action: readString(p, o, 'action', path, { oneOf: ['block', 'alert'], default: 'block' }) as 'block' | 'alert',
    connections: readInt(p, o, 'connections', path, { min: 1, max: 1 << 20, default: 4096 }),
    windowBytes: readInt(p, o, 'windowBytes', path, { min: 0, max: 65536, default: 2048 }),
    oooOverflow: readString(p, o, 'oooOverflow', path, { oneOf: ['skip', 'drop'], default: 'skip' }) as 'skip' | 'drop',
    nonTcp: readString(p, o, 'nonTcp', path, { oneOf: ['pass', 'drop'], default: 'pass' }) as 'pass' | 'drop',
    idleTimeout,
    cyclesPerBatch: readNumber(p, o, 'cyclesPerBatch', path, { min: 0, default: DEFAULT_COST.cyclesPerBatch }),
    cyclesPerPacket: readNumber(p, o, 'cyclesPerPacket', path, { min: 0, default: DEFAULT_COST.cyclesPerPacket }),
    cyclesPerScannedByte: readNumber(p, o, 'cyclesPerScannedByte', path, { min: 0, default: DEFAULT_COST.cyclesPerScannedByte }),
  };
}

/**
 * A Snort-style content string as bytes, or a string saying what is wrong.
 * Text is UTF-8; |..| holds hex byte pairs (spaces allowed); \| and \\ are
 * a literal | and \.
 */
export function parseContent(s: string): Uint8Array | string {
  const out: number[] = [];
  const utf8 = new TextEncoder();
  let i = 0;
  while (i < s.length) {
    const ch = s[i]!;
    if (ch === '\\') {
      const nx = s[i + 1];
      if (nx !== '\\' && nx !== '|') return `"\\" at ${i} must escape "\\" or "|"`;
      out.push(nx.charCodeAt(0));
      i += 2;
    } else if (ch === '|') {
      const close = s.indexOf('|', i + 1);
      if (close < 0) return `unclosed |hex| block at ${i}`;
      const hex = s.slice(i + 1, close).replace(/\s+/g, '');
      if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex)) return `bad hex block "${s.slice(i, close + 1)}"`;
      for (let k = 0; k < hex.length; k += 2) out.push(parseInt(hex.slice(k, k + 2), 16));
      i = close + 1;
    } else {
      const cp = s.codePointAt(i)!;
      const one = String.fromCodePoint(cp);
      for (const b of utf8.encode(one)) out.push(b);
      i += one.length;
    }
  }
  if (out.length === 0) return 'empty';
  if (out.length > MAX_PATTERN_BYTES) return `${out.length} bytes`;
  return Uint8Array.from(out);
}

const DIRS = [
  'cgi-bin', 'admin', 'scripts', 'wp-admin', 'wp-content', 'phpmyadmin', 'include', 'images', 'uploads', 'api',
  'login', 'shell', 'config', 'backup', 'tmp', 'bin', '_vti_bin', 'servlet', 'manager', 'console',
];
const EXTS = ['.php', '.cgi', '.asp', '.aspx', '.exe', '.pl', '.jsp', '.dll', '.sh', '.ida'];
const PARAMS = ['id=', 'cmd=', 'file=', 'page=', 'q=', 'user=', 'exec=', 'path='];
const NAME_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789_';

/** `count` URL-like strings, "/dir[/dir]/name.ext[?param=value]", a pure function of (count, seed). */
export function generateUrlPatterns(count: number, seed: number): string[] {
  const rng = new Prng(seed);
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    let s = '/' + DIRS[rng.nextInt(DIRS.length)]!;
    if (rng.nextInt(2) === 0) s += '/' + DIRS[rng.nextInt(DIRS.length)]!;
    s += '/';
    const nameLen = 3 + rng.nextInt(8);
    for (let i = 0; i < nameLen; i++) s += NAME_CHARS[rng.nextInt(NAME_CHARS.length)]!;
    s += EXTS[rng.nextInt(EXTS.length)]!;
    if (rng.nextInt(2) === 0) {
      s += '?' + PARAMS[rng.nextInt(PARAMS.length)]!;
      const v = rng.nextInt(5);
      for (let i = 0; i < v; i++) s += NAME_CHARS[rng.nextInt(NAME_CHARS.length)]!;
    }
    out.push(s);
  }
  return out;
}

/** The byte strings a config asks for: `patterns`, then the generated ones. Throws on a pattern the checker would reject. */
export function patternBytes(config: UrlFilterConfig): Uint8Array[] {
  const all = config.patterns.slice();
  if (config.generate !== null) all.push(...generateUrlPatterns(config.generate.count, config.generate.seed));
  return all.map((s, i) => {
    const r = parseContent(s);
    if (typeof r === 'string') throw new RangeError(`pattern ${i} ${JSON.stringify(s)}: ${r}`);
    return r;
  });
}
