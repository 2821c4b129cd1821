/**
 * Plain data the real-time run posts to each of its workers, and the layout
 * of the shared control and counter words. COLD.
 *
 * Control words (Int32Array over `controlSab`):
 *   [CTL_STATE]  RT_STARTING -> RT_RUNNING -> RT_STOPPING; written by the main
 *                thread (Atomics.store + notify), read by every core once per
 *                loop round (Atomics.load).
 *   [CTL_READY]  cores that opened their ports and built their NFs
 *                (Atomics.add by each core, read by the main thread).
 *   [CTL_FAILED] cores that failed to start (Atomics.add).
 * Counters (Float64Array over `countersSab`, COUNTER_STRIDE per core): plain
 * stores by the owning core only, read by the main thread for live display
 * (a value may be a round late; the final counts come from the worker's
 * result message, after it stopped).
 */
import type { Plan } from '../../graph/plan.js';
import type { PacketPoolShared } from '../../packet/pool.js';
import type { IoBackendName } from '../../io/io-port.js';

export const CTL_STATE = 0;
export const CTL_READY = 1;
export const CTL_FAILED = 2;
/** Always 0: a word cores Atomics.wait on (with a timeout) to nap. */
export const CTL_NAP = 3;
export const CONTROL_WORDS = 4;

export const RT_STARTING = 0;
export const RT_RUNNING = 1;
export const RT_STOPPING = 2;

/** Counter slots per core, before the drop reasons. */
export const C_RX = 0;
export const C_TX = 1;
export const C_SINK = 2;
export const C_BATCHES = 3;
export const C_FIXED = 4;

export function counterStride(plan: Plan): number {
  return C_FIXED + plan.reasons.length;
}

/** How one scenario port maps to a real interface. */
export interface RtPortIo {
  port: string;
  interface: string;
  backend: IoBackendName | 'auto';
  netns: string;
  xdpMode: 'auto' | 'skb' | 'native';
  dpdkDriver: 'af_packet' | 'af_xdp';
}

export interface RtWorkerData {
  coreId: number;
  plan: Plan;
  hz: number;
  seed: number;
  io: RtPortIo[];
  pool: PacketPoolShared;
  /** Pool handles this core allocates RX frames from: [poolBase, poolBase + poolCount). */
  poolBase: number;
  poolCount: number;
  /** One SAB per plan channel between cores (null for NIC channels). */
  ringSabs: (SharedArrayBuffer | null)[];
  controlSab: SharedArrayBuffer;
  countersSab: SharedArrayBuffer;
  /** PACKET_FANOUT group base (AF_PACKET ports with several RX queues). */
  fanoutBase: number;
  /** The main thread's performance.timeOrigin (ms since the Unix epoch): zero of the run's timestamps. */
  epochMs: number;
}

export interface RtPortStats {
  port: string;
  interface: string;
  queue: number;
  backend: string;
  txOnly: boolean;
  rxFrames: number;
  txFrames: number;
  txRingFull: number;
  kernelDrops: number;
  rxOversize: number;
  txBadFrame: number;
  kicks: number;
}

export interface RtWorkerResult {
  coreId: number;
  ok: boolean;
  error: string;
  counters: number[];
  ports: RtPortStats[];
  /** Backends `auto` skipped, with the reason. */
  skipped: { port: string; backend: string; reason: string }[];
}
