/**
 * The QVISOR pre-processor [QVISOR]: per tenant, per packet, raw rank in,
 * final rank out, so several tenants' scheduling policies share one
 * scheduler as the operator's policy string says.
 *
 * COLD — {@link createQvisor} (the "synthesizer"): parses the policy, checks
 * the tenants' normalisers and lays out one band of ranks per tenant:
 *
 *   S = ⌈δ·L⌉                        the `>` step (δ ∈ (0, 1], default 0.5)
 *   tier i, groups g_0 > … > g_{m−1}:  offset(g_j) = j·S
 *   tier width  W_i = ((m − 1)·S + L)·G_i
 *   tier bases  base_0 = 0, base_{i+1} = base_i + W_i      (`>>`: disjoint)
 *
 * where G_i = 1, or with the `interleave` tie-break the size of the tier's
 * largest `+` group (each level then has one sub-slot per member, so members
 * at equal levels alternate in policy order instead of leaving FIFO). Folded
 * into two numbers per tenant:
 *
 *   final = rankAdd[t] + q·rankMul[t]
 *   rankAdd = base_i + j·S·G_i + (interleave ? member index : 0),  rankMul = G_i
 *
 * HOT — {@link QvisorPreprocessor.finalRank}: origin → clamp → normalise →
 * quantise → shift, in that fixed order (shifting before quantising would let
 * a shift overflow the level grid; quantising before clamping would let a
 * hostile raw rank leave its band). A few arithmetic operations on typed
 * arrays indexed by tenant, plus one Math.log (log) or one binary search
 * (quantile); nothing allocated, nothing thrown. NaN yields
 * {@link BAD_RANK} for the caller to drop and count as `bad-rank`.
 *
 * The operator semantics (`>` as a partial shift, `+` as rank parity) are our
 * reading of the paper, which leaves them open: see docs/qvisor.md.
 */

import { ConfigError, Problems } from '../../util/config-check.js';
import {
  checkNormaliser,
  compileQuantileLevels,
  NORM_LINEAR,
  NORM_LOG,
  NORM_QUANTILE,
  NORM_SHIFT_MIN,
  quantileLevel,
  type NormaliserSpec,
} from './normaliser.js';
import { resolvePolicy, type ResolvedPolicy, type UnlistedRule } from './policy-grammar.js';

/** Returned by finalRank for a NaN raw rank (or NaN origin): drop the packet, reason `bad-rank`. */
export const BAD_RANK = -1;

/** Largest final rank we lay out: ranks travel as non-negative int32 in the schedulers. */
export const MAX_FINAL_RANK = 0x7fffffff;

/** Largest L: levels are stored as Uint16. */
export const MAX_LEVELS = 65536;

/** Default `>` step as a fraction of L: half the band overlaps (our choice, docs/qvisor.md). */
export const DEFAULT_PREFER_STEP = 0.5;

/**
 * Origin subtracted before clamping, for time-valued ranks: `now` (EDF: raw
 * deadline − now = slack), `vclock` (STFQ: start tag − the tenant's virtual time).
 */
export type OriginKind = 'none' | 'now' | 'vclock';
const ORIGIN_NONE = 0;
const ORIGIN_NOW = 1;
const ORIGIN_VCLOCK = 2;

export interface TenantSpec {
  /** Name used in the policy string; its position in the tenant list is its per-packet label. */
  readonly id: string;
  readonly normaliser: NormaliserSpec;
  readonly origin?: OriginKind;
}

export interface QvisorOptions {
  /** L, the number of levels per tenant band (1..65536). */
  readonly levels: number;
  /** δ ∈ (0, 1]: the `>` step is ⌈δ·L⌉ levels. Default 0.5. */
  readonly preferStep?: number;
  /** Ties at equal final rank: 'fifo' (default) or 'interleave' members of a `+` group. */
  readonly tieBreak?: 'fifo' | 'interleave';
  /** Declared tenants missing from the policy: 'error' (default) or one extra lowest tier. */
  readonly unlisted?: UnlistedRule;
}

/** One `>>` tier as laid out. */
export interface TierLayout {
  /** First final rank of the tier. */
  readonly base: number;
  /** Number of final ranks the tier spans: [base, base + width). */
  readonly width: number;
  /** Sub-slots per level: 1, or the largest group size with 'interleave'. */
  readonly slotsPerLevel: number;
  /** Tenant indices per `>` group, highest preference first. */
  readonly groups: readonly (readonly number[])[];
  /** The tier as written (whitespace removed), e.g. "T2>T3+T4"; unlisted tenants' tier reads "A+B". */
  readonly label: string;
}

