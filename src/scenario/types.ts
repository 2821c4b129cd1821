/**
 * The RESOLVED scenario: what `validateScenario` / `loadScenarioFile` return.
 * Every default is applied and every unit converted (durations to integer
 * cycles of `hz`, rates to bits or packets per second, paths to absolute).
 * The file format users write is documented in docs/scenario-format.md.
 */
import type { Problems } from '../util/config-check.js';

import type { MachinePreset } from '../hw/preset.js';
import type { PolicyName } from '../sched/policy.js';
import type { PortIoSpec } from './io-spec.js';
import type { RateProfileSpec } from '../traffic/rate-profile.js';

export interface Scenario {
  version: 1;
  name: string;
  description: string;
  /** uint32, default 1. */
  seed: number;
  /** = machine.hz, for convenience. */
  hz: number;
  /** `duration` (required), > 0. */
  durationCycles: number;
  /** `warmup`, default 0, < durationCycles. */
  warmupCycles: number;
  /** `controlPeriod`, default = durationCycles; > 0 and <= durationCycles. */
  controlPeriodCycles: number;
  /** Default 'auto' (one worker per emulated core); otherwise an integer >= 1. */
  threads: number | 'auto';
  machine: MachineSpec;
  ports: PortSpec[];
  modules: ModuleSpec[];
  edges: EdgeSpec[];
  tasks: TaskSpec[];
  /** CPU schedulers by core; a core not listed runs `rr` with no costs. */
  schedulers: SchedulerSpec[];
  taps: TapSpec[];
  /** `io:`: real interfaces per port for real-time runs (absent when the file has none). */
  io?: PortIoSpec[];
  /** `events:` (events.ts), sorted by time; absent when the file has none. */
  events?: ScenarioEvent[];
  /** `controller:` (control.ts): how a controller is held to account; absent when the file has none. */
  controller?: ControllerSpec;
  /** Absolute path of the scenario file; null if validated from an object. */
  sourcePath: string | null;
}

/** Something that happens to the emulated server at a virtual time (scenario/events.ts). */
export type ScenarioEvent =
  | { atCycles: number; kind: 'nf-slowdown'; module: string; factor: number }
  | { atCycles: number; kind: 'nf-fail' | 'nf-recover'; module: string }
  | { atCycles: number; kind: 'link-down' | 'link-up'; port: string }
  | { atCycles: number; kind: 'line-rate'; port: string; lineRateBps: number }
  | { atCycles: number; kind: 'core-offline' | 'core-online'; core: number }
  /** The control channel: the telemetry of the control points in [at, at + for) is lost (the controller is not asked), or reaches the controller `periods` control points late. */
  | { atCycles: number; kind: 'telemetry-loss'; forCycles: number }
  | { atCycles: number; kind: 'telemetry-delay'; forCycles: number; periods: number };

/** `controller:` — the scenario's terms for whatever controller drives it. */
export interface ControllerSpec {
  /** A built-in controller (`kind: NAME` and its fields), or null; not with `command`. */
  builtin: { kind: string; params: unknown; checked: boolean } | null;
  /** The external controller that drives the run when none is given on the command line or to `run`: a command line (started in the scenario file's folder) or tcp://HOST:PORT / unix:PATH; null: none. */
  command: string | null;
  /** What a missed control point does: 'fail' (default) ends the run with an error; 'no-action' counts the period as no action and records the miss. */
  onMiss: 'fail' | 'no-action';
  /** Control points between a controller's answer and its taking effect (a slow control plane); default 0. */
  actuationDelay: number;
  /** Wall-clock ms to wait for an answer at a control point; null: the caller's default. */
  timeoutMs: number | null;
}

/** A flow group's service level objective (`slo:`), as metrics/series.ts defines it. */
export type { SloSpec } from '../metrics/series.js';
import type { SloSpec } from '../metrics/series.js';

/** Flow churn (`churn:`): each of the group's flows lives for a drawn lifetime, then a new flow takes its place. */
export interface ChurnSpec {
  /** Mean lifetime of a flow, cycles. */
  lifetimeCycles: number;
  distribution: 'fixed' | 'exponential' | 'pareto';
  /** Fresh 5-tuples drawn for the new flows (beyond `flows`): the run's expected need with head-room; when used up, the first ones are reused. */
  reserve: number;
}

export interface MachineSpec {
  /** Default "generic", or the preset's name. */
  name: string;
  hz: number;
  /** 1..1024. */
  cores: number;
  /** >= 1 and divides `cores`; default 1. */
  sockets: number;
  /**
   * The hardware model's machine (caches, NUMA, coherence...), from
   * `preset: NAME` or `presetFile: PATH`; null: no hardware model (NFs cost
   * their declared compute only, memory is free).
   */
  preset: MachinePreset | null;
  /** Received frames land in the LLC of the NIC's socket (Intel DDIO); default from the preset. */
  ddio: boolean;
}

