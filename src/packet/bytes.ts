/**
 * Big-endian (network order) field access on a Uint8Array, assembled with
 * shifts rather than DataView: these sit on every hot path and V8 inlines
 * them. All HOT: no allocation, no throwing; out-of-range reads give 0 bits.
 */

/** HOT: u16 at `off`. */
export function read16(buf: Uint8Array, off: number): number {
  return (buf[off]! << 8) | buf[off + 1]!;
}

/** HOT: u32 at `off` (`>>> 0` keeps it unsigned). */
export function read32(buf: Uint8Array, off: number): number {
  return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
}

/** HOT: low 16 bits of `value` at `off` (the Uint8Array store truncates each byte). */
export function write16(buf: Uint8Array, off: number, value: number): void {
  buf[off] = value >>> 8;
  buf[off + 1] = value;
}

/** HOT: low 32 bits of `value` at `off`. */
export function write32(buf: Uint8Array, off: number, value: number): void {
  buf[off] = value >>> 24;
  buf[off + 1] = value >>> 16;
  buf[off + 2] = value >>> 8;
  buf[off + 3] = value;
}
