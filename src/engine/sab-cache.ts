/**
 * Reuse of a run's big shared buffers (the packet pool's frames and
 * metadata, the packet line table) by the next run in the same process.
 *
 * Why: a fresh SharedArrayBuffer is zero pages the kernel maps on first
 * touch, and the NIC touches a new slot with every frame it creates, so a
 * short run spends much of its time in page faults: ten 0.6 ms points of
 * `emu scenario rtc-vs-pl`'s RTC layout in a row (18 cores, ~90 K frames
 * each, a 270 MB pool on one thread) took 258–331 ms a point with fresh
 * buffers and 169–199 ms with reused ones (bench/README.md, fifth pass;
 * ~30 % of a worker's time had been the frame writer's first store into
 * each slot).
 *
 * A buffer is lent to one run at a time (take) and comes back only when
 * every worker of that run has finished with it (giveBack, called by
 * runScenario after all its worker tasks settled, never after a failure),
 * so concurrent runs never share one. The caller resets what it needs:
 * metadata and line state are rewritten on take (PacketPool.create,
 * PacketLineTable.create); frame bytes are not, as within a run, where a
 * slot's next frame is written over the last one's: a frame's bytes are
 * always written before anything reads them.
 *
 * Kept: up to MAX_KEPT_BYTES (see setMaxKeptBytes) of returned buffers
 * (their size counts, not the pages they touched), the oldest dropped
 * first. No `node:*` imports.
 */

/** Returned buffers kept for reuse, in bytes of address space (8 GiB: three experiment plans' pools). */
export const MAX_KEPT_BYTES = 8 * 2 ** 30;

const kept: SharedArrayBuffer[] = [];
let keptBytes = 0;
let maxKept = MAX_KEPT_BYTES;

/** COLD: a buffer of exactly `bytes`, reused when one was given back (`fresh` false: its old contents remain). */
export function takeSab(bytes: number): { sab: SharedArrayBuffer; fresh: boolean } {
  for (let i = kept.length - 1; i >= 0; i--) {
    if (kept[i]!.byteLength === bytes) {
      const sab = kept.splice(i, 1)[0]!;
      keptBytes -= bytes;
      return { sab, fresh: false };
    }
  }
  return { sab: new SharedArrayBuffer(bytes), fresh: true };
}

/** COLD: `sab` is no longer used by anyone; keep it for a later takeSab. */
export function giveBackSab(sab: SharedArrayBuffer): void {
  if (kept.includes(sab)) return;
  kept.push(sab);
  keptBytes += sab.byteLength;
  while (keptBytes > maxKept && kept.length > 0) keptBytes -= kept.shift()!.byteLength;
}

/** COLD: bytes held for reuse now (for tests). */
export function keptSabBytes(): number {
  return keptBytes;
}

/** COLD: change the cap on kept bytes (tests), dropping the oldest buffers beyond it; returns the previous cap. */
export function setMaxKeptBytes(bytes: number): number {
  const old = maxKept;
  maxKept = bytes;
  while (keptBytes > maxKept && kept.length > 0) keptBytes -= kept.shift()!.byteLength;
  return old;
}