export interface PortSpec {
  name: string;
  lineRateBps: number;
  /** 1..128, default 1. */
  rxQueues: number;
  /** Descriptors per RX queue: a power of two 16..65536, default 1024. */
  rxRingSize: number;
  /** Frames the sender (generator or pcap player) may queue while the wire is busy; default 256. */
  senderBufferFrames: number;
  /** null: nothing arrives on this port (it may still transmit). */
  traffic: TrafficSpec | null;
}

export type TrafficSpec = GeneratorSpec | GroupsSpec | PcapSpec;

/**
 * Rates in bits per second (kind 'bps') count bits on the wire, the same way
 * the line rate does: frame bytes (FCS included) plus 20 bytes of preamble and
 * inter-frame gap. So `rate: 10Gbps` on a 10 Gbit/s port is line rate.
 */
export type RateSpec = { kind: 'pps'; pps: number } | { kind: 'bps'; bps: number } | { kind: 'line' };

export interface FrameSizeWeight {
  /** Frame size including FCS, 64..1522. */
  bytes: number;
  /** Relative weight, > 0. */
  weight: number;
}

export interface GeneratorSpec {
  kind: 'generator';
  /** 1..1e6, default 1. */
  flows: number;
  /** Default 'udp'. */
  proto: 'udp' | 'tcp';
  /** At least one entry. `frameSize: 64` becomes [{ bytes: 64, weight: 1 }]. */
  sizes: FrameSizeWeight[];
  rate: RateSpec;
  /** Default 'constant'. */
  arrivals: 'constant' | 'poisson';
  /** When the first frame may be sent; default 0, < durationCycles. */
  startCycles: number;
  /** Source and destination prefixes of the random flows ([base, length]); defaults 10.0.0.0/8 and 192.168.0.0/16. */
  srcNet: [number, number];
  dstNet: [number, number];
  /** When set, flow i goes to the (i mod dstHosts)-th host of dstNet (routable destinations); null: random. */
  dstHosts: number | null;
  /**
   * The offered rate over time as a multiple of `rate` (times in cycles from
   * the start of the run). Absent, not null, when not given, so a scenario
   * without one resolves and records exactly as before.
   */
  profile?: RateProfileSpec;
  /** Flow-group fields (given in the file, or inside `groups:`): absent when not given, so older scenarios resolve as before. */
  name?: string;
  slo?: SloSpec;
  churn?: ChurnSpec;
  /** `elephants:` a share of the flows (the first ones) carries a share of the packets. */
  elephants?: { flowShare: number; trafficShare: number };
}

/** `traffic.groups:` several generators on one port, each a flow group with its own flows, profile and SLO, merged in time order on the wire. */
export interface GroupsSpec {
  kind: 'groups';
  groups: (GeneratorSpec & { name: string })[];
}

export interface PcapSpec {
  kind: 'pcap';
  /** Absolute; resolved against the scenario file's directory (or the cwd). */
  file: string;
  /** 'recorded': the file's own timestamps. Rates: as in {@link RateSpec} ('line' not allowed). */
  timing: 'recorded' | { kind: 'pps'; pps: number } | { kind: 'bps'; bps: number };
  /** How many times to play the file, >= 1, default 1. */
  loop: number;
}

export interface ModuleSpec {
  name: string;
  kind: string;
  /** As returned by the kind's `checkConfig`. */
  config: unknown;
  /** As returned by the kind's `outputGates(config)`. */
  outputGates: number;
}

export type Endpoint =
  /** "fw" (gate 0), "fw:1", or { module: fw, gate: 1 }. As an edge's `to`, the gate is the input gate, always 0. */
  | { type: 'module'; module: string; gate: number }
  /** "eth0.rx0", or "eth0.rx" (queue 0). */
  | { type: 'rx'; port: string; queue: number }
  /** "eth0.tx". */
  | { type: 'tx'; port: string };

/** from: a module output gate or an rx queue; to: a module (input) or a tx port. */
export interface EdgeSpec {
  from: Endpoint;
  to: Endpoint;
}

export type TaskRoot = { type: 'rx'; port: string; queue: number } | { type: 'queue'; module: string };

