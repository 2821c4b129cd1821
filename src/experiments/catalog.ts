/**
 * The experiments `emu scenario` knows, as an explicit list.
 */
import type { Experiment } from './experiment.js';
import { rtcVsPl } from './rtc-vs-pl.js';
import { stateSize } from './state-size.js';
import { coopVsCfs } from './coop-vs-cfs.js';
import { linuxSched } from './linux-sched.js';
import { wfqWeights } from './wfq-weights.js';
import { autoscale } from './autoscale.js';
import { rtschedLoop } from './rtsched-loop.js';

export const EXPERIMENTS: readonly Experiment[] = [rtcVsPl, stateSize, coopVsCfs, linuxSched, wfqWeights, autoscale, rtschedLoop];

export function findExperiment(name: string): Experiment | undefined {
  return EXPERIMENTS.find((e) => e.name === name);
}
