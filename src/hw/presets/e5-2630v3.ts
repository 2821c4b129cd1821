/**
 * [Quadrant] server: 2 × Xeon E5-2630 v3 (Haswell-EP) at 2.4 GHz, dual-port
 * 10 GbE X520. [Quadrant] gives cycle costs (context switch, copy) but no
 * cache data: sizes are the E5-2630 v3's, latencies borrowed from the [SCC]
 * Haswell-EP measurements. L1/L2 run at the core clock, so their latency in
 * cycles carries over; L3 and DRAM are converted from ns at 2.4 GHz. Data only.
 */
import type { MachinePreset } from '../preset.js';

export const E5_2630V3: MachinePreset = {
  name: 'e5-2630v3',
  description: '[Quadrant] 2 × Xeon E5-2630 v3 (8 cores each) at 2.4 GHz, dual-port 10 GbE X520',
  sockets: 2,
  coresPerSocket: 8,
  hz: 2.4e9,
  lineBytes: 64,
  caches: {
    L1d: { sizeBytes: 32768, ways: 8, latencyCycles: 4 },
    L2: { sizeBytes: 262144, ways: 8, latencyCycles: 16 },
    LLC: { sizeBytes: 20971520, ways: 20, latencyCycles: 34, remoteLatencyCycles: 134, inclusive: true },
  },
  dram: { localLatencyCycles: 172, remoteLatencyCycles: 289 },
  coherence: { cleanTransferCycles: 34, dirtyTransferCycles: 60, crossSocketPenaltyCycles: 100 },
  os: { contextSwitchCycles: 2143, batchContextSwitchCycles: 2443, rtContextSwitchCycles: 2014, syscallCycles: 98 },
  copy: { smallBytes: 100, smallCycles: 247, largeBytes: 1500, largeCycles: 467 },
  nic: { socket: 0, ddio: true, lineRateBps: 10e9, ports: 2 },
  sources: {
    sockets: '[Quadrant] §1.3: dual-socket server',
    coresPerSocket: '[Quadrant] §1.3 says "dual 16-core"; read as 16 cores in total: the E5-2630 v3 has 8 cores per socket (Intel product data)',
    hz: '[Quadrant] §1.3: 2.4 GHz, frequency scaling off',
    lineBytes: 'assumed: 64-byte lines, as on every Intel x86 server CPU',
    'caches.L1d.sizeBytes': 'assumed: 32 KiB L1d, Haswell (Intel product data; not in [Quadrant])',
    'caches.L1d.ways': 'assumed: 8-way, typical for Haswell L1d',
    'caches.L1d.latencyCycles': 'assumed: [SCC] Haswell-EP L1 1.18 ns at 3.2 GHz = 4 cycles; L1 runs at the core clock so the cycle count carries over',
    'caches.L2.sizeBytes': 'assumed: 256 KiB L2, Haswell (Intel product data; not in [Quadrant])',
    'caches.L2.ways': 'assumed: 8-way, typical for Haswell L2',
    'caches.L2.latencyCycles': 'assumed: [SCC] Haswell-EP L2 5 ns at 3.2 GHz = 16 cycles; L2 runs at the core clock so the cycle count carries over',
    'caches.LLC.sizeBytes': 'assumed: 20 MiB L3 (8 x 2.5 MiB), E5-2630 v3 (Intel product data; not in [Quadrant])',
    'caches.LLC.ways': 'assumed: 20-way, typical for Haswell-EP',
    'caches.LLC.latencyCycles': 'derived: [SCC] Haswell-EP L3 worst case 14.3 ns x 2.4 GHz = 34.3 -> 34 cycles (uncore latency taken as constant in ns)',
    'caches.LLC.remoteLatencyCycles': 'derived: local L3 34 + cross-socket penalty 100 = 134 cycles',
    'caches.LLC.inclusive': 'assumed: Haswell-EP L3 is inclusive of L1/L2',
    'dram.localLatencyCycles': 'derived: [SCC] DRAM worst case 71.7 ns x 2.4 GHz = 172.1 -> 172 cycles',
    'dram.remoteLatencyCycles': 'derived: local 172 x [ExecModels] remote/local ratio 420/250 = 288.96 -> 289 cycles',
    'coherence.cleanTransferCycles': 'derived: one L3 access (the [ExecModels] mechanism) = caches.LLC.latencyCycles 34',
    'coherence.dirtyTransferCycles': 'derived: L3 34 + the [ExecModels] coherence penalty 70 - 44 = 26 -> 60 cycles',
    'coherence.crossSocketPenaltyCycles': 'assumed: [ExecModels] 100-150 cycles, same choice as xeon-8168-2s (100)',
    'os.contextSwitchCycles': '[Quadrant] §1.3: context switch between NF processes 2143 cycles',
    'os.batchContextSwitchCycles': 'derived: 2143 x [SCC] batch/CFS ratio 1140/1000 = 2443.0 -> 2443 cycles',
    'os.rtContextSwitchCycles': 'derived: 2143 x [SCC] RT/CFS ratio 940/1000 = 2014.4 -> 2014 cycles',
    'os.syscallCycles': 'derived: [SCC] one network I/O system call 41 ns x 2.4 GHz = 98.4 -> 98 cycles',
    'copy.smallBytes': '[Quadrant] §1.3: copy measured at 100 B',
    'copy.smallCycles': '[Quadrant] §1.3: 247 cycles at 100 B, median, including allocating the packet struct',
    'copy.largeBytes': '[Quadrant] §1.3: copy measured at 1500 B',
    'copy.largeCycles': '[Quadrant] §1.3: 467 cycles at 1500 B, median',
    'nic.socket': 'assumed: socket 0 (not stated by [Quadrant])',
    'nic.ddio': 'assumed: DDIO enabled by default on Xeon E5 v3 (not stated by [Quadrant])',
    'nic.lineRateBps': '[Quadrant] §1.3: 10 GbE Intel X520',
    'nic.ports': '[Quadrant] §1.3: dual-port X520',
  },
};
