/**
 * The simulated NIC port: a traffic source (generator or pcap replay), the
 * wire (line rate with 20 bytes of preamble + inter-frame gap per frame, and a
 * bounded sender buffer that tail-drops what the wire cannot carry), RSS to RX
 * queues, and the DMA of each frame into a pool buffer that is then published
 * on the RX queue's ring, stamped with the virtual time its last bit arrived.
 *
 * The NIC is an actor like a core, but one with perfect lookahead: it knows
 * the time of its next frame before creating it, so it publishes that time as
 * its bound and never waits for anyone in virtual time. It may run ahead of
 * the cores (bounded by ring capacity and by the pool partition, where it
 * waits in wall-clock time only). The RX descriptor ring's tail drop happens
 * on the consumer side (engine/input.ts), in virtual time.
 *
 * Packet buffers come from the port's own pool partition in strict cyclic
 * order, so the k-th frame of a port always lands in the same buffer: buffer
 * addresses, and everything a cache model derives from them, do not depend on
 * thread timing.
 */
import { HEADROOM_BYTES, MAX_FRAME_BYTES, PoolPartition, NO_FLOW, SLOT_BYTES, type PacketPool } from '../packet/pool.js';
import type { SpscRing } from '../ring/spsc-ring.js';
import type { PacketLineTable } from '../hw/coherence.js';
import { LinkEvents } from './events.js';
import { NIC_BUFFER_BASE, NIC_BUFFER_SPAN } from './nic-addresses.js';
import { ParsedPacket, ParseResult, parsePacket } from '../packet/parse.js';
import type { NicPlan, Plan } from '../graph/plan.js';
import type { GeneratorSpec, PcapSpec, PortSpec, Scenario } from '../scenario/types.js';
import { ConstantArrivals, PoissonArrivals } from '../traffic/arrivals.js';
import { RateProfile } from '../traffic/rate-profile.js';
import { concatFlows, makeRandomFlows, type FlowSet } from '../traffic/flows.js';
import { cachedFlowSet, derivedFromFlows } from '../traffic/flow-cache.js';
import { readPcapFile, type PcapFile } from '../traffic/pcap.js';
import { DEFAULT_TOEPLITZ_KEY, rssQueue, toeplitzIpv4, toeplitzIpv6 } from '../traffic/rss.js';
import { SizeSampler, sizeMixFrom } from '../traffic/size-mix.js';
import { FCS_BYTES, WIRE_OVERHEAD_BYTES } from '../util/units.js';
import { Prng } from '../util/prng.js';
import { STEP_BLOCKED, STEP_DONE, STEP_PROGRESS, type Actor } from './core.js';
import type { EngineOp } from './actions.js';
import { flowGroupsOf } from './flow-groups.js';
import { GroupPolicer, PortSteering, initialRssQueues } from './steering.js';
import { generatorFlowIds, generatorsOf } from '../scenario/traffic.js';
import type { ChurnSpec } from '../scenario/types.js';
import type { SharedState } from './shared.js';
import { ActorStats } from './stats.js';


const HASH_UNKNOWN = -1;

/** The clock word value that means "never again". */
export const NEVER_CYCLES = 2 ** 52;

/** Frames created per step before the NIC lets other actors on its thread run. */
const FRAMES_PER_STEP = 256;

/**
 * dataOff value of a generated frame whose bytes are not written yet (a real
 * data offset is never 0: the headroom comes first). The admitting core
 * writes them and sets the real offset.
 */
export const NEEDS_BYTES = 0;

/** A source of frames in arrival order. */
interface TrafficSource {
  /** Arrival (start of transmission) of the next frame, fractional cycles; Infinity when exhausted. */
  nextArrival(): number;
  /** Frame size of the next frame, bytes including FCS (what the wire carries, minus preamble/IFG). */
  nextFrameBytes(): number;
  /** RX queue the next frame will be steered to (RSS). */
  nextQueue(): number;
  /** Global flow id of the next frame (NO_FLOW for pcap replay). */
  nextFlow(): number;
  /** Flow group of the next frame (index in FlowGroups; its `count` for pcap replay). */
  nextGroup(): number;
  /** Describe or write the next frame into buffer h: lenBytes, flowId, flowHash (and bytes or the NEEDS_BYTES marker). */
  fill(pool: PacketPool, h: number, seq: number): void;
  /** Move on to the following frame. */
  advance(): void;
}

