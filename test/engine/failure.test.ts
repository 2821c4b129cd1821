/**
 * A worker that throws ends the run at once, with the core, task and NF
 * named. "At once" is stated in virtual time, which a loaded host cannot
 * stretch: the fault strikes ~0.1 ms into a 50 ms run, and the run must end
 * before its first control point (1 ms), so the controller is never called
 * and progress never passes that point. How long that takes in wall time is
 * measured by bench/failure.mjs, not asserted here.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/engine/run.js';
import { scenario } from './helpers.js';

function faulty(threads: number) {
  return scenario({
    name: 'faulty',
    duration: '50ms',
    controlPeriod: '1ms',
    threads,
    machine: { hz: 2.6e9, cores: 3 },
    ports: [{ name: 'eth0', lineRate: '10Gbps', traffic: { flows: 4, frameSize: 64, rate: 'line' } }],
    modules: [
      { name: 'a', kind: 'synthetic', config: { cyclesPerPacket: 10 } },
      { name: 'q1', kind: 'queue', config: { size: 256, whenFull: 'backpressure' } },
      { name: 'boom', kind: 'fault', config: { throwAfterPackets: 1000 } },
      { name: 'q2', kind: 'queue', config: { size: 256 } },
      { name: 'c', kind: 'synthetic', config: { cyclesPerPacket: 10 } },
    ],
    edges: [
      { from: 'eth0.rx0', to: 'a' }, { from: 'a', to: 'q1' }, { from: 'q1', to: 'boom' },
      { from: 'boom', to: 'q2' }, { from: 'q2', to: 'c' }, { from: 'c', to: 'eth0.tx' },
    ],
    tasks: [{ root: 'eth0.rx0', core: 0 }, { root: 'q1', core: 1, name: 'middle' }, { root: 'q2', core: 2 }],
  });
}

describe('failures', () => {
  for (const threads of [1, 3]) {
    it(`an NF that throws fails the run before its first control point, naming core, task and NF (threads=${threads})`, async () => {
      let controlPoints = 0;
      const progress: number[] = [];
      const outcome = await runScenario(faulty(threads), {
        threads,
        controller: async () => { controlPoints++; return []; },
        onProgress: (fraction) => progress.push(fraction),
      }).then(() => 'resolved', (e: unknown) => e);
      // It failed (did not resolve), with the fault's own error, located: not a stall or an abort message.
      expect(outcome).toBeInstanceOf(Error);
      expect((outcome as Error).message).toBe('core 1, task middle, NF boom: fault injected after 1000 packets');
      // It ended where the fault struck: no control point was reached, and progress stayed before the first one.
      expect(controlPoints).toBe(0);
      expect(Math.max(0, ...progress)).toBeLessThan(1 / 50);
    });
  }
});
