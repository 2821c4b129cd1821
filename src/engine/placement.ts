/**
 * Which worker thread steps which emulated core, and how many threads a run
 * can use (COLD: once per run, before any worker starts).
 */
import type { Plan } from '../graph/plan.js';

/** COLD: modules each emulated core runs (the unit of host work placeCores balances). */
function modulesPerCore(plan: Plan): number[] {
  const n = new Array<number>(plan.cores).fill(0);
  for (const t of plan.tasks) if (t.core >= 0 && t.core < plan.cores) n[t.core]! += Math.max(1, t.modules.length);
  return n;
}

/**
 * COLD: for each core, the least core id of the loop it is on: cores that
 * feed each other through rings (directly or through others) form one loop;
 * a core on none is its own. Only busy cores (weight > 0) are considered.
 */
function loopLeaders(plan: Plan, weight: number[]): number[] {
  const n = plan.cores;
  const succ: number[][] = Array.from({ length: n }, () => []);
  for (const ch of plan.channels) {
    if (ch.producer < n && ch.producer !== ch.consumerCore) succ[ch.producer]!.push(ch.consumerCore);
  }
  const reach: (Uint8Array | null)[] = [];
  for (let c = 0; c < n; c++) {
    if (weight[c] === 0 || succ[c]!.length === 0) { reach.push(null); continue; }
    const seen = new Uint8Array(n);
    const stack = [c];
    while (stack.length > 0) {
      const x = stack.pop()!;
      for (const y of succ[x]!) if (seen[y] === 0) { seen[y] = 1; stack.push(y); }
    }
    reach.push(seen);
  }
  const leader: number[] = [];
  for (let c = 0; c < n; c++) {
    let l = c;
    const rc = reach[c];
    if (rc !== null && rc !== undefined) {
      for (let d = 0; d < c; d++) if (rc[d] === 1 && reach[d]?.[c] === 1) { l = d; break; }
    }
    leader.push(l);
  }
  return leader;
}

/**
 * What a run can spread over threads: busy cores (those that run a task),
 * with each loop of cores feeding each other counted once (at least 1, so a
 * run always has a worker).
 */
export function parallelUnits(plan: Plan): number {
  const weight = modulesPerCore(plan);
  const leader = loopLeaders(plan, weight);
  let n = 0;
  for (let c = 0; c < plan.cores; c++) if (weight[c]! > 0 && leader[c] === c) n++;
  return Math.max(1, n);
}

/**
 * The worker thread of each emulated core: contiguous blocks of cores in id
 * order (neighbouring pipeline stages stay on one thread), cut so that each
 * worker gets an equal share of the *busy* cores' modules. A machine preset
 * has many more cores than a chain uses (the [ExecModels] server has 48;
 * `rtc-vs-pl` uses 18): cut by core count, every busy core would land on the
 * first worker and the others would only park. Cores on one loop (they feed
 * each other through rings, as routers and their switch on two cores) stay
 * on one thread: split, each hand-over waits for the other thread, and the
 * pair advances in lock-step (linux-sched --placement multi: 26 s on one
 * thread, 35 s on two). Idle cores (no task) cost a host nothing and go with
 * the block before them. Which thread steps a core never changes a result
 * (the conservative protocol, test/engine/determinism).
 */
export function placeCores(plan: Plan, threads: number): number[] {
  const weight = modulesPerCore(plan);
  const leader = loopLeaders(plan, weight);
  // A loop's whole weight counts at its leader (its least core id).
  const unit = new Array<number>(plan.cores).fill(0);
  for (let c = 0; c < plan.cores; c++) unit[leader[c]!]! += weight[c]!;
  const total = weight.reduce((a, b) => a + b, 0);
  const out: number[] = [];
  let before = 0;
  for (let c = 0; c < plan.cores; c++) {
    if (leader[c] !== c) { out.push(out[leader[c]!]!); continue; }
    const w = unit[c]!;
    // A unit goes where the middle of its share falls.
    out.push(total === 0 ? Math.floor((c * threads) / plan.cores) : Math.min(threads - 1, Math.floor(((before + w / 2) * threads) / total)));
    before += w;
  }
  return out;
}
