/**
 * The file piscina loads in each worker. It is CommonJS on purpose: piscina
 * first tries `require(filename)`, and on Node 20 a require() of an ES module
 * that is also reached by import() can fail intermittently ("Unexpected status
 * of a module that is imported again after being required"). A CommonJS entry
 * that loads the ES modules with import() only avoids that mix.
 */
import type { HostResult, HostTask } from './host.js';

let runner: Promise<(task: HostTask) => HostResult> | null = null;

module.exports = async function run(task: HostTask): Promise<HostResult> {
  runner ??= import('./worker.js').then((m) => m.default);
  return (await runner)(task);
};
