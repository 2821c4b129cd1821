/**
 * Plots as inline SVG, drawn on the server so a report reads the same with
 * JavaScript off, in print and in any browser. COLD code: runs once per plot,
 * so it favours clarity over speed.
 *
 * Layout of one plot (pixels, fixed width so the output is deterministic and
 * the CSS scales it down on narrow screens):
 *
 *   +--------------------------------------------------------------+
 *   |      ytick |                                  | - series a   |
 *   |  y   label |  plot area (gridlines, series)   | - series b   |
 *   | label      |                                  |   (legend)   |
 *   |            +----------------------------------+              |
 *   |               x tick labels / x label                         |
 *   +--------------------------------------------------------------+
 *
 * Text widths are estimated (CHAR_PX per character) because the server has no
 * font metrics; margins are sized from those estimates so labels do not
 * overlap the plot area or the legend.
 *
 * Every point element (a circle for `line`, a rect for `bar`) carries
 * `data-x` and `data-y` with the exact value (`String(v)`, which round-trips),
 * and a `<title>` child, which browsers show as a tooltip without any script.
 */
import { formatNumber } from './table.js';

/** One point; `y: null` means "no value": the line breaks there (a gap). */
export interface PlotPoint {
  x: number;
  y: number | null;
}

export interface Series {
  name: string;
  points: PlotPoint[];
  /**
   * How a line plot draws the series. 'line' (default): straight segments
   * between points. 'step': the value holds until the next point's x, then
   * jumps (for settings such as a batch size). 'points': markers only, no line
   * (for highlighting some points of another series). Every style keeps one
   * marker per drawable point. Ignored for `bar`.
   */
  style?: SeriesStyle;
}

export type SeriesStyle = 'line' | 'step' | 'points';

/** A vertical dashed line at an x value with a short label (an event at a time). */
export interface PlotMarker {
  x: number;
  label: string;
}

/** A horizontal line at a y value with a short label (a bound). */
export interface RefLine {
  y: number;
  label: string;
  /** Drawn in this series' colour; default grey. */
  seriesIndex?: number;
}

export type AxisScale = 'linear' | 'log';
export type PlotKind = 'line' | 'bar';

export interface Plot {
  /** Unique in the report; becomes the svg's `data-plot-id`. */
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  /** Default 'linear'. Ignored for `bar` (x values are categories). */
  xScale?: AxisScale;
  /** Default 'linear'. */
  yScale?: AxisScale;
  /** 'line' (default): lines with markers. 'bar': grouped bars, one group per distinct x, in order of first appearance. */
  kind?: PlotKind;
  series: Series[];
  /** Free text shown under the plot. */
  note?: string;
  /** Vertical event markers; the x axis is widened to show them. Ignored for `bar`. */
  markers?: PlotMarker[];
  /** Horizontal reference lines; the y axis is widened to show them (on a log axis, those > 0). */
  refLines?: RefLine[];
  /** x values the axis covers at least, e.g. [0, run length] so a plot that grows keeps its axis. Ignored for `bar`. */
  xExtent?: number[];
}

export interface RenderedPlot {
  svg: string;
  /** Things a reader should know that the picture cannot show (e.g. values a log axis omits). */
  notes: string[];
}

/**
 * Okabe & Ito's colour-blind-safe palette, ordered for contrast on white
 * (the yellow, weakest on white, last). Series beyond eight reuse the colours
 * with a dash pattern (lines) or as outlined, lighter bars, so they stay
 * distinguishable.
 */
export const SERIES_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#000000', '#F0E442'];
const DASHES = ['', '6 3', '2 3', '8 3 2 3'];

const WIDTH_PX = 720;
const HEIGHT_PX = 360;
const FONT_PX = 12;
/** Average advance of a 12 px sans-serif character, a little generous so estimates err towards more room. */
const CHAR_PX = 7;
const PAD_PX = 10;
const TICK_PX = 5;
const MARKER_RADIUS_PX = 3.5;
const LEGEND_ROW_PX = 18;
const LEGEND_SWATCH_PX = 22;
const LEGEND_MAX_CHARS = 28;
const NO_DATA = 'no data';