export interface TaskSpec {
  /** Default `${root}@${core}`, e.g. "eth0.rx0@0" or "q1@1". Unique. */
  name: string;
  root: TaskRoot;
  /** < machine.cores. */
  core: number;
  /** 1..1024, default 32. */
  batch: number;
  /** WFQ tickets (> 0), default 1. */
  weight: number;
  /** Strict / RT priority (higher first), default 0. */
  priority: number;
  /** CFS nice value -20..19, default 0. */
  nice: number;
  /** Tasks of one core with the same non-empty `process` are one schedulable entity (no context switch between them). Default "": the task alone. */
  process: string;
  /** The chain the task's NF belongs to (attach/detach unit; its first task copies under coop isolation). Default: the task's name. */
  chain: string;
  /** Starts detached (its chain is not scheduled until an `attach` action). Default false. */
  detached: boolean;
  /** Copies each packet it takes into its own memory (a software switch handing packets to an NF's address space); cost from the preset's copy fit. Default false. */
  copy: boolean;
  /** Network I/O system calls: none (polling, DPDK-like), one per packet, or one per batch (non-blocking). Default none. */
  syscalls: SyscallMode;
}

export type SyscallMode = 'none' | 'per-packet' | 'per-batch';
export const SYSCALL_MODES: readonly SyscallMode[] = ['none', 'per-packet', 'per-batch'];

export interface SchedulerSpec {
  cores: number[];
  policy: PolicyName;
  /** Context-switch cost override, cycles; null: from the machine preset by policy (0 without a preset). */
  switchCycles: number | null;
  /** System-call cost override, cycles; null: the preset's os.syscallCycles (0 without a preset). */
  syscallCycles: number | null;
  /** coop: stop an NF whose batch runs longer than this; 0 = no timeout. */
  timeoutCycles: number;
  /** coop: the first NF of a multi-NF chain copies each packet into the chain's buffer. */
  isolation: boolean;
  /** coop: [Quadrant]'s batch-size rule (docs/scheduling.md) with this allowed overhead fraction p (0 = off): each chain's batch is recomputed from its measured per-packet cycles. */
  batchRuleOverhead: number;
  /** rt-rr: slice, cycles. */
  rrSliceCycles: number;
  /** cfs: wake-up preemption granularity, cycles. */
  wakeupGranularityCycles: number;
  /** cfs / cfs-batch: slice rule ('nice': [SCC]'s slices from nice values, docs/scheduling.md; 'linux' from the kernel's period) or a fixed slice in cycles. */
  cfsSlice: 'nice' | 'linux' | number;
}

export type TapPoint =
  | { type: 'gate'; module: string; gate: number }
  | { type: 'tx'; port: string }
  | { type: 'rx'; port: string; queue: number };

export interface TapSpec {
  at: TapPoint;
  /** Absolute; resolved against the scenario file's directory (or the cwd). */
  file: string;
}

/** What the validator needs to know about one NF kind. The catalog is passed in, never imported. */
export interface ModuleKindInfo {
  name: string;
  help: string;
  /** True for kinds that end a task and start another (a `queue`): they must be the root of exactly one task. */
  isQueue: boolean;
  /** Checks `raw` (the module's `config`, {} when absent), records problems under `path`, returns the resolved config. */
  checkConfig(raw: unknown, path: string, p: Problems): unknown;
  /** Number of output gates of a module with this (resolved) config. */
  outputGates(config: unknown): number;
}

export interface ScenarioOverrides {
  /** `--seed`: uint32. */
  seed?: number;
  /** `--threads`: integer >= 1 or 'auto'. */
  threads?: number | 'auto';
  /** `--duration`: as the `duration` field. */
  duration?: string | number;
  /** `--set PATH=VALUE`, in order (set-override.ts). */
  set?: readonly string[];
}

/** What the validator needs to know about one built-in controller kind (control/builtin); passed in, never imported. */
export interface ControllerKindInfo {
  name: string;
  help: string;
  /** Checks the `controller:` fields other than the generic ones (under `path`), returns the resolved parameters. */
  checkParams(raw: Record<string, unknown>, path: string, p: Problems, s: { hz: number; taskNames: readonly string[] }): unknown;
}

export interface ValidateOptions {
  kinds: readonly ModuleKindInfo[];
  /** The built-in controller kinds a `controller: { kind }` may name; absent: the kind and its fields are kept unchecked (the run checks them). */
  controllerKinds?: readonly ControllerKindInfo[];
  /** Directory that relative paths (pcap, tap files) are resolved against; null: the cwd. */
  baseDir: string | null;
  /** From the CLI; applied before the checks, problems reported as `--seed`, `--threads`, `--duration`. */
  overrides?: ScenarioOverrides;
  /**
   * Default true: the frames the generators offer are bounded (MAX_OFFERED_FRAMES).
   * False for a caller that bounds them itself: an experiment bounds all its points together.
   */
  checkOfferedFrames?: boolean;
}
