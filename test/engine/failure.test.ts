/**
 * A worker that throws ends the run promptly, with the core, task and NF
 * named, and leaves no worker thread behind.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/engine/run.js';
import { scenario } from './helpers.js';

function faulty(threads: number) {
  return scenario({
    name: 'faulty',
    duration: '50ms',
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
    it(`an NF that throws fails the run within a second, naming core, task and NF (threads=${threads})`, async () => {
      const before = process.hrtime.bigint();
      let err: Error | null = null;
      try {
        await runScenario(faulty(threads), { threads });
      } catch (e) {
        err = e as Error;
      }
      const seconds = Number(process.hrtime.bigint() - before) / 1e9;
      expect(err).not.toBeNull();
      expect(err!.message).toContain('core 1');
      expect(err!.message).toContain('task middle');
      expect(err!.message).toContain('NF boom');
      expect(err!.message).toContain('fault injected after 1000 packets');
      expect(seconds).toBeLessThan(1.5); // includes starting and stopping the workers
    });
  }
});
