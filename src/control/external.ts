/**
 * External controllers: a process emu starts (its stdin/stdout carry the
 * protocol, its stderr is passed through and its tail kept for error
 * messages) or a listening controller emu connects to (`tcp://HOST:PORT`,
 * `unix:/path`). Protocol and framing: ./protocol.ts, ./wire.ts,
 * docs/controller-protocol.md.
 *
 * Life cycle (the caller's): connectController -> hello(scenario) ->
 * runScenario(s, { controller: ext.controller }) -> summary(record.totals)
 * -> close(). close() must be called on every path (use finally): it leaves
 * no child process behind.
 *
 * Lock-step: `controller` sends telemetry and waits for the reply, so the
 * run does not depend on how fast the controller is. The reply timeout is
 * wall time, but it only turns a hang into an error; it never changes a
 * result. Every fault rejects with an Error saying what happened; the engine
 * prefixes the control point ("controller failed at control point N: ...").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import type { ResultRecord } from '../metrics/record.js';
import type { Controller, Telemetry } from '../engine/telemetry.js';
import type { Scenario } from '../scenario/types.js';
import { eventMessages, helloMessage, readActions, summaryMessage, telemetryMessage, type EmuMessage } from './protocol.js';
import { encodeFrame, FrameDecoder, MAX_MESSAGE_BYTES } from './wire.js';

export const DEFAULT_REPLY_TIMEOUT_MS = 10_000;
export const DEFAULT_CLOSE_GRACE_MS = 2_000;
const STDERR_TAIL_LINES = 10;

export interface ConnectOptions {
  /** Wall milliseconds to wait for each reply; default DEFAULT_REPLY_TIMEOUT_MS. */
  replyTimeoutMs?: number;
  /** Wall milliseconds a controller process may take to exit after close(); then it is killed. */
  closeGraceMs?: number;
  /** Where the process's stderr goes besides the kept tail; default process.stderr. */
  onStderr?: (chunk: Buffer) => void;
  maxMessageBytes?: number;
  /** Folder a controller process is started in; default the current one. */
  cwd?: string;
}

export interface ExternalController {
  /** For runScenario's `controller` option. */
  readonly controller: Controller;
  /** The controller process id (spawned controllers only). */
  readonly pid: number | undefined;
  /** Send hello; call once, before the run. */
  hello(s: Scenario): void;
  /** Send the run's totals; call after the run. */
  summary(totals: ResultRecord['totals']): void;
  /** End the session; resolves once the process (if any) has exited or been killed. */
  close(): Promise<void>;
  /** End the session now, killing the process (after a failed run, say); close() then resolves at once. */
  abort(): Promise<void>;
}

/**
 * `spec`: `tcp://HOST:PORT`, `unix:/path`, or a command line to start
 * (split on spaces; single or double quotes group words; no shell).
 */
export async function connectController(spec: string, opts: ConnectOptions = {}): Promise<ExternalController> {
  const transport = spec.startsWith('tcp://') || spec.startsWith('unix:') ? await openSocket(spec) : await openProcess(spec, opts);
  return new Session(transport, opts);
}

/** What a session needs of a transport. */
interface Transport {
  /** For messages: "the controller process `python3 ctl.py` (pid 123)", "the controller at tcp://...". */
  readonly name: string;
  readonly pid: number | undefined;
  write(frame: Buffer): void;
  onData(fn: (chunk: Buffer) => void): void;
  /** Called once when the other side is gone, with what happened. */
  onGone(fn: (why: string) => void): void;
  /** Ask politely: end our side; resolve when gone (or after `graceMs`, killing it). */
  end(graceMs: number): Promise<void>;
  /** Stop it now. */
  abort(): Promise<void>;
}

class Session implements ExternalController {
  private readonly decoder: FrameDecoder;
  private readonly queue: unknown[] = [];
  private waiter: ((m: unknown) => void) | null = null;
  private fault: Error | null = null;
  private faultListener: ((e: Error) => void) | null = null;
  private hz = 0;
  private closed: Promise<void> | null = null;
  private readonly replyTimeoutMs: number;

