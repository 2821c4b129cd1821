/**
 * The catalog of shipped machine presets: a plain array (no registration by
 * import side effect), the default, and lookup by name. getPreset validates a
 * shipped preset on first use and hands out a deep-frozen copy, so no caller
 * can alter the catalog. COLD. No `node:*` imports.
 */
import { didYouMeanHint, Problems } from '../../util/config-check.js';
import { type MachinePreset, validatePreset } from '../preset.js';
import { E5_2630V3 } from './e5-2630v3.js';
import { E5_2667V3 } from './e5-2667v3.js';
import { XEON_8168_2S } from './xeon-8168-2s.js';

/** Shipped presets, default first. */
export const SHIPPED_PRESETS: readonly MachinePreset[] = [XEON_8168_2S, E5_2667V3, E5_2630V3];

/** Name of the default preset ([ExecModels] server). */
export const DEFAULT_PRESET_NAME = 'xeon-8168-2s';

/** Names and one-line descriptions, for `emu hw presets` and help texts. */
export function listPresets(): { name: string; description: string }[] {
  return SHIPPED_PRESETS.map((m) => ({ name: m.name, description: m.description }));
}

const checked = new Map<string, MachinePreset>();

/** A shipped preset by name, or undefined. */
export function findPreset(name: string): MachinePreset | undefined {
  const hit = checked.get(name);
  if (hit !== undefined) return hit;
  const raw = SHIPPED_PRESETS.find((m) => m.name === name);
  if (raw === undefined) return undefined;
  const p = new Problems();
  const m = validatePreset(structuredClone(raw), '', p);
  p.throwIfAny(`shipped machine preset ${name}`);
  const frozen = deepFreeze(m);
  checked.set(name, frozen);
  return frozen;
}

/**
 * A shipped preset by name.
 * @throws Error naming the known presets (with a did-you-mean hint) if there is none.
 */
export function getPreset(name: string = DEFAULT_PRESET_NAME): MachinePreset {
  const m = findPreset(name);
  if (m === undefined) {
    const names = SHIPPED_PRESETS.map((x) => x.name);
    throw new Error(`unknown machine preset ${JSON.stringify(name)}${didYouMeanHint(name, names)}; known presets: ${names.join(', ')}`);
  }
  return m;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
