/**
 * The file each real-time worker thread starts from. CommonJS on purpose, as
 * engine/worker-entry.cts: on Node 20, mixing require() and import() of the
 * same ES module can fail intermittently; a CommonJS entry that loads the ES
 * modules with import() only avoids that.
 */
import type { RtWorkerData } from './rt-types.js';

const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads');

void import('./rt-worker.js').then((m) => {
  const result = m.default(workerData as RtWorkerData);
  parentPort!.postMessage(result);
}, (e: Error) => {
  parentPort!.postMessage({ coreId: (workerData as RtWorkerData).coreId, ok: false, error: `worker failed to load: ${e.message}`, counters: [], ports: [], skipped: [] });
});