  constructor(private readonly transport: Transport, private readonly opts: ConnectOptions) {
    this.replyTimeoutMs = opts.replyTimeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS;
    this.decoder = new FrameDecoder(opts.maxMessageBytes ?? MAX_MESSAGE_BYTES);
    transport.onData((chunk) => {
      if (this.fault) return;
      let messages: unknown[];
      try {
        messages = this.decoder.push(chunk);
      } catch (err) {
        this.setFault(new Error(`${transport.name} sent ${(err as Error).message}`));
        return;
      }
      for (const m of messages) {
        if (this.waiter) {
          const w = this.waiter;
          this.waiter = null;
          w(m);
        } else this.queue.push(m);
      }
    });
    transport.onGone((why) => this.setFault(new Error(why)));
  }

  get pid(): number | undefined {
    return this.transport.pid;
  }

  readonly controller: Controller = async (t: Telemetry) => {
    try {
      if (this.hz === 0) throw new Error('hello was not sent before the first control point (call hello(scenario) first)');
      for (const ev of eventMessages(t, this.hz)) this.send(ev);
      this.send(telemetryMessage(t, this.hz));
      const deadline = Date.now() + this.replyTimeoutMs;
      for (;;) {
        const reply = await this.next(t.epoch, Math.max(1, deadline - Date.now()));
        // Where misses count as no action, a reply that came after its control point's timeout is dropped.
        if (this.tolerateMisses && isLateReply(reply, t.epoch)) continue;
        return readActions(reply, t.epoch);
      }
    } catch (err) {
      // The run fails on this error: stop the controller now, not at close().
      // Unless the scenario counts a miss as no action: then the session goes
      // on (a controller that is gone fails every later control point).
      if (!this.tolerateMisses) void this.transport.abort();
      throw err;
    }
  };

  /** The scenario's `controller.onMiss` is no-action: errors are misses, the session stays. */
  private tolerateMisses = false;

  hello(s: Scenario): void {
    this.hz = s.hz;
    this.tolerateMisses = s.controller?.onMiss === 'no-action';
    // A controller already gone is reported at the first control point, which names it.
    if (this.fault) return;
    this.send(helloMessage(s));
  }

  summary(totals: ResultRecord['totals']): void {
    if (this.fault) return; // nobody to tell
    this.send(summaryMessage(totals));
  }

  close(): Promise<void> {
    return (this.closed ??= this.fault ? this.transport.abort() : this.transport.end(this.opts.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS));
  }

  abort(): Promise<void> {
    return (this.closed ??= this.transport.abort());
  }

  private send(m: EmuMessage): void {
    if (this.fault) throw this.fault;
    if (this.closed) throw new Error(`${this.transport.name}: the session is closed`);
    this.transport.write(encodeFrame(m));
  }

  private setFault(e: Error): void {
    if (this.fault) return;
    this.fault = e;
    this.faultListener?.(e);
  }

  /** The next message, or the fault / timeout that prevents it. */
  private next(epoch: number, timeoutMs: number): Promise<unknown> {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift());
    if (this.fault) return Promise.reject(this.fault);
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.waiter = null;
        this.faultListener = null;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.transport.name} sent no reply to the telemetry of epoch ${epoch} within ${this.replyTimeoutMs} ms (the reply timeout); expected an actions message`));
      }, timeoutMs);
      this.waiter = (m) => {
        done();
        resolve(m);
      };
      this.faultListener = (e) => {
        done();
        reject(e);
      };
    });
  }
}

/** An actions message for an earlier control point. */
function isLateReply(m: unknown, epoch: number): boolean {
  if (m === null || typeof m !== 'object') return false;
  const r = m as Record<string, unknown>;
  return r['type'] === 'actions' && typeof r['epoch'] === 'number' && r['epoch'] < epoch;
}

/** Splits a command line: spaces separate words, single or double quotes group them, no other shell syntax. */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: string | null = null;
  for (const ch of line) {
    if (quote !== null) {
      if (ch === quote) quote = null;
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      word ??= '';
    } else if (/\s/.test(ch)) {
      if (word !== null) words.push(word);
      word = null;
    } else word = (word ?? '') + ch;
  }
  if (quote !== null) throw new Error(`the controller command line \`${line}\` has an unclosed ${quote}`);
  if (word !== null) words.push(word);
  return words;
}

