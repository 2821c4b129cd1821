/** The framing of the controller protocol: length-prefixed msgpack, decoded from chunks split anywhere. */
import { pack } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder } from '../../src/control/wire.js';

const messages = [
  { type: 'hello', version: 1, tasks: [{ name: 'q1@1', core: 1 }] },
  { type: 'actions', epoch: 0, actions: [] },
  { type: 'telemetry', epoch: 3, atCycles: 2_600_000, atSeconds: 0.001, cores: [] },
];
const stream = Buffer.concat(messages.map((m) => encodeFrame(m)));

describe('wire', () => {
  it('frames a message with a 4-byte big-endian length', () => {
    const f = encodeFrame({ a: 1 });
    expect(f.readUInt32BE(0)).toBe(f.length - 4);
    expect(f.subarray(4)).toEqual(pack({ a: 1 }));
  });

  it('decodes the same messages whatever the split into two chunks', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const d = new FrameDecoder();
      const out = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut))];
      expect(out).toEqual(messages);
      expect(d.pendingBytes).toBe(0);
    }
  });

  it('decodes one byte at a time', () => {
    const d = new FrameDecoder();
    const out: unknown[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...d.push(stream.subarray(i, i + 1)));
    expect(out).toEqual(messages);
  });

  it('refuses a length over the limit', () => {
    const d = new FrameDecoder(1024);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(1025, 0);
    expect(() => d.push(head)).toThrow(/announces 1025 bytes, over the limit of 1024 bytes/);
    // Stays failed.
    expect(() => d.push(encodeFrame({}))).toThrow(/over the limit/);
  });

  it('refuses text: its first bytes read as a huge length', () => {
    expect(() => new FrameDecoder().push(Buffer.from('hello, world\n'))).toThrow(/over the limit .*not a length-prefixed msgpack stream/);
  });

  it('refuses a frame whose body is not msgpack', () => {
    const body = Buffer.from([0xc1, 0xc1, 0xc1]); // 0xc1 is never used in msgpack
    const frame = Buffer.concat([Buffer.from([0, 0, 0, 3]), body]);
    expect(() => new FrameDecoder().push(frame)).toThrow(/not msgpack \(3-byte message starting c1 c1 c1\)/);
  });

  it('refuses an empty message', () => {
    expect(() => new FrameDecoder().push(Buffer.alloc(4))).toThrow(/empty message/);
  });
});