export class QvisorPreprocessor {
  readonly tenantIds: readonly string[];
  readonly levels: number;
  /** S = ⌈δ·L⌉. */
  readonly preferStepLevels: number;
  readonly tiers: readonly TierLayout[];
  /** Largest final rank any tenant can get. */
  readonly maxFinalRank: number;
  /** Per tenant: its tier index. */
  readonly tierOf: Uint16Array;
  /** Per tenant: final = rankAdd + level·rankMul. */
  readonly rankAdd: Float64Array;
  readonly rankMul: Float64Array;

  /**
   * Per tenant: virtual time subtracted by the `vclock` origin, in the
   * tenant's rank unit. The owner of the tenant's STFQ clock writes it.
   */
  readonly vclock: Float64Array;
  /** Current time for the `now` origin, in the rank unit of the `now` tenants (µs for EDF slack). */
  now = 0;

  private readonly kind: Uint8Array;
  private readonly origin: Uint8Array;
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  /** linear: L/(hi − lo); log: L/(ln hi − ln lo). */
  private readonly scale: Float64Array;
  /** log: ln lo. */
  private readonly logLo: Float64Array;
  private readonly qStart: Int32Array;
  private readonly qLen: Int32Array;
  private readonly qValues: Float64Array;
  private readonly qAt: Uint16Array;
  private readonly qAfter: Uint16Array;

  /** COLD. Use {@link createQvisor}. */
  constructor(tenants: readonly TenantSpec[], resolved: ResolvedPolicy, levels: number, preferStep: number, interleave: boolean) {
    const n = tenants.length;
    this.tenantIds = tenants.map((t) => t.id);
    this.levels = levels;
    this.preferStepLevels = Math.ceil(preferStep * levels);
    this.tierOf = new Uint16Array(n);
    this.rankAdd = new Float64Array(n);
    this.rankMul = new Float64Array(n);
    this.vclock = new Float64Array(n);
    this.kind = new Uint8Array(n);
    this.origin = new Uint8Array(n);
    this.lo = new Float64Array(n);
    this.hi = new Float64Array(n);
    this.scale = new Float64Array(n);
    this.logLo = new Float64Array(n);
    this.qStart = new Int32Array(n);
    this.qLen = new Int32Array(n);

    const tiers: TierLayout[] = [];
    let base = 0;
    resolved.tiers.forEach((groups, i) => {
      const g = interleave ? Math.max(...groups.map((m) => m.length)) : 1;
      const width = ((groups.length - 1) * this.preferStepLevels + levels) * g;
      groups.forEach((members, j) =>
        members.forEach((t, k) => {
          this.tierOf[t] = i;
          this.rankMul[t] = g;
          this.rankAdd[t] = base + j * this.preferStepLevels * g + (interleave ? k : 0);
        }),
      );
      const node = resolved.ast.tiers[i];
      const label = node ? resolved.ast.text.slice(node.start, node.end).replace(/\s+/g, '') : groups.map((m) => m.map((t) => this.tenantIds[t]).join('+')).join('>');
      tiers.push({ base, width, slotsPerLevel: g, groups, label });
      base += width;
    });
    this.tiers = tiers;
    this.maxFinalRank = base - 1;

    const packed: { values: number[]; at: number[]; after: number[] } = { values: [], at: [], after: [] };
    tenants.forEach((t, i) => this.compileTenant(i, t, packed));
    this.qValues = Float64Array.from(packed.values);
    this.qAt = Uint16Array.from(packed.at);
    this.qAfter = Uint16Array.from(packed.after);
  }

  private compileTenant(i: number, t: TenantSpec, packed: { values: number[]; at: number[]; after: number[] }): void {
    const L = this.levels;
    const s = t.normaliser;
    this.origin[i] = t.origin === 'now' ? ORIGIN_NOW : t.origin === 'vclock' ? ORIGIN_VCLOCK : ORIGIN_NONE;
    switch (s.kind) {
      case 'linear':
        this.kind[i] = NORM_LINEAR;
        this.scale[i] = L / (s.hi - s.lo);
        break;
      case 'log':
        this.kind[i] = NORM_LOG;
        this.logLo[i] = Math.log(s.lo);
        this.scale[i] = L / (Math.log(s.hi) - Math.log(s.lo));
        break;
      case 'shift-min':
        this.kind[i] = NORM_SHIFT_MIN;
        break;
      case 'quantile': {
        this.kind[i] = NORM_QUANTILE;
        const q = compileQuantileLevels(s.profile, L);
        this.qStart[i] = packed.values.length;
        this.qLen[i] = q.values.length;
        for (let k = 0; k < q.values.length; k++) {
          packed.values.push(q.values[k]!);
          packed.at.push(q.levelAt[k]!);
          packed.after.push(q.levelAfter[k]!);
        }
        break;
      }
    }
    this.lo[i] = s.kind === 'quantile' ? (s.lo ?? -Infinity) : s.lo;
    this.hi[i] = s.kind === 'quantile' ? (s.hi ?? Infinity) : s.hi;
  }

