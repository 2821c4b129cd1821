/**
 * The scenario's events (scenario/events.ts) as each actor applies them, on
 * its own clock: a core, to the NF modules it runs, before the first batch
 * that starts at or after an event's time; a NIC actor, to its port's link,
 * for the frames offered at or after it. Nothing here depends on which thread
 * runs the actor. COLD set-up; `applyUpTo` runs only when an event is due.
 */
import type { Scenario } from '../scenario/types.js';
import type { ModuleRt } from './datapath.js';

/** Events that change this core or its modules, in time order. */
export class CoreEvents {
  /** Time of the next event not yet applied (Infinity: none left). */
  nextAt = Infinity;
  /** Taken offline by a core-offline event (until a core-online one): it runs nothing. */
  offline = false;
  private readonly due: { atCycles: number; module: ModuleRt | null; kind: 'nf-slowdown' | 'nf-fail' | 'nf-recover' | 'core-offline' | 'core-online'; factor: number }[] = [];
  private next = 0;

  constructor(scenario: Scenario, coreId: number, modules: Iterable<ModuleRt>) {
    const byName = new Map<string, ModuleRt>();
    for (const m of modules) byName.set(m.name, m);
    for (const e of scenario.events ?? []) {
      if ('core' in e) {
        if (e.core === coreId) this.due.push({ atCycles: e.atCycles, module: null, kind: e.kind, factor: 1 });
        continue;
      }
      if (!('module' in e)) continue;
      const m = byName.get(e.module);
      if (m === undefined) continue; // on another core
      this.due.push({ atCycles: e.atCycles, module: m, kind: e.kind, factor: e.kind === 'nf-slowdown' ? e.factor : 1 });
    }
    this.nextAt = this.due.length > 0 ? this.due[0]!.atCycles : Infinity;
  }

  /** Apply every event at or before `now`. */
  applyUpTo(now: number): void {
    const due = this.due;
    while (this.next < due.length && due[this.next]!.atCycles <= now) {
      const e = due[this.next++]!;
      if (e.module === null) this.offline = e.kind === 'core-offline';
      else if (e.kind === 'nf-slowdown') e.module.slowdown = e.factor;
      else e.module.failed = e.kind === 'nf-fail';
    }
    this.nextAt = this.next < due.length ? due[this.next]!.atCycles : Infinity;
  }
}

/** Link up and down, and line-rate changes, of one port, in time order. */
export class LinkEvents {
  /** Time of the next change not yet applied (Infinity: none left). */
  nextAt = Infinity;
  /** The link is down: frames offered now are lost. */
  down = false;
  /** The line rate now (bits per second). */
  lineRateBps: number;
  private readonly due: { atCycles: number; down: boolean | null; lineRateBps: number }[] = [];
  private next = 0;

  constructor(scenario: Scenario, portName: string, lineRateBps: number) {
    this.lineRateBps = lineRateBps;
    for (const e of scenario.events ?? []) {
      if (!('port' in e) || e.port !== portName) continue;
      if (e.kind === 'line-rate') this.due.push({ atCycles: e.atCycles, down: null, lineRateBps: e.lineRateBps });
      else this.due.push({ atCycles: e.atCycles, down: e.kind === 'link-down', lineRateBps: 0 });
    }
    this.nextAt = this.due.length > 0 ? this.due[0]!.atCycles : Infinity;
  }

  /** Apply every change at or before `t`. */
  applyUpTo(t: number): void {
    const due = this.due;
    while (this.next < due.length && due[this.next]!.atCycles <= t) {
      const e = due[this.next++]!;
      if (e.down === null) this.lineRateBps = e.lineRateBps;
      else this.down = e.down;
    }
    this.nextAt = this.next < due.length ? due[this.next]!.atCycles : Infinity;
  }
}