/** Escapes text for HTML/SVG content and double- or single-quoted attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

interface Tick {
  value: number;
  /** Empty for unlabelled (minor) ticks. */
  label: string;
  major: boolean;
}

interface Axis {
  ticks: Tick[];
  /** Draw gridlines at minor ticks too (a few decades of a log axis); otherwise at major ticks only. */
  minorGrid: boolean;
  /** Maps a value (log axes: positive values only) to a fraction of the axis, 0 at the low end. */
  fraction(v: number): number;
}

/**
 * Renders one plot. `index` (the plot's position in the document) makes the
 * ids inside the SVG unique on the page. Assumes the plot was validated
 * (finite x values); y values that cannot be drawn become gaps.
 */
export function renderSvgPlot(plot: Plot, index: number): RenderedPlot {
  const kind = plot.kind ?? 'line';
  const xScale: AxisScale = kind === 'bar' ? 'linear' : (plot.xScale ?? 'linear');
  const yScale = plot.yScale ?? 'linear';
  const notes: string[] = [];

  // Which points can be drawn: y must be a finite number, and positive on a log axis (so must x).
  let infinite = 0;
  let nonPositive = 0;
  const drawable = (p: PlotPoint): boolean => {
    if (p.y === null || Number.isNaN(p.y)) return false;
    if (!Number.isFinite(p.y)) return (infinite++, false);
    if ((yScale === 'log' && p.y <= 0) || (xScale === 'log' && p.x <= 0)) return (nonPositive++, false);
    return true;
  };
  const shown = plot.series.map((s) => s.points.map(drawable));
  if (infinite > 0) notes.push(`${plural(infinite, 'point')} with an infinite value not shown.`);
  if (nonPositive > 0) notes.push(`${plural(nonPositive, 'point')} with a value <= 0 not shown on the log axis.`);

  const ys: number[] = [];
  const xs: number[] = [];
  plot.series.forEach((s, i) =>
    s.points.forEach((p, j) => {
      if (shown[i]![j]) (ys.push(p.y!), xs.push(p.x));
    }),
  );
  const hasData = ys.length > 0;
  // Markers and reference lines widen the axes so they show, but only around data.
  const markers = kind === 'bar' || !hasData ? [] : (plot.markers ?? []).filter((m) => Number.isFinite(m.x) && (xScale !== 'log' || m.x > 0));
  const refLines = !hasData ? [] : (plot.refLines ?? []).filter((r) => Number.isFinite(r.y) && (yScale !== 'log' || r.y > 0));
  for (const m of markers) xs.push(m.x);
  if (kind !== 'bar' && hasData) for (const x of plot.xExtent ?? []) if (Number.isFinite(x) && (xScale !== 'log' || x > 0)) xs.push(x);
  for (const r of refLines) ys.push(r.y);

  // Legend column on the right, as wide as the longest (truncated) name.
  const legendNames = plot.series.map((s) => truncate(s.name, LEGEND_MAX_CHARS));
  const legendWidthPx = LEGEND_SWATCH_PX + 8 + Math.max(0, ...legendNames.map(codePoints)) * CHAR_PX + PAD_PX;
  const heightPx = Math.max(HEIGHT_PX, PAD_PX * 2 + plot.series.length * LEGEND_ROW_PX);

  const top = PAD_PX + 6;
  const bottom = heightPx - (PAD_PX + FONT_PX + 8 + FONT_PX + TICK_PX + 6);
  const plotHeightPx = bottom - top;

  // y first: its tick labels decide the left margin.
  const yRange = kind === 'bar' && yScale === 'linear' ? [Math.min(0, min(ys)), Math.max(0, max(ys))] : [min(ys), max(ys)];
  const yAxis = hasData
    ? yScale === 'log'
      ? logAxis(yRange[0]!, yRange[1]!, Math.max(2, Math.floor(plotHeightPx / 30)))
      : linearAxis(yRange[0]!, yRange[1]!, Math.max(2, Math.floor(plotHeightPx / 55)))
    : linearAxis(0, 1, 2);
  const yLabelWidthPx = Math.max(...yAxis.ticks.map((t) => t.label.length)) * CHAR_PX;
  const left = PAD_PX + FONT_PX + 10 + yLabelWidthPx + TICK_PX + 4;
  const right = WIDTH_PX - legendWidthPx - PAD_PX;
  const plotWidthPx = right - left;

  // x: categories for bars, numbers otherwise; fewer ticks when their labels would collide.
  const categories = kind === 'bar' ? distinct(plot.series.flatMap((s) => s.points.map((p) => p.x))) : [];
  let xAxis: Axis;
  if (kind === 'bar') {
    xAxis = bandAxis(categories, plotWidthPx);
  } else if (!hasData) {
    xAxis = linearAxis(0, 1, 2);
  } else {
    let target = Math.max(2, Math.floor(plotWidthPx / 70));
    for (;;) {
      xAxis = xScale === 'log' ? logAxis(min(xs), max(xs), target) : linearAxis(min(xs), max(xs), target);
      const labels = xAxis.ticks.filter((t) => t.label !== '');
      const widest = Math.max(...labels.map((t) => t.label.length)) * CHAR_PX + 12;
      if (target <= 2 || widest * labels.length <= plotWidthPx) break;
      target--;
    }
  }

  const xPx = (v: number): number => left + xAxis.fraction(v) * plotWidthPx;
  const yPx = (v: number): number => bottom - yAxis.fraction(v) * plotHeightPx;

  const out: string[] = [];
  const clipId = `emu-plot-${index}-clip`;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="plot" data-plot-id="${escapeXml(plot.id)}" data-kind="${kind}"` +
      ` width="${WIDTH_PX}" height="${heightPx}" viewBox="0 0 ${WIDTH_PX} ${heightPx}"` +
      ` font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif" font-size="${FONT_PX}"` +
      ` aria-labelledby="emu-plot-${index}-title">`,
  );
  out.push(`<clipPath id="${clipId}"><rect x="${n(left)}" y="${n(top)}" width="${n(plotWidthPx)}" height="${n(plotHeightPx)}"/></clipPath>`);
  out.push(`<rect class="plot-area" x="${n(left)}" y="${n(top)}" width="${n(plotWidthPx)}" height="${n(plotHeightPx)}" fill="#fff"/>`);

  // Gridlines and ticks.
  out.push('<g class="grid" stroke-width="1">');
  for (const t of yAxis.ticks) {
    if (!t.major && !yAxis.minorGrid) continue;
    const y = n(yPx(t.value));
    out.push(`<line x1="${n(left)}" x2="${n(right)}" y1="${y}" y2="${y}" stroke="${t.major ? '#dddddd' : '#f0f0f0'}"/>`);
  }
  if (kind !== 'bar') {
    for (const t of xAxis.ticks) {
      if (!t.major && !xAxis.minorGrid) continue;
      const x = n(xPx(t.value));
      out.push(`<line x1="${x}" x2="${x}" y1="${n(top)}" y2="${n(bottom)}" stroke="${t.major ? '#dddddd' : '#f0f0f0'}"/>`);
    }
  }
  out.push('</g>');

  out.push('<g class="axis y-axis" fill="#333">');
  out.push(`<line x1="${n(left)}" x2="${n(left)}" y1="${n(top)}" y2="${n(bottom)}" stroke="#555"/>`);
  for (const t of yAxis.ticks) {
    const y = n(yPx(t.value));
    const len = t.major ? TICK_PX : TICK_PX - 2;
    out.push(`<line x1="${n(left - len)}" x2="${n(left)}" y1="${y}" y2="${y}" stroke="#555"/>`);
    if (t.label) out.push(`<text x="${n(left - TICK_PX - 3)}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeXml(t.label)}</text>`);
  }
  const yLabelX = PAD_PX + FONT_PX / 2;
  out.push(
    `<text class="axis-label" x="${n(yLabelX)}" y="${n((top + bottom) / 2)}" text-anchor="middle" dominant-baseline="middle"` +
      ` transform="rotate(-90 ${n(yLabelX)} ${n((top + bottom) / 2)})">${escapeXml(plot.yLabel)}</text>`,
  );
  out.push('</g>');

  out.push('<g class="axis x-axis" fill="#333">');
  out.push(`<line x1="${n(left)}" x2="${n(right)}" y1="${n(bottom)}" y2="${n(bottom)}" stroke="#555"/>`);
  for (const t of xAxis.ticks) {
    const x = n(xPx(t.value));
    const len = t.major ? TICK_PX : TICK_PX - 2;
    out.push(`<line x1="${x}" x2="${x}" y1="${n(bottom)}" y2="${n(bottom + len)}" stroke="#555"/>`);
    if (t.label) out.push(`<text x="${x}" y="${n(bottom + TICK_PX + FONT_PX + 2)}" text-anchor="middle">${escapeXml(t.label)}</text>`);
  }
  out.push(`<text class="axis-label" x="${n((left + right) / 2)}" y="${n(heightPx - PAD_PX)}" text-anchor="middle">${escapeXml(plot.xLabel)}</text>`);
  out.push('</g>');

  if (!hasData) {
    out.push(`<text class="no-data" x="${n((left + right) / 2)}" y="${n((top + bottom) / 2)}" text-anchor="middle" fill="#777">${NO_DATA}</text>`);
  }

  if (refLines.length > 0 || markers.length > 0) out.push(renderGuides(markers, refLines, { left, right, top, bottom, xPx, yPx }));

  // Series: lines are clipped to the plot area (they never leave it, but a
  // rounding pixel should not spill over the axes); markers are not, so a
  // point on the edge shows whole.
  const baseline = yScale === 'log' ? bottom : yPx(0);
  const bandPx = categories.length > 0 ? plotWidthPx / categories.length : 0;
  const groupPx = bandPx * 0.8;
  const barPx = plot.series.length > 0 ? groupPx / plot.series.length : 0;
  const barGapPx = barPx > 6 ? 1 : 0;
  plot.series.forEach((s, i) => {
    const colour = SERIES_COLOURS[i % SERIES_COLOURS.length]!;
    const dash = DASHES[Math.floor(i / SERIES_COLOURS.length) % DASHES.length]!;
    const barStyle = barStyleOf(i, colour);
    out.push(`<g class="series" data-series="${escapeXml(s.name)}" data-series-index="${i}" fill="${colour}" stroke="${colour}">`);
    const title = (p: PlotPoint): string =>
      `<title>${escapeXml(`${s.name}: ${plot.xLabel} ${formatNumber(p.x)}, ${plot.yLabel} ${formatNumber(p.y!)}`)}</title>`;
    const data = (p: PlotPoint): string => `data-x="${String(p.x)}" data-y="${String(p.y)}"`;
    if (kind === 'bar') {
      s.points.forEach((p, j) => {
        if (!shown[i]![j]) return;
        const x = left + categories.indexOf(p.x) * bandPx + (bandPx - groupPx) / 2 + i * barPx + barGapPx / 2;
        const y = yPx(p.y!);
        const [y0, y1] = y < baseline ? [y, baseline] : [baseline, y];
        out.push(
          `<rect class="point" ${data(p)} x="${n(x)}" y="${n(y0)}" width="${n(barPx - barGapPx)}" height="${n(y1 - y0)}"${barStyle}>${title(p)}</rect>`,
        );
      });
    } else {
      let d = '';
      let pen = false;
      let lastY = '';
      const style = s.style ?? 'line';
      s.points.forEach((p, j) => {
        if (!shown[i]![j] || style === 'points') return void (pen = false);
        const y = n(yPx(p.y!));
        // A step holds the previous value up to this x, then jumps.
        if (pen && style === 'step') d += `L${n(xPx(p.x))} ${lastY}`;
        d += `${pen ? 'L' : 'M'}${n(xPx(p.x))} ${y}`;
        pen = true;
        lastY = y;
      });
      if (d !== '') {
        out.push(
          `<path d="${d}" fill="none" stroke-width="2" stroke-linejoin="round"${dash ? ` stroke-dasharray="${dash}"` : ''} clip-path="url(#${clipId})"/>`,
        );
      }
      s.points.forEach((p, j) => {
        if (!shown[i]![j]) return;
        out.push(
          `<circle class="point" ${data(p)} cx="${n(xPx(p.x))}" cy="${n(yPx(p.y!))}" r="${MARKER_RADIUS_PX}" stroke="#fff" stroke-width="1">${title(p)}</circle>`,
        );
      });
    }
    out.push('</g>');
  });

  // Legend.
  const legendX = right + PAD_PX;
  out.push('<g class="legend">');
  plot.series.forEach((s, i) => {
    const colour = SERIES_COLOURS[i % SERIES_COLOURS.length]!;
    const dash = DASHES[Math.floor(i / SERIES_COLOURS.length) % DASHES.length]!;
    const y = top + i * LEGEND_ROW_PX + LEGEND_ROW_PX / 2;
    const swatch =
      kind === 'bar'
        ? `<rect x="${n(legendX + 5)}" y="${n(y - 6)}" width="12" height="12" fill="${colour}"${barStyleOf(i, colour)}/>`
        : (s.style === 'points' ? '' : `<line x1="${n(legendX)}" x2="${n(legendX + LEGEND_SWATCH_PX)}" y1="${n(y)}" y2="${n(y)}" stroke="${colour}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`) +
          `<circle cx="${n(legendX + LEGEND_SWATCH_PX / 2)}" cy="${n(y)}" r="${MARKER_RADIUS_PX}" fill="${colour}" stroke="#fff" stroke-width="1"/>`;
    const full = legendNames[i] === s.name ? '' : `<title>${escapeXml(s.name)}</title>`;
    out.push(
      `<g class="legend-entry" data-legend="${escapeXml(s.name)}">${full}${swatch}` +
        `<text x="${n(legendX + LEGEND_SWATCH_PX + 6)}" y="${n(y)}" dominant-baseline="middle" fill="#222">${escapeXml(legendNames[i]!)}</text></g>`,
    );
  });
  out.push('</g>');
  out.push('</svg>');
  return { svg: out.join('\n'), notes };
}

