/**
 * The main thread's watch over a run's workers (COLD: a few samples a second).
 *
 * Two ways a run can stop moving, told apart by what the workers show:
 *
 *  - stalled: no actor can advance and nothing will ever ring a doorbell
 *    again. A worker alone on its run sees this itself at once (host.ts);
 *    over several workers none of them can, so the main thread declares it,
 *    within about STALL_WINDOW_MS, from the workers' control words.
 *  - no progress: a worker stays busy but its progress word does not move:
 *    an NF that never returns. Only a long wait tells this from a slow step,
 *    so it keeps the old 30 s default.
 *
 * The evidence for a stall (shared.ts, control words of each worker w):
 * progress(w) counts steps, parks(w) counts parks. A host publishes its steps
 * to progress(w) before it counts a park, and after counting one takes a
 * last pass over all its actors before it waits (host.ts); the watch reads
 * every parks word before any progress word. So if, between two samples at
 * least STALL_WINDOW_MS apart,
 *   - the progress words did not move,
 *   - every worker counted at least 2 parks, and
 *   - the workers were not waiting for the main thread (all of them at the
 *     control point it must release, or it awaiting a controller),
 * then no worker took a step between the samples (a step before a counted
 * park would show in progress; one after the last counted park would follow
 * a complete pass, after the first sample, over the same memory, which
 * found nothing to do), and every worker looked at that memory and found
 * nothing to do. That is a stall: the state cannot change again. Hosts wake
 * every 100 ms (PARK_TIMEOUT_MS) and park again, so parks keep coming while a
 * run is stuck; a worker busy in an NF, or one the host's scheduler has not
 * run for a second, counts none, and delays the verdict instead of faking it.
 */
import type { SharedState } from './shared.js';

/** Least time between the two samples that show a stall. */
export const STALL_WINDOW_MS = 1000;
/** Parks each worker must count between them (see above: 1 may be a pass still under way). */
const PARKS_FOR_STALL = 2;
/** Default wait before a busy worker that makes no progress fails the run. */
export const NO_PROGRESS_SECONDS = 30;

export interface WatchSample {
  /** Wall-clock time of the sample (ms). */
  atMs: number;
  /** Each worker's parks word, read before the progress words. */
  parks: readonly number[];
  /** Sum of every worker's progress word. */
  progress: number;
  /** Every worker announced the control point the main thread waits for (or it awaits a controller). */
  waitingForMain: boolean;
}

export type WatchVerdict = 'running' | 'stalled' | 'no-progress';

export class StallWatch {
  /** The first sample since progress last moved (or the main thread last had the workers waiting). */
  private since: WatchSample | null = null;

  constructor(private readonly noProgressMs = NO_PROGRESS_SECONDS * 1000, private readonly stallWindowMs = STALL_WINDOW_MS) {}

  /** Take one sample; samples come in time order. */
  sample(x: WatchSample): WatchVerdict {
    const since = this.since;
    if (since === null || x.waitingForMain || x.progress !== since.progress) {
      this.since = { ...x, parks: [...x.parks] };
      return 'running';
    }
    const elapsedMs = x.atMs - since.atMs;
    if (elapsedMs >= this.stallWindowMs && x.parks.every((p, w) => p - since.parks[w]! >= PARKS_FOR_STALL)) return 'stalled';
    if (elapsedMs > this.noProgressMs) return 'no-progress';
    return 'running';
  }
}

/** Read the workers' parks words, then their progress words (the order the argument above needs). */
export function readWorkers(shared: SharedState): { parks: number[]; progress: number } {
  const parks: number[] = [];
  for (let w = 0; w < shared.workers; w++) parks.push(Atomics.load(shared.control, shared.parksIndex(w)));
  let progress = 0;
  for (let w = 0; w < shared.workers; w++) progress += Atomics.load(shared.control, shared.progressIndex(w));
  return { parks, progress };
}
