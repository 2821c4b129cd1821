/**
 * The result record of one run: a versioned, self-describing document that a
 * script can parse. It records the scenario (resolved), the seed and the emu
 * version, and nothing that depends on the host (no wall-clock times, no
 * thread count), so the same scenario and seed give byte-identical records.
 * docs/results.md documents every field and its unit.
 */
import type { Series } from './series.js';
import { pack } from 'msgpackr';

export const RECORD_SCHEMA = 'emu.result/1';

export interface LatencySummary {
  count: number;
  minNs: number | null;
  meanNs: number | null;
  p50Ns: number | null;
  p90Ns: number | null;
  p99Ns: number | null;
  p999Ns: number | null;
  maxNs: number | null;
}

export interface ResultRecord {
  schema: typeof RECORD_SCHEMA;
  emuVersion: string;
  scenario: { name: string; description: string; resolved: unknown };
  seed: number;
  time: { hz: number; durationCycles: number; warmupCycles: number; measuredSeconds: number; controlPeriodCycles: number; epochs: number };
  totals: {
    generated: number;
    delivered: number;
    dropped: number;
    inFlight: number;
    conserved: boolean;
    dropsByReason: Record<string, number>;
  };
  throughput: {
    offeredPps: number;
    deliveredPps: number;
    deliveredMpps: number;
    dataGbps: number;
    wireGbps: number;
  };
  latency: LatencySummary;
  ports: {
    name: string;
    generated: number;
    generatedBytes: number;
    lineRateDrops: number;
    rxRingDrops: number;
    txPackets: number;
    txBytes: number;
  }[];
  cores: { id: number; busyCycles: number; stallCycles: number; utilization: number; endCycles: number }[];
  tasks: {
    name: string;
    core: number;
    packets: number;
    batches: number;
    meanBatch: number;
    busyCycles: number;
    stallCycles: number;
    cyclesPerPacket: number | null;
    inputDrops: number;
    /** Packets waiting in the task's input queue at the end of the run (part of `totals.inFlight`). */
    backlogAtEnd: number;
  }[];
  modules: {
    name: string;
    kind: string;
    core: number;
    packets: number;
    batches: number;
    cycles: number;
    cyclesPerPacket: number | null;
    drops: Record<string, number>;
    counters: Record<string, number>;
    /** Cycles of `cycles` spent stalled on each memory level (with a hardware model). */
    memory?: Record<string, number>;
  }[];
  flows: {
    count: number;
    deliveredMin: number;
    deliveredMax: number;
    jainFairness: number | null;
    list: { id: number; key: string; generated: number; delivered: number; dropped: number }[] | null;
  };
  taps: { file: string; records: number; truncated: number }[];
  /** The run over time, one point per control period, and its score against the SLOs (metrics/series.ts); absent for a run of one period. */
  series?: Series;
}

/** Stable JSON: keys in insertion order as built (the builder fixes the order). */
export function recordToJson(r: ResultRecord): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}

export function recordToMsgpack(r: ResultRecord): Uint8Array {
  return pack(r);
}
