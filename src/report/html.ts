/**
 * Self-contained HTML reports (`--report FILE`): one file with inline CSS and
 * inline SVG plots, no script needed to read it, no network, no external
 * fonts, so it opens offline, prints, and can be attached to an issue. COLD
 * code: runs once per report.
 *
 * Deterministic: the output is a pure function of the document (no clock, no
 * randomness, no host details), so the same doc gives byte-identical HTML.
 * Dates, versions and seeds come in through `doc.meta`.
 *
 * Tools read the numbers back from `<script type="application/json"
 * id="emu-data">` (the `data` field), or from the `data-x`/`data-y`
 * attributes of the plots' point elements. See docs/report.md.
 */
import { escapeXml, renderSvgPlot, type Plot, type Series } from './svg-plot.js';
import { formatNumber, NO_VALUE } from './table.js';

export type { AxisScale, Plot, PlotKind, PlotPoint, Series } from './svg-plot.js';

export interface ReportTable {
  title: string;
  columns: string[];
  /** null (and NaN) mean "no value" and render as NO_VALUE. */
  rows: (string | number | null)[][];
}

export interface ReportSection {
  heading: string;
  /** Plain text; a blank line starts a new paragraph. */
  text?: string;
  plots?: Plot[];
  tables?: ReportTable[];
}

export interface ReportDoc {
  title: string;
  subtitle?: string;
  /** Shown under the title in this order, e.g. scenario, seed, emu version, date (passed in: the renderer never reads a clock). */
  meta: { label: string; value: string }[];
  sections: ReportSection[];
  /** Embedded as JSON in `<script type="application/json" id="emu-data">` for tools; omitted when undefined. */
  data?: unknown;
}

/**
 * Renders the whole report as one HTML document (UTF-8, ending in '\n').
 * Throws one RangeError listing every problem (with its path, e.g.
 * `sections[1].plots[0].series[2].points[4].x must be a finite number`)
 * when the document is malformed.
 */
export function renderHtmlReport(doc: ReportDoc): string {
  const problems = validate(doc);
  const dataJson = doc.data === undefined ? undefined : embedJson(doc.data, problems);
  if (problems.length > 0) {
    throw new RangeError(`invalid report document (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n- ${problems.join('\n- ')}`);
  }

  const out: string[] = [];
  out.push('<!DOCTYPE html>');
  out.push('<html lang="en">');
  out.push('<head>');
  out.push('<meta charset="utf-8">');
  out.push('<meta name="viewport" content="width=device-width, initial-scale=1">');
  out.push(`<title>${escapeXml(doc.title)}</title>`);
  out.push(`<style>\n${CSS}</style>`);
  out.push('</head>');
  out.push('<body>');

  out.push('<header>');
  out.push(`<h1>${escapeXml(doc.title)}</h1>`);
  if (doc.subtitle) out.push(`<p class="subtitle">${escapeXml(doc.subtitle)}</p>`);
  if (doc.meta.length > 0) {
    out.push('<dl class="meta">');
    for (const m of doc.meta) out.push(`<div><dt>${escapeXml(m.label)}</dt><dd>${escapeXml(m.value)}</dd></div>`);
    out.push('</dl>');
  }
  out.push('</header>');

  if (doc.sections.length > 1) {
    out.push('<nav class="toc" aria-label="Contents"><ol>');
    doc.sections.forEach((s, i) => out.push(`<li><a href="#section-${i + 1}">${escapeXml(s.heading)}</a></li>`));
    out.push('</ol></nav>');
  }

  out.push('<main>');
  let plotIndex = 0;
  doc.sections.forEach((section, i) => {
    out.push(`<section id="section-${i + 1}">`);
    out.push(`<h2>${escapeXml(section.heading)}</h2>`);
    for (const para of paragraphs(section.text ?? '')) out.push(`<p>${escapeXml(para)}</p>`);
    for (const plot of section.plots ?? []) out.push(renderFigure(plot, plotIndex++));
    for (const table of section.tables ?? []) out.push(renderTableHtml(table));
    out.push('</section>');
  });
  out.push('</main>');

  // No executable script: point values show as native SVG tooltips (<title>),
  // which need none, so the report behaves the same with JavaScript off.
  if (dataJson !== undefined) out.push(`<script type="application/json" id="emu-data">${dataJson}</script>`);
  out.push('</body>');
  out.push('</html>');
  return out.join('\n') + '\n';
}