const GUIDE_FONT_PX = 10;
const GUIDE_COLOUR = '#666666';

/**
 * Event markers (dashed vertical lines, labels staggered over three rows at
 * the top so neighbours do not print on top of each other) and reference
 * lines (dashed horizontal lines, labelled at the right end), under the series.
 */
function renderGuides(
  markers: PlotMarker[],
  refLines: RefLine[],
  g: { left: number; right: number; top: number; bottom: number; xPx: (v: number) => number; yPx: (v: number) => number },
): string {
  const out: string[] = [];
  out.push(`<g class="guides" font-size="${GUIDE_FONT_PX}">`);
  for (const r of refLines) {
    const colour = r.seriesIndex === undefined ? GUIDE_COLOUR : SERIES_COLOURS[r.seriesIndex % SERIES_COLOURS.length]!;
    const y = g.yPx(r.y);
    out.push(
      `<g class="ref-line" data-ref-y="${String(r.y)}" data-label="${escapeXml(r.label)}"><title>${escapeXml(`${r.label}: ${formatNumber(r.y)}`)}</title>` +
        `<line x1="${n(g.left)}" x2="${n(g.right)}" y1="${n(y)}" y2="${n(y)}" stroke="${colour}" stroke-width="1.5" stroke-dasharray="6 4"/>` +
        `<text x="${n(g.right - 4)}" y="${n(y - 4)}" text-anchor="end" fill="${colour}">${escapeXml(truncate(r.label, LEGEND_MAX_CHARS))}</text></g>`,
    );
  }
  markers.forEach((m, i) => {
    const x = g.xPx(m.x);
    const label = truncate(m.label, 24);
    const fitsRight = x + 3 + codePoints(label) * GUIDE_FONT_PX * 0.6 <= g.right;
    const ty = g.top + GUIDE_FONT_PX + 2 + (i % 3) * (GUIDE_FONT_PX + 2);
    out.push(
      `<g class="event-marker" data-event-x="${String(m.x)}" data-label="${escapeXml(m.label)}"><title>${escapeXml(`${m.label} at ${formatNumber(m.x)}`)}</title>` +
        `<line x1="${n(x)}" x2="${n(x)}" y1="${n(g.top)}" y2="${n(g.bottom)}" stroke="${GUIDE_COLOUR}" stroke-width="1" stroke-dasharray="4 3"/>` +
        `<text x="${n(fitsRight ? x + 3 : x - 3)}" y="${n(ty)}" text-anchor="${fitsRight ? 'start' : 'end'}" fill="#444">${escapeXml(label)}</text></g>`,
    );
  });
  out.push('</g>');
  return out.join('\n');
}

