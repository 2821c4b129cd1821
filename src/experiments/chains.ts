/**
 * The [ExecModels] reference chain (ACL -> LB -> L3FWD) and machine, shared by
 * the rtc-vs-pl and state-size experiments.
 */
import type { ChainNf } from '../graph/exec-models.js';

/** [ExecModels] server: dual-socket Xeon Platinum 8168 at 3.4 GHz, 100 GbE on socket 0. */
export const EXEC_MODELS_MACHINE: Record<string, unknown> = { preset: 'xeon-8168-2s' };

/** Prefixes of the experiment traffic. */
export const DST_NET = '10.64.0.0/10';
export const SRC_NET = '172.16.0.0/12';
/** The LB's backends are the first hosts of this prefix; L3FWD routes them (it sees packets after the LB's rewrite). */
export const BACKEND_NET = '10.128.0.0/10';

/**
 * ACL -> LB -> L3FWD with `stateEntries` entries in the LB flow table and the
 * L3FWD routing table. The LB sends flows to `backends` backends (the first
 * hosts of BACKEND_NET); L3FWD, which sees the rewritten destinations, holds
 * a route for every backend, the rest of its table filled with random host
 * routes. The ACL holds `aclRules` random rules that let the traffic through.
 */
export function referenceChain(opts: { stateEntries: number; backends: number; aclRules: number; seed: number }): ChainNf[] {
  return [
    { name: 'acl', kind: 'acl', config: { generate: { count: opts.aclRules, seed: opts.seed, denyFraction: 0 } } },
    { name: 'lb', kind: 'lb', config: { flowTableEntries: opts.stateEntries, backendPool: { within: BACKEND_NET, count: opts.backends } } },
    {
      name: 'l3fwd', kind: 'l3fwd',
      config: { routeEntries: opts.stateEntries, generate: { count: opts.backends, within: BACKEND_NET, hosts: 'first' } },
    },
  ];
}