  /**
   * HOT. Level q ∈ [0, L) of raw rank `raw` for tenant t (origin, clamp,
   * normalise, quantise), or BAD_RANK for NaN.
   */
  level(t: number, raw: number): number {
    const o = this.origin[t]!;
    let r = o === ORIGIN_NONE ? raw : o === ORIGIN_NOW ? raw - this.now : raw - this.vclock[t]!;
    if (r !== r) return BAD_RANK;
    const lo = this.lo[t]!;
    const hi = this.hi[t]!;
    if (r < lo) r = lo;
    else if (r > hi) r = hi;
    const L = this.levels;
    let q: number;
    switch (this.kind[t]) {
      case NORM_LINEAR:
        q = Math.floor((r - lo) * this.scale[t]!);
        break;
      case NORM_LOG:
        q = Math.floor((Math.log(r) - this.logLo[t]!) * this.scale[t]!);
        break;
      case NORM_SHIFT_MIN:
        q = Math.floor(r - lo);
        break;
      default:
        q = quantileLevel(this.qValues, this.qAt, this.qAfter, this.qStart[t]!, this.qLen[t]!, r);
    }
    // u = 1 (r = hi) gives ⌊L⌋ = L: the top level is closed.
    return q >= L ? L - 1 : q < 0 ? 0 : q;
  }

  /** HOT. Final rank of raw rank `raw` of tenant t, or BAD_RANK for NaN. */
  finalRank(t: number, raw: number): number {
    const q = this.level(t, raw);
    return q < 0 ? BAD_RANK : this.rankAdd[t]! + q * this.rankMul[t]!;
  }

  /** COLD. The closed range of final ranks tenant t can get. */
  bandOf(t: number): { lo: number; hi: number } {
    return { lo: this.rankAdd[t]!, hi: this.rankAdd[t]! + (this.levels - 1) * this.rankMul[t]! };
  }
}

/**
 * COLD. Checks the tenants and options (one ConfigError listing every
 * problem), resolves the policy (PolicyError pointing at the column), and lays
 * out the bands.
 */
export function createQvisor(tenants: readonly TenantSpec[], policy: string, options: QvisorOptions): QvisorPreprocessor {
  const p = new Problems();
  const L = options.levels;
  if (!Number.isInteger(L) || L < 1 || L > MAX_LEVELS) p.add('levels', L, `an integer in 1..${MAX_LEVELS}`);
  const delta = options.preferStep ?? DEFAULT_PREFER_STEP;
  if (typeof delta !== 'number' || !(delta > 0 && delta <= 1)) p.add('preferStep', delta, 'a number in (0, 1]');
  const tie = options.tieBreak ?? 'fifo';
  if (tie !== 'fifo' && tie !== 'interleave') p.add('tieBreak', tie, "'fifo' or 'interleave'");
  const seen = new Set<string>();
  tenants.forEach((t, i) => {
    if (seen.has(t.id)) p.add(`tenants[${i}].id`, t.id, 'a tenant id not used by an earlier tenant');
    seen.add(t.id);
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(t.id)) p.add(`tenants[${i}].id`, t.id, 'a name matching [A-Za-z_][A-Za-z0-9_.-]*');
    if (t.origin !== undefined && t.origin !== 'none' && t.origin !== 'now' && t.origin !== 'vclock') {
      p.add(`tenants[${i}].origin`, t.origin, "one of 'none', 'now', 'vclock'");
    }
    if (Number.isInteger(L)) for (const pr of checkNormaliser(t.normaliser, L)) p.add(`tenants[${i}].normaliser.${pr.field}`, pr.value, pr.expected);
  });
  if (tenants.length > 0xffff) p.add('tenants', tenants.length, 'at most 65535 tenants (Uint16 labels)');
  p.throwIfAny('qvisor');

  const resolved = resolvePolicy(policy, tenants.map((t) => t.id), options.unlisted ?? 'error');
  const q = new QvisorPreprocessor(tenants, resolved, L, delta, tie === 'interleave');
  if (q.maxFinalRank > MAX_FINAL_RANK) {
    throw new ConfigError('qvisor', [{ path: 'levels', value: L, expected: `a layout whose largest final rank (${q.maxFinalRank}) is at most ${MAX_FINAL_RANK}` }]);
  }
  return q;
}