async function openProcess(commandLine: string, opts: ConnectOptions): Promise<Transport> {
  const argv = splitCommandLine(commandLine);
  if (argv.length === 0) throw new Error('the controller command line is empty');
  const name = `the controller process \`${commandLine}\``;
  // Its own process group, so that killing it also kills what it started.
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], detached: true, ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}) });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (err) => reject(new Error(`cannot start ${name}: ${err.message}`)));
  });
  const pid = child.pid!;
  const tail: string[] = [];
  let partial = '';
  const onStderr = opts.onStderr ?? ((c: Buffer) => process.stderr.write(c));
  child.stderr!.on('data', (c: Buffer) => {
    onStderr(c);
    const lines = (partial + c.toString('utf8')).split('\n');
    partial = lines.pop()!;
    tail.push(...lines);
    tail.splice(0, Math.max(0, tail.length - STDERR_TAIL_LINES));
  });
  const stderrTail = () => {
    const lines = [...tail, partial].filter((l) => l.trim() !== '').slice(-STDERR_TAIL_LINES);
    return lines.length > 0 ? `; its stderr ended with:\n  ${lines.join('\n  ')}` : '; it wrote nothing to stderr';
  };
  child.stdin!.on('error', () => { /* EPIPE: the process is gone; 'close' reports how */ });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let ending = false;
  let killing = false;
  // The child leads its own group (detached), so -pid reaches it and what it
  // started. Once the child is reaped, its group id stays reserved by the
  // kernel while any member lives, so the signal cannot reach a stranger
  // unless the whole group is gone and the id was reused since (then ESRCH,
  // or a new group leader: a window of microseconds we accept).
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch { /* ESRCH: already gone */ }
  };
  return {
    name: `${name} (pid ${pid})`,
    pid,
    write: (frame) => { child.stdin!.write(frame); },
    onData: (fn) => child.stdout!.on('data', fn),
    onGone: (fn) => child.once('close', (code, signal) => {
      if (ending || killing) return fn(`${name} (pid ${pid}) was stopped`);
      const how = signal ? `was killed by signal ${signal}` : `exited with code ${code}`;
      fn(`${name} (pid ${pid}) ${how} before replying${stderrTail()}`);
    }),
    end: async (graceMs) => {
      ending = true;
      child.stdin!.end();
      const timer = setTimeout(() => { killing = true; killGroup('SIGKILL'); }, graceMs);
      await exited;
      clearTimeout(timer);
      killGroup('SIGKILL'); // anything it left in its group
    },
    abort: async () => {
      killing = true;
      child.stdin!.destroy();
      killGroup('SIGKILL');
      await exited;
    },
  };
}

async function openSocket(url: string): Promise<Transport> {
  let socket: Socket;
  if (url.startsWith('unix:')) {
    socket = connect({ path: url.slice('unix:'.length) });
  } else {
    const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d+)\/?$/.exec(url);
    if (!m) throw new Error(`controller address ${url}: expected tcp://HOST:PORT or unix:/path`);
    socket = connect({ host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) });
  }
  const name = `the controller at ${url}`;
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'ECONNREFUSED' ? 'connection refused (is the controller listening?)' : err.code === 'ENOENT' ? 'no such socket' : err.message;
      reject(new Error(`cannot connect to ${name}: ${why}`));
    });
  });
  socket.setNoDelay(true);
  let lastError = '';
  socket.on('error', (err) => { lastError = `: ${err.message}`; });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  let ending = false;
  return {
    name,
    pid: undefined,
    write: (frame) => { socket.write(frame); },
    onData: (fn) => socket.on('data', fn),
    onGone: (fn) => socket.once('close', () => fn(ending ? `${name}: the session was closed` : `${name} closed the connection before replying${lastError}`)),
    end: async (graceMs) => {
      ending = true;
      socket.end();
      const timer = setTimeout(() => socket.destroy(), graceMs);
      await closed;
      clearTimeout(timer);
    },
    abort: async () => {
      ending = true;
      socket.destroy();
      await closed;
    },
  };
}
