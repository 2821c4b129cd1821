/**
 * COLD: one NF instance for a planned module, with its NfEnv. Shared by the
 * virtual-time datapath (datapath.ts) and the real-time core (rt-core.ts).
 */
import type { ModulePlan, Plan } from '../graph/plan.js';
import { findNfKind } from '../nf/catalog.js';
import type { NfEnv, NfInstance } from '../nf/nf.js';

export interface NfFactoryOptions {
  coreId: number;
  hz: number;
  seed: number;
  /** Simulated address space for NF state: returns the base of `sizeBytes`. */
  allocRegion(label: string, sizeBytes: number): number;
}

/** @throws Error if the kind is unknown or the NF uses an undeclared drop reason or counter. */
export function createNfInstance(mp: ModulePlan, plan: Plan, o: NfFactoryOptions): NfInstance {
  const kind = findNfKind(mp.kind);
  if (kind === undefined) throw new Error(`module ${mp.name}: unknown NF kind ${mp.kind}`);
  const env: NfEnv = {
    moduleName: mp.name,
    coreId: o.coreId,
    hz: o.hz,
    seed: o.seed,
    dropReason: (name: string) => {
      const id = plan.reasons.indexOf(name);
      if (id < 0 || !kind.dropReasons.includes(name)) throw new Error(`NF kind ${kind.name} did not declare drop reason ${name}`);
      return id;
    },
    allocRegion: (label: string, sizeBytes: number) => o.allocRegion(label, sizeBytes),
    counterIndex: (name: string) => {
      const i = kind.counters.indexOf(name);
      if (i < 0) throw new Error(`NF kind ${kind.name} did not declare counter ${name}`);
      return i;
    },
  };
  return kind.create(mp.config, env);
}