/** COLD: each flow's Toeplitz hash and RX queue (read-only once made: shared by runs, see flow-cache.ts). */
function rssOfFlows(flows: FlowSet, rxQueues: number): { queueOfFlow: Uint16Array; hashOfFlow: Uint32Array } {
  const queueOfFlow = new Uint16Array(flows.count);
  const hashOfFlow = new Uint32Array(flows.count);
  for (let f = 0; f < flows.count; f++) {
    const h = toeplitzIpv4(flows.srcIp[f]!, flows.dstIp[f]!, flows.srcPort[f]!, flows.dstPort[f]!, DEFAULT_TOEPLITZ_KEY);
    hashOfFlow[f] = h;
    queueOfFlow[f] = rssQueue(h, rxQueues);
  }
  return { queueOfFlow, hashOfFlow };
}

/** Pareto shape of churned flow lifetimes: a heavy tail with a finite mean (a modelling choice, not a measurement). */
const PARETO_SHAPE = 1.5;

/**
 * One flow group's frames: arrivals (constant or Poisson, under a rate
 * profile by time change), sizes, and which flow each frame belongs to.
 * Flows take turns (round robin), or, with `elephants`, the elephant flows
 * take their share of the frames in an exact, evenly spread sequence and
 * the mice the rest. With `churn`, each flow slot holds a flow for a drawn
 * lifetime; the first frame of the slot after that carries a new flow.
 */
class GeneratorSource implements TrafficSource {
  private i = 0;
  private arrival: number;
  private frameBytes: number;
  private readonly constant: ConstantArrivals | null;
  private readonly poisson: PoissonArrivals | null;
  private readonly sizes: SizeSampler;
  /** The current frame's flow, as an index into the group's flow ids. */
  private cur = 0;
  private rr = 0;
  private readonly slots: number;
  // Elephants: slots [0, elephants) carry `trafficShare` of the frames.
  private readonly elephants: number;
  private readonly trafficShare: number;
  private eCur = 0;
  private mCur = 0;
  // Churn: the flow each slot holds, and when it ends.
  private readonly slotFlow: Int32Array | null = null;
  private readonly slotEnd: Float64Array | null = null;
  private readonly churn: ChurnSpec | null;
  private readonly churnPrng: Prng;
  private nextFresh: number;
  private readonly ids: number;

  constructor(
    spec: GeneratorSpec,
    port: PortSpec,
    hz: number,
    durationCycles: number,
    prng: Prng,
    /** Global flow id of the group's first flow. */
    private readonly flowBase: number,
    /** Index of the group's first flow in the port's tables. */
    private readonly local: number,
    /** The port's flow -> RX queue table (steering rewrites it) and Toeplitz hashes. */
    private readonly queueOfFlow: Uint16Array,
    private readonly hashOfFlow: Uint32Array,
    readonly group: number,
    /** Told when a new flow starts (churn), so admission rules can place it; with the group's index in its port. */
    private readonly steering: PortSteering,
    private readonly groupInPort: number,
  ) {
    this.sizes = new SizeSampler(sizeMixFrom(spec.sizes), prng.fork(2));
    const meanFrame = this.sizes.meanFrameBytes();
    // A bit rate is a wire rate: it includes preamble and inter-frame gap, so
    // "10Gbps" of 64-byte frames is 14.88 Mpps.
    const pps = spec.rate.kind === 'pps' ? spec.rate.pps
      : (spec.rate.kind === 'bps' ? spec.rate.bps : port.lineRateBps) / ((meanFrame + WIRE_OVERHEAD_BYTES) * 8);
    const gap = hz / pps;
    this.constant = spec.arrivals === 'constant' ? new ConstantArrivals(gap) : null;
    this.poisson = spec.arrivals === 'poisson' ? new PoissonArrivals(gap, prng.fork(3)) : null;
    this.startCycles = spec.startCycles;
    if (spec.profile !== undefined) {
      // Time change (traffic/rate-profile.ts): the process runs in operational
      // time u from Λ(start); each arrival is placed at Λ⁻¹(u).
      this.profile = RateProfile.fromSpec(spec.profile, durationCycles);
      this.u0 = this.profile.integral(spec.startCycles);
      this.u = this.u0 + (this.poisson ? this.poisson.nextGapCycles() : 0);
      this.arrival = this.profiledTime(this.u);
    } else {
      this.arrival = spec.startCycles + (this.poisson ? this.poisson.nextGapCycles() : 0);
    }
    this.frameBytes = this.sizes.next();
    this.slots = spec.flows;
    this.ids = spec.flows + (spec.churn?.reserve ?? 0);
    this.nextFresh = this.slots;
    const e = spec.elephants;
    this.elephants = e === undefined ? 0 : Math.min(this.slots - 1, Math.max(1, Math.round(e.flowShare * this.slots)));
    this.trafficShare = e === undefined ? 0 : e.trafficShare;
    this.churn = spec.churn ?? null;
    this.churnPrng = prng.fork(4);
    if (this.churn !== null) {
      this.slotFlow = new Int32Array(this.slots);
      this.slotEnd = new Float64Array(this.slots);
      for (let k = 0; k < this.slots; k++) {
        this.slotFlow[k] = k;
        // The flows already running at the start are part-way through their lives.
        this.slotEnd[k] = spec.startCycles + this.churnPrng.nextFloat() * this.lifetime();
      }
    }
    this.cur = this.pick();
  }
  private readonly startCycles: number;
  /** Null: no profile, arrivals exactly as without one. */
  private readonly profile: RateProfile | null = null;
  /** Operational time (base-rate cycles) of the start, and of the next arrival. */
  private readonly u0: number = 0;
  private u = 0;

