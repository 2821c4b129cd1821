/**
 * The three [RTSched] evaluation pipelines, as data, exactly as the model's
 * spec tables them in §10 (fork §10.1, the paper's Fig. 1; taildrop §10.2;
 * MGW §10.3, from the authors' generator), and the reference run matrix of
 * §11 (section numbers: docs/rtsched-model.md, "Section numbers").
 *
 * Each pipeline is written the way the spec tables it: modules with a cost
 * and a task, tasks in creation order with their worker, and flows as module
 * paths. {@link buildPipeline} turns that into an RtPipeline by summing each
 * flow's module costs per task in traversal order (§2: a path that leaves a
 * task and comes back counts the task once, costs summed). The MGW per-task
 * cost table of §10.3 is therefore derived, not copied; a test checks it.
 *
 * COLD. Pure data plus one builder.
 */
import { RT_CODE_COMPATIBLE, RT_MODEL_BEHAVIOUR, type RtCodeSwitches } from './rtsched-controller.js';
import { checkPipeline, type RtPipeline, type RtTaskflow } from './rtsched-model.js';

export interface RtModuleSpec {
  readonly id: number;
  readonly name: string;
  readonly cyclesPerPkt: number;
  /** Index into RtPipelineSpec.tasks. */
  readonly task: number;
}

export interface RtFlowSpec {
  readonly name: string;
  readonly offeredPktsPerTu: number;
  readonly rateSloPktsPerTu: number;
  readonly delaySloTu: number;
  /** Module ids in traversal order. */
  readonly path: readonly number[];
}

export interface RtPipelineSpec {
  readonly name: string;
  readonly batchPkts: number;
  readonly queuePkts: number;
  readonly workerSpeedsCyclesPerTu: readonly number[];
  /** Tasks in creation order; a worker's task order is the order here. */
  readonly tasks: ReadonlyArray<{ readonly key: string; readonly worker: number }>;
  readonly modules: readonly RtModuleSpec[];
  readonly flows: readonly RtFlowSpec[];
}

/** COLD: builds (and checks) the RtPipeline of a spec; throws on unknown module ids. */
export function buildPipeline(spec: RtPipelineSpec): RtPipeline {
  const byId = new Map(spec.modules.map((m) => [m.id, m] as const));
  const flows = spec.flows.map((f) => {
    const taskflows: Array<{ task: number; cyclesPerPkt: number }> = [];
    for (const id of f.path) {
      const m = byId.get(id);
      if (m === undefined) throw new RangeError(`rtsched pipeline ${spec.name}: flow ${f.name} visits unknown module ${id}`);
      const tf = taskflows.find((x) => x.task === m.task);
      if (tf) tf.cyclesPerPkt += m.cyclesPerPkt;
      else taskflows.push({ task: m.task, cyclesPerPkt: m.cyclesPerPkt });
    }
    const { path: _path, ...rest } = f;
    return { ...rest, taskflows: taskflows as readonly RtTaskflow[] };
  });
  const workers = spec.workerSpeedsCyclesPerTu.map((speed, wi) => ({
    name: `worker${wi}`,
    speedCyclesPerTu: speed,
    tasks: spec.tasks.flatMap((t, ti) => (t.worker === wi ? [ti] : [])),
  }));
  const p: RtPipeline = { name: spec.name, batchPkts: spec.batchPkts, queuePkts: spec.queuePkts, workers, tasks: spec.tasks, flows };
  checkPipeline(p);
  return p;
}

// ---------------------------------------------------------------- §10.1 fork

export const FORK_SPEC: RtPipelineSpec = {
  name: 'fork',
  batchPkts: 1,
  queuePkts: 1,
  workerSpeedsCyclesPerTu: [1],
  tasks: [
    { key: 'w0:t0', worker: 0 },
    { key: 'w0:t1', worker: 0 },
    { key: 'w0:t2', worker: 0 },
  ],
  modules: [
    { id: 1, name: 'm1', cyclesPerPkt: 0.00001, task: 0 },
    { id: 2, name: 'm2', cyclesPerPkt: 0.00001, task: 0 },
    { id: 3, name: 'm3', cyclesPerPkt: 2, task: 1 },
    { id: 4, name: 'm4', cyclesPerPkt: 1, task: 2 },
  ],
  flows: [
    { name: 'flow0', offeredPktsPerTu: 10, rateSloPktsPerTu: 0.3334, delaySloTu: 7, path: [1, 2, 3] },
    { name: 'flow1', offeredPktsPerTu: 10, rateSloPktsPerTu: 0.2, delaySloTu: 6, path: [1, 2, 4] },
  ],
};

