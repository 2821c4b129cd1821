import { readPcapFile } from '../../src/traffic/pcap.js';
import { NF_KINDS } from '../../src/nf/catalog.js';
import { validateScenario } from '../../src/scenario/validate.js';
import type { Scenario } from '../../src/scenario/types.js';

/** A validated scenario from a plain object (as a YAML file would give). */
export function scenario(raw: Record<string, unknown>): Scenario {
  return validateScenario(raw, { kinds: NF_KINDS, baseDir: null });
}

/** A chain of `n` synthetic NFs on one core, fed by one 40 GbE port at line rate (more than the core can take). */
export function chainOnOneCore(n: number, extra: Record<string, unknown> = {}): Scenario {
  const modules = Array.from({ length: n }, (_, i) => ({ name: `s${i}`, kind: 'synthetic', config: { cyclesPerBatch: 1000, cyclesPerPacket: 50 } }));
  const edges: { from: string; to: string }[] = [{ from: 'eth0.rx0', to: 's0' }];
  for (let i = 1; i < n; i++) edges.push({ from: `s${i - 1}`, to: `s${i}` });
  edges.push({ from: `s${n - 1}`, to: 'eth0.tx' });
  return scenario({
    name: `chain-${n}`,
    seed: 7,
    duration: '2ms',
    warmup: '0.5ms',
    machine: { hz: 2.6e9, cores: 1 },
    ports: [{ name: 'eth0', lineRate: '40Gbps', traffic: { flows: 8, frameSize: 64, rate: 'line' } }],
    modules,
    edges,
    tasks: [{ root: 'eth0.rx0', core: 0, batch: 32 }],
    ...extra,
  });
}

/**
 * The sequence numbers of the frames a tap wrote: the generator puts each
 * frame's number in its IPv4 id (16 bits, so runs of up to 65 536 frames).
 */
export function tappedSeqIds(file: string): { frames: number; distinct: number } {
  const f = readPcapFile(file);
  const ids = new Set<number>();
  for (let i = 0; i < f.count; i++) {
    const o = f.dataOffset[i]!;
    ids.add((f.bytes[o + 18]! << 8) | f.bytes[o + 19]!);
  }
  return { frames: f.count, distinct: ids.size };
}