  /** HOT: virtual time of operational time u; never before the start (where m = 0 just before it, Λ⁻¹ would return an earlier time). */
  private profiledTime(u: number): number {
    const t = this.profile!.timeAt(u);
    return t > this.startCycles ? t : this.startCycles;
  }

  /** A flow's lifetime under churn, cycles. */
  private lifetime(): number {
    const c = this.churn!;
    if (c.distribution === 'fixed') return c.lifetimeCycles;
    if (c.distribution === 'exponential') return this.churnPrng.nextExp(c.lifetimeCycles);
    // Pareto with shape a and mean m: scale m (a - 1) / a, drawn as scale / U^(1/a).
    const scale = (c.lifetimeCycles * (PARETO_SHAPE - 1)) / PARETO_SHAPE;
    return scale / Math.pow(1 - this.churnPrng.nextFloat(), 1 / PARETO_SHAPE);
  }

  /** HOT: the slot of frame i, then (with churn) the flow that slot holds at the frame's arrival. */
  private pick(): number {
    let slot: number;
    if (this.elephants === 0) {
      slot = this.rr;
      this.rr = this.rr + 1 === this.slots ? 0 : this.rr + 1;
    } else if (Math.floor((this.i + 1) * this.trafficShare) > Math.floor(this.i * this.trafficShare)) {
      slot = this.eCur;
      this.eCur = this.eCur + 1 === this.elephants ? 0 : this.eCur + 1;
    } else {
      slot = this.elephants + this.mCur;
      this.mCur = this.mCur + 1 === this.slots - this.elephants ? 0 : this.mCur + 1;
    }
    const ends = this.slotEnd;
    if (ends === null) return slot;
    if (this.arrival >= ends[slot]!) {
      // The slot's flow ended (perhaps several lifetimes ago, unseen): a new flow starts with this frame.
      let end = ends[slot]!;
      do end += this.lifetime(); while (this.arrival >= end);
      ends[slot] = end;
      this.slotFlow![slot] = this.nextFresh;
      this.steering.started(this.groupInPort, this.local + this.nextFresh);
      this.nextFresh = this.nextFresh + 1 === this.ids ? this.slots : this.nextFresh + 1;
    }
    return this.slotFlow![slot]!;
  }

  nextArrival(): number { return this.arrival; }
  nextFrameBytes(): number { return this.frameBytes; }

  /**
   * HOT: the frame's metadata only. Its bytes are written by the core that
   * admits it (FrameWriter, see engine/input.ts): a frame dropped at the RX
   * ring is never written, and the cost lands on the consuming cores.
   */
  nextQueue(): number {
    return this.queueOfFlow[this.local + this.cur]!;
  }

  nextFlow(): number {
    return this.flowBase + this.cur;
  }

  nextGroup(): number {
    return this.group;
  }

