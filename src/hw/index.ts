/**
 * The hardware model: machine presets, the cache simulator, a core's memory
 * hierarchy, and packet-line coherence. Everything here is safe in a worker
 * thread (no `node:*`); preset files are loaded by ./preset-file.ts, which is
 * deliberately not re-exported.
 */
export * from './cache.js';
export * from './coherence.js';
export * from './mem-counters.js';
export * from './memory.js';
export * from './preset.js';
export { DEFAULT_PRESET_NAME, findPreset, getPreset, listPresets, SHIPPED_PRESETS } from './presets/index.js';