/** Fork initial weights (§10.1), per task; they already sum to 1. */
export const FORK_INITIAL_WEIGHTS: readonly number[] = [0.333, 0.333, 0.334];

// ---------------------------------------------------------------- §10.2 taildrop

export const TAILDROP_SPEC: RtPipelineSpec = {
  name: 'taildrop',
  batchPkts: 1,
  queuePkts: 1,
  workerSpeedsCyclesPerTu: [1],
  tasks: [
    { key: 'w0:t0', worker: 0 },
    { key: 'w0:t1', worker: 0 },
    { key: 'w0:t2', worker: 0 },
  ],
  modules: [
    { id: 1, name: 'm1', cyclesPerPkt: 1, task: 0 },
    { id: 2, name: 'm2', cyclesPerPkt: 1, task: 1 },
    { id: 3, name: 'm3', cyclesPerPkt: 10, task: 2 },
  ],
  // D = 30: the file's first occurrence (module 1) wins over the 35 on modules 2 and 3 (§10.2).
  flows: [{ name: 'flow0', offeredPktsPerTu: 10, rateSloPktsPerTu: 0.06, delaySloTu: 30, path: [1, 2, 3] }],
};

export const TAILDROP_INITIAL_WEIGHTS: readonly number[] = [0.313, 0.334, 0.353];

// ---------------------------------------------------------------- §10.3 MGW

/** Task indices of MGW, creation order (§10.3 task table). */
const INGRESS = 0;
const W1_EGRESS = 1;
const W2_EGRESS = 2;
const W1_BEARER0_UL = 3;
const W1_BEARER_DL_1 = 4;
const W1_BEARER_UL_1 = 5;

const mgwModule = (id: number, name: string, cyclesPerPkt: number, task: number): RtModuleSpec => ({ id, name, cyclesPerPkt, task });

