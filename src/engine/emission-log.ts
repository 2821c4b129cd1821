/**
 * Outputs of a run that a preemptive CPU scheduler may interrupt: each entry
 * is a packet, where it goes, and the work offset (cycles of the run's own
 * work) at which it leaves. The core releases entries as the run's work gets
 * done (engine/execution.ts, Segmented). A FIFO of typed arrays that grows by doubling (rarely:
 * a run holds at most a batch times the task's depth), never per packet.
 */

export const EMIT_CHANNEL = 0;
export const EMIT_TX = 1;
export const EMIT_SINK = 2;

export class EmissionLog {
  handle = new Uint32Array(256);
  kind = new Uint8Array(256);
  target = new Int32Array(256);
  offset = new Float64Array(256);
  head = 0;
  tail = 0;

  get size(): number {
    return this.tail - this.head;
  }

  push(h: number, kind: number, target: number, offset: number): void {
    if (this.tail === this.handle.length) this.makeRoom();
    const i = this.tail++;
    this.handle[i] = h;
    this.kind[i] = kind;
    this.target[i] = target;
    this.offset[i] = offset;
  }

  /** Work offset of the next entry (Infinity when empty). */
  nextOffset(): number {
    return this.head < this.tail ? this.offset[this.head]! : Infinity;
  }

  private makeRoom(): void {
    const live = this.tail - this.head;
    if (this.head > 0 && live <= this.handle.length / 2) {
      // Compact in place.
      this.handle.copyWithin(0, this.head, this.tail);
      this.kind.copyWithin(0, this.head, this.tail);
      this.target.copyWithin(0, this.head, this.tail);
      this.offset.copyWithin(0, this.head, this.tail);
    } else {
      const cap = this.handle.length * 2;
      const grow = <T extends Uint32Array | Uint8Array | Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
        const b = make(cap);
        b.set(a.subarray(this.head, this.tail) as never);
        return b;
      };
      this.handle = grow(this.handle, (n) => new Uint32Array(n));
      this.kind = grow(this.kind, (n) => new Uint8Array(n));
      this.target = grow(this.target, (n) => new Int32Array(n));
      this.offset = grow(this.offset, (n) => new Float64Array(n));
    }
    this.tail = live;
    this.head = 0;
  }

  clear(): void {
    this.head = 0;
    this.tail = 0;
  }
}
