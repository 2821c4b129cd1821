#!/usr/bin/env node
// A tiny emu controller (protocol v1, docs/controller-protocol.md), in plain
// ESM JavaScript so that it runs without a build; it needs only msgpackr.
//
// Policy (the same as ../python/threshold.py): at each control point, a task
// whose input backlog exceeds THRESHOLD packets gets its batch doubled (at
// most MAX_BATCH); every other task is left alone.
//
//   emu run FILE --controller "node examples/controllers/ts/threshold.mjs"
import { pack, unpack } from 'msgpackr';

const THRESHOLD = 128;
const MAX_BATCH = 256;

const batch = new Map(); // task name -> current batch size

function send(message) {
  const body = pack(message);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length, 0);
  process.stdout.write(Buffer.concat([head, body]));
}

function handle(msg) {
  if (msg.type === 'hello') {
    if (msg.version !== 1) throw new Error(`this controller speaks protocol v1, emu sent ${msg.version}`);
    for (const t of msg.tasks) batch.set(t.name, t.batch);
  } else if (msg.type === 'telemetry') {
    const actions = [];
    for (const core of msg.cores) {
      const names = new Map(core.tasks.map((t) => [t.id, t.name]));
      for (const b of core.backlogs) {
        const name = names.get(b.id);
        if (name === undefined || b.backlog <= THRESHOLD || batch.get(name) >= MAX_BATCH) continue;
        batch.set(name, Math.min(MAX_BATCH, batch.get(name) * 2));
        actions.push({ type: 'setBatch', task: name, batch: batch.get(name) });
      }
    }
    send({ type: 'actions', epoch: msg.epoch, actions });
  } else if (msg.type === 'event') {
    process.stderr.write(`event at ${(msg.atSeconds * 1e3).toFixed(3)} ms: ${msg.kind}\n`);
  } else if (msg.type === 'summary') {
    process.stderr.write(`summary: delivered ${msg.delivered} of ${msg.generated}\n`);
  }
}

// Frames: a 4-byte big-endian length, then that many bytes of msgpack.
let pending = Buffer.alloc(0);
process.stdin.on('data', (chunk) => {
  pending = Buffer.concat([pending, chunk]);
  while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
    const length = pending.readUInt32BE(0);
    handle(unpack(pending.subarray(4, 4 + length)));
    pending = pending.subarray(4 + length);
  }
});
