/**
 * The run report (src/report/series-report.ts) for a hand-made series: its
 * sections, the SLO bound, the event markers, escaping, determinism, and the
 * terminal score table. Also the svg-plot features it relies on.
 */
import { describe, expect, it } from 'vitest';
import { renderHtmlReport } from '../../src/report/html.js';
import { actionsText, renderScoreTable, seriesPlots, seriesReportDoc, timeUnitFor } from '../../src/report/series-report.js';
import { renderSvgPlot } from '../../src/report/svg-plot.js';
import { FAIL_AT_S, fixtureSeries, LOST_EPOCH, MISS_EPOCH, RECOVER_AT_S } from './series-fixture.js';

const INFO = { scenario: 'loadtest', seed: 1, emuVersion: '0.1.0', date: '2026-01-02', command: 'emu run scenarios/loadtest.yaml --report r.html' };
const HOSTILE = '<script>alert("x")</script>&';

/** The <svg> of one plot. */
function svgOf(html: string, id: string): string {
  const start = html.indexOf(`data-plot-id="${id}"`);
  expect(start, `plot ${id}`).toBeGreaterThan(0);
  return html.slice(html.lastIndexOf('<svg', start), html.indexOf('</svg>', start));
}

describe('seriesReportDoc', () => {
  const series = fixtureSeries(400);
  const doc = seriesReportDoc(series, INFO);
  const html = renderHtmlReport(doc);

  it('has the sections in order, the meta and the series as its data', () => {
    expect(doc.sections.map((s) => s.heading)).toEqual(['Score', 'Traffic', 'Latency', 'Drops', 'Cores and knobs', 'Control']);
    expect(doc.meta.map((m) => m.value)).toEqual(['loadtest', '1', '0.1.0', '2026-01-02', INFO.command]);
    expect(doc.data).toBe(series);
    const data = html.match(/<script type="application\/json" id="emu-data">([^<]*)<\/script>/)![1]!;
    expect(JSON.parse(data)).toEqual(JSON.parse(JSON.stringify(series)));
  });

  it('plots every point on the time axis in ms, one marker per period', () => {
    expect(timeUnitFor(series.meta.durationSeconds)).toEqual({ label: 'ms', scale: 1e3 });
    const rate = svgOf(html, 'rate');
    const offered = rate.slice(rate.indexOf('data-series="offered (all)"'), rate.indexOf('data-series="delivered (all)"'));
    const xs = [...offered.matchAll(/<circle class="point" data-x="([^"]+)" data-y="([^"]+)"/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(xs).toHaveLength(400);
    expect(xs[0]).toEqual([series.points[0]!.endSeconds * 1e3, series.points[0]!.offeredPps]);
    expect(xs[399]![0]).toBeCloseTo(100, 9);
    // Per-group rates too (two groups).
    for (const name of ['offered web', 'delivered web', 'offered video', 'delivered video']) expect(rate).toContain(`data-series="${name}"`);
  });

  it('draws each group\'s SLO bound as a reference line on a log latency axis', () => {
    const web = svgOf(html, 'latency-0');
    const video = svgOf(html, 'latency-1');
    expect(web).toMatch(/<g class="ref-line" data-ref-y="50" data-label="SLO: p99 &lt;= 50 µs">/);
    expect(video).toMatch(/<g class="ref-line" data-ref-y="200" /);
    expect(web).not.toContain('data-ref-y="200"');
    // Log axis: a tick at 1000 (the failure's ~400 µs needs the decade above 100).
    expect(web).toContain('>1000</text>');
    // The periods that missed the SLO: exactly those of the failure (40 periods), as markers only.
    const missed = web.slice(web.indexOf('data-series="SLO missed"'));
    const marks = [...missed.slice(0, missed.indexOf('</g>')).matchAll(/<circle class="point" data-x="([^"]+)"/g)].map((m) => Number(m[1]));
    const expected = series.points.filter((p) => !p.groups[0]!.slo!.ok).map((p) => p.endSeconds * 1e3);
    expect(expected).toHaveLength(40);
    expect(marks).toEqual(expected);
    expect(missed.slice(0, missed.indexOf('</g>'))).not.toContain('<path');
  });

  it('marks the events at their time on every time plot', () => {
    for (const id of ['rate', 'latency-0', 'latency-1', 'drops', 'cores', 'batch', 'backlog']) {
      const svg = svgOf(html, id);
      const at = [...svg.matchAll(/<g class="event-marker" data-event-x="([^"]+)" data-label="([^"]+)"/g)].map((m) => [Number(m[1]), m[2]]);
      expect(at, id).toEqual([[FAIL_AT_S * 1e3, 'nf-fail b'], [RECOVER_AT_S * 1e3, 'nf-recover b']]);
    }
  });

  it('draws knobs as step lines, and lists the control points with actions or no answer', () => {
    const batch = svgOf(html, 'batch');
    // Task b's batch goes 4 -> 8 -> 16: a step holds the old value up to the new x, so the path has a horizontal then a vertical segment.
    const path = batch.slice(batch.indexOf('data-series="b"')).match(/<path d="([^"]+)"/)![1]!;
    const vertices = path.split(/[ML]/).filter((v) => v !== '').map((v) => v.split(' ').map(Number));
    expect(vertices).toHaveLength(400 * 2 - 1);
    const jumps = vertices.filter((v, i) => i > 0 && v[0] === vertices[i - 1]![0] && v[1] !== vertices[i - 1]![1]);
    expect(jumps).toHaveLength(2);
    const control = doc.sections[5]!.tables![0]!;
    expect(control.rows).toEqual([
      [MISS_EPOCH, MISS_EPOCH * 0.25, 'miss: no reply within 50 ms', '-'],
      [180, 45, 'ok', 'setBatch task=b batch=8'],
      [240, 60, 'ok', 'setBatch task=b batch=16'],
      [LOST_EPOCH, LOST_EPOCH * 0.25, 'lost', '-'],
    ]);
  });

  it('caps the control table, saying so', () => {
    const s = fixtureSeries(400);
    for (const p of s.points) p.actions = [{ type: 'setWeight', task: 'a', weight: p.epoch }];
    const d = seriesReportDoc(s, INFO);
    expect(d.sections[5]!.tables![0]!.rows).toHaveLength(200);
    expect(d.sections[5]!.text).toContain('The first 200 of 400 control points');
  });

  it('escapes a hostile group name everywhere', () => {
    const s = fixtureSeries(50, [HOSTILE, 'ok']);
    const out = renderHtmlReport(seriesReportDoc(s, { ...INFO, scenario: HOSTILE }));
    expect(out).not.toContain('<script>alert');
    expect(out).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;');
    // In the JSON data block too, < and > are escaped so the element cannot end early.
    expect(out.match(/<\/script>/g)).toHaveLength(1);
  });

  it('same input, byte-identical HTML', () => {
    expect(renderHtmlReport(seriesReportDoc(fixtureSeries(400), { ...INFO }))).toBe(html);
  });
});

describe('renderScoreTable', () => {
  it('shows the numbers', () => {
    const series = fixtureSeries(400);
    const text = renderScoreTable(series.score);
    const lines = text.split('\n');
    expect(lines[0]).toBe('score against the SLOs');
    const value = (label: string): string => {
      const line = lines.find((l) => l.startsWith(label + ' '));
      expect(line, label).toBeDefined();
      return line!.slice(label.length).trim();
    };
    expect(value('periods')).toBe('400');
    expect(value('within SLO, all groups')).toBe('90.0 %');
    expect(value('worst latency / bound, web')).toBe('8x at 50.0 ms');
    expect(value('worst latency / bound')).toBe('8x (web at 50.0 ms)');
    expect(value('recovery after nf-fail b at 50.0 ms')).toBe('not recovered');
    expect(value('recovery after nf-recover b at 60.0 ms')).toBe('250 µs');
    expect(value('core-seconds')).toBe('0.19');
    expect(value('actions per second')).toBe('20');
    expect(value('oscillation, cores in use')).toBe('2 reversals');
    expect(value('control misses')).toBe('1');
    expect(value('telemetry lost')).toBe('1');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('says when there is no SLO', () => {
    const s = fixtureSeries(10);
    expect(renderScoreTable({ ...s.score, withinSlo: null })).toMatch(/within SLO, all groups +- \(no SLO\)/);
  });
});

describe('pieces', () => {
  it('actionsText is compact', () => {
    expect(actionsText([{ type: 'setBatch', task: 'b', batch: 8 }, { type: 'detach', chain: 'c' }])).toBe('setBatch task=b batch=8; detach chain=c');
  });

  it('seriesPlots works with no points yet (the live view before the first one)', () => {
    const s = fixtureSeries(10);
    const plots = seriesPlots(s.meta, []);
    expect(renderSvgPlot(plots.rate, 0).svg).toContain('no data');
  });

  it('svg-plot: a marker beyond the data widens the x axis; a bound above the data widens the y axis', () => {
    const base = { id: 'p', title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 's', points: [{ x: 0, y: 1 }, { x: 10, y: 2 }] }] };
    const plain = renderSvgPlot(base, 0).svg;
    const guided = renderSvgPlot({ ...base, markers: [{ x: 20, label: 'late' }], refLines: [{ y: 5, label: 'bound' }] }, 0).svg;
    expect(plain).not.toContain('>20</text>');
    expect(guided).toContain('>20</text>');
    expect(guided).toContain('>5</text>');
    expect(guided).toContain('data-event-x="20"');
    expect(guided).toContain('data-ref-y="5"');
    expect(renderSvgPlot({ ...base, xExtent: [0, 40] }, 0).svg).toContain('>40</text>');
  });

  it('the time axis spans the whole run while only part of it has points', () => {
    const s = fixtureSeries(400);
    const svg = renderSvgPlot(seriesPlots(s.meta, s.points.slice(0, 100)).rate, 0).svg;
    expect(svg).toContain('>100</text>');
  });
});