export const MGW_SPEC: RtPipelineSpec = {
  name: 'mgw',
  batchPkts: 1,
  queuePkts: 1,
  workerSpeedsCyclesPerTu: [60, 60, 60],
  tasks: [
    { key: 'w0:t0:ingress', worker: 0 },
    { key: 'w1:t0:egress', worker: 1 },
    { key: 'w2:t0:egress', worker: 2 },
    { key: 'w1:t3:bearer0_ul_user0', worker: 1 },
    { key: 'w1:t2:bearer_dl_1', worker: 1 },
    { key: 'w1:t5:bearer_ul_1', worker: 1 },
  ],
  // Costs exactly as in the file (§10.3); they were randomly perturbed upstream, so never regenerate them.
  modules: [
    mgwModule(0, 'mac_table', 0.018908338662412205, INGRESS),
    mgwModule(1, 'type_check', 0.16219187323610268, INGRESS),
    mgwModule(2, 'dir_selector', 0.2663162575270169, INGRESS),
    mgwModule(3, 'dl_br_selector', 0.6065695060485391, W1_EGRESS),
    mgwModule(4, 'vxlan_decap', 0.3957608178097989, INGRESS),
    mgwModule(5, 'ul_br_selector', 0.508744625805023, W1_EGRESS),
    mgwModule(6, 'update_ttl', 0.44531217307352683, W2_EGRESS),
    mgwModule(7, 'L3', 0.005311394635696798, W2_EGRESS),
    mgwModule(8, 'update_mac_dl', 0.053473032843182056, W2_EGRESS),
    mgwModule(9, 'ip_checksum_dl', 0.18863563577573067, W2_EGRESS),
    mgwModule(10, 'update_mac_ul', 0.4203806793998657, W2_EGRESS),
    mgwModule(11, 'ip_checksum_ul', 0.39640481445825704, W2_EGRESS),
    mgwModule(12, 'dl_ue_selector_0', 0.2550858294277841, INGRESS),
    mgwModule(13, 'ul_ue_selector_0', 0.34874224589953806, INGRESS),
    mgwModule(14, 'ul_user_bp_0_0', 0.8606265901908243, W1_BEARER0_UL),
    mgwModule(15, 'setmd_ul_0_0', 0.7121947156364141, W1_BEARER0_UL),
    mgwModule(16, 'dl_user_bp_0_0', 0.8781775201622647, W1_EGRESS),
    mgwModule(17, 'setmd_dl_0_0', 0.33709856491848655, W1_EGRESS),
    mgwModule(18, 'vxlan_encap_0_0', 0.5461733746093309, W1_EGRESS),
    mgwModule(19, 'ip_encap_0_0', 0.8790388289697241, W1_EGRESS),
    mgwModule(20, 'ether_encap_0_0', 0.12711419382834754, W1_EGRESS),
    mgwModule(21, 'dl_ue_selector_1', 0.2550858294277841, W1_BEARER_DL_1),
    mgwModule(22, 'ul_ue_selector_1', 0.34874224589953806, W1_BEARER_UL_1),
    mgwModule(23, 'ul_user_bp_0_1', 0.8606265901908243, W1_BEARER_UL_1),
    mgwModule(24, 'setmd_ul_0_1', 0.7121947156364141, W1_BEARER_UL_1),
    mgwModule(25, 'dl_user_bp_0_1', 0.8781775201622647, W1_BEARER_DL_1),
    mgwModule(26, 'setmd_dl_0_1', 0.33709856491848655, W1_BEARER_DL_1),
    mgwModule(27, 'vxlan_encap_0_1', 0.5461733746093309, W1_BEARER_DL_1),
    mgwModule(28, 'ip_encap_0_1', 0.8790388289697241, W1_BEARER_DL_1),
    mgwModule(29, 'ether_encap_0_1', 0.12711419382834754, W1_BEARER_DL_1),
    mgwModule(30, 'ul_user_bp_1_1', 0.8606265901908243, W1_BEARER_UL_1),
    mgwModule(31, 'setmd_ul_1_1', 0.7121947156364141, W1_BEARER_UL_1),
    mgwModule(32, 'dl_user_bp_1_1', 0.8781775201622647, W1_BEARER_DL_1),
    mgwModule(33, 'setmd_dl_1_1', 0.33709856491848655, W1_BEARER_DL_1),
    mgwModule(34, 'vxlan_encap_1_1', 0.5461733746093309, W1_BEARER_DL_1),
    mgwModule(35, 'ip_encap_1_1', 0.8790388289697241, W1_BEARER_DL_1),
    mgwModule(36, 'ether_encap_1_1', 0.12711419382834754, W1_BEARER_DL_1),
  ],
  flows: [
    { name: 'user0_ul_qos', offeredPktsPerTu: 3, rateSloPktsPerTu: 2, delaySloTu: 0.45, path: [0, 1, 2, 4, 5, 13, 14, 15, 6, 7, 10, 11] },
    { name: 'user0_dl_qos', offeredPktsPerTu: 3, rateSloPktsPerTu: 2, delaySloTu: 0.45, path: [0, 1, 2, 3, 12, 16, 17, 18, 19, 20, 6, 7, 8, 9] },
    { name: 'user0_ul_bulk1', offeredPktsPerTu: 8, rateSloPktsPerTu: 0.1, delaySloTu: 0.75, path: [0, 1, 2, 4, 5, 22, 23, 24, 6, 7, 10, 11] },
    { name: 'user0_dl_bulk1', offeredPktsPerTu: 8, rateSloPktsPerTu: 0.1, delaySloTu: 0.75, path: [0, 1, 2, 3, 21, 25, 26, 27, 28, 29, 6, 7, 8, 9] },
    { name: 'user1_ul_bulk1', offeredPktsPerTu: 8, rateSloPktsPerTu: 0.1, delaySloTu: 0.75, path: [0, 1, 2, 4, 5, 22, 30, 31, 6, 7, 10, 11] },
    { name: 'user1_dl_bulk1', offeredPktsPerTu: 8, rateSloPktsPerTu: 0.1, delaySloTu: 0.75, path: [0, 1, 2, 3, 21, 32, 33, 34, 35, 36, 6, 7, 8, 9] },
  ],
};