/** Bars of the 2nd, 4th... round through the palette are lighter with an outline. */
function barStyleOf(seriesIndex: number, colour: string): string {
  const round = Math.floor(seriesIndex / SERIES_COLOURS.length);
  return round % 2 === 1 ? ` fill-opacity="0.35" stroke="${colour}" stroke-width="1"` : ' stroke="none"';
}

/**
 * A linear axis over [lo, hi] with "nice" ticks: steps of 1, 2 or 5 times a
 * power of ten, the one nearest (geometrically) to giving `target` steps, the
 * ends rounded out to whole steps.
 */
function linearAxis(lo: number, hi: number, target: number): Axis {
  if (lo === hi) {
    // A single value: widen to a range around it (from 0 when it is 0).
    const half = lo === 0 ? 0.5 : Math.abs(lo) * 0.1;
    lo = lo === 0 ? 0 : lo - half;
    hi = hi === 0 ? 1 : hi + half;
  }
  const raw = (hi - lo) / target;
  let k = Math.floor(Math.log10(raw));
  const f = raw / 10 ** k;
  // Thresholds at the geometric midpoints between 1, 2, 5 and 10.
  let m = f >= Math.sqrt(50) ? 10 : f >= Math.sqrt(10) ? 5 : f >= Math.sqrt(2) ? 2 : 1;
  if (m === 10) (m = 1), k++;
  // step = m * 10^k; values are computed as integer * power (or integer / power)
  // so that ticks land on the doubles nearest the decimals (0.3, not 0.30000000000000004).
  const value = (i: number): number => (k >= 0 ? i * m * 10 ** k : (i * m) / 10 ** -k);
  const step = value(1);
  const eps = 1e-9;
  const first = Math.floor(lo / step + eps);
  const last = Math.ceil(hi / step - eps);
  const values: number[] = [];
  for (let i = first; i <= last; i++) values.push(value(i));
  const domainLo = values[0]!;
  const domainHi = values[values.length - 1]!;
  const labels = linearLabels(values, k);
  return {
    ticks: values.map((v, i) => ({ value: v, label: labels[i]!, major: true })),
    minorGrid: false,
    fraction: (v) => (v - domainLo) / (domainHi - domainLo),
  };
}