  fill(pool: PacketPool, h: number, _seq: number): void {
    pool.lenBytes[h] = this.frameBytes - FCS_BYTES;
    pool.flowId[h] = this.flowBase + this.cur;
    pool.flowHash[h] = this.hashOfFlow[this.local + this.cur]!;
    pool.dataOff[h] = NEEDS_BYTES;
  }

  advance(): void {
    this.i++;
    if (this.profile === null) {
      this.arrival = this.constant ? this.startCycles + this.constant.timeOfCycles(this.i) : this.arrival + this.poisson!.nextGapCycles();
    } else {
      this.u = this.constant ? this.u0 + this.constant.timeOfCycles(this.i) : this.u + this.poisson!.nextGapCycles();
      this.arrival = this.profiledTime(this.u);
    }
    this.frameBytes = this.sizes.next();
    this.cur = this.pick();
  }
}

/** Several flow groups on one port: their frames in arrival order (ties: the earlier group first). */
class GroupedSource implements TrafficSource {
  private cur: GeneratorSource;
  constructor(private readonly parts: GeneratorSource[]) {
    this.cur = parts[0]!;
    this.choose();
  }
  private choose(): void {
    let best = this.parts[0]!;
    for (let k = 1; k < this.parts.length; k++) if (this.parts[k]!.nextArrival() < best.nextArrival()) best = this.parts[k]!;
    this.cur = best;
  }
  nextArrival(): number { return this.cur.nextArrival(); }
  nextFrameBytes(): number { return this.cur.nextFrameBytes(); }
  nextQueue(): number { return this.cur.nextQueue(); }
  nextFlow(): number { return this.cur.nextFlow(); }
  nextGroup(): number { return this.cur.nextGroup(); }
  fill(pool: PacketPool, h: number, seq: number): void { this.cur.fill(pool, h, seq); }
  advance(): void {
    this.cur.advance();
    this.choose();
  }
}

class PcapSource implements TrafficSource {
  private i = 0;
  private round = 0;
  private readonly file: PcapFile;
  private readonly times: Float64Array;
  private readonly roundCycles: number;
  private readonly parsed = new ParsedPacket();
  private readonly hashes: Float64Array;

  constructor(spec: PcapSpec, private readonly port: PortSpec, hz: number, private readonly unassigned: number) {
    this.file = readPcapFile(spec.file);
    const n = this.file.count;
    this.hashes = new Float64Array(n).fill(HASH_UNKNOWN);
    this.times = new Float64Array(n);
    if (spec.timing === 'recorded') {
      const t0 = n > 0 ? this.file.tsNs[0]! : 0;
      for (let k = 0; k < n; k++) this.times[k] = ((this.file.tsNs[k]! - t0) * hz) / 1e9;
      const last = n > 0 ? this.times[n - 1]! : 0;
      // A trace whose timestamps are all equal has no gap to repeat: its
      // rounds would all fall at time 0 (a large `loop` then offers
      // millions of frames at one instant). Its rounds are spaced by the
      // time the wire takes to carry one round instead.
      const meanGap = n > 1 && last > 0 ? last / (n - 1) : n > 1 ? this.wireCycles(hz) : 1;
      this.roundCycles = last + meanGap;
    } else {
      let meanWire = 0;
      for (let k = 0; k < n; k++) meanWire += this.file.origLen[k]! + FCS_BYTES + WIRE_OVERHEAD_BYTES;
      meanWire = n > 0 ? meanWire / n : 84;
      const pps = spec.timing.kind === 'pps' ? spec.timing.pps : spec.timing.bps / (meanWire * 8);
      const gap = hz / pps;
      for (let k = 0; k < n; k++) this.times[k] = k * gap;
      this.roundCycles = n * gap;
    }
    this.loops = spec.loop;
  }
  private readonly loops: number;

  /** Cycles the port's wire needs to carry every frame of the trace once. */
  private wireCycles(hz: number): number {
    let bits = 0;
    for (let k = 0; k < this.file.count; k++) bits += (this.file.origLen[k]! + FCS_BYTES + WIRE_OVERHEAD_BYTES) * 8;
    return (bits * hz) / this.port.lineRateBps;
  }

  nextArrival(): number {
    if (this.i >= this.file.count || this.round >= this.loops) return Infinity;
    return this.round * this.roundCycles + this.times[this.i]!;
  }

  nextFrameBytes(): number {
    return this.file.origLen[this.i]! + FCS_BYTES;
  }

