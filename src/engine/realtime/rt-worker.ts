/**
 * Body of a real-time worker thread: build the core, say ready (or failed),
 * run until told to stop, report. The thread's result goes back as one
 * message; nothing crosses threads per packet or per batch.
 */
import { RtCore } from './rt-core.js';
import type { RtWorkerData, RtWorkerResult } from './rt-types.js';

export default function runRtWorker(d: RtWorkerData): RtWorkerResult {
  let core: RtCore;
  try {
    core = new RtCore(d);
  } catch (e) {
    RtCore.markReady(d.controlSab, false);
    return { coreId: d.coreId, ok: false, error: (e as Error).message, counters: [], ports: [], skipped: [] };
  }
  RtCore.markReady(d.controlSab, true);
  try {
    core.run();
    return core.result();
  } catch (e) {
    const err = e as Error;
    // Tell the main thread now, not at stop: a failed core fails the run.
    RtCore.markFailedWhileRunning(d.controlSab);
    return { ...core.result(), ok: false, error: `${core.location()}: ${err.message}${process.env['EMU_DEBUG'] ? `\n${err.stack ?? ''}` : ''}` };
  } finally {
    core.close();
  }
}