const LARGE_SUFFIXES = ['', 'k', 'M', 'G', 'T', 'P', 'E'];

/**
 * Labels for ticks `step = m * 10^k` apart: with as many decimals as the step
 * needs; axes reaching 10 000 or more use one k/M/G/T suffix for all labels
 * (0, 5M, 10M, 15M) so labels stay short; tiny values use exponent form.
 */
function linearLabels(values: number[], k: number): string[] {
  const maxAbs = Math.max(...values.map(Math.abs));
  if (maxAbs >= 1e4) {
    const e3 = Math.min(3 * (LARGE_SUFFIXES.length - 1), Math.floor(Math.log10(maxAbs) / 3) * 3);
    const decimals = Math.max(0, e3 - k);
    return values.map((v) => (v === 0 ? '0' : zeroless((v / 10 ** e3).toFixed(decimals)) + LARGE_SUFFIXES[e3 / 3]));
  }
  const decimals = Math.max(0, -k);
  return values.map((v) => (decimals <= 6 ? zeroless(v.toFixed(decimals)) : String(Number(v.toFixed(Math.min(decimals, 100))))));
}

/**
 * A log10 axis from the power of ten at or below lo to the one at or above
 * hi. Major ticks at powers of ten (every `stride`-th one when there are more
 * than `target` decades), minor ticks at 2..9 times each power when decades
 * are few enough to show them; when the axis spans at most two decades the
 * 2x and 5x ticks are labelled too, so it never has only two labels.
 */
