/**
 * What the process may do, from the effective capability set in
 * /proc/self/status. COLD. Used to explain, before trying, why a backend
 * cannot open an interface.
 */
import { readFileSync } from 'node:fs';

export const CAP_NET_ADMIN = 12;
export const CAP_NET_RAW = 13;
export const CAP_IPC_LOCK = 14;
export const CAP_SYS_ADMIN = 21;
export const CAP_BPF = 39;

let capEff: bigint | null = null;

function effective(): bigint {
  if (capEff !== null) return capEff;
  try {
    const m = /CapEff:\s*([0-9a-f]+)/i.exec(readFileSync('/proc/self/status', 'utf8'));
    capEff = m ? BigInt(`0x${m[1]!}`) : 0n;
  } catch {
    capEff = 0n;
  }
  return capEff;
}

export function hasCap(cap: number): boolean {
  return (effective() >> BigInt(cap) & 1n) === 1n;
}

const NAMES: Record<number, string> = {
  [CAP_NET_ADMIN]: 'CAP_NET_ADMIN', [CAP_NET_RAW]: 'CAP_NET_RAW', [CAP_IPC_LOCK]: 'CAP_IPC_LOCK',
  [CAP_SYS_ADMIN]: 'CAP_SYS_ADMIN', [CAP_BPF]: 'CAP_BPF',
};

export function capNames(caps: readonly number[]): string {
  return caps.map((c) => NAMES[c] ?? `cap ${c}`).join(', ');
}

/** Names of the capabilities in `caps` the process lacks. CAP_BPF is also satisfied by CAP_SYS_ADMIN. */
export function missingCaps(caps: readonly number[]): string[] {
  return caps.filter((c) => !(hasCap(c) || (c === CAP_BPF && hasCap(CAP_SYS_ADMIN)))).map((c) => NAMES[c] ?? `cap ${c}`);
}
