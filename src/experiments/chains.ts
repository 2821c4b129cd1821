/**
 * The [ExecModels] reference chain (ACL -> LB -> L3FWD) and machine, shared by
 * the rtc-vs-pl and state-size experiments.
 */
import type { ChainNf } from '../graph/exec-models.js';

/** [ExecModels] server: dual-socket Xeon Platinum 8168 at 3.4 GHz, 100 GbE on socket 0. */
export const EXEC_MODELS_MACHINE: Record<string, unknown> = { preset: 'xeon-8168-2s' };

/** Destination prefix of the experiment traffic; L3FWD's routes cover its first hosts. */
export const DST_NET = '10.64.0.0/10';
export const SRC_NET = '172.16.0.0/12';

/**
 * ACL -> LB -> L3FWD with `stateEntries` entries in the LB flow table and the
 * L3FWD routing table, and routes for the first `routedHosts` hosts of
 * DST_NET (the traffic's destinations). The ACL holds `aclRules` random rules
 * that let the traffic through.
 */
export function referenceChain(opts: { stateEntries: number; routedHosts: number; aclRules: number; seed: number }): ChainNf[] {
  return [
    { name: 'acl', kind: 'acl', config: { generate: { count: opts.aclRules, seed: opts.seed, denyFraction: 0 } } },
    { name: 'lb', kind: 'lb', config: { flowTableEntries: opts.stateEntries } },
    {
      name: 'l3fwd', kind: 'l3fwd',
      config: { routeEntries: opts.stateEntries, generate: { count: opts.routedHosts, within: DST_NET, hosts: 'first' }, defaultPort: 0 },
    },
  ];
}