function logAxis(lo: number, hi: number, target: number): Axis {
  let eLo = Math.floor(Math.log10(lo));
  let eHi = Math.ceil(Math.log10(hi));
  // log10 can be an ulp off at exact powers; nudge so the domain still covers the data.
  if (pow10(eLo) > lo) eLo--;
  if (pow10(eHi) < hi) eHi++;
  if (eHi === eLo) eHi++;
  const decades = eHi - eLo;
  const stride = Math.max(1, Math.ceil(decades / target));
  const labelMinors = decades <= 2;
  const ticks: Tick[] = [];
  for (let e = eLo; e <= eHi; e++) {
    const isMajor = (e - eLo) % stride === 0;
    ticks.push({ value: pow10(e), label: isMajor ? logLabel(1, e) : '', major: isMajor });
    if (e === eHi || decades > 6) continue;
    for (let m = 2; m <= 9; m++) {
      const labelled = labelMinors && (m === 2 || m === 5);
      ticks.push({ value: m * pow10(e), label: labelled ? logLabel(m, e) : '', major: false });
    }
  }
  const logLo = eLo;
  // Minor gridlines on more than three decades make a dense mesh; their tick marks stay.
  return { ticks, minorGrid: decades <= 3, fraction: (v) => (Math.log10(v) - logLo) / decades };
}

