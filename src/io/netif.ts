/**
 * The interfaces of a network namespace and, for each, which real backends
 * can open it and why not. COLD. Used by `emu hw list`.
 *
 * Without `probe`, the answer comes from static facts (backend built,
 * privileges, interface state, an XDP program already attached); with
 * `probe`, each backend really opens and closes queue 0 — which, for AF_XDP,
 * briefly attaches an XDP program that steals that queue's frames, so it is
 * not the default.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PacketPool } from '../packet/pool.js';
import { IO_BACKENDS, backendAvailability, openIoPort, type IoBackendName } from './backends.js';

export interface InterfaceBackend {
  backend: IoBackendName;
  ok: boolean;
  reason: string;
}

export interface NetInterface {
  name: string;
  state: string;
  mac: string;
  rxQueues: number;
  txQueues: number;
  mtu: number;
  /** Name of an attached XDP program, or ''. */
  xdpProgram: string;
  backends: InterfaceBackend[];
}

interface IpLink {
  ifname: string;
  operstate?: string;
  address?: string;
  mtu?: number;
  num_rx_queues?: number;
  num_tx_queues?: number;
  xdp?: { prog?: { name?: string } };
  link_type?: string;
}

function sysLinks(): IpLink[] {
  const dir = '/sys/class/net';
  if (!existsSync(dir)) return [];
  const read = (f: string): string => { try { return readFileSync(f, 'utf8').trim(); } catch { return ''; } };
  const queues = (name: string, kind: string): number => {
    try { return readdirSync(join(dir, name, 'queues')).filter((q) => q.startsWith(kind)).length || 1; } catch { return 1; }
  };
  return readdirSync(dir).map((name) => ({
    ifname: name,
    operstate: read(join(dir, name, 'operstate')).toUpperCase() || 'UNKNOWN',
    address: read(join(dir, name, 'address')),
    mtu: Number(read(join(dir, name, 'mtu'))) || 0,
    num_rx_queues: queues(name, 'rx-'),
    num_tx_queues: queues(name, 'tx-'),
  }));
}

export function listInterfaces(opts: { netns?: string; probe?: boolean } = {}): NetInterface[] {
  const args = [...(opts.netns ? ['-n', opts.netns] : []), '-j', '-d', 'link', 'show'];
  let links: IpLink[];
  try {
    links = JSON.parse(execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as IpLink[];
  } catch (e) {
    const err = e as Error & { stderr?: string; code?: string };
    // Without iproute2, this namespace's interfaces are still in /sys.
    if (err.code === 'ENOENT' && !opts.netns) links = sysLinks();
    else throw new Error(`cannot list interfaces (ip ${args.join(' ')}): ${(err.stderr ?? err.message).trim()}`);
  }
  const pool = opts.probe ? PacketPool.create(64) : null;
  return links.map((l) => {
    const xdpProgram = l.xdp?.prog?.name ?? '';
    const backends = IO_BACKENDS.map((backend): InterfaceBackend => {
      const a = backendAvailability(backend);
      if (!a.available) return { backend, ok: false, reason: a.reason };
      if (backend === 'afxdp' && xdpProgram !== '' && xdpProgram !== 'xsk_def_prog') {
        return { backend, ok: false, reason: `XDP program ${xdpProgram} is attached (one XDP program per interface)` };
      }
      if (pool !== null) {
        try {
          const { port } = openIoPort({ backend, ifname: l.ifname, pool, ...(opts.netns ? { netns: opts.netns } : {}) });
          port.close();
        } catch (e) {
          return { backend, ok: false, reason: (e as Error).message };
        }
        return { backend, ok: true, reason: 'opened and closed queue 0' };
      }
      const down = l.operstate === 'DOWN' ? ' (interface is down: nothing will arrive)' : '';
      return { backend, ok: true, reason: `not probed${down}` };
    });
    return {
      name: l.ifname,
      state: l.operstate ?? 'UNKNOWN',
      mac: l.address ?? '',
      rxQueues: l.num_rx_queues ?? 1,
      txQueues: l.num_tx_queues ?? 1,
      mtu: l.mtu ?? 0,
      xdpProgram,
      backends,
    };
  });
}