  /**
   * RSS hash of record i, computed once per record: the Toeplitz hash of
   * the IPv4 or IPv6 addresses and, for TCP/UDP, ports (ports 0 otherwise,
   * which is the address-only hash); 0 for frames the parser rejects or
   * that are not IP.
   */
  private hashOf(i: number): number {
    if (this.hashes[i] === HASH_UNKNOWN) {
      const f = this.file;
      const p = this.parsed;
      let hash = 0;
      if (parsePacket(f.bytes, f.dataOffset[i]!, f.capLen[i]!, p, false) === ParseResult.Ok) {
        if (p.ipVersion === 4) hash = toeplitzIpv4(p.srcIp, p.dstIp, p.srcPort, p.dstPort, DEFAULT_TOEPLITZ_KEY);
        else if (p.ipVersion === 6) hash = toeplitzIpv6(f.bytes, p.srcIp6Off, p.dstIp6Off, p.srcPort, p.dstPort, DEFAULT_TOEPLITZ_KEY);
      }
      this.hashes[i] = hash;
    }
    return this.hashes[i]!;
  }

  nextQueue(): number {
    return rssQueue(this.hashOf(this.i), this.port.rxQueues);
  }

  nextFlow(): number {
    return NO_FLOW;
  }

  nextGroup(): number {
    return this.unassigned;
  }

  fill(pool: PacketPool, h: number, _seq: number): void {
    const f = this.file;
    const cap = Math.min(f.capLen[this.i]!, MAX_FRAME_BYTES);
    const src = f.dataOffset[this.i]!;
    // COLD-ish: pcap replay is for inspection and small traces; subarray here
    // is one view per frame.
    pool.bytes.set(f.bytes.subarray(src, src + cap), pool.frameOffset(h));
    pool.lenBytes[h] = cap;
    pool.flowId[h] = NO_FLOW;
    pool.flowHash[h] = this.hashOf(this.i);
  }

  advance(): void {
    this.i++;
    if (this.i >= this.file.count) {
      this.i = 0;
      this.round++;
    }
  }
}

export class NicActor implements Actor {
  readonly actorId: number;
  readonly stats: ActorStats;
  epochEndCycles = 0;

  private readonly source: TrafficSource | null;
  private readonly partition: PoolPartition | null;
  private readonly pool: PacketPool;
  private readonly rings: (SpscRing | null)[];
  /** Cycles a bit takes on the wire (a line-rate event changes it). */
  private cyclesPerWireBit: number;
  private readonly hz: number;
  /** Departure (last bit on the wire) of frames still in the sender buffer, FIFO. */
  private readonly departures: Float64Array;
  private depHead = 0;
  private depCount = 0;
  private lastDeparture = 0;
  private seq = 0;
  // Frames of this step per RX queue, moved to the rings in bursts (one ring
  // publication per queue per step instead of one per frame).
  private readonly stageH: Uint32Array[];
  private readonly stageTs: Float64Array[];
  private readonly stageHead: Int32Array;
  private readonly stageTail: Int32Array;
  private staged = 0;
  private readonly lineDropId: number;
  private readonly linkDownId: number;
  private readonly policedId: number;
  /** Which queue each flow of the port goes to (null without generators). */
  private readonly steering: PortSteering | null = null;
  /** Per flow group (global index): its policer, or null. */
  private readonly policers: (GroupPolicer | null)[];
  private policing = false;
  /** Global index of the port's first flow group. */
  private readonly firstGroup: number;
  /** link-down / link-up events of this port (events:). */
  private readonly link: LinkEvents;
  private readonly wakeWorkers: number[];
  private readonly warmupCycles: number;
  readonly portIndex: number;
  private clock = 0;
  private readonly rxSlot: Uint32Array;
  private readonly rxRingSize: number;
  private readonly simBase: number;

  private readonly owned: Uint8Array;
  private readonly lines: PacketLineTable | null;

