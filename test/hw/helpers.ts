/**
 * Tiny machine presets whose cache behaviour can be followed by hand:
 * 2 sockets x 1 core, 64-byte lines, latencies as [ExecModels]
 * (L1 4, L2 14, LLC 44, remote LLC 144, DRAM 250 / 420, clean 44,
 * dirty 70, cross-socket +100).
 *
 *   L1d 256 B, 2 ways  -> 2 sets   (set = line mod 2)
 *   L2  512 B, 2 ways  -> 4 sets   (set = line mod 4)
 *   LLC 1 KiB, 2 ways  -> 8 sets   (set = line mod 8; one core per socket, so the partition is the whole LLC)
 */
import type { MachinePreset } from '../../src/hw/preset.js';

export function tinyPreset(over: {
  l2?: { sizeBytes: number; ways: number };
  llc?: { sizeBytes: number; ways: number };
  inclusive?: boolean;
  coresPerSocket?: number;
} = {}): MachinePreset {
  return {
    name: 'tiny',
    description: 'hand-checkable test machine',
    sockets: 2,
    coresPerSocket: over.coresPerSocket ?? 1,
    hz: 1e9,
    lineBytes: 64,
    caches: {
      L1d: { sizeBytes: 256, ways: 2, latencyCycles: 4 },
      L2: { sizeBytes: over.l2?.sizeBytes ?? 512, ways: over.l2?.ways ?? 2, latencyCycles: 14 },
      LLC: {
        sizeBytes: over.llc?.sizeBytes ?? 1024,
        ways: over.llc?.ways ?? 2,
        latencyCycles: 44,
        remoteLatencyCycles: 144,
        inclusive: over.inclusive ?? false,
      },
    },
    dram: { localLatencyCycles: 250, remoteLatencyCycles: 420 },
    coherence: { cleanTransferCycles: 44, dirtyTransferCycles: 70, crossSocketPenaltyCycles: 100 },
    os: { contextSwitchCycles: 2000, batchContextSwitchCycles: 2200, rtContextSwitchCycles: 1900, syscallCycles: 100 },
    copy: { smallBytes: 100, smallCycles: 247, largeBytes: 1500, largeCycles: 467 },
    nic: { socket: 0, ddio: true, lineRateBps: 10e9, ports: 1 },
    sources: {},
  };
}

/** Byte address of line `line` (64-byte lines). */
export const at = (line: number): number => line * 64;
