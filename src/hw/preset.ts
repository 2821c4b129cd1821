/**
 * Machine presets: the schema of a modelled server (sockets, cores, clock,
 * caches, NUMA, coherence, OS and copy costs, NIC), its validator, and the
 * small pieces of arithmetic every user of a preset needs (which socket a
 * core is on, a core's LLC partition, the copy-cost fit).
 *
 * A preset is data. The shipped ones live in `presets/*.ts` as plain objects
 * (plain data modules rather than JSON files: JSON imports need import
 * attributes and `resolveJsonModule` under NodeNext, and `tsc` would not copy
 * them to dist/); a user preset is a JSON or YAML file with the same fields,
 * loaded by `preset-file.ts`. Every numeric or boolean field should carry its
 * provenance in `sources` under its dotted path, e.g.
 * `"caches.L2.latencyCycles": "[ExecModels] Table 1"`; shipped presets must
 * (a test checks), user presets may.
 *
 * The field table {@link PRESET_FIELDS} drives validation, the sources check
 * and the docs, so a new field is added in one place.
 *
 * COLD. No `node:*` imports.
 */
import {
  asObject,
  didYouMeanHint,
  joinPath,
  listNames,
  type Problems,
  readBool,
  readInt,
  readNumber,
  readString,
  rejectUnknownKeys,
} from '../util/config-check.js';

/** A private or per-core cache level. */
export interface CacheLevelSpec {
  /** Capacity in bytes. */
  sizeBytes: number;
  /** Associativity. */
  ways: number;
  /** Load-to-use latency of a hit at this level, in core cycles. */
  latencyCycles: number;
}

/** The last-level cache of one socket. */
export interface LlcSpec extends CacheLevelSpec {
  /** A load served by the other socket's LLC (clean line), in core cycles. */
  remoteLatencyCycles: number;
  /** Inclusive of L1/L2 (Haswell-EP) or non-inclusive victim cache (Skylake-SP). */
  inclusive: boolean;
}

export interface MachinePreset {
  name: string;
  description: string;
  sockets: number;
  coresPerSocket: number;
  /** Core clock; every *Cycles field is in cycles of this clock. */
  hz: number;
  lineBytes: number;
  caches: { L1d: CacheLevelSpec; L2: CacheLevelSpec; LLC: LlcSpec };
  dram: { localLatencyCycles: number; remoteLatencyCycles: number };
  /**
   * Price of the first access by one core to a line another core wrote or read:
   * clean (same socket) = one LLC access; dirty (same socket) = LLC access plus
   * the snoop of the owner's private cache, in total; other socket = either
   * plus crossSocketPenaltyCycles.
   */
  coherence: { cleanTransferCycles: number; dirtyTransferCycles: number; crossSocketPenaltyCycles: number };
  os: {
    /** Context switch between processes under CFS (and the generic switch cost). */
    contextSwitchCycles: number;
    batchContextSwitchCycles: number;
    rtContextSwitchCycles: number;
    /** One network I/O system call. */
    syscallCycles: number;
  };
  /** Two measured points of "copy one packet (allocating its struct)"; {@link copyCycles} fits a line through them. */
  copy: { smallBytes: number; smallCycles: number; largeBytes: number; largeCycles: number };
  nic: {
    /** Socket whose PCIe root the NIC hangs off (and whose memory holds packet buffers). */
    socket: number;
    /** Data Direct I/O: RX DMA writes land in the LLC of the NIC's socket (else in DRAM). */
    ddio: boolean;
    /** Per port, bits per second (without the 20 B/frame wire overhead). */
    lineRateBps: number;
    ports: number;
  };
  /** Provenance of each numeric/boolean field, keyed by its dotted path. */
  sources: Record<string, string>;
}

type FieldKind = 'int' | 'number' | 'bool';

/** One numeric or boolean leaf of the preset schema. */
export interface PresetField {
  /** Dotted path, also the key in `sources`. */
  path: string;
  kind: FieldKind;
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
  powerOfTwo?: boolean;
  help: string;
}

const MAX_CYCLES = 1e7;

