/**
 * The real I/O backends behind one interface, their availability (with the
 * reason when unavailable) and the fallback order. COLD.
 *
 * Virtual-time runs use the simulated NIC (generators, pcap replay) in
 * engine/nic.ts; they are listed here too so `emu hw list` shows every way a
 * port can get frames, but they open no interface.
 */
import type { PacketPool } from '../packet/pool.js';
import { IoPort, type IoBackendName } from './io-port.js';
import { loadNative, type NativeOpenOptions, type NativePortTarget } from './native.js';
import { CAP_BPF, CAP_IPC_LOCK, CAP_NET_ADMIN, CAP_NET_RAW, capNames, missingCaps } from './privilege.js';

export type { IoBackendName } from './io-port.js';

/** Tried in this order by `backend: auto`. */
export const FALLBACK_ORDER: readonly IoBackendName[] = ['afxdp', 'afpacket', 'dpdk'];
export const IO_BACKENDS: readonly IoBackendName[] = FALLBACK_ORDER;

export interface BackendInfo {
  name: IoBackendName | 'sim' | 'pcap';
  help: string;
  realTime: boolean;
  available: boolean;
  /** Why not available ('' when it is). */
  reason: string;
}

const HELP: Record<IoBackendName | 'sim' | 'pcap', string> = {
  afxdp: 'AF_XDP socket (libxdp), copy mode, one socket per queue',
  afpacket: 'AF_PACKET socket with TPACKET_V3 rings, PACKET_FANOUT for several queues',
  dpdk: 'DPDK (EAL without hugepages or PCI): net_af_packet or net_af_xdp virtual device per port',
  sim: 'simulated NIC: traffic generators at line rate (virtual time)',
  pcap: 'simulated NIC replaying a pcap file (virtual time)',
};

const CAPS: Record<IoBackendName, number[]> = {
  afxdp: [CAP_NET_ADMIN, CAP_NET_RAW, CAP_BPF, CAP_IPC_LOCK],
  afpacket: [CAP_NET_RAW],
  dpdk: [CAP_NET_ADMIN, CAP_NET_RAW],
};

/** Whether `name` can open interfaces in this process, and if not, why. */
export function backendAvailability(name: IoBackendName): { available: boolean; reason: string } {
  const nat = loadNative();
  if (nat.addon === null) return { available: false, reason: nat.reason };
  if (nat.addon.backends[name] !== true) {
    const built = nat.status?.[name];
    return { available: false, reason: built && !built.built && built.reason ? built.reason : `the addon was built without ${name}` };
  }
  const missing = missingCaps(CAPS[name]);
  if (missing.length > 0) return { available: false, reason: `needs root or ${missing.join(', ')} (this process lacks them)` };
  return { available: true, reason: '' };
}

export function listBackends(): BackendInfo[] {
  const real = IO_BACKENDS.map((name) => ({ name, help: HELP[name], realTime: true, ...backendAvailability(name) }));
  return [
    ...real,
    { name: 'sim', help: HELP.sim, realTime: false, available: true, reason: '' },
    { name: 'pcap', help: HELP.pcap, realTime: false, available: true, reason: '' },
  ];
}

/** An open failure: names the interface, the backend and the cause. */
export class IoOpenError extends Error {
  constructor(
    readonly backend: IoBackendName | 'auto',
    readonly ifname: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'IoOpenError';
  }
}

function advice(code: string, backend: IoBackendName): string {
  switch (code) {
    case 'EPERM':
    case 'EACCES':
      return `run as root or grant ${backend}'s capabilities (${capNames(CAPS[backend])})`;
    case 'ENODEV':
      return 'see `emu hw list` for the interfaces there are';
    case 'EBUSY':
      return backend === 'afxdp'
        ? 'another AF_XDP socket or XDP program holds it: stop that program, pick another queue, or use another backend (a program a crashed run left attached goes with `ip link set dev IFNAME xdp off`)'
        : 'another program holds it: stop that program or use another backend';
    case 'EOPNOTSUPP':
      return 'the interface or kernel does not support this mode; try backend afpacket or xdpMode skb';
    default:
      return '';
  }
}

export interface OpenIoPortOptions extends NativePortTarget {
  backend: IoBackendName | 'auto';
  pool: PacketPool;
}

export interface OpenedPort {
  port: IoPort;
  /** Backends `auto` passed over before the one that opened, with why. */
  skipped: { backend: IoBackendName; reason: string }[];
}

function where(o: OpenIoPortOptions): string {
  return `${o.ifname}${o.queue !== undefined && o.queue !== 0 ? ` queue ${o.queue}` : ''}${o.netns ? ` (network namespace ${o.netns})` : ''}`;
}

function openOne(name: IoBackendName, o: OpenIoPortOptions): IoPort {
  const avail = backendAvailability(name);
  if (!avail.available) {
    throw new IoOpenError(name, o.ifname, 'EUNAVAILABLE', `${name}: cannot open ${where(o)}: backend unavailable: ${avail.reason}`);
  }
  const port = new IoPort(name, o.ifname, o.queue ?? 0, o.netns ?? '', o.pool);
  port.txOnly = o.txOnly ?? false;
  const opts: NativeOpenOptions = {
    ifname: o.ifname,
    ...(o.netns ? { netns: o.netns } : {}),
    queue: o.queue ?? 0,
    xdpMode: o.xdpMode ?? 'auto',
    txOnly: o.txOnly ?? false,
    fanoutGroup: o.fanoutGroup ?? 0,
    dpdkDriver: o.dpdkDriver ?? 'af_packet',
    ...port.bindings(),
  };
  try {
    port.bind(loadNative().addon!.open(name, opts));
  } catch (e) {
    const err = e as Error & { code?: string };
    const code = err.code ?? 'EIO';
    const tip = advice(code, name);
    throw new IoOpenError(name, o.ifname, code, `${err.message}${o.netns ? ` (network namespace ${o.netns})` : ''}${tip ? ` — ${tip}` : ''}`);
  }
  return port;
}

/**
 * COLD: opens a port. With `backend: auto`, tries FALLBACK_ORDER and skips a
 * backend that is unavailable or cannot serve this interface (busy, not
 * supported), recording why; a missing interface or a missing privilege
 * fails at once, since no other backend would do better.
 * @throws IoOpenError naming the interface, the backend(s) and the cause.
 */
export function openIoPort(o: OpenIoPortOptions): OpenedPort {
  if (o.backend !== 'auto') return { port: openOne(o.backend, o), skipped: [] };
  const skipped: OpenedPort['skipped'] = [];
  for (const name of FALLBACK_ORDER) {
    try {
      return { port: openOne(name, o), skipped };
    } catch (e) {
      const err = e as IoOpenError;
      if (err.code === 'ENODEV' || err.code === 'EPERM' || err.code === 'EACCES') throw err;
      skipped.push({ backend: name, reason: err.message });
    }
  }
  throw new IoOpenError('auto', o.ifname, 'EUNAVAILABLE',
    `no backend could open ${where(o)}: ${skipped.map((s) => s.reason).join('; ')}`);
}
