/**
 * Experiments: named sweeps over scenarios (`emu scenario run NAME`). An
 * experiment turns its parameters into points (one scenario each), runs them,
 * and summarises the result records into tables and plots. Each point is an
 * ordinary scenario run, so everything a run guarantees (determinism,
 * conservation) holds for every point.
 */
import type { ResultRecord } from '../metrics/record.js';
import type { Plot, ReportTable } from '../report/html.js';

export interface ExperimentParams {
  /** Virtual measurement window per point, e.g. "1ms". */
  window: string;
  /** Warm-up before the window. */
  warmup: string;
  seed: number;
  /** Extra, experiment-specific parameters from the CLI (e.g. frame sizes). */
  [key: string]: unknown;
}

export interface ExperimentPoint {
  /** Unique, stable label, e.g. "64B RTC 18". */
  label: string;
  /** Coordinates of the point (frame size, model, state size...). */
  coords: Record<string, string | number>;
  /** The scenario, as a YAML file would give it. */
  scenario: Record<string, unknown>;
}

export interface PointResult {
  point: ExperimentPoint;
  record: ResultRecord;
}

export interface ExperimentSummary {
  /** Terminal tables, in order. */
  tables: ReportTable[];
  plots: Plot[];
  /** Free text shown under the tables (what to read from them). */
  notes: string[];
}

export interface Experiment {
  name: string;
  title: string;
  /** One paragraph for `emu scenario show`. */
  description: string;
  /** Parameter help lines for `emu scenario show`. */
  parameters: { name: string; help: string; default: string }[];
  defaults(): ExperimentParams;
  points(params: ExperimentParams): ExperimentPoint[];
  summarize(results: PointResult[], params: ExperimentParams): ExperimentSummary;
}
