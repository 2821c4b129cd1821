/** A tiny module-kind catalog for scenario tests (the real NF catalog lives in src/nf). */
import { asObject, readInt, readNumber, rejectUnknownKeys, type Problems } from '../../src/util/config-check.js';
import type { ModuleKindInfo } from '../../src/scenario/types.js';

export interface SyntheticConfig {
  cyclesPerPacket: number;
  gates: number;
}

export const synthetic: ModuleKindInfo = {
  name: 'synthetic',
  help: 'charges a fixed number of cycles per packet and forwards round-robin over its gates',
  isQueue: false,
  checkConfig(raw: unknown, path: string, p: Problems): SyntheticConfig {
    const o = asObject(p, raw, path) ?? {};
    rejectUnknownKeys(p, o, ['cyclesPerPacket', 'gates'], path);
    return {
      cyclesPerPacket: readNumber(p, o, 'cyclesPerPacket', path, { min: 0, default: 0 }),
      gates: readInt(p, o, 'gates', path, { min: 0, max: 8, default: 1 }),
    };
  },
  outputGates: (c) => (c as SyntheticConfig).gates,
};

export const queue: ModuleKindInfo = {
  name: 'queue',
  help: 'a ring between two tasks',
  isQueue: true,
  checkConfig(raw: unknown, path: string, p: Problems): { size: number } {
    const o = asObject(p, raw, path) ?? {};
    rejectUnknownKeys(p, o, ['size'], path);
    return { size: readInt(p, o, 'size', path, { min: 16, max: 65536, powerOfTwo: true, default: 1024 }) };
  },
  outputGates: () => 1,
};

export const KINDS: readonly ModuleKindInfo[] = [synthetic, queue];
