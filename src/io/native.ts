/**
 * Loader of the native addon (native/, built by `npm install` where its
 * prerequisites exist). COLD. Never throws: without the addon every hardware
 * backend reports why it is unavailable and the emulator works as before.
 *
 * The addon is per thread: each worker that loads it gets its own instance
 * (N-API environment); ports opened in a worker belong to that worker.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where and how to open a port (the part of open()'s options a caller chooses). */
export interface NativePortTarget {
  ifname: string;
  netns?: string;
  queue?: number;
  xdpMode?: 'auto' | 'skb' | 'native';
  /** AF_PACKET: transmit only (receives nothing). */
  txOnly?: boolean;
  /** AF_PACKET: PACKET_FANOUT group for several RX sockets on one interface. */
  fanoutGroup?: number;
  /** DPDK: the virtual device's poll-mode driver. */
  dpdkDriver?: 'af_packet' | 'af_xdp';
}

/** Options of the addon's open(); see native/README.md. */
export interface NativeOpenOptions extends NativePortTarget {
  poolBytes: Uint8Array;
  slotBytes: number;
  headroom: number;
  handles: Uint32Array;
  offs: Uint16Array;
  lens: Uint16Array;
  txHandles: Uint32Array;
  txOffs: Uint16Array;
  txLens: Uint16Array;
}

export interface NativePortStats {
  rxFrames: number;
  rxBytes: number;
  txFrames: number;
  txBytes: number;
  rxOversize: number;
  rxTruncated: number;
  txBadFrame: number;
  txRingFull: number;
  kernelDrops: number;
  kicks: number;
}

export interface NativePortHandle {
  /** HOT: receive up to `max` frames into the slots of the bound handles array. */
  rx(max: number): number;
  /** HOT: transmit frames [0, n) of the bound arrays; returns how many were taken. */
  tx(n: number): number;
  stats(): NativePortStats;
  close(): void;
}

export interface NativeAddon {
  open(backend: string, opts: NativeOpenOptions): NativePortHandle;
  backends: Record<string, boolean>;
}

interface BackendBuild { built: boolean; reason: string }
export interface NativeBuildStatus {
  built: boolean;
  reason: string;
  afpacket: BackendBuild;
  afxdp: BackendBuild;
  dpdk: BackendBuild;
}

export interface NativeLoad {
  addon: NativeAddon | null;
  /** Why the addon is not loaded ('' when it is). */
  reason: string;
  status: NativeBuildStatus | null;
}

/** The repository (or installed package) root: this file is src/io/ or dist/io/. */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const NATIVE_DIR = join(ROOT, 'native');
const ADDON_PATH = join(NATIVE_DIR, 'build', 'Release', 'emu_native.node');
const STATUS_PATH = join(NATIVE_DIR, 'build-status.json');

let cached: NativeLoad | null = null;

function readStatus(): NativeBuildStatus | null {
  try {
    return JSON.parse(readFileSync(STATUS_PATH, 'utf8')) as NativeBuildStatus;
  } catch {
    return null;
  }
}

/** COLD: loads the addon once per thread. `EMU_NATIVE_DISABLE=1` pretends it is absent (to test the fallbacks). */
export function loadNative(): NativeLoad {
  if (cached !== null) return cached;
  const status = readStatus();
  if (process.env['EMU_NATIVE_DISABLE']) {
    cached = { addon: null, reason: 'the native addon is disabled by EMU_NATIVE_DISABLE', status };
  } else if (!existsSync(ADDON_PATH)) {
    const why = status === null
      ? 'the native addon was never built (run `npm install`, or `node native/build.mjs`)'
      : `the native addon was not built: ${status.reason}`;
    cached = { addon: null, reason: why, status };
  } else {
    try {
      const req = createRequire(import.meta.url);
      cached = { addon: req(ADDON_PATH) as NativeAddon, reason: '', status };
    } catch (e) {
      cached = { addon: null, reason: `the native addon failed to load: ${(e as Error).message} (rebuild: node native/build.mjs)`, status };
    }
  }
  return cached;
}
