/**
 * The NF (network function) interface: what every module in a service chain
 * implements, and the context the engine hands it.
 *
 * Life cycle (one instance per module, living on the core whose task reaches
 * it):
 *   COLD  kind.checkConfig(raw)  -> validated config (scenario load, main thread)
 *   COLD  kind.create(config, env) -> instance: allocate tables, parse rule
 *         files, register simulated memory regions. May allocate and throw.
 *   HOT   instance.process(ctx, batch, count): called once per batch. May not
 *         allocate, await, throw, or read the wall clock. Every packet handed
 *         in must leave through exactly one of ctx.emit / ctx.drop (or be kept
 *         by an NF that owns packets, which none of the built-ins do).
 *
 * Costs are declared data: `cost` (per batch / per packet / per byte) is
 * charged by the engine around each `process` call; dynamic work (a table
 * probe that walked 3 buckets) is added with ctx.chargeCycles, and memory
 * references go through ctx.mem, which returns the cycles the hardware model
 * prices them at (0 until a cache model is installed). The engine adds them all
 * to the core's virtual clock: an NF never moves time itself.
 */
import type { PacketPool } from '../packet/pool.js';
import type { Problems } from '../util/config-check.js';

/** Declared cost of one `process` call: batch + count*packet + bytes*byte cycles. */
export interface NfCost {
  cyclesPerBatch: number;
  cyclesPerPacket: number;
  cyclesPerByte: number;
}

export const ZERO_COST: NfCost = Object.freeze({ cyclesPerBatch: 0, cyclesPerPacket: 0, cyclesPerByte: 0 });

/**
 * Memory references to NF state, priced by the hardware model. Addresses are
 * simulated addresses inside regions from NfEnv.allocRegion. Each call returns
 * the cycles the access costs beyond the compute the NF declares, and the
 * engine has already added them to the module's charge: an NF must NOT pass
 * them to chargeCycles again (the return value is for NFs that want to know).
 * Declare the accesses the real data structure would make: a hash-table probe
 * reads the bucket it probes, a trie walk reads each node it visits. HOT.
 */
export interface MemoryModel {
  read(addr: number, sizeBytes: number): number;
  write(addr: number, sizeBytes: number): number;
  /** Optional: the model's cache-line size in bytes (a power of two), for readLines. */
  readonly lineBytes?: number;
  /**
   * Optional, with lineBytes: the line accesses `lines[i]` for i in
   * start..end-1, in order, each followed by `repeats[i]` more reads of the
   * same line — exactly the effect of the reads whose bytes cover those
   * lines (a read of bytes a..b touches lines floor(a / lineBytes) ..
   * floor(b / lineBytes)), done in bulk. The engine charges the stalls; no
   * return value. For replayed lookups (trace-memo.ts).
   */
  readLines?(lines: Float64Array, repeats: Uint16Array, start: number, end: number): void;
}

/** A memory model that charges nothing: the engine's default until the cache model exists. */
export const FREE_MEMORY: MemoryModel = Object.freeze({
  read: (_addr: number, _sizeBytes: number) => 0,
  write: (_addr: number, _sizeBytes: number) => 0,
});

/** What the engine gives a module while it processes one batch. HOT. */
export interface NfContext {
  readonly pool: PacketPool;
  /** Core that runs this module (for coherence bookkeeping: pool.lastWriterCore). */
  readonly coreId: number;
  /** Virtual time (cycles) at which this module started on the current batch. */
  readonly nowCycles: number;
  readonly mem: MemoryModel;
  /** Send packet `h` out of output gate `gate`. */
  emit(gate: number, h: number): void;
  /** Send the whole input batch out of one gate (fast path, no per-packet call). */
  emitAll(gate: number, handles: Uint32Array, count: number): void;
  /** Drop packet `h`, counted under `reason` (an id from NfEnv.dropReason). */
  drop(h: number, reasonId: number): void;
  /** Add data-dependent compute cycles (e.g. extra hash-table probes). */
  chargeCycles(cycles: number): void;
  /**
   * Declare that the NF reads `sizeBytes` of packet h's frame at
   * `offsetBytes` from the frame start (e.g. 0..34 to parse Ethernet + IPv4).
   * Packet lines may have been written by another core, which the hardware
   * model prices (coherence transfer); charged automatically like mem.read.
   */
  readPacket(h: number, offsetBytes: number, sizeBytes: number): number;
  /** Declare that the NF wrote `sizeBytes` of packet h's frame at `offsetBytes` (header rewrite, VLAN push, payload encryption). */
  writePacket(h: number, offsetBytes: number, sizeBytes: number): number;
}

/** Cold-path environment for create(). */
export interface NfEnv {
  readonly moduleName: string;
  readonly coreId: number;
  readonly hz: number;
  readonly seed: number;
  /** Id of a drop reason the kind declared in `dropReasons`. Throws for undeclared names. */
  dropReason(name: string): number;
  /** Reserve `sizeBytes` of simulated address space for NF state; returns its base address. */
  allocRegion(label: string, sizeBytes: number): number;
  /** Index of a named counter the kind declared in `counters`; the instance adds to ctx-free `counters` array. */
  counterIndex(name: string): number;
}

export interface NfInstance {
  /** Declared costs; read by the engine once per batch (may be changed by control actions later). */
  readonly cost: NfCost;
  /** NF-specific counters, indexed as kind.counters; the engine reports them. */
  readonly counters: Float64Array;
  /** HOT: process `count` packet handles from `handles[0..count)`. */
  process(ctx: NfContext, handles: Uint32Array, count: number): void;
}

export interface NfKind<C = unknown> {
  /** Kind name used in scenario files (`kind: macswap`). */
  readonly name: string;
  /** One line for `emu nf list`. */
  readonly help: string;
  /** Names of output gates, in gate order (the gate count may depend on config: see outputGates). */
  readonly gateNames: readonly string[];
  /** Drop reasons this kind may count (snake_case). */
  readonly dropReasons: readonly string[];
  /** Names of NF-specific counters. */
  readonly counters: readonly string[];
  /** True only for the engine's queue: a task boundary, not a processing step. */
  readonly isQueue: boolean;
  /** COLD: validate a raw config (from YAML/JSON), recording problems under `path`. */
  checkConfig(raw: unknown, path: string, p: Problems): C;
  /** COLD: number of output gates for this config. */
  outputGates(config: C): number;
  /** COLD: build an instance. */
  create(config: C, env: NfEnv): NfInstance;
}

/** Erase the config type for storage in the catalog. */
export type AnyNfKind = NfKind<any>;