function renderFigure(plot: Plot, index: number): string {
  const { svg, notes } = renderSvgPlot(plot, index);
  const out = [`<figure class="plot">`];
  out.push(`<figcaption id="emu-plot-${index}-title">${escapeXml(plot.title)}</figcaption>`);
  out.push(svg);
  const allNotes = plot.note ? [plot.note, ...notes] : notes;
  for (const note of allNotes) out.push(`<p class="note">${escapeXml(note)}</p>`);
  out.push('</figure>');
  return out.join('\n');
}

/** Same conventions as the terminal tables (`renderTable`): numbers right-aligned via formatNumber, null as NO_VALUE. */
function renderTableHtml(table: ReportTable): string {
  const numeric = table.columns.map((_, col) => table.rows.some((row) => typeof row[col] === 'number'));
  const header = table.columns.map((c, col) => `<th scope="col"${numeric[col] ? ' class="num"' : ''}>${escapeXml(c)}</th>`);
  const out = ['<div class="table-wrap">', '<table>', `<caption>${escapeXml(table.title)}</caption>`];
  out.push(`<thead><tr>${header.join('')}</tr></thead>`, '<tbody>');
  for (const row of table.rows) {
    const cells = row.map((cell, col) => {
      if (cell === null || (typeof cell === 'number' && Number.isNaN(cell))) {
        return `<td class="${numeric[col] ? 'num ' : ''}none">${NO_VALUE}</td>`;
      }
      if (typeof cell === 'number') return `<td class="num" data-value="${String(cell)}">${escapeXml(formatNumber(cell))}</td>`;
      return `<td${numeric[col] ? ' class="num"' : ''}>${escapeXml(cell)}</td>`;
    });
    out.push(`<tr>${cells.join('')}</tr>`);
  }
  out.push('</tbody>', '</table>', '</div>');
  return out.join('\n');
}

/**
 * JSON safe inside a <script> element: '<', '>' and '&' become \u escapes
 * (valid JSON, so JSON.parse gives the same value back) and so do U+2028/9.
 * A `</script>` inside a string therefore cannot end the element.
 * Non-finite numbers become null, as JSON.stringify does everywhere.
 */
