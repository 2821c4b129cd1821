/**
 * The NF catalog: an explicit list, not registration by import side effect.
 * `emu nf list` prints it; a test walks it (help, gates, config defaults).
 */
import type { AnyNfKind } from './nf.js';
import { aclKind } from './acl.js';
import { bpfKind } from './bpf.js';
import { encryptKind } from './encrypt.js';
import { faultKind } from './fault.js';
import { hashSplitKind } from './hashsplit.js';
import { ipforwardKind } from './ipforward.js';
import { l3fwdKind } from './l3fwd.js';
import { lbKind } from './lb.js';
import { natKind } from './nat.js';
import { tunnelKind } from './tunnel.js';
import { urlfilterKind } from './urlfilter.js';
import { routerKind } from './router.js';
import { macSwapKind } from './macswap.js';
import { queueKind } from './queue.js';
import { sinkKind } from './sink.js';
import { syntheticKind } from './synthetic.js';

export const NF_KINDS: readonly AnyNfKind[] = [aclKind, bpfKind, encryptKind, faultKind, hashSplitKind, ipforwardKind, l3fwdKind, lbKind, macSwapKind, natKind, queueKind, routerKind, sinkKind, syntheticKind, tunnelKind, urlfilterKind];

export function findNfKind(name: string): AnyNfKind | undefined {
  for (const k of NF_KINDS) if (k.name === name) return k;
  return undefined;
}