  constructor(
    nic: NicPlan,
    plan: Plan,
    scenario: Scenario,
    private readonly shared: SharedState,
    workerOfActor: (a: number) => number,
    flowCount: number,
    flows: FlowSet | null,
  ) {
    const portPlanIndex = nic.port;
    const pp = plan.ports[portPlanIndex]!;
    const spec = scenario.ports[portPlanIndex]!;
    this.portIndex = portPlanIndex;
    this.actorId = nic.actor;
    this.lines = shared.lines;
    this.owned = new Uint8Array(spec.rxQueues);
    for (const q of nic.queues) this.owned[q] = 1;
    this.pool = shared.pool;
    this.warmupCycles = scenario.warmupCycles;
    this.lineDropId = plan.reasons.indexOf('nic_line_rate');
    this.linkDownId = plan.reasons.indexOf('link_down');
    this.link = new LinkEvents(scenario, spec.name, spec.lineRateBps);
    this.hz = scenario.hz;
    this.cyclesPerWireBit = scenario.hz / spec.lineRateBps;
    this.departures = new Float64Array(spec.senderBufferFrames);
    this.rings = pp.rxChannels.map((c, q) => (c >= 0 && this.owned[q] === 1 ? shared.rings[c]! : null));
    this.rxSlot = new Uint32Array(spec.rxQueues);
    this.stageH = Array.from({ length: spec.rxQueues }, () => new Uint32Array(FRAMES_PER_STEP));
    this.stageTs = Array.from({ length: spec.rxQueues }, () => new Float64Array(FRAMES_PER_STEP));
    this.stageHead = new Int32Array(spec.rxQueues);
    this.stageTail = new Int32Array(spec.rxQueues);
    this.rxRingSize = spec.rxRingSize;
    this.simBase = NIC_BUFFER_BASE + portPlanIndex * NIC_BUFFER_SPAN;
    const t = spec.traffic;
    const prng = new Prng(scenario.seed).fork(1000 + portPlanIndex);
    const fg = flowGroupsOf(scenario);
    this.stats = new ActorStats(plan, flowCount, 'nic', fg.count);
    this.policedId = plan.reasons.indexOf('rate_limited');
    this.policers = fg.groups.map(() => null);
    const mine = fg.ofPort(portPlanIndex);
    this.firstGroup = mine.length > 0 ? fg.groups.indexOf(mine[0]!) : 0;
    if (t === null) {
      this.source = null;
    } else if (t.kind === 'pcap') {
      this.source = new PcapSource(t, spec, scenario.hz, fg.count);
    } else {
      // The port's flow tables: RSS of every flow id, copied so that steering may rewrite it.
      const fs = flows!;
      const rss = derivedFromFlows(fs, `rss ${spec.rxQueues}`, () => rssOfFlows(fs, spec.rxQueues));
      const queueOfFlow = Uint16Array.from(rss.queueOfFlow);
      const base = fg.flowBases[portPlanIndex]!;
      const steering = new PortSteering(initialRssQueues(scenario, portPlanIndex), mine, base, rss.hashOfFlow, queueOfFlow, spec.rxQueues);
      this.steering = steering;
      const parts = mine.map((g, k) => new GeneratorSource(
        g.spec, spec, scenario.hz, scenario.durationCycles,
        // A port's one generator draws from the port's stream, as it always has; groups from one stream each.
        t.kind === 'generator' ? prng : prng.fork(100 + k),
        g.firstFlow, g.firstFlow - base, queueOfFlow, rss.hashOfFlow, this.firstGroup + k, steering, k,
      ));
      this.source = parts.length === 1 ? parts[0]! : new GroupedSource(parts);
    }
    this.partition = nic.poolCount > 0 ? new PoolPartition(this.pool, nic.poolBase, nic.poolCount) : null;
    const my = workerOfActor(this.actorId);
    const wake = new Set<number>();
    for (const q of nic.queues) {
      const c = pp.rxChannels[q]!;
      if (c >= 0) { const w = workerOfActor(plan.channels[c]!.consumerCore); if (w !== my) wake.add(w); }
    }
    this.wakeWorkers = [...wake].sort((a, b) => a - b);
    this.publish();
  }

  /** Random flows of a generator port (the main thread needs them for reports too). */
  static flowsFor(spec: PortSpec, seed: number, portIndex: number): FlowSet | null {
    const t = spec.traffic;
    if (t === null || t.kind === 'pcap') return null;
    // The key names every input of the draw (see traffic/flow-cache.ts).
    const key = JSON.stringify([seed, portIndex, generatorsOf(t).map((g) => [g.flows, g.churn?.reserve ?? 0, g.proto, g.srcNet, g.dstNet, g.dstHosts])]);
    return cachedFlowSet(key, () => {
      const draw = (g: GeneratorSpec, prng: Prng) => {
        const opts: Parameters<typeof makeRandomFlows>[2] = { proto: g.proto, srcNet: [...g.srcNet], dstNet: [...g.dstNet] };
        if (g.dstHosts !== null) opts.dstHosts = g.dstHosts;
        // With churn, the fresh flows follow the first ones in the same draw: the first `flows` are those of a run without churn.
        return makeRandomFlows(generatorFlowIds(g), prng, opts);
      };
      const portPrng = new Prng(seed).fork(1000 + portIndex);
      if (t.kind === 'generator') return draw(t, portPrng.fork(1));
      return concatFlows(t.groups.map((g, k) => draw(g, portPrng.fork(100 + k).fork(1))));
    });
  }