function embedJson(data: unknown, problems: string[]): string | undefined {
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (err) {
    problems.push(`data is not JSON-serialisable: ${(err as Error).message}`);
    return undefined;
  }
  if (json === undefined) {
    problems.push('data is not JSON-serialisable (a function or symbol)');
    return undefined;
  }
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function paragraphs(text: string): string[] {
  return text
    .split(/\r?\n\s*\r?\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/** Every problem in the document, each with its path; empty when it is fine. */
function validate(doc: ReportDoc): string[] {
  const problems: string[] = [];
  const isString = (v: unknown): v is string => typeof v === 'string';
  if (!isString(doc.title)) problems.push('title must be a string');
  if (doc.subtitle !== undefined && !isString(doc.subtitle)) problems.push('subtitle must be a string');
  if (!Array.isArray(doc.meta)) problems.push('meta must be an array');
  else {
    doc.meta.forEach((m, i) => {
      if (!isString(m?.label)) problems.push(`meta[${i}].label must be a string`);
      if (!isString(m?.value)) problems.push(`meta[${i}].value must be a string`);
    });
  }
  if (!Array.isArray(doc.sections)) {
    problems.push('sections must be an array');
    return problems;
  }
  const plotIds = new Map<string, string>();
  doc.sections.forEach((section, i) => {
    const at = `sections[${i}]`;
    if (!isString(section.heading)) problems.push(`${at}.heading must be a string`);
    if (section.text !== undefined && !isString(section.text)) problems.push(`${at}.text must be a string`);
    (section.plots ?? []).forEach((plot, j) => {
      const pat = `${at}.plots[${j}]`;
      if (!isString(plot.id) || plot.id === '') problems.push(`${pat}.id must be a non-empty string`);
      else if (plotIds.has(plot.id)) problems.push(`${pat}.id "${plot.id}" is already used by ${plotIds.get(plot.id)}`);
      else plotIds.set(plot.id, pat);
      for (const key of ['title', 'xLabel', 'yLabel'] as const) {
        if (!isString(plot[key])) problems.push(`${pat}.${key} must be a string`);
      }
      if (plot.note !== undefined && !isString(plot.note)) problems.push(`${pat}.note must be a string`);
      for (const key of ['xScale', 'yScale'] as const) {
        const v = plot[key];
        if (v !== undefined && v !== 'linear' && v !== 'log') problems.push(`${pat}.${key} must be 'linear' or 'log'`);
      }
      if (plot.kind !== undefined && plot.kind !== 'line' && plot.kind !== 'bar') problems.push(`${pat}.kind must be 'line' or 'bar'`);
      if (!Array.isArray(plot.series)) problems.push(`${pat}.series must be an array`);
      else plot.series.forEach((s, k) => validateSeries(s, `${pat}.series[${k}]`, problems));
    });
    (section.tables ?? []).forEach((table, j) => {
      const tat = `${at}.tables[${j}]`;
      if (!isString(table.title)) problems.push(`${tat}.title must be a string`);
      if (!Array.isArray(table.columns) || !table.columns.every(isString)) problems.push(`${tat}.columns must be an array of strings`);
      if (!Array.isArray(table.rows)) {
        problems.push(`${tat}.rows must be an array`);
        return;
      }
      table.rows.forEach((row, r) => {
        if (!Array.isArray(row)) return void problems.push(`${tat}.rows[${r}] must be an array`);
        if (Array.isArray(table.columns) && row.length !== table.columns.length) {
          problems.push(`${tat}.rows[${r}] has ${row.length} cells, expected ${table.columns.length} (one per column)`);
        }
        row.forEach((cell, c) => {
          if (cell !== null && typeof cell !== 'number' && !isString(cell)) {
            problems.push(`${tat}.rows[${r}][${c}] must be a string, a number or null`);
          }
        });
      });
    });
  });
  return problems;
}

function validateSeries(s: Series, at: string, problems: string[]): void {
  if (typeof s?.name !== 'string') problems.push(`${at}.name must be a string`);
  if (!Array.isArray(s?.points)) return void problems.push(`${at}.points must be an array`);
  s.points.forEach((p, i) => {
    if (typeof p?.x !== 'number' || !Number.isFinite(p.x)) problems.push(`${at}.points[${i}].x must be a finite number`);
    if (p?.y !== null && typeof p?.y !== 'number') problems.push(`${at}.points[${i}].y must be a number or null`);
  });
}

/** Inline so the file stands alone; system fonts only. */
const CSS = `:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #222; background: #fff; line-height: 1.45; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 0.25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.5rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
.subtitle { color: #555; margin: 0 0 1rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 1rem; margin: 0 0 1.5rem; font-size: 0.9rem; }
dl.meta div { display: contents; }
dl.meta dt { color: #555; }
dl.meta dd { margin: 0; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
nav.toc ol { margin: 0 0 1rem; padding-left: 1.5rem; }
figure.plot { margin: 1.5rem 0; }
figure.plot figcaption { font-weight: 600; margin-bottom: 0.25rem; }
figure.plot svg { display: block; max-width: 100%; height: auto; }
.note { font-size: 0.85rem; color: #555; margin: 0.25rem 0; }
.table-wrap { overflow-x: auto; margin: 1rem 0; }
table { border-collapse: collapse; font-size: 0.9rem; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.25rem; }
th, td { padding: 0.2rem 0.6rem; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
th { border-bottom: 2px solid #999; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.none { color: #888; }
@page { margin: 15mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; }
  nav.toc { display: none; }
  h2 { break-after: avoid; }
  figure.plot, .table-wrap { break-inside: avoid; }
  .table-wrap { overflow: visible; }
  svg { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
`;