/** m * 10^e: plain decimals from 0.001 to 9999, k/M/G... suffixes above, exponent form below. */
function logLabel(m: number, e: number): string {
  if (e >= 4) {
    const e3 = Math.min(3 * (LARGE_SUFFIXES.length - 1), Math.floor(e / 3) * 3);
    return String(m * 10 ** (e - e3)) + LARGE_SUFFIXES[e3 / 3];
  }
  if (e >= -3) return String(Number(`${m}e${e}`));
  return `${m}e${e}`;
}

/**
 * Categories spread evenly, one band each, labelled at the band's centre;
 * when labels would collide only every n-th is shown.
 */
function bandAxis(categories: number[], widthPx: number): Axis {
  const count = Math.max(1, categories.length);
  const labels = categories.map((c) => formatNumber(c));
  const widest = Math.max(0, ...labels.map((l) => l.length)) * CHAR_PX + 8;
  const every = Math.max(1, Math.ceil((widest * count) / widthPx));
  return {
    ticks: categories.map((c, i) => ({ value: c, label: i % every === 0 ? labels[i]! : '', major: true })),
    minorGrid: false,
    fraction: (v) => (categories.indexOf(v) + 0.5) / count,
  };
}

/** The double nearest 10^e (parsed from decimal text, more exact than 10 ** e for e < 0). */
function pow10(e: number): number {
  return Number(`1e${e}`);
}

/** A pixel coordinate with at most two decimals, e.g. '12.35'. */
function n(v: number): string {
  return String(Math.round(v * 100) / 100);
}

function zeroless(s: string): string {
  return s === '-0' || /^-0\.0*$/.test(s) ? s.slice(1) : s;
}

function codePoints(s: string): number {
  return [...s].length;
}

function truncate(s: string, maxChars: number): string {
  const chars = [...s];
  return chars.length <= maxChars ? s : chars.slice(0, maxChars - 1).join('') + '\u2026';
}

function distinct(values: number[]): number[] {
  const seen: number[] = [];
  for (const v of values) if (!seen.includes(v)) seen.push(v);
  return seen;
}

function min(values: number[]): number {
  return values.reduce((a, b) => (b < a ? b : a), Infinity);
}

function max(values: number[]): number {
  return values.reduce((a, b) => (b > a ? b : a), -Infinity);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
