/**
 * The scenario's events (scenario/events.ts) as each actor applies them, on
 * its own clock: a core, to the NF modules it runs, before the first batch
 * that starts at or after an event's time; a NIC actor, to its port's link,
 * for the frames offered at or after it. Nothing here depends on which thread
 * runs the actor. COLD set-up; `applyUpTo` runs only when an event is due.
 */
import type { Scenario } from '../scenario/types.js';
import type { ModuleRt } from './datapath.js';

/** Events that change this core's modules, in time order. */
export class ModuleEvents {
  /** Time of the next event not yet applied (Infinity: none left). */
  nextAt = Infinity;
  private readonly due: { atCycles: number; module: ModuleRt; kind: 'nf-slowdown' | 'nf-fail' | 'nf-recover'; factor: number }[] = [];
  private next = 0;

  constructor(scenario: Scenario, modules: Iterable<ModuleRt>) {
    const byName = new Map<string, ModuleRt>();
    for (const m of modules) byName.set(m.name, m);
    for (const e of scenario.events ?? []) {
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
      if (e.kind === 'nf-slowdown') e.module.slowdown = e.factor;
      else e.module.failed = e.kind === 'nf-fail';
    }
    this.nextAt = this.next < due.length ? due[this.next]!.atCycles : Infinity;
  }
}

/** Link up and down of one port, in time order. */
export class LinkEvents {
  /** Time of the next change not yet applied (Infinity: none left). */
  nextAt = Infinity;
  /** The link is down: frames offered now are lost. */
  down = false;
  private readonly at: number[] = [];
  private readonly downAfter: boolean[] = [];
  private next = 0;

  constructor(scenario: Scenario, portName: string) {
    for (const e of scenario.events ?? []) {
      if ('port' in e && e.port === portName) {
        this.at.push(e.atCycles);
        this.downAfter.push(e.kind === 'link-down');
      }
    }
    this.nextAt = this.at.length > 0 ? this.at[0]! : Infinity;
  }

  /** Apply every change at or before `t`. */
  applyUpTo(t: number): void {
    while (this.next < this.at.length && this.at[this.next]! <= t) this.down = this.downAfter[this.next++]!;
    this.nextAt = this.next < this.at.length ? this.at[this.next]! : Infinity;
  }
}
