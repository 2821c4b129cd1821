#!/usr/bin/python3
"""A tiny emu controller (protocol v1, docs/controller-protocol.md).

Policy: at each control point, a task whose input backlog exceeds THRESHOLD
packets gets its batch doubled (at most MAX_BATCH); every other task is left
alone.

Over stdio (emu starts it):   emu run FILE --controller "python3 threshold.py"
Over TCP (it listens, emu connects; PORT 0 picks a free port, printed on stderr):
                               python3 threshold.py --listen PORT
Needs the msgpack module (Debian: python3-msgpack).
"""
import socket
import struct
import sys

import msgpack

THRESHOLD = 128
MAX_BATCH = 256


def read_exact(read, n):
    data = b""
    while len(data) < n:
        chunk = read(n - len(data))
        if not chunk:
            return None  # emu closed the stream
        data += chunk
    return data


def serve(read, write):
    batch = {}  # task name -> current batch size
    while True:
        head = read_exact(read, 4)
        if head is None:
            return
        (length,) = struct.unpack(">I", head)
        msg = msgpack.unpackb(read_exact(read, length), raw=False)
        kind = msg["type"]
        if kind == "hello":
            assert msg["version"] == 1, "this controller speaks protocol v1"
            batch = {t["name"]: t["batch"] for t in msg["tasks"]}
        elif kind == "telemetry":
            actions = []
            for core in msg["cores"]:
                names = {t["id"]: t["name"] for t in core["tasks"]}
                for b in core["backlogs"]:
                    name = names.get(b["id"])
                    if name is None or b["backlog"] <= THRESHOLD or batch[name] >= MAX_BATCH:
                        continue
                    batch[name] = min(MAX_BATCH, batch[name] * 2)
                    actions.append({"type": "setBatch", "task": name, "batch": batch[name]})
            body = msgpack.packb({"type": "actions", "epoch": msg["epoch"], "actions": actions}, use_bin_type=True)
            write(struct.pack(">I", len(body)) + body)
        elif kind == "event":
            print(f"event at {msg['atSeconds'] * 1e3:.3f} ms: {msg['kind']}", file=sys.stderr)
        elif kind == "summary":
            print(f"summary: delivered {msg['delivered']} of {msg['generated']}", file=sys.stderr)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--listen":
        server = socket.create_server(("127.0.0.1", int(sys.argv[2])))
        print(f"listening on {server.getsockname()[1]}", file=sys.stderr, flush=True)
        conn, _ = server.accept()
        server.close()
        with conn:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            serve(conn.recv, conn.sendall)
    else:
        out = sys.stdout.buffer

        def write(data):
            out.write(data)
            out.flush()

        serve(sys.stdin.buffer.read, write)


if __name__ == "__main__":
    main()