  clockCycles(): number {
    return this.clock;
  }

  /** HOT: put a frame arriving at `a` on the wire; returns when its last bit arrives. */
  private transmit(a: number, frameBytes: number): number {
    const start = a > this.lastDeparture ? a : this.lastDeparture;
    const departure = start + (frameBytes + WIRE_OVERHEAD_BYTES) * 8 * this.cyclesPerWireBit;
    this.lastDeparture = departure;
    const cap = this.departures.length;
    let tail = this.depHead + this.depCount;
    if (tail >= cap) tail -= cap;
    this.departures[tail] = departure;
    this.depCount++;
    return departure;
  }

  /** Move staged frames into their rings; true when nothing is left staged. */
  private flushStages(): boolean {
    if (this.staged === 0) return true;
    let left = 0;
    for (let q = 0; q < this.stageH.length; q++) {
      if (this.owned[q] === 0) continue;
      const head = this.stageHead[q]!;
      const n = this.stageTail[q]! - head;
      if (n === 0) continue;
      const k = this.rings[q]!.enqueueBurst(this.stageH[q]!, this.stageTs[q]!, head, n);
      if (k === n) {
        this.stageHead[q] = 0;
        this.stageTail[q] = 0;
      } else {
        this.stageHead[q] = head + k;
        left += n - k;
      }
    }
    this.staged = left;
    return left === 0;
  }

