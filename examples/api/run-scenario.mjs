#!/usr/bin/env node
// Runs a shipped scenario through the library API with an in-process
// controller, and prints one line. From a clone: npm ci && npm run build,
// then `node examples/api/run-scenario.mjs` (docs/api.md).
//
// The controller doubles the batch of any task whose input backlog is above
// 128 packets (at most 256), the policy of examples/controllers/ts/threshold.mjs
// without the process and the protocol.
import { fileURLToPath } from 'node:url';
import { loadScenario, run } from 'emu-nfv';

const THRESHOLD = 128;
const MAX_BATCH = 256;

const file = fileURLToPath(new URL('../../scenarios/loadtest.yaml', import.meta.url));
const scenario = loadScenario(file, { duration: process.argv[2] ?? '3ms' });

const batch = new Map(scenario.tasks.map((t) => [t.name, t.batch]));
let raised = 0;

/** @type {import('emu-nfv').Controller} */
function controller(telemetry) {
  const actions = [];
  for (const core of telemetry.cores) {
    const names = new Map(core.tasks.map((t) => [t.id, t.name]));
    for (const { id, backlog } of core.backlogs) {
      const name = names.get(id);
      if (name === undefined || backlog <= THRESHOLD || batch.get(name) >= MAX_BATCH) continue;
      batch.set(name, Math.min(MAX_BATCH, batch.get(name) * 2));
      actions.push({ type: 'setBatch', task: name, batch: batch.get(name) });
      raised++;
    }
  }
  return actions;
}

const { record, wallSeconds } = await run(scenario, { controller });
const t = record.totals;
const batches = [...batch].map(([name, b]) => `${name}=${b}`).join(' ');
console.log(`${record.scenario.name}: delivered ${t.delivered} of ${t.generated} (${record.throughput.deliveredMpps.toFixed(2)} Mpps, p99 ${((record.latency.p99Ns ?? 0) / 1000).toFixed(1)} us), batch raised ${raised} times (${batches}), ${wallSeconds.toFixed(2)} s wall`);