/** Every numeric and boolean field of a preset, in file order. */
export const PRESET_FIELDS: readonly PresetField[] = [
  { path: 'sockets', kind: 'int', min: 1, max: 16, help: 'number of sockets (NUMA nodes)' },
  { path: 'coresPerSocket', kind: 'int', min: 1, max: 1024, help: 'cores per socket; core c is on socket floor(c / coresPerSocket)' },
  { path: 'hz', kind: 'number', min: 1e6, max: 1e11, help: 'core clock in Hz' },
  { path: 'lineBytes', kind: 'int', min: 16, max: 1024, powerOfTwo: true, help: 'cache line size in bytes' },
  { path: 'caches.L1d.sizeBytes', kind: 'int', min: 64, help: 'L1 data cache per core, bytes' },
  { path: 'caches.L1d.ways', kind: 'int', min: 1, max: 32, help: 'L1d associativity' },
  { path: 'caches.L1d.latencyCycles', kind: 'int', min: 0, max: MAX_CYCLES, help: 'L1d hit latency, cycles' },
  { path: 'caches.L2.sizeBytes', kind: 'int', min: 64, help: 'L2 per core, bytes' },
  { path: 'caches.L2.ways', kind: 'int', min: 1, max: 32, help: 'L2 associativity' },
  { path: 'caches.L2.latencyCycles', kind: 'int', min: 0, max: MAX_CYCLES, help: 'L2 hit latency (load to use, total), cycles' },
  { path: 'caches.LLC.sizeBytes', kind: 'int', min: 64, help: 'last-level cache per socket, bytes' },
  { path: 'caches.LLC.ways', kind: 'int', min: 1, max: 32, help: 'LLC associativity' },
  { path: 'caches.LLC.latencyCycles', kind: 'int', min: 0, max: MAX_CYCLES, help: 'local LLC hit latency (total), cycles' },
  { path: 'caches.LLC.remoteLatencyCycles', kind: 'int', min: 0, max: MAX_CYCLES, help: 'a hit in the other socket\'s LLC, cycles' },
  { path: 'caches.LLC.inclusive', kind: 'bool', help: 'LLC inclusive of L1/L2 (true) or a non-inclusive victim cache (false)' },
  { path: 'dram.localLatencyCycles', kind: 'int', min: 0, max: MAX_CYCLES, help: 'DRAM of the core\'s own socket, cycles' },
  { path: 'dram.remoteLatencyCycles', kind: 'int', min: 0, max: MAX_CYCLES, help: 'DRAM of the other socket, cycles' },
  { path: 'coherence.cleanTransferCycles', kind: 'int', min: 0, max: MAX_CYCLES, help: 'line another core read (clean), same socket, cycles' },
  { path: 'coherence.dirtyTransferCycles', kind: 'int', min: 0, max: MAX_CYCLES, help: 'line another core modified, same socket, total cycles' },
  { path: 'coherence.crossSocketPenaltyCycles', kind: 'int', min: 0, max: MAX_CYCLES, help: 'added when the line comes from the other socket, cycles' },
  { path: 'os.contextSwitchCycles', kind: 'int', min: 0, max: MAX_CYCLES, help: 'process context switch (CFS), cycles' },
  { path: 'os.batchContextSwitchCycles', kind: 'int', min: 0, max: MAX_CYCLES, help: 'context switch under batch CFS, cycles' },
  { path: 'os.rtContextSwitchCycles', kind: 'int', min: 0, max: MAX_CYCLES, help: 'context switch under RT FIFO / RR, cycles' },
  { path: 'os.syscallCycles', kind: 'int', min: 0, max: MAX_CYCLES, help: 'one network I/O system call, cycles' },
  { path: 'copy.smallBytes', kind: 'int', min: 0, max: 65536, help: 'packet size of the first copy-cost measurement' },
  { path: 'copy.smallCycles', kind: 'number', min: 0, max: MAX_CYCLES, help: 'cycles to copy (and allocate) a packet of smallBytes' },
  { path: 'copy.largeBytes', kind: 'int', min: 1, max: 65536, help: 'packet size of the second copy-cost measurement' },
  { path: 'copy.largeCycles', kind: 'number', min: 0, max: MAX_CYCLES, help: 'cycles to copy (and allocate) a packet of largeBytes' },
  { path: 'nic.socket', kind: 'int', min: 0, max: 15, help: 'socket the NIC is attached to' },
  { path: 'nic.ddio', kind: 'bool', help: 'DDIO: RX DMA lands in the NIC socket\'s LLC (default; a scenario may override)' },
  { path: 'nic.lineRateBps', kind: 'number', min: 1e6, max: 1e13, help: 'per-port line rate, bits per second' },
  { path: 'nic.ports', kind: 'int', min: 1, max: 64, help: 'ports on the NIC' },
];

const FIELD_PATHS: readonly string[] = PRESET_FIELDS.map((f) => f.path);
const TOP_STRINGS = ['name', 'description'] as const;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Keys allowed directly under each group path ('' = top level). */
function schemaGroups(): Map<string, string[]> {
  const groups = new Map<string, string[]>([['', [...TOP_STRINGS, 'sources']]]);
  for (const f of PRESET_FIELDS) {
    const parts = f.path.split('.');
    for (let i = 0; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('.');
      const keys = groups.get(parent) ?? [];
      if (!keys.includes(parts[i]!)) keys.push(parts[i]!);
      groups.set(parent, keys);
    }
  }
  return groups;
}

