#!/usr/bin/env node
// A do-nothing external controller for bench/control.mjs (protocol v1,
// docs/controller-protocol.md): reads hello, answers every telemetry with
// `{ type: 'actions', epoch, actions: [] }`, and ends its session on summary
// or end of stream. It changes nothing, so a run with it must give exactly
// the results of a run without it; what it costs is the control point's
// round trip alone.
//
//   node bench/noop-controller.mjs          # over stdin/stdout (emu starts it)
//   node bench/noop-controller.mjs --tcp    # listens on 127.0.0.1, a free port; prints "port N" on stdout,
//                                           # serves one run per connection until killed
import { createServer } from 'node:net';
import { pack, unpack } from 'msgpackr';

/** One session: bytes in, framed replies out through `write`; `end` when the session is over. */
function session(write, end) {
  let pending = null; // bytes of an incomplete frame
  return (chunk) => {
    let buf = pending === null ? chunk : Buffer.concat([pending, chunk]);
    pending = null;
    while (buf.length >= 4) {
      const length = buf.readUInt32BE(0);
      if (buf.length < 4 + length) break;
      const msg = unpack(buf.subarray(4, 4 + length));
      buf = buf.subarray(4 + length);
      if (msg.type === 'hello') {
        if (msg.version !== 1) throw new Error(`noop-controller speaks protocol v1, emu sent ${msg.version}`);
      } else if (msg.type === 'telemetry') {
        const body = pack({ type: 'actions', epoch: msg.epoch, actions: [] });
        const frame = Buffer.allocUnsafe(4 + body.length);
        frame.writeUInt32BE(body.length, 0);
        body.copy(frame, 4);
        write(frame);
      } else if (msg.type === 'summary') {
        end();
        return;
      }
    }
    if (buf.length > 0) pending = Buffer.from(buf);
  };
}

if (process.argv.includes('--tcp')) {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', session((f) => socket.write(f), () => socket.end()));
    socket.on('error', () => { /* emu went away; the next connection is another run */ });
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(`port ${server.address().port}\n`));
} else {
  process.stdin.on('data', session((f) => process.stdout.write(f), () => process.exit(0)));
  process.stdin.on('end', () => process.exit(0));
}