/**
 * MGW initial weights as upstream lists them (§10.3, code-compatible):
 * ingress 1, worker 1 = [0.25, 0.25, 0.25, 1] in worker order
 * [w1:t0, w1:t3, w1:t2, w1:t5], worker-2 egress 0.25. The `model` runs
 * normalise these per worker: worker 1 = [1/7, 1/7, 1/7, 4/7], the others 1.
 */
export const MGW_UPSTREAM_WEIGHTS: readonly number[] = [1, 0.25, 0.25, 0.25, 0.25, 1];

/** The mgw-eqinit reference case (§10.3): every worker-1 task 0.25, workers 0 and 2 at 1. */
export const MGW_EQINIT_WEIGHTS: readonly number[] = [1, 0.25, 1, 0.25, 0.25, 0.25];

export const FORK = buildPipeline(FORK_SPEC);
export const TAILDROP = buildPipeline(TAILDROP_SPEC);
export const MGW = buildPipeline(MGW_SPEC);

// ---------------------------------------------------------------- §11 reference run matrix

export interface RtReferenceRun {
  /** e.g. "fork model a=1 nu=0.05 ns=100". */
  readonly label: string;
  readonly behaviour: 'model' | 'code';
  readonly code: RtCodeSwitches;
  readonly pipeline: RtPipeline;
  readonly initialWeights: readonly number[];
  readonly alpha: number;
  readonly nuMaxStep: number;
  readonly lineSearchPoints: number;
  readonly periods: number;
}

type Behaviour = RtReferenceRun['behaviour'];

const REFERENCE_GRID: ReadonlyArray<{
  name: string;
  pipeline: RtPipeline;
  weights: readonly number[];
  alpha: number;
  steps: readonly number[];
  behaviours: readonly Behaviour[];
}> = [
  { name: 'fork', pipeline: FORK, weights: FORK_INITIAL_WEIGHTS, alpha: 1, steps: [0.05, 0.025, 0.01], behaviours: ['model', 'code'] },
  { name: 'fork', pipeline: FORK, weights: FORK_INITIAL_WEIGHTS, alpha: 0.05, steps: [0.025, 0.01], behaviours: ['model', 'code'] },
  { name: 'taildrop', pipeline: TAILDROP, weights: TAILDROP_INITIAL_WEIGHTS, alpha: 1, steps: [0.025, 0.01], behaviours: ['model', 'code'] },
  // The code-compatible MGW trace cannot be reproduced (§9.3): model only.
  { name: 'mgw', pipeline: MGW, weights: MGW_UPSTREAM_WEIGHTS, alpha: 1, steps: [0.025, 0.01], behaviours: ['model'] },
  { name: 'mgw-eqinit', pipeline: MGW, weights: MGW_EQINIT_WEIGHTS, alpha: 1, steps: [0.025, 0.01], behaviours: ['model'] },
];

/** The reproducible rows of the §11 matrix (K = 50; each with ns = 100 and ns = 5): 22 model runs, 14 code-compatible. */
export const RT_REFERENCE_RUNS: readonly RtReferenceRun[] = REFERENCE_GRID.flatMap((g) =>
  g.behaviours.flatMap((behaviour) => g.steps.flatMap((nu) =>
    [100, 5].map((ns) => ({
      label: `${g.name} ${behaviour} a=${g.alpha} nu=${nu} ns=${ns}`,
      behaviour,
      code: behaviour === 'code' ? RT_CODE_COMPATIBLE : RT_MODEL_BEHAVIOUR,
      pipeline: g.pipeline,
      initialWeights: g.weights,
      alpha: g.alpha,
      nuMaxStep: nu,
      lineSearchPoints: ns,
      periods: 50,
    })),
  )),
);
