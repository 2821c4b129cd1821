/**
 * A private test network: two network namespaces joined by one veth link,
 * for `emu hw smoke` and the hardware tests. COLD.
 *
 *   netns <prefix>-dut            netns <prefix>-tst
 *   +-------------------+         +-------------------+
 *   |  ifDut (emu chain)| <=====> | ifTst (tester)    |
 *   +-------------------+  veth   +-------------------+
 *
 * IPv6 is off in both (no router solicitations or MLD reports on the link)
 * and neither end has an address, so the only frames on the link are ours.
 * `destroy()` removes both namespaces (which removes the veth); it is also
 * registered for process exit and SIGINT/SIGTERM so a crash of the run still
 * cleans up. `.ci/run` additionally removes any `emu-` namespace left behind.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const LAB_PREFIX = 'emu-';

export interface VethLab {
  nsDut: string;
  nsTst: string;
  ifDut: string;
  ifTst: string;
  macDut: Uint8Array;
  macTst: Uint8Array;
  destroy(): void;
}

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Why a lab cannot be built here ('' if it can). */
export function labPrerequisite(): string {
  if (process.platform !== 'linux') return `network namespaces need Linux, this is ${process.platform}`;
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'the `ip` command (iproute2) is not installed';
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'creating network namespaces needs root';
  return '';
}

function macOf(ns: string, ifname: string): Uint8Array {
  const out = JSON.parse(ip(['-n', ns, '-j', 'link', 'show', 'dev', ifname])) as { address: string }[];
  return Uint8Array.from(out[0]!.address.split(':').map((x) => parseInt(x, 16)));
}

let labSeq = 0;

/**
 * COLD: creates the namespaces and the veth (`queues` RX and TX queues each).
 * @throws Error naming the failed `ip` command and its message; anything
 * already created is removed first.
 */
export function createVethLab(queues = 1): VethLab {
  const why = labPrerequisite();
  if (why) throw new Error(`cannot create a test network: ${why}`);
  const tag = `${process.pid % 100000}-${labSeq++}`;
  const nsDut = `${LAB_PREFIX}${tag}-dut`;
  const nsTst = `${LAB_PREFIX}${tag}-tst`;
  // Interface names: at most 15 bytes.
  const ifDut = `ed${tag}`.slice(0, 15);
  const ifTst = `et${tag}`.slice(0, 15);
  let done = false;
  // On SIGINT/SIGTERM: clean up, then let the signal do what it would have done.
  const onSignal = (sig: NodeJS.Signals): void => {
    destroy();
    process.kill(process.pid, sig);
  };
  const destroy = (): void => {
    if (done) return;
    done = true;
    for (const ns of [nsDut, nsTst]) {
      try { ip(['netns', 'del', ns]); } catch { /* already gone */ }
    }
    process.off('exit', destroy);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  process.on('exit', destroy);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const q = String(queues);
  try {
    ip(['netns', 'add', nsDut]);
    ip(['netns', 'add', nsTst]);
    ip(['-n', nsDut, 'link', 'add', ifDut, 'numtxqueues', q, 'numrxqueues', q, 'type', 'veth',
      'peer', 'name', ifTst, 'netns', nsTst, 'numtxqueues', q, 'numrxqueues', q]);
    for (const [ns, dev] of [[nsDut, ifDut], [nsTst, ifTst]] as const) {
      execFileSync('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'], { stdio: 'ignore' });
      ip(['-n', ns, 'link', 'set', dev, 'up']);
    }
    return { nsDut, nsTst, ifDut, ifTst, macDut: macOf(nsDut, ifDut), macTst: macOf(nsTst, ifTst), destroy };
  } catch (e) {
    destroy();
    const err = e as Error & { stderr?: string };
    throw new Error(`cannot create the test network: ${(err.stderr ?? err.message).trim()}`);
  }
}

/** COLD: namespaces left by earlier runs (for cleanup scripts and tests). */
export function leftoverLabNamespaces(): string[] {
  if (!existsSync('/run/netns')) return [];
  try {
    return ip(['netns', 'list']).split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(LAB_PREFIX));
  } catch {
    return [];
  }
}

/** COLD: true if the interface exists in this namespace. */
export function interfaceExists(ifname: string): boolean {
  return existsSync(`/sys/class/net/${ifname}`) && !ifname.includes('/');
}