const GROUPS = schemaGroups();

/**
 * COLD: checks a raw preset (parsed JSON/YAML) found at `path` in its file
 * ('' for a whole preset file), recording every problem in `p` with its
 * dotted path. Returns the preset (with harmless fallbacks where problems
 * were found: use it only if `p.ok`).
 */
export function validatePreset(raw: unknown, path: string, p: Problems): MachinePreset {
  const out: Record<string, unknown> = {};
  const obj = asObject(p, raw, path);
  if (obj === undefined) return out as unknown as MachinePreset;
  const fieldsByPath = new Map(PRESET_FIELDS.map((f) => [f.path, f]));

  const walk = (o: Record<string, unknown>, group: string, where: string, dst: Record<string, unknown>): void => {
    const keys = GROUPS.get(group)!;
    rejectUnknownKeys(p, o, keys, where);
    for (const key of keys) {
      const full = group === '' ? key : `${group}.${key}`;
      if (group === '' && (key === 'name' || key === 'description' || key === 'sources')) continue;
      const f = fieldsByPath.get(full);
      if (f === undefined) {
        const sub = asObject(p, o[key], joinPath(where, key));
        const d: Record<string, unknown> = {};
        dst[key] = d;
        if (sub !== undefined) walk(sub, full, joinPath(where, key), d);
        continue;
      }
      if (f.kind === 'bool') dst[key] = readBool(p, o, key, where);
      else if (f.kind === 'int') {
        const opts: { min?: number; max?: number; powerOfTwo?: boolean } = {};
        if (f.min !== undefined) opts.min = f.min;
        if (f.max !== undefined) opts.max = f.max;
        if (f.powerOfTwo) opts.powerOfTwo = true;
        dst[key] = readInt(p, o, key, where, opts);
      } else {
        const opts: { min?: number; max?: number; exclusiveMin?: boolean } = {};
        if (f.min !== undefined) opts.min = f.min;
        if (f.max !== undefined) opts.max = f.max;
        if (f.exclusiveMin) opts.exclusiveMin = true;
        dst[key] = readNumber(p, o, key, where, opts);
      }
    }
  };

  out.name = readString(p, obj, 'name', path, { pattern: NAME_RE, patternHelp: 'a name like my-server-2s (letters, digits, ., - and _)' });
  out.description = readString(p, obj, 'description', path, { default: '' });
  walk(obj, '', path, out);
  out.sources = readSources(p, obj.sources, joinPath(path, 'sources'));

  const preset = out as unknown as MachinePreset;
  checkConsistency(preset, path, p);
  return preset;
}

function readSources(p: Problems, raw: unknown, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw === undefined) return out;
  const obj = asObject(p, raw, where);
  if (obj === undefined) return out;
  for (const [k, v] of Object.entries(obj)) {
    const at = joinPath(where, k);
    if (!FIELD_PATHS.includes(k)) {
      // Worded like rejectUnknownKeys' messages ("got x, unknown field ...; expected one of ...").
      p.add(at, v, `unknown field path for a source${didYouMeanHint(k, FIELD_PATHS)}; expected one of: ${listNames(FIELD_PATHS)}`);
      continue;
    }
    if (typeof v !== 'string' || v.trim() === '') {
      p.add(at, v, 'a non-empty string saying where the number comes from');
      continue;
    }
    out[k] = v;
  }
  return out;
}