  step(): number {
    if (!this.flushStages()) {
      // A consumer's ring is full (wall-clock only): it drains it as its
      // clock moves; try again later.
      this.wake();
      return STEP_BLOCKED;
    }
    const src = this.source;
    if (src === null) {
      this.clock = this.epochEndCycles;
      this.publish();
      return STEP_DONE;
    }
    let made = 0;
    const st = this.stats;
    const pool = this.pool;
    const port = this.portIndex;
    const deps = this.departures;
    const cap = deps.length;
    while (made < FRAMES_PER_STEP) {
      const a = src.nextArrival();
      if (a >= this.epochEndCycles) break;
      const frameBytes = src.nextFrameBytes();
      // The wire: frames whose last bit left by `a` have left the sender buffer.
      while (this.depCount > 0 && deps[this.depHead]! <= a) {
        this.depHead = this.depHead + 1 === cap ? 0 : this.depHead + 1;
        this.depCount--;
      }
      const q = src.nextQueue();
      const mine = this.owned[q] === 1;
      if (a >= this.link.nextAt) {
        this.link.applyUpTo(a);
        this.cyclesPerWireBit = this.hz / this.link.lineRateBps;
      }
      const g = src.nextGroup();
      // A group's policer (rateLimit) sees every frame of the group, in every shard: its state does not depend on the sharding.
      const policer = this.policing ? this.policers[g] : undefined;
      const policed = policer !== undefined && policer !== null && !policer.take(a);
      if (policed || this.depCount >= cap || this.link.down) {
        // Policed at the ingress; or the sender buffer is full: the wire
        // cannot take the frame; or the link is down: the frame is lost, and
        // takes no time on the wire.
        if (mine) {
          st.generated[port]++;
          st.generatedBytes[port] += frameBytes;
          if (a >= this.warmupCycles) st.generatedInWindow[port]++;
          st.dropped++;
          const reason = policed ? this.policedId : this.link.down ? this.linkDownId : this.lineDropId;
          st.dropsByReason[reason]++;
          st.groupGenerated[g]++;
          st.groupDrops[g * st.reasonCount + reason]++;
          const f = src.nextFlow();
          if (f < st.flowGenerated.length) { st.flowGenerated[f]++; st.flowDropped[f]++; }
        }
        src.advance();
        made++;
        continue;
      }
      if (!mine) {
        // Another shard's frame: it still occupies the wire.
        this.transmit(a, frameBytes);
        this.seq++;
        src.advance();
        made++;
        continue;
      }
      const h = this.partition!.tryAllocAny(false);
      if (h < 0) {
        // Every buffer of the partition is still in use somewhere downstream
        // (it is sized above what can be alive at once, so this is brief):
        // wait, in wall-clock time only, for one to be freed. The frame is
        // offered again on the next step.
        break;
      }
      st.generated[port]++;
      st.generatedBytes[port] += frameBytes;
      if (a >= this.warmupCycles) st.generatedInWindow[port]++;
      st.groupGenerated[g]++;
      const rxTs = Math.ceil(this.transmit(a, frameBytes));
      // Allocated without a reset: every metadata field is written here.
      pool.dataOff[h] = HEADROOM_BYTES;
      src.fill(pool, h, this.seq);
      const flow = pool.flowId[h]!;
      if (flow < st.flowGenerated.length) st.flowGenerated[flow]++;
      pool.ingressCycles[h] = rxTs;
      pool.seqNo[h] = this.seq++;
      pool.port[h] = port;
      pool.rxQueue[h] = q;
      pool.lastWriterCore[h] = -1;
      // The hardware model: the frame (and its descriptor) was just DMA-written by the NIC.
      if (this.lines !== null) this.lines.nicWrote(h);
      // The buffer's simulated address is that of the RX descriptor slot the
      // frame lands in (slots are reused cyclically, as a real RX ring reuses
      // its buffers): a function of the run only, unlike the handle.
      const slot = this.rxSlot[q]!;
      this.rxSlot[q] = slot + 1 === this.rxRingSize ? 0 : slot + 1;
      pool.simAddr[h] = this.simBase + (q * this.rxRingSize + slot) * SLOT_BYTES;
      src.advance();
      made++;
      const t = this.stageTail[q]!;
      this.stageH[q]![t] = h;
      this.stageTs[q]![t] = rxTs;
      this.stageTail[q] = t + 1;
      this.staged++;
    }
    this.flushStages();
    const next = src.nextArrival();
    this.clock = next < this.epochEndCycles ? next : this.epochEndCycles;
    this.publish();
    if (made > 0) return STEP_PROGRESS;
    return this.staged > 0 || next < this.epochEndCycles ? STEP_BLOCKED : STEP_DONE;
  }

  /** A control action for this port, at a control point (engine/actions.ts resolved it). */
  applyOp(op: EngineOp): void {
    switch (op.op) {
      case 'active':
        this.steering?.setActive(op.queue, op.on);
        return;
      case 'steer':
        this.steering?.steer(op.groupInPort, op.split);
        return;
      case 'pin':
        this.steering?.moveFlow(op.flow, op.queue);
        return;
      case 'admit':
        this.steering?.admit(op.groupInPort, op.queue);
        return;
      case 'police': {
        const g = this.firstGroup + op.groupInPort;
        this.policers[g] = op.pps === null ? null : new GroupPolicer(op.pps, op.burst, this.hz, this.epochEndCycles);
        this.policing = this.policers.some((x) => x !== null);
        return;
      }
      default:
        return;
    }
  }

  private publish(): void {
    // Bound: a staged frame is the earliest still to come; otherwise the next
    // frame, which cannot reach an RX ring before it starts on the wire.
    let b = Infinity;
    if (this.staged > 0) {
      for (let q = 0; q < this.stageH.length; q++) {
        if (this.stageTail[q]! > this.stageHead[q]!) {
          const t = this.stageTs[q]![this.stageHead[q]!]!;
          if (t < b) b = t;
        }
      }
    } else {
      const a = this.source === null ? Infinity : this.source.nextArrival();
      b = a === Infinity ? NEVER_CYCLES : Math.ceil(a);
    }
    this.shared.storeBound(this.actorId, b);
    this.shared.storeClock(this.actorId, Math.floor(this.clock));
    this.wake();
  }

  private wake(): void {
    const w = this.wakeWorkers;
    for (let i = 0; i < w.length; i++) this.shared.ring(w[i]!);
  }

  describe(): string {
    return `nic ${this.actorId}: clock ${this.clock}, staged ${this.staged}, next arrival ${this.source?.nextArrival()}`;
  }

  location(): string {
    return `port ${this.portIndex} (NIC)`;
  }
}
