/**
 * The live view (src/report/live.ts) in real headless Chromium: the page
 * shows each new point without a reload, a page opened late gets the current
 * state, and `finish` turns every page into the run report; and a real run
 * (runScenario's onSeries feeding the view) whose controller waits at each
 * control point until the page shows every period so far. Plus the event
 * stream's throttling and the server's loopback rules, over plain HTTP.
 *
 * Needs /usr/bin/chromium (EMU_CHROMIUM overrides it; `apt-get install -y
 * chromium`) and playwright-core: without them this file FAILS, saying so.
 */
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../src/engine/run.js';
import type { Controller } from '../../src/engine/telemetry.js';
import { NF_KINDS } from '../../src/nf/catalog.js';
import { renderHtmlReport } from '../../src/report/html.js';
import { startLiveView, type LiveView } from '../../src/report/live.js';
import { seriesReportDoc } from '../../src/report/series-report.js';
import { loadScenarioText } from '../../src/scenario/load.js';
import { fixtureMeta, fixturePoint, fixtureScore } from './series-fixture.js';

const CHROMIUM = process.env['EMU_CHROMIUM'] ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TOTAL = 400;

/** Launches Chromium, or throws saying what is missing. */
async function launch(): Promise<Browser> {
  try {
    accessSync(CHROMIUM, constants.X_OK);
  } catch {
    throw new Error(`live.test.ts needs Chromium at ${CHROMIUM} (apt-get install -y chromium, or set EMU_CHROMIUM)`);
  }
  let mod: typeof import('playwright-core');
  try {
    const name = 'playwright-core';
    mod = (await import(/* @vite-ignore */ name)) as typeof import('playwright-core');
  } catch {
    throw new Error('live.test.ts needs playwright-core (a devDependency: npm install)');
  }
  return mod.chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** What a page shows: the points count in <main>, and the markers of the rate chart's "offered (all)" series. */
async function shown(page: Page): Promise<{ points: string | null; markers: number; refLines: number }> {
  return page.evaluate(() => ({
    points: document.querySelector('main#live')?.getAttribute('data-points') ?? null,
    markers: document.querySelectorAll('svg[data-plot-id="rate"] g[data-series="offered (all)"] circle.point').length,
    refLines: document.querySelectorAll('svg[data-plot-id="latency-0"] .ref-line').length,
  }));
}

describe('live view in headless Chromium', () => {
  let browser: Browser | null = null;
  let live: LiveView | null = null;
  const userDir = mkdtempSync(join(tmpdir(), 'emu-live-test-'));
  const meta = fixtureMeta(TOTAL);
  const fed = Array.from({ length: TOTAL }, (_, i) => fixturePoint(i, meta));

  beforeAll(async () => {
    browser = await launch();
    live = await startLiveView({ host: '127.0.0.1', port: 0 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await live?.close();
    rmSync(userDir, { recursive: true, force: true });
  });

  it('shows N points, updates without reload, serves a late page the current state, and ends on the report', async () => {
    const lv = live!;
    expect(lv.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const origin = new URL(lv.url).origin;
    const problems: string[] = [];
    const watch = (page: Page): Page => {
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('console', (m) => void (m.type() === 'error' && problems.push(`console error: ${m.text()}`)));
      page.on('request', (r) => void (!r.url().startsWith(origin) && problems.push(`request to ${r.url()}`)));
      return page;
    };

    lv.meta(meta);
    for (const p of fed.slice(0, 30)) lv.point(p);
    const page = watch(await browser!.newPage());
    await page.goto(lv.url);
    await page.waitForSelector('main#live[data-points="30"]');
    expect(await shown(page)).toEqual({ points: '30', markers: 30, refLines: 1 });

    // More points: the same document updates (a reload would lose the mark).
    await page.evaluate(() => void ((window as unknown as { mark: number }).mark = 7));
    for (const p of fed.slice(30, 75)) lv.point(p);
    await page.waitForSelector('main#live[data-points="75"]', { timeout: 5000 });
    expect(await shown(page)).toEqual({ points: '75', markers: 75, refLines: 1 });
    expect(await page.evaluate(() => (window as unknown as { mark?: number }).mark)).toBe(7);

    // Past the NF failure at 50 ms (point 200): the events are listed and marked.
    for (const p of fed.slice(75, 250)) lv.point(p);
    await page.waitForSelector('main#live[data-points="250"]', { timeout: 5000 });
    expect(await shown(page)).toEqual({ points: '250', markers: 250, refLines: 1 });
    expect(await page.locator('p.events').innerText()).toContain('nf-fail b at 50.0 ms');
    expect(await page.locator('svg[data-plot-id="rate"] .event-marker').count()).toBe(2);
    expect(await page.locator('p.score').innerText()).toMatch(/period 250 of 400.*within SLO so far: 84\.0 % of 250 periods/);

    // A page opened late has the current state in the page itself, before any event arrives.
    // (Its event stream is cut at first, so only the page itself can carry the state; watched once it is restored.)
    const late = await browser!.newPage();
    await late.route('**/events', (route) => route.abort());
    await late.goto(lv.url);
    expect(await shown(late)).toEqual({ points: '250', markers: 250, refLines: 1 });
    await late.unroute('**/events');
    watch(late);
    await late.reload();
    await late.waitForSelector('main#live[data-points="250"]');

    // The end: every open page becomes the report, and / serves it.
    for (const p of fed.slice(250)) lv.point(p);
    const report = renderHtmlReport(seriesReportDoc({ meta, points: fed, score: fixtureScore(fed) }, {
      scenario: 'loadtest-fixture', seed: 1, emuVersion: 'test', date: '2026-01-02', command: 'emu run --live',
    }));
    lv.finish(report);
    for (const p of [page, late]) {
      await p.waitForSelector('#emu-data', { state: 'attached', timeout: 5000 });
      expect(await p.title()).toBe('Run report: loadtest-fixture');
      expect(await p.locator('main#live').count()).toBe(0);
      expect(await p.locator('svg[data-plot-id="rate"] g[data-series="offered (all)"] circle.point').count()).toBe(TOTAL);
    }
    const after = watch(await browser!.newPage());
    await after.goto(lv.url);
    expect(await after.title()).toBe('Run report: loadtest-fixture');
    expect(await after.content()).toContain('id="emu-data"');
    expect(problems).toEqual([]);
  }, 60_000);
});

/** Reads an event stream for `ms` milliseconds; returns its events. */
function readEvents(url: string, ms: number, during: () => void): Promise<{ event: string; data: { points?: number; html: string } }[]> {
  return new Promise((resolve, reject) => {
    let text = '';
    const req = request(new URL('/events', url), (res) => {
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      during();
      setTimeout(() => {
        req.destroy();
        resolve(
          text
            .split('\n\n')
            .filter((b) => b.startsWith('event: '))
            .map((b) => ({ event: b.split('\n')[0]!.slice(7), data: JSON.parse(b.split('\n')[1]!.slice(6)) as { points?: number; html: string } })),
        );
      }, ms);
    });
    req.on('error', reject);
    req.end();
  });
}

function get(url: string, host?: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: host ? { host } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('live view server', () => {
  it('throttles a fast run to a few pushes, and always sends the last state', async () => {
    const lv = await startLiveView({ throttleMs: 100 });
    try {
      const meta = fixtureMeta(TOTAL);
      lv.meta(meta);
      const events = await readEvents(lv.url, 600, () => {
        for (let i = 0; i < TOTAL; i++) lv.point(fixturePoint(i, meta));
      });
      const states = events.filter((e) => e.event === 'state');
      // The first is the state on connecting; then one push now and one after the throttle delay.
      expect(states.length).toBeGreaterThanOrEqual(2);
      expect(states.length).toBeLessThan(10);
      expect(states[states.length - 1]!.data.points).toBe(TOTAL);
    } finally {
      await lv.close();
    }
  });

  it('sends the final report to a stream opened after finish, and close() ends open streams', async () => {
    const lv = await startLiveView();
    let closed = false;
    try {
      lv.meta(fixtureMeta(10));
      const open = new Promise<void>((resolve) => {
        request(new URL('/events', lv.url), (res) => {
          res.on('data', () => {});
          res.on('end', () => ((closed = true), resolve()));
        }).end();
      });
      await new Promise((r) => setTimeout(r, 100));
      lv.finish('<!DOCTYPE html><title>done</title>');
      await open;
      expect(closed).toBe(true);
      const events = await readEvents(lv.url, 200, () => {});
      expect(events).toEqual([{ event: 'final', data: { html: '<!DOCTYPE html><title>done</title>' } }]);
      expect((await get(lv.url)).body).toBe('<!DOCTYPE html><title>done</title>');
    } finally {
      await lv.close();
    }
  });

  it('listens on loopback only and answers only requests naming it', async () => {
    await expect(startLiveView({ host: '0.0.0.0' })).rejects.toThrow(/loopback/);
    const lv = await startLiveView();
    try {
      const page = await get(lv.url);
      expect(page.status).toBe(200);
      expect(String(page.headers['content-security-policy'])).toContain("default-src 'none'");
      expect(page.body).toContain('<main id="live" data-points="0">');
      expect(page.body).not.toMatch(/(src|href)="http/);
      const port = new URL(lv.url).port;
      expect((await get(lv.url, `evil.example:${port}`)).status).toBe(403);
      expect((await get(new URL('/nope', lv.url).href)).status).toBe(404);
    } finally {
      await lv.close();
    }
  });
});

describe('live view of a real run (runScenario with onSeries)', () => {
  it('after N control periods the page shows N points, then the run report', async () => {
    const root = join(__dirname, '..', '..');
    // scenarios/loadtest.yaml as shipped: 16 control periods of 0.25 ms, the load ramping up, stage b failing at 2.5 ms.
    const text = readFileSync(join(root, 'scenarios', 'loadtest.yaml'), 'utf8');
    const s = loadScenarioText(text, { what: 'loadtest', format: 'yaml', baseDir: join(root, 'scenarios') }, { kinds: NF_KINDS });
    const periods = Math.ceil(s.durationCycles / s.controlPeriodCycles);
    expect(periods).toBe(16);
    const browser = await launch();
    const lv = await startLiveView();
    try {
      const page = await browser.newPage();
      await page.goto(lv.url);
      let fed = 0;
      const seen: { epoch: number; points: number }[] = [];
      // An in-process controller: the run waits at each control point (lock-step) until the page shows every point so far.
      const controller: Controller = async (t) => {
        await page.waitForSelector(`main#live[data-points="${fed}"]`, { timeout: 10_000 });
        const markers = await page.locator('svg[data-plot-id="rate"] g[data-series="offered (all)"] circle.point').count();
        seen.push({ epoch: t.epoch, points: markers });
        const b = t.cores.flatMap((c) => c.tasks).find((k) => k.name.startsWith('q1'));
        return t.epoch === 3 && b !== undefined ? [{ type: 'setBatch', task: b.name, batch: 16 }] : [];
      };
      const { record } = await runScenario(s, {
        threads: 2,
        controller,
        onSeries: { meta: (m) => lv.meta(m), point: (p) => { fed++; lv.point(p); } },
      });
      // At control point N (N = 0, 1, ...) the N periods before it were on the page.
      expect(seen).toEqual(Array.from({ length: periods - 1 }, (_, n) => ({ epoch: n, points: n })));
      expect(fed).toBe(periods);
      await page.waitForSelector(`main#live[data-points="${periods}"]`);
      const series = record.series!;
      expect(series.points).toHaveLength(periods);
      lv.finish(renderHtmlReport(seriesReportDoc(series, { scenario: s.name, seed: record.seed, emuVersion: 'test', date: '2026-01-02', command: 'test' })));
      await page.waitForSelector('#emu-data', { state: 'attached', timeout: 5000 });
      expect(await page.title()).toBe('Run report: loadtest');
      expect(await page.locator('svg[data-plot-id="rate"] g[data-series="offered (all)"] circle.point').count()).toBe(periods);
      expect(await page.locator('main#live').count()).toBe(0);
      expect(await page.locator('svg[data-plot-id="rate"] .event-marker').count()).toBe(2);
      // The controller's action at control point 3 is in the report's control table.
      expect(await page.locator('table', { hasText: 'setBatch' }).innerText()).toMatch(/setBatch task=q1\S* batch=16/);
    } finally {
      await browser.close();
      await lv.close();
    }
  }, 120_000);
});
