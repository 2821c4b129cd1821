/**
 * Protocol v1 between emu and an external controller
 * (docs/controller-protocol.md). emu sends `hello` once, `telemetry` at each
 * control point (and waits for one `actions` reply: lock-step in virtual
 * time), then `summary` at the end and closes. The controller sends only
 * `actions`. Here: the message shapes, building them from the engine's data,
 * and checking what the controller sends. The actions themselves are checked
 * by the engine (run.ts checkActions), which knows the scenario.
 */
import type { ResultRecord } from '../metrics/record.js';
import type { ControlAction, CoreTelemetry, Telemetry } from '../engine/telemetry.js';
import type { Scenario, ScenarioEvent } from '../scenario/types.js';
import { EMU_VERSION } from '../version.js';
import type { PeriodPoint, SloSpec } from '../metrics/series.js';
import { Actions } from '../engine/actions.js';
import { flowGroupsOf } from '../engine/flow-groups.js';

export const PROTOCOL_VERSION = 1;

export interface HelloMessage {
  type: 'hello';
  version: typeof PROTOCOL_VERSION;
  emuVersion: string;
  scenario: string;
  hz: number;
  /** The emulated machine: its preset's name (or "generic"), cores, sockets. */
  machine: { name: string; cores: number; sockets: number };
  controlPeriodCycles: number;
  controlPeriodSeconds: number;
  durationCycles: number;
  durationSeconds: number;
  cores: number[];
  tasks: { name: string; core: number; chain: string; batch: number; weight: number; priority: number; detached: boolean }[];
  chains: { name: string; tasks: string[] }[];
  /** Chain instances a flow group can be steered to: the chain that reads each RX queue. */
  instances: { chain: string; port: string; queue: number }[];
  /** Flow groups: their flow ids are firstFlow .. firstFlow + ids - 1 (ids = flows + the fresh ones churn draws). */
  groups: { name: string; port: string; flows: number; firstFlow: number; ids: number; slo: SloSpec | null }[];
  /** The scenario's terms for controllers (`controller:`). */
  controller: { onMiss: 'fail' | 'no-action'; actuationDelay: number };
}

export interface TelemetryMessage {
  type: 'telemetry';
  epoch: number;
  atCycles: number;
  atSeconds: number;
  cores: CoreTelemetry[];
  /** The scenario's events timed in the period that ends at this control point, with their time in seconds too. */
  events: (ScenarioEvent & { atSeconds: number })[];
  /** The period measured: rates, drops by reason, latency percentiles, in all and per flow group; queues and knobs per task. */
  period: PeriodPoint;
  /** > 0: this telemetry is that many control points old (a telemetry-delay event). */
  staleBy: number;
}

export interface ActionsMessage {
  type: 'actions';
  epoch: number;
  actions: ControlAction[];
}

export interface SummaryMessage {
  type: 'summary';
  generated: number;
  delivered: number;
  dropped: number;
  dropsByReason: Record<string, number>;
  inFlight: number;
}

/** One scenario event, sent just before the telemetry of the control point whose period it falls in (no reply). */
export type EventMessage = { type: 'event'; epoch: number; atSeconds: number } & ScenarioEvent;

export type EmuMessage = HelloMessage | TelemetryMessage | EventMessage | SummaryMessage;

export function eventMessages(t: Telemetry, hz: number): EventMessage[] {
  return t.events.map((e) => ({ type: 'event', epoch: t.epoch, atSeconds: e.atCycles / hz, ...e }));
}

export function helloMessage(s: Scenario): HelloMessage {
  const groups = flowGroupsOf(s);
  const chains = new Map<string, string[]>();
  for (const t of s.tasks) {
    const list = chains.get(t.chain) ?? [];
    list.push(t.name);
    chains.set(t.chain, list);
  }
  return {
    type: 'hello',
    version: PROTOCOL_VERSION,
    emuVersion: EMU_VERSION,
    scenario: s.name,
    hz: s.hz,
    machine: { name: s.machine.name, cores: s.machine.cores, sockets: s.machine.sockets },
    controlPeriodCycles: s.controlPeriodCycles,
    controlPeriodSeconds: s.controlPeriodCycles / s.hz,
    durationCycles: s.durationCycles,
    durationSeconds: s.durationCycles / s.hz,
    cores: [...new Set(s.tasks.map((t) => t.core))].sort((a, b) => a - b),
    tasks: s.tasks.map((t) => ({ name: t.name, core: t.core, chain: t.chain, batch: t.batch, weight: t.weight, priority: t.priority, detached: t.detached })),
    chains: [...chains].map(([name, tasks]) => ({ name, tasks })),
    instances: new Actions(s, groups).instanceList(),
    groups: groups.groups.map((g) => ({ name: g.name, port: g.portName, flows: g.flows, firstFlow: g.firstFlow, ids: g.ids, slo: g.slo })),
    controller: { onMiss: s.controller?.onMiss ?? 'fail', actuationDelay: s.controller?.actuationDelay ?? 0 },
  };
}

export function telemetryMessage(t: Telemetry, hz: number): TelemetryMessage {
  return {
    type: 'telemetry', epoch: t.epoch, atCycles: t.atCycles, atSeconds: t.atCycles / hz, cores: t.cores,
    events: t.events.map((e) => ({ ...e, atSeconds: e.atCycles / hz })),
    period: t.period,
    staleBy: t.staleBy,
  };
}

export function summaryMessage(totals: ResultRecord['totals']): SummaryMessage {
  return {
    type: 'summary',
    generated: totals.generated,
    delivered: totals.delivered,
    dropped: totals.dropped,
    dropsByReason: totals.dropsByReason,
    inFlight: totals.inFlight,
  };
}

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/**
 * The controller's reply at control point `epoch`: must be
 * `{ type: 'actions', epoch, actions: [...] }`. Returns its actions
 * (checked further by the engine); throws ProtocolError otherwise.
 */
export function readActions(message: unknown, epoch: number): ControlAction[] {
  const expected = `expected { type: 'actions', epoch: ${epoch}, actions: [...] }`;
  const shown = show(message);
  if (message === null || typeof message !== 'object' || Array.isArray(message)) {
    throw new ProtocolError(`the controller sent ${shown}, not a map; ${expected}`);
  }
  const m = message as Record<string, unknown>;
  if (m['type'] !== 'actions') {
    const what = m['type'] === undefined ? 'a message without a type' : `unknown message type ${JSON.stringify(m['type'])}`;
    throw new ProtocolError(`the controller sent ${what} (${shown}); ${expected}`);
  }
  if (typeof m['epoch'] !== 'number') throw new ProtocolError(`actions message ${shown}: epoch is ${m['epoch'] === undefined ? 'missing' : typeof m['epoch']}; ${expected}`);
  if (m['epoch'] !== epoch) throw new ProtocolError(`actions message ${shown}: wrong epoch ${m['epoch']} (a reply to another control point); ${expected}`);
  if (!Array.isArray(m['actions'])) throw new ProtocolError(`actions message ${shown}: actions is ${m['actions'] === undefined ? 'missing' : typeof m['actions']}; ${expected}`);
  return m['actions'] as ControlAction[];
}

/** A message for an error text, cut short. */
function show(message: unknown, max = 200): string {
  let text: string;
  try {
    text = JSON.stringify(message) ?? String(message);
  } catch {
    text = String(message);
  }
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
