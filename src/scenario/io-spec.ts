/**
 * The `io:` section of a scenario: which real interface each port uses when
 * the scenario runs in real time (`emu hw run`). Virtual-time runs ignore it.
 *
 *   io:
 *     eth0: { interface: veth0, backend: afxdp, xdpMode: skb }
 *     eth1: { interface: enp3s0f1 }          # backend auto: afxdp, then afpacket, then dpdk
 *     eth2: { interface: veth2, backend: dpdk, dpdkDriver: af_xdp }
 *
 * Pure data checks only (this layer does not touch the system): whether the
 * interface exists and a backend can open it is found out at run time, with
 * an error naming the interface, the backend and the cause.
 */
import { asObject, isPlainObject, joinPath, readString, rejectUnknownKeys, type Problems } from '../util/config-check.js';

export const IO_BACKEND_CHOICES = ['auto', 'afxdp', 'afpacket', 'dpdk'] as const;
export const XDP_MODES = ['auto', 'skb', 'native'] as const;
export const DPDK_DRIVERS = ['af_packet', 'af_xdp'] as const;

export interface PortIoSpec {
  port: string;
  interface: string;
  backend: (typeof IO_BACKEND_CHOICES)[number];
  /** Network namespace (a name under /run/netns); '' = the process's own. */
  netns: string;
  xdpMode: (typeof XDP_MODES)[number];
  /** backend dpdk: the poll-mode driver of the virtual device on the interface. */
  dpdkDriver: (typeof DPDK_DRIVERS)[number];
}

const KEYS = ['interface', 'backend', 'netns', 'xdpMode', 'dpdkDriver'] as const;
/** Linux interface names: 1..15 bytes, no '/', ':' or blanks. */
const IFNAME_RE = /^[^/:\s]{1,15}$/;
/** Network namespace names as `ip netns` makes them under /run/netns. */
export const NETNS_RE = /^[A-Za-z0-9_.-]{1,64}$/;

export function checkIo(p: Problems, raw: unknown, portNames: readonly string[]): PortIoSpec[] {
  if (raw === undefined) return [];
  const o = asObject(p, raw, 'io');
  if (o === undefined) return [];
  const out: PortIoSpec[] = [];
  for (const [port, v] of Object.entries(o)) {
    const path = joinPath('io', port);
    if (!portNames.includes(port)) {
      p.add(path, port, `the name of a port (${portNames.join(', ') || 'none declared'})`);
      continue;
    }
    const spec = typeof v === 'string' ? { interface: v } : v;
    if (!isPlainObject(spec)) {
      p.add(path, v, 'an interface name or { interface, backend, netns, xdpMode, dpdkDriver }');
      continue;
    }
    rejectUnknownKeys(p, spec, KEYS, path);
    const ifname = readString(p, spec, 'interface', path, { pattern: IFNAME_RE, patternHelp: 'a Linux interface name (1 to 15 characters, no "/", ":" or blanks)' });
    const backend = readString(p, spec, 'backend', path, { default: 'auto' });
    if (!(IO_BACKEND_CHOICES as readonly string[]).includes(backend)) p.add(joinPath(path, 'backend'), backend, `one of ${IO_BACKEND_CHOICES.join(', ')}`);
    const netns = readString(p, spec, 'netns', path, { default: '' });
    if (netns !== '' && !NETNS_RE.test(netns)) p.add(joinPath(path, 'netns'), netns, 'a network namespace name (letters, digits, _ . -)');
    const xdpMode = readString(p, spec, 'xdpMode', path, { default: 'auto' });
    if (!(XDP_MODES as readonly string[]).includes(xdpMode)) p.add(joinPath(path, 'xdpMode'), xdpMode, `one of ${XDP_MODES.join(', ')}`);
    const dpdkDriver = readString(p, spec, 'dpdkDriver', path, { default: 'af_packet' });
    if (!(DPDK_DRIVERS as readonly string[]).includes(dpdkDriver)) p.add(joinPath(path, 'dpdkDriver'), dpdkDriver, `one of ${DPDK_DRIVERS.join(', ')}`);
    out.push({
      port, interface: ifname, backend: backend as PortIoSpec['backend'], netns, xdpMode: xdpMode as PortIoSpec['xdpMode'],
      dpdkDriver: dpdkDriver as PortIoSpec['dpdkDriver'],
    });
  }
  return out;
}
