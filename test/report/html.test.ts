/**
 * Structure of the HTML report, read back from the markup with small regex
 * helpers (the renderer's output format is ours, and the project has no DOM
 * library). What it looks like in a real browser: html.browser.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { renderHtmlReport, type Plot, type ReportDoc } from '../../src/report/html.js';

/** Attributes of the first tag in `tag`, e.g. '<circle class="point" data-x="64" ...>'. */
function attrs(tag: string): Record<string, string> {
  const open = tag.slice(0, tag.indexOf('>') + 1);
  return Object.fromEntries([...open.matchAll(/\s([\w:-]+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
}

/** Every `<svg ...>...</svg>` in the page. */
function svgs(html: string): string[] {
  return [...html.matchAll(/<svg\b[\s\S]*?<\/svg>/g)].map((m) => m[0]);
}

/** Series groups of one svg: the group's attributes and its point elements' attributes. */
function seriesOf(svg: string): { attrs: Record<string, string>; points: Record<string, string>[] }[] {
  return [...svg.matchAll(/<g class="series"[^>]*>[\s\S]*?<\/g>/g)].map((m) => ({
    attrs: attrs(m[0]),
    points: [...m[0].matchAll(/<(?:circle|rect)\b[^>]*data-x="[^"]*"[^>]*>/g)].map((p) => attrs(p[0])),
  }));
}

function unescape(s: string): string {
  return s.replace(/&(lt|gt|quot|#39|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[e]!);
}

function texts(svg: string, cls: string): string[] {
  return [...svg.matchAll(new RegExp(`<g class="${cls}"[^>]*>([\\s\\S]*?)</g>`, 'g'))].flatMap((g) =>
    [...g[1]!.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((t) => unescape(t[1]!)),
  );
}

const linePlot: Plot = {
  id: 'tput',
  title: 'Throughput by frame size',
  xLabel: 'frame size (B)',
  yLabel: 'throughput (Mpps)',
  series: [
    { name: 'RTC', points: [{ x: 64, y: 14.2 }, { x: 128, y: 8.4 }, { x: 256, y: null }, { x: 512, y: 2.35 }, { x: 1518, y: 0.81 }] },
    { name: 'pipeline', points: [{ x: 64, y: 11 }, { x: 128, y: 8.1 }, { x: 256, y: 4.5 }, { x: 512, y: 2.3 }, { x: 1518, y: 0.8 }] },
  ],
};

const logPlot: Plot = {
  id: 'lat',
  title: 'p99 latency vs state size',
  xLabel: 'state (entries)',
  yLabel: 'p99 latency (ns)',
  xScale: 'log',
  yScale: 'log',
  series: [{ name: 'RTC', points: [{ x: 16, y: 900 }, { x: 1024, y: 1800 }, { x: 65536, y: 25_000 }, { x: 1_048_576, y: 420_000 }] }],
};

const barPlot: Plot = {
  id: 'bars',
  title: 'Mpps by model',
  xLabel: 'frame size (B)',
  yLabel: 'Mpps',
  kind: 'bar',
  series: [
    { name: 'RTC', points: [{ x: 64, y: 14 }, { x: 1518, y: 0.8 }] },
    { name: 'pipeline', points: [{ x: 64, y: 11 }, { x: 256, y: 4.5 }, { x: 1518, y: null }] },
    { name: 'hybrid', points: [{ x: 256, y: 5 }, { x: 64, y: 12.5 }] },
  ],
};

function doc(over: Partial<ReportDoc> = {}): ReportDoc {
  return {
    title: 'rtc-vs-pl',
    subtitle: 'Run-to-completion versus pipeline',
    meta: [
      { label: 'scenario', value: 'rtc-vs-pl' },
      { label: 'seed', value: '42' },
      { label: 'emu version', value: '0.1.0' },
      { label: 'date', value: '2025-01-02' },
    ],
    sections: [
      { heading: 'Throughput', text: 'First paragraph.\n\nSecond paragraph.', plots: [linePlot, barPlot] },
      {
        heading: 'Latency',
        plots: [logPlot],
        tables: [{ title: 'Summary', columns: ['model', 'Mpps', 'p99 (ns)'], rows: [['RTC', 14.2, 900], ['pipeline', 11.123456, null]] }],
      },
    ],
    data: { points: [{ label: '64B RTC', mpps: 14.2 }] },
    ...over,
  };
}

describe('renderHtmlReport', () => {
  const html = renderHtmlReport(doc());

  it('is a complete, self-contained HTML document', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    expect(html.endsWith('</html>\n')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('<title>rtc-vs-pl</title>');
    expect(html).toContain('<style>');
    // Nothing fetched from anywhere: no external scripts, styles, images or fonts.
    expect(html).not.toMatch(/<script\b[^>]*\bsrc=|<link\b|<img\b|@import|url\((?!#)/);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg")/);
    // No executable script at all: the only script element is the JSON data block.
    expect([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])).toEqual(['<script type="application/json" id="emu-data">']);
  });

  it('shows the meta block, subtitle, paragraphs and a contents list', () => {
    expect(html).toContain('<div><dt>seed</dt><dd>42</dd></div>');
    expect(html).toContain('<div><dt>date</dt><dd>2025-01-02</dd></div>');
    expect(html).toContain('<p class="subtitle">Run-to-completion versus pipeline</p>');
    expect(html).toContain('<p>First paragraph.</p>\n<p>Second paragraph.</p>');
    expect(html).toContain('<li><a href="#section-2">Latency</a></li>');
    expect(html).toContain('<section id="section-2">');
  });

  it('renders one svg per plot, in order, with its id and caption', () => {
    const all = svgs(html);
    expect(all.map((s) => attrs(s)['data-plot-id'])).toEqual(['tput', 'bars', 'lat']);
    expect(html).toContain('<figcaption id="emu-plot-0-title">Throughput by frame size</figcaption>');
    for (const s of all) expect(attrs(s)['viewBox']).toMatch(/^0 0 \d+ \d+$/);
  });

  it('draws one marker per value with exact data-x/data-y, skipping nulls, one legend entry per series', () => {
    const svg = svgs(html)[0]!;
    const series = seriesOf(svg);
    expect(series.map((s) => s.attrs['data-series'])).toEqual(['RTC', 'pipeline']);
    expect(series[0]!.points.map((p) => [Number(p['data-x']), Number(p['data-y'])])).toEqual([
      [64, 14.2],
      [128, 8.4],
      [512, 2.35],
      [1518, 0.81],
    ]);
    expect(series[1]!.points).toHaveLength(5);
    expect(series[0]!.points.every((p) => p['cx'] !== undefined && p['r'] !== undefined)).toBe(true);
    expect(texts(svg, 'legend-entry')).toEqual(['RTC', 'pipeline']);
    // Distinct colours from the palette.
    expect(series[0]!.attrs['stroke']).not.toBe(series[1]!.attrs['stroke']);
    // Point tooltips without script.
    expect(svg).toContain('<title>RTC: frame size (B) 64, throughput (Mpps) 14.2</title>');
  });

  it('breaks the line at a null (a gap), not across it', () => {
    const svg = svgs(html)[0]!;
    const paths = [...svg.matchAll(/<path d="([^"]+)"/g)].map((m) => m[1]!);
    expect(paths).toHaveLength(2);
    // RTC: 64, 128, then a new sub-path from 512 (two M commands); pipeline is one run.
    expect(paths[0]!.match(/M/g)).toHaveLength(2);
    expect(paths[0]!.match(/L/g)).toHaveLength(2);
    expect(paths[1]!.match(/M/g)).toHaveLength(1);
    expect(paths[1]!.match(/L/g)).toHaveLength(4);
  });

  it('puts linear ticks on nice values and maps larger y higher on screen', () => {
    const svg = svgs(html)[0]!;
    const yLabels = texts(svg, 'axis y-axis');
    expect(yLabels).toEqual(['0', '2', '4', '6', '8', '10', '12', '14', '16', 'throughput (Mpps)']);
    const xLabels = texts(svg, 'axis x-axis');
    expect(xLabels.at(-1)).toBe('frame size (B)');
    expect(xLabels.slice(0, -1).map(Number).every((v) => v % 100 === 0)).toBe(true);
    const pts = seriesOf(svg)[0]!.points;
    const cy = (x: string) => Number(pts.find((p) => p['data-x'] === x)!['cy']);
    expect(cy('64')).toBeLessThan(cy('128'));
    expect(cy('128')).toBeLessThan(cy('512'));
  });

  it('puts log ticks at powers of ten with unlabelled minor ticks', () => {
    const svg = svgs(html)[2]!;
    const yLabels = texts(svg, 'axis y-axis').slice(0, -1);
    expect(yLabels).toEqual(['100', '1000', '10k', '100k', '1M']);
    const xLabels = texts(svg, 'axis x-axis').slice(0, -1);
    expect(xLabels).toEqual(['10', '100', '1000', '10k', '100k', '1M', '10M']);
    // Minor ticks: 8 per decade below the top one, on both axes.
    const yTicks = svg.match(/<g class="axis y-axis"[\s\S]*?<\/g>/)![0].match(/<line /g)!.length - 1; // minus the axis line
    expect(yTicks).toBe(5 + 4 * 8);
    // Equal ratios are equal distances.
    const cx = seriesOf(svg)[0]!.points.map((p) => Number(p['cx']));
    expect(cx[1]! - cx[0]!).toBeCloseTo(cx[2]! - cx[1]!, 1); // 16 -> 1024 -> 65536: x64 each
  });

  it('labels 2x and 5x ticks on a short log axis, and leaves out values <= 0 with a note', () => {
    const out = renderHtmlReport(
      doc({
        sections: [
          {
            heading: 's',
            plots: [
              {
                id: 'p',
                title: 't',
                xLabel: 'x',
                yLabel: 'y',
                yScale: 'log',
                series: [{ name: 'a', points: [{ x: 1, y: 12 }, { x: 2, y: 0 }, { x: 3, y: 80 }, { x: 4, y: -1 }] }],
              },
            ],
          },
        ],
      }),
    );
    const svg = svgs(out)[0]!;
    expect(texts(svg, 'axis y-axis').slice(0, -1)).toEqual(['10', '20', '50', '100']);
    expect(seriesOf(svg)[0]!.points.map((p) => p['data-x'])).toEqual(['1', '3']);
    expect(out).toContain('<p class="note">2 points with a value &lt;= 0 not shown on the log axis.</p>');
  });

  it('keeps tick labels short: one k/M/G suffix per axis for large values, exponents for tiny ones', () => {
    const yLabels = (ys: number[], yScale: 'linear' | 'log' = 'linear') => {
      const plot: Plot = { id: 'p', title: 't', xLabel: 'x', yLabel: 'y', yScale, series: [{ name: 'a', points: ys.map((y, i) => ({ x: i, y })) }] };
      return texts(svgs(renderHtmlReport(doc({ sections: [{ heading: 's', plots: [plot] }] })))[0]!, 'axis y-axis').slice(0, -1);
    };
    expect(yLabels([1e6, 14.88e6])).toEqual(['0', '2M', '4M', '6M', '8M', '10M', '12M', '14M', '16M']);
    expect(yLabels([1e6, 14.88e6], 'log')).toEqual(['1M', '2M', '5M', '10M', '20M', '50M', '100M']);
    expect(yLabels([1e-7, 3e-7])).toEqual(['1e-7', '1.5e-7', '2e-7', '2.5e-7', '3e-7']);
    expect(yLabels([1e-9, 1e-3], 'log')).toEqual(['1e-9', '1e-8', '1e-7', '1e-6', '1e-5', '1e-4', '0.001']);
    // Decimals as the step needs, no floating-point noise (0.1 + 0.2).
    expect(yLabels([0.1, 0.3])).toEqual(['0.10', '0.15', '0.20', '0.25', '0.30']);
    expect(yLabels([-3, 7])).toEqual(['-4', '-2', '0', '2', '4', '6', '8']);
  });

  it('draws grouped bars: x values as categories in order of first appearance, one rect per value', () => {
    const svg = svgs(html)[1]!;
    expect(attrs(svg)['data-kind']).toBe('bar');
    const series = seriesOf(svg);
    expect(series.map((s) => s.points.length)).toEqual([2, 2, 2]);
    expect(series.every((s) => s.points.every((p) => p['width'] !== undefined))).toBe(true);
    expect(texts(svg, 'axis x-axis')).toEqual(['64', '1518', '256', 'frame size (B)']);
    // Bars start at 0: the y axis includes it.
    expect(texts(svg, 'axis y-axis')[0]).toBe('0');
    // Within the 64 B group the bars sit side by side in series order; the taller value reaches higher.
    const at64 = series.map((s) => s.points.find((p) => p['data-x'] === '64')!);
    const xs = at64.map((p) => Number(p['x']));
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(Number(at64[0]!['y'])).toBeLessThan(Number(at64[1]!['y']));
    // Every bar of a value v has the same baseline: y + height.
    const bases = series.flatMap((s) => s.points.map((p) => Number(p['y']) + Number(p['height'])));
    expect(Math.max(...bases) - Math.min(...bases)).toBeLessThan(0.02);
    expect(svg).not.toMatch(/<path /);
  });

  it('escapes every piece of text', () => {
    const nasty = '<script>alert("x")</script> & \'q\'';
    const out = renderHtmlReport({
      title: nasty,
      subtitle: nasty,
      meta: [{ label: nasty, value: nasty }],
      sections: [
        {
          heading: nasty,
          text: nasty,
          plots: [{ id: nasty, title: nasty, xLabel: nasty, yLabel: nasty, note: nasty, series: [{ name: nasty, points: [{ x: 1, y: 2 }] }] }],
          tables: [{ title: nasty, columns: [nasty], rows: [[nasty]] }],
        },
      ],
      data: { s: nasty },
    });
    expect(out).not.toContain('<script>');
    expect(out).not.toContain('</script> &');
    expect(out).toContain('<title>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;</title>');
    const svg = svgs(out)[0]!;
    expect(unescape(attrs(svg)['data-plot-id']!)).toBe(nasty);
    expect(unescape(seriesOf(svg)[0]!.attrs['data-series']!)).toBe(nasty);
    // Nothing unescaped anywhere: every '<' starts a tag we know.
    const tags = new Set([...out.matchAll(/<\/?([a-zA-Z!][a-zA-Z0-9]*)/g)].map((m) => m[1]!.toLowerCase()));
    expect([...tags].filter((t) => !KNOWN_TAGS.has(t))).toEqual([]);
  });

  it('embeds the data as JSON that parses back, safe inside the script element', () => {
    const data = { a: [1, 2.5, null], s: '</script><b>&\u2028', nested: { k: 'v' } };
    const out = renderHtmlReport(doc({ data }));
    const m = out.match(/<script type="application\/json" id="emu-data">([\s\S]*?)<\/script>/)!;
    expect(m[1]).not.toMatch(/[<>&]/);
    expect(JSON.parse(m[1]!)).toEqual(data);
    expect(renderHtmlReport(doc({ data: undefined }))).not.toContain('emu-data');
  });

  it('renders tables with numbers right-aligned and formatted, null as a dash', () => {
    expect(html).toContain('<caption>Summary</caption>');
    expect(html).toContain('<th scope="col">model</th><th scope="col" class="num">Mpps</th>');
    expect(html).toContain('<tr><td>pipeline</td><td class="num" data-value="11.123456">11.123</td><td class="num none">-</td></tr>');
  });

  it('is deterministic: the same document gives byte-identical HTML', () => {
    expect(renderHtmlReport(doc())).toBe(html);
    expect(renderHtmlReport(structuredClone(doc()))).toBe(html);
  });

  it('copes with empty plots, single values and many series', () => {
    const many = Array.from({ length: 11 }, (_, i) => ({ name: `s${i}`, points: [{ x: 1, y: i }] }));
    const out = renderHtmlReport(
      doc({
        sections: [
          {
            heading: 'edge cases',
            plots: [
              { id: 'empty', title: 'e', xLabel: 'x', yLabel: 'y', series: [] },
              { id: 'nulls', title: 'n', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', points: [{ x: 1, y: null }] }] },
              { id: 'one', title: 'o', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', points: [{ x: 5, y: 3 }] }] },
              { id: 'many', title: 'm', xLabel: 'x', yLabel: 'y', series: many },
            ],
          },
        ],
      }),
    );
    const [empty, nulls, one, manySvg] = svgs(out);
    expect(empty).toContain('no data');
    expect(nulls).toContain('no data');
    expect(seriesOf(one!)[0]!.points).toHaveLength(1);
    expect(one).not.toMatch(/NaN|Infinity/);
    expect(seriesOf(manySvg!)).toHaveLength(11);
    // Colours repeat after eight series; the ninth differs by its dash pattern instead.
    expect(seriesOf(manySvg!)[8]!.attrs['stroke']).toBe(seriesOf(manySvg!)[0]!.attrs['stroke']);
    expect(out).not.toMatch(/NaN|Infinity|undefined/);
  });

  it('rejects a malformed document with one error listing every problem by path', () => {
    const bad = doc({
      sections: [
        {
          heading: 'a',
          plots: [
            { ...linePlot, series: [{ name: 'x', points: [{ x: NaN, y: 1 }] }] },
            { ...logPlot, id: 'tput' },
          ],
          tables: [{ title: 't', columns: ['a', 'b'], rows: [[1]] }],
        },
      ],
    });
    expect(() => renderHtmlReport(bad)).toThrow(
      [
        'invalid report document (3 problems):',
        '- sections[0].plots[0].series[0].points[0].x must be a finite number',
        '- sections[0].plots[1].id "tput" is already used by sections[0].plots[0]',
        '- sections[0].tables[0].rows[0] has 1 cells, expected 2 (one per column)',
      ].join('\n'),
    );
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => renderHtmlReport(doc({ data: cyclic }))).toThrow(/data is not JSON-serialisable/);
  });
});

const KNOWN_TAGS = new Set(
  '!doctype html head meta title style body header h1 h2 p dl div dt dd nav ol li a main section figure figcaption svg clippath rect g line text path circle table caption thead tbody tr th td script'.split(
    ' ',
  ),
);
