/**
 * The wire format of the external-controller protocol (docs/controller-protocol.md):
 * each message is one msgpack value framed by a 4-byte big-endian length.
 *
 *   +----------------+---------------------------+
 *   | length (u32 BE)| msgpack value (length B)  |
 *   +----------------+---------------------------+
 *
 * Pure: no I/O. COLD: one message per control point, never on the data path.
 */
import { pack, unpack } from 'msgpackr';

/** Largest message either side may send (the length prefix says more: an error). */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
const PREFIX_BYTES = 4;

export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

/** One message, framed. Throws WireError when it packs to more than MAX_MESSAGE_BYTES. */
export function encodeFrame(message: unknown): Buffer {
  const body = pack(message);
  if (body.length > MAX_MESSAGE_BYTES) throw new WireError(`message of ${body.length} bytes exceeds the limit of ${MAX_MESSAGE_BYTES} bytes`);
  const frame = Buffer.allocUnsafe(PREFIX_BYTES + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, PREFIX_BYTES);
  return frame;
}

/**
 * Streaming decoder: push chunks as they arrive (any split), get back the
 * whole messages they complete. After an error the decoder stays failed
 * (the stream is out of step and cannot be resynchronised).
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private failed: WireError | null = null;

  constructor(private readonly maxMessageBytes = MAX_MESSAGE_BYTES) {}

  /** Bytes received but not yet part of a whole message. */
  get pendingBytes(): number {
    return this.buffered;
  }

  push(chunk: Uint8Array): unknown[] {
    if (this.failed) throw this.failed;
    if (chunk.length > 0) {
      this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      this.buffered += chunk.length;
    }
    const out: unknown[] = [];
    for (;;) {
      if (this.buffered < PREFIX_BYTES) return out;
      const head = this.take(PREFIX_BYTES, false);
      const length = head.readUInt32BE(0);
      if (length > this.maxMessageBytes) {
        throw (this.failed = new WireError(`length prefix announces ${length} bytes, over the limit of ${this.maxMessageBytes} bytes (not a length-prefixed msgpack stream?)`));
      }
      if (length === 0) throw (this.failed = new WireError('empty message (length prefix 0): expected a msgpack value'));
      if (this.buffered < PREFIX_BYTES + length) return out;
      this.take(PREFIX_BYTES, true);
      const body = this.take(length, true);
      out.push(this.decodeBody(body));
    }
  }

  private decodeBody(body: Buffer): unknown {
    let value: unknown;
    try {
      value = unpack(body);
    } catch (err) {
      throw (this.failed = new WireError(`bytes that are not msgpack (${body.length}-byte message starting ${preview(body)}): ${(err as Error).message}`));
    }
    return value;
  }

  /** The first n buffered bytes, removed when `consume`. */
  private take(n: number, consume: boolean): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    this.chunks = [all];
    const head = all.subarray(0, n);
    if (consume) {
      const rest = all.subarray(n);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered -= n;
    }
    return head;
  }
}

/** The first bytes in hex, for error messages. */
export function preview(bytes: Uint8Array, max = 16): string {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, max)).toString('hex').replace(/(..)/g, '$1 ').trim();
  return bytes.length > max ? `${hex} ...` : hex;
}
