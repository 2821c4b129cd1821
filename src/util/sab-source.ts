/**
 * Where a structure that lives in shared memory gets its buffer: a new one
 * (fresh, all zero) or one reused from an earlier run (engine/sab-cache.ts),
 * whose old contents remain and which the caller resets as it needs.
 */
export type SabSource = (bytes: number) => { sab: SharedArrayBuffer; fresh: boolean };

/** COLD: a new zero-filled SharedArrayBuffer. */
export const freshSab: SabSource = (bytes) => ({ sab: new SharedArrayBuffer(bytes), fresh: true });
