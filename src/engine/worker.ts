/**
 * Worker-thread entry (piscina task): hosts the actors placed on this worker
 * for one whole run. See host.ts.
 */
import { runHost, type HostResult, type HostTask } from './host.js';

export default function run(task: HostTask): HostResult {
  return runHost(task);
}
