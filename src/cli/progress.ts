/**
 * Progress indicator for long runs, written to a stream-like object.
 *
 * On a TTY it redraws one line in place with '\r':
 *   label [#########...........]  45.2% ETA 1m12s 1.2e9 cycles
 * at most once per `minIntervalMs`. Anywhere else (CI logs, pipes, files)
 * redrawing makes a mess, so it prints a plain line each time the run
 * crosses a new 10 % step ("label 30.0% ETA 25s detail"): at most 11 lines a run.
 *
 * The ETA is the time left if the rest goes as fast as what is done so far
 * (wall time since the Progress was made, over the fraction done); it shows
 * once a run has taken ETA_AFTER_MS and done ETA_MIN_FRACTION, so the first
 * moments (worker start-up) do not give a wild guess.
 *
 * The wall clock used for throttling is UI only: it never touches virtual
 * time or results, which is why it may live outside the clock module.
 */

/** The part of a Writable (e.g. process.stderr) this needs. */
export interface ProgressOutput {
  /** The return value (back-pressure) is ignored: progress lines are small and droppable. */
  write(s: string): boolean | void;
  isTTY?: boolean;
  /** Terminal width; when set, TTY lines are cut to fit so '\r' still returns to their start. */
  columns?: number;
}

export interface ProgressOptions {
  /** Printed first on every line. Default: none. */
  label?: string;
  /** TTY only: minimum time between redraws. Default 100 ms. */
  minIntervalMs?: number;
  /** Time source in ms, injectable for tests. Default Date.now. */
  now?: () => number;
}

export const PROGRESS_DEFAULT_INTERVAL_MS = 100;
export const PROGRESS_BAR_WIDTH = 20;
/** Non-TTY lines are printed once per this many percent. */
export const PROGRESS_PLAIN_STEP_PERCENT = 10;
/** No ETA before this much wall time... */
export const ETA_AFTER_MS = 1000;
/** ...or this fraction of the run. */
export const ETA_MIN_FRACTION = 0.005;

export class Progress {
  private readonly out: ProgressOutput;
  private readonly label: string;
  private readonly minIntervalMs: number;
  private readonly now: () => number;
  private readonly tty: boolean;
  private readonly startMs: number;

  private fraction = 0;
  private detail = '';
  private lastDrawMs = -Infinity;
  private drawn = false;
  /** Fraction shown by the last redraw; -1 before the first. */
  private lastDrawnFraction = -1;
  /** Width of the line on screen, so a shorter redraw can blank the rest. */
  private shownWidth = 0;
  /** Last 10 % step printed in plain mode; -1 before the first line. */
  private lastStep = -1;
  private finished = false;

  constructor(out: ProgressOutput, opts: ProgressOptions = {}) {
    this.out = out;
    this.label = oneLine(opts.label ?? '');
    this.minIntervalMs = opts.minIntervalMs ?? PROGRESS_DEFAULT_INTERVAL_MS;
    this.now = opts.now ?? Date.now;
    this.tty = out.isTTY === true;
    this.startMs = this.now();
  }

  /**
   * `fraction` is clamped to [0, 1] (NaN counts as 0). Calls after `done()`
   * are ignored. TTY: redraws when `minIntervalMs` has passed since the last
   * redraw, and always for the first call and on reaching 1. Otherwise:
   * prints when the fraction enters a new 10 % step.
   */
  update(fraction: number, detail?: string): void {
    if (this.finished) return;
    this.fraction = fraction >= 0 ? Math.min(fraction, 1) : 0;
    if (detail !== undefined) this.detail = oneLine(detail);

    if (this.tty) {
      const t = this.now();
      // Reaching 1 always shows, so a throttled run never ends on a stale 97 %.
      const reachedEnd = this.fraction === 1 && this.lastDrawnFraction !== 1;
      if (!this.drawn || t - this.lastDrawMs >= this.minIntervalMs || reachedEnd) {
        this.redraw(this.barLine());
        this.lastDrawMs = t;
        this.lastDrawnFraction = this.fraction;
      }
      return;
    }

    // The epsilon keeps accumulated fractions on their step: ten additions of 0.1 give 0.9999999999999999.
    const step = Math.floor((this.fraction * 100) / PROGRESS_PLAIN_STEP_PERCENT + 1e-9);
    if (step > this.lastStep) {
      this.lastStep = step;
      this.out.write(this.plainLine() + '\n');
    }
  }

  /**
   * Finishes: writes "label done[ summary]" as a line of its own. On a TTY it
   * replaces the bar (which was transient), so the log keeps only the outcome.
   * Further calls to update() and done() do nothing.
   */
  done(summary?: string): void {
    if (this.finished) return;
    this.finished = true;
    const text = join([this.label, 'done', summary === undefined ? '' : oneLine(summary)]);
    if (this.tty && this.drawn) {
      this.redraw(text);
      this.out.write('\n');
    } else {
      this.out.write(this.fit(text) + '\n');
    }
  }

  private barLine(): string {
    const filled = Math.floor(this.fraction * PROGRESS_BAR_WIDTH + 1e-9);
    const bar = '[' + '#'.repeat(filled) + '.'.repeat(PROGRESS_BAR_WIDTH - filled) + ']';
    return join([this.label, bar, percent(this.fraction).padStart(6), this.eta(), this.detail]);
  }

  private plainLine(): string {
    return join([this.label, percent(this.fraction), this.eta(), this.detail]);
  }

  /** "ETA 1m12s", or '' when it is too early to tell (or the run is done). */
  private eta(): string {
    const f = this.fraction;
    const elapsedMs = this.now() - this.startMs;
    if (!(f >= ETA_MIN_FRACTION) || f >= 1 || elapsedMs < ETA_AFTER_MS) return '';
    return `ETA ${formatEta((elapsedMs * (1 - f)) / f / 1000)}`;
  }

  /** '\r', the new text, then spaces over whatever is left of the previous line. */
  private redraw(text: string): void {
    const line = this.fit(text);
    const w = codePoints(line);
    this.out.write('\r' + line + ' '.repeat(Math.max(0, this.shownWidth - w)));
    this.shownWidth = w;
    this.drawn = true;
  }

  /** Cut to the terminal width minus one: writing the last column wraps on some terminals. */
  private fit(text: string): string {
    const cols = this.out.columns;
    if (!this.tty || cols === undefined || !(cols > 1)) return text;
    return Array.from(text).slice(0, cols - 1).join('');
  }
}

/** "45s", "1m12s", "2h05m": rounded up to the second, so it reaches 0 only at the end. */
export function formatEta(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds - 1e-6)); // the epsilon: 700 / 0.7 * 0.3 is 300.00000000000006
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** Floored to 0.1 % so the display never shows 100.0 % before the end. */
function percent(fraction: number): string {
  return (Math.floor(fraction * 1000 + 1e-9) / 10).toFixed(1) + '%';
}

function join(parts: string[]): string {
  return parts.filter((p) => p !== '').join(' ');
}

function oneLine(s: string): string {
  return s.replace(/[\r\n\t]/g, ' ');
}

function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
