/**
 * Human-readable views of a result record and of the NF catalog. Units are
 * converted here, at the report edge, and nowhere else in the CLI.
 */
import type { ResultRecord } from '../metrics/record.js';
import type { AnyNfKind } from '../nf/nf.js';
import { formatSi, renderTable } from '../report/table.js';
import { FRAMES_NOTICE } from '../scenario/limits.js';
import { formatDurationSeconds } from '../scenario/readers.js';
import { formatCount, formatWallSeconds, wallSecondsRange } from '../scenario/work.js';

/** Control points above which a run is announced even with little traffic (about 2 to 20 s of synchronisation). */
const CONTROL_POINTS_NOTICE = 20_000;

export interface WorkEstimate {
  /** Frames offered by the generators (scenario/work.ts), over all points. */
  frames: number;
  controlPoints: number;
  /** Virtual time, over all points. */
  virtualSeconds: number;
  /** Runs: 1 for `emu run`, the experiment's points for `emu scenario`. */
  points: number;
}

/**
 * A "note:" line printed before a run that will take a while (tens of
 * seconds at least), with a range of wall time; null for a run that will not.
 */
export function renderWorkNote(w: WorkEstimate): string | null {
  if (w.frames < FRAMES_NOTICE && w.controlPoints < CONTROL_POINTS_NOTICE) return null;
  const [fast, slow] = wallSecondsRange(w.frames, w.controlPoints);
  const who = w.points > 1 ? `its ${w.points} points offer` : 'this run offers';
  const points = w.controlPoints >= CONTROL_POINTS_NOTICE ? ` with ${w.controlPoints} control points` : '';
  return `note: ${who} about ${formatCount(w.frames)} frames in ${formatDurationSeconds(w.virtualSeconds)} of virtual time${points}; ` +
    `expect ${formatWallSeconds(fast)} to ${formatWallSeconds(slow)} of wall time (on a terminal the progress line shows an ETA; -q hides this)\n`;
}

const round = (v: number | null, digits = 1): number | null => (v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits);

export function renderRunSummary(r: ResultRecord, wallSeconds: number, threads: number): string {
  const t = r.totals;
  const lines: string[] = [];
  lines.push(`scenario ${r.scenario.name} (seed ${r.seed}): ${formatSi(r.time.measuredSeconds, 's')} measured of ${formatSi(r.time.durationCycles / r.time.hz, 's')} virtual, ${wallSeconds.toFixed(2)} s wall on ${threads} thread${threads === 1 ? '' : 's'}`);
  lines.push('');
  lines.push(renderTable(
    [{ title: 'offered' }, { title: 'delivered' }, { title: 'data' }, { title: 'wire' }, { title: 'p50' }, { title: 'p99' }, { title: 'p99.9' }],
    [[
      formatSi(r.throughput.offeredPps, 'pps'),
      formatSi(r.throughput.deliveredPps, 'pps'),
      formatSi(r.throughput.dataGbps * 1e9, 'b/s'),
      formatSi(r.throughput.wireGbps * 1e9, 'b/s'),
      r.latency.p50Ns === null ? null : formatSi(r.latency.p50Ns * 1e-9, 's'),
      r.latency.p99Ns === null ? null : formatSi(r.latency.p99Ns * 1e-9, 's'),
      r.latency.p999Ns === null ? null : formatSi(r.latency.p999Ns * 1e-9, 's'),
    ]],
    { title: 'throughput and latency (measurement window)' },
  ));
  const reasons = Object.entries(t.dropsByReason).map(([k, v]) => `${k} ${v}`).join(', ');
  lines.push(`packets: generated ${t.generated} = delivered ${t.delivered} + dropped ${t.dropped}${reasons ? ` (${reasons})` : ''} + in flight ${t.inFlight}  [${t.conserved ? 'conserved' : 'NOT CONSERVED'}]`);
  lines.push('');
  lines.push(renderTable(
    [{ title: 'task' }, { title: 'core' }, { title: 'packets' }, { title: 'mean batch' }, { title: 'cycles/pkt' }, { title: 'stall', unit: 'cycles' }, { title: 'input drops' }, { title: 'queued at end' }],
    r.tasks.map((k) => [k.name, k.core, k.packets, round(k.meanBatch), round(k.cyclesPerPacket, 2), k.stallCycles, k.inputDrops, k.backlogAtEnd]),
    { title: 'tasks' },
  ));
  lines.push(renderTable(
    [{ title: 'module' }, { title: 'kind' }, { title: 'core' }, { title: 'packets' }, { title: 'cycles/pkt' }, { title: 'drops' }],
    r.modules.map((m) => [m.name, m.kind, m.core, m.packets, round(m.cyclesPerPacket, 2), Object.values(m.drops).reduce((a, b) => a + b, 0)]),
    { title: 'modules' },
  ));
  lines.push(renderTable(
    [{ title: 'core' }, { title: 'busy', unit: '%' }, { title: 'stall', unit: 'cycles' }],
    r.cores.map((c) => [c.id, round(c.utilization * 100), c.stallCycles]),
    { title: 'cores' },
  ));
  return `${lines.join('\n')}`;
}

export function renderNfList(kinds: readonly AnyNfKind[]): string {
  return renderTable(
    [{ title: 'kind' }, { title: 'gates' }, { title: 'drop reasons' }, { title: 'description' }],
    kinds.map((k) => [k.name, k.gateNames.join(', ') || '-', k.dropReasons.join(', ') || '-', k.help]),
  );
}