/** Relations between fields that single-field checks cannot see. Skips fields that already have a problem. */
function checkConsistency(m: MachinePreset, path: string, p: Problems): void {
  const at = (field: string): string => (path === '' ? field : `${path}.${field}`);
  // A field that already has a problem holds a fallback value: comparing it would only add noise.
  const bad = new Set(p.list.map((x) => x.path));
  const ok = (...fields: string[]): boolean => fields.every((f) => !bad.has(at(f)));
  const caches = m.caches;
  if (caches === undefined || m.dram === undefined || m.coherence === undefined || m.nic === undefined || m.copy === undefined) return;
  const line = m.lineBytes;
  for (const level of ['L1d', 'L2', 'LLC'] as const) {
    const c = caches[level];
    if (c === undefined || !ok(`caches.${level}.sizeBytes`, `caches.${level}.ways`, 'lineBytes')) continue;
    const setBytes = c.ways * line;
    if (c.sizeBytes % setBytes !== 0 || c.sizeBytes < setBytes) {
      p.add(at(`caches.${level}.sizeBytes`), c.sizeBytes, `a positive multiple of ways × lineBytes (${c.ways} × ${line} = ${setBytes})`);
    }
  }
  const order: [string, number | undefined, string, number | undefined][] = [
    ['caches.L2.latencyCycles', caches.L2?.latencyCycles, 'caches.L1d.latencyCycles', caches.L1d?.latencyCycles],
    ['caches.LLC.latencyCycles', caches.LLC?.latencyCycles, 'caches.L2.latencyCycles', caches.L2?.latencyCycles],
    ['caches.LLC.remoteLatencyCycles', caches.LLC?.remoteLatencyCycles, 'caches.LLC.latencyCycles', caches.LLC?.latencyCycles],
    ['dram.localLatencyCycles', m.dram.localLatencyCycles, 'caches.LLC.latencyCycles', caches.LLC?.latencyCycles],
    ['dram.remoteLatencyCycles', m.dram.remoteLatencyCycles, 'dram.localLatencyCycles', m.dram.localLatencyCycles],
    ['coherence.dirtyTransferCycles', m.coherence.dirtyTransferCycles, 'coherence.cleanTransferCycles', m.coherence.cleanTransferCycles],
  ];
  for (const [big, bigV, small, smallV] of order) {
    if (!ok(big, small) || bigV === undefined || smallV === undefined) continue;
    if (bigV < smallV) p.add(at(big), bigV, `a number >= ${small} (${smallV})`);
  }
  if (ok('nic.socket', 'sockets') && m.nic.socket >= m.sockets) {
    p.add(at('nic.socket'), m.nic.socket, `a socket index below sockets (${m.sockets})`);
  }
  if (!ok('copy.largeBytes', 'copy.smallBytes', 'copy.largeCycles', 'copy.smallCycles')) return;
  if (m.copy.largeBytes <= m.copy.smallBytes) p.add(at('copy.largeBytes'), m.copy.largeBytes, `a size > copy.smallBytes (${m.copy.smallBytes})`);
  else if (m.copy.largeCycles < m.copy.smallCycles) p.add(at('copy.largeCycles'), m.copy.largeCycles, `a number >= copy.smallCycles (${m.copy.smallCycles}): copying more bytes cannot be cheaper`);
}

/** Dotted paths of numeric/boolean fields that have no `sources` entry. */
export function missingSources(m: MachinePreset): string[] {
  return FIELD_PATHS.filter((f) => typeof m.sources[f] !== 'string' || m.sources[f]!.trim() === '');
}

/** The value at a dotted path of a preset (undefined if absent). */
export function presetValue(m: MachinePreset, path: string): unknown {
  let v: unknown = m;
  for (const k of path.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

// ----------------------------------------------------------- derived values

/** Socket of core `core` under the preset's numbering (cores 0..coresPerSocket-1 on socket 0, and so on). */
export function socketOfCore(m: MachinePreset, core: number): number {
  return Math.floor(core / m.coresPerSocket);
}

/** Total cores. */
export function totalCores(m: MachinePreset): number {
  return m.sockets * m.coresPerSocket;
}

/** Geometry of one core's LLC partition. */
export interface LlcPartition {
  sets: number;
  ways: number;
  sizeBytes: number;
}

/**
 * The slice of a socket's LLC that one core owns when `sharers` cores share
 * it (default: every core of the socket): same associativity, 1/sharers of
 * the capacity, rounded down to whole sets. See memory.ts for why the LLC is
 * partitioned.
 */
export function llcPartition(m: MachinePreset, sharers: number = m.coresPerSocket): LlcPartition {
  const llc = m.caches.LLC;
  const n = Math.max(1, Math.floor(sharers));
  const lines = Math.floor(llc.sizeBytes / n / m.lineBytes);
  const sets = Math.max(1, Math.floor(lines / llc.ways));
  return { sets, ways: llc.ways, sizeBytes: sets * llc.ways * m.lineBytes };
}

/** Linear copy-cost model through the preset's two measured points. */
export interface CopyCostFit {
  fixedCycles: number;
  cyclesPerByte: number;
}

/**
 * The line through (smallBytes, smallCycles) and (largeBytes, largeCycles).
 * [Quadrant]: slope = (467 - 247) / (1500 - 100) = 220 / 1400 = 0.157142...
 * cycles/B; fixed = 247 - 100 × 0.157142... = 231.2857... cycles.
 */
export function copyCostFit(m: MachinePreset): CopyCostFit {
  const c = m.copy;
  const cyclesPerByte = (c.largeCycles - c.smallCycles) / (c.largeBytes - c.smallBytes);
  return { fixedCycles: c.smallCycles - c.smallBytes * cyclesPerByte, cyclesPerByte };
}

/** Cycles to copy (and allocate) one packet of `bytes`, rounded to whole cycles. */
export function copyCycles(m: MachinePreset, bytes: number): number {
  const fit = copyCostFit(m);
  return Math.round(fit.fixedCycles + fit.cyclesPerByte * bytes);
}
