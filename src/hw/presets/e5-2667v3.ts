/**
 * [SCC] server: 2 × Xeon E5-2667 v3 (Haswell-EP) at 3.2 GHz, 10 GbE 82599.
 * [SCC] gives latencies in ns for strides from 64 B to 1024 B (prefetching
 * helps short strides) and uses the worst case of each; so do we, converted
 * at 3.2 GHz and rounded to the nearest cycle. Data only.
 */
import type { MachinePreset } from '../preset.js';

export const E5_2667V3: MachinePreset = {
  name: 'e5-2667v3',
  description: '[SCC] 2 × Xeon E5-2667 v3 (8 cores each) at 3.2 GHz, 10 GbE Intel 82599',
  sockets: 2,
  coresPerSocket: 8,
  hz: 3.2e9,
  lineBytes: 64,
  caches: {
    L1d: { sizeBytes: 32768, ways: 8, latencyCycles: 4 },
    L2: { sizeBytes: 262144, ways: 8, latencyCycles: 16 },
    LLC: { sizeBytes: 20971520, ways: 20, latencyCycles: 46, remoteLatencyCycles: 146, inclusive: true },
  },
  dram: { localLatencyCycles: 229, remoteLatencyCycles: 385 },
  coherence: { cleanTransferCycles: 46, dirtyTransferCycles: 72, crossSocketPenaltyCycles: 100 },
  os: { contextSwitchCycles: 3200, batchContextSwitchCycles: 3648, rtContextSwitchCycles: 3008, syscallCycles: 131 },
  copy: { smallBytes: 100, smallCycles: 247, largeBytes: 1500, largeCycles: 467 },
  nic: { socket: 0, ddio: true, lineRateBps: 10e9, ports: 2 },
  sources: {
    sockets: '[SCC] §1.2: 2 sockets',
    coresPerSocket: '[SCC] §1.2: 8 cores per socket',
    hz: '[SCC] §1.2: 3.2 GHz',
    lineBytes: 'assumed: 64-byte lines, as on every Intel x86 server CPU (not stated by [SCC])',
    'caches.L1d.sizeBytes': '[SCC] §1.2: L1 32 KiB D',
    'caches.L1d.ways': 'assumed: 8-way, typical for Haswell L1d (not given by [SCC])',
    'caches.L1d.latencyCycles': 'derived: [SCC] L1 1.18 ns x 3.2 GHz = 3.78 -> 4 cycles',
    'caches.L2.sizeBytes': '[SCC] §1.2: L2 256 KiB',
    'caches.L2.ways': 'assumed: 8-way, typical for Haswell L2 (not given by [SCC])',
    'caches.L2.latencyCycles': 'derived: [SCC] L2 worst case (1024 B stride) 5 ns x 3.2 GHz = 16 cycles',
    'caches.LLC.sizeBytes': '[SCC] §1.2: L3 20 MiB',
    'caches.LLC.ways': 'assumed: 20-way, typical for Haswell-EP (2.5 MiB LLC slice per core; not given by [SCC])',
    'caches.LLC.latencyCycles': 'derived: [SCC] L3 worst case 14.3 ns x 3.2 GHz = 45.76 -> 46 cycles',
    'caches.LLC.remoteLatencyCycles': 'derived: local L3 46 + cross-socket penalty 100 (see coherence.crossSocketPenaltyCycles) = 146 cycles',
    'caches.LLC.inclusive': 'assumed: Haswell-EP L3 is inclusive of L1/L2 (not stated by [SCC])',
    'dram.localLatencyCycles': 'derived: [SCC] DRAM worst case 71.7 ns x 3.2 GHz = 229.44 -> 229 cycles',
    'dram.remoteLatencyCycles': 'derived: local 229 x [ExecModels] remote/local DRAM ratio 420/250 = 384.7 -> 385 cycles ([SCC] gives no remote figure)',
    'coherence.cleanTransferCycles': 'derived: one L3 access (the [ExecModels] mechanism) = caches.LLC.latencyCycles 46',
    'coherence.dirtyTransferCycles': 'derived: L3 46 + the [ExecModels] coherence penalty 70 - 44 = 26 -> 72 cycles',
    'coherence.crossSocketPenaltyCycles': 'assumed: [ExecModels] 100-150 cycles, same choice as xeon-8168-2s (100); [SCC] gives none',
    'os.contextSwitchCycles': 'derived: [SCC] CFS context switch 1000 ns x 3.2 GHz = 3200 cycles',
    'os.batchContextSwitchCycles': 'derived: [SCC] batch CFS 1140 ns x 3.2 GHz = 3648 cycles',
    'os.rtContextSwitchCycles': 'derived: [SCC] RT FIFO/RR 940 ns x 3.2 GHz = 3008 cycles',
    'os.syscallCycles': 'derived: [SCC] one network I/O system call 41 ns x 3.2 GHz = 131.2 -> 131 cycles',
    'copy.smallBytes': '[Quadrant] §1.3: copy measured at 100 B (assumed to carry over in cycles; [SCC] gives none)',
    'copy.smallCycles': '[Quadrant] §1.3: 247 cycles at 100 B (Haswell-EP, same family)',
    'copy.largeBytes': '[Quadrant] §1.3: copy measured at 1500 B',
    'copy.largeCycles': '[Quadrant] §1.3: 467 cycles at 1500 B',
    'nic.socket': 'assumed: socket 0 (not stated by [SCC])',
    'nic.ddio': 'assumed: DDIO enabled by default on Xeon E5 v3 (not stated by [SCC])',
    'nic.lineRateBps': '[SCC] §1.2: 10 GbE Intel 82599',
    'nic.ports': 'assumed: a dual-port 82599 card (not stated by [SCC])',
  },
};
