/**
 * The live view of a run (`emu run --live`): a small HTTP server on the
 * loopback interface whose page shows the run's charts as its control periods
 * go by, then turns into the run report when the run ends.
 *
 * One chart renderer: the server draws the charts with the report's own code
 * (series-report.ts, svg-plot.ts) and pushes the HTML fragment to the page
 * over Server-Sent Events (`/events`); the page's few lines of script swap it
 * in. Pushes are throttled (at most one per `throttleMs`, or per four times
 * the last render's time when drawing gets slow) but the latest state is
 * always sent. A page opened late gets the current state with the
 * page itself. `finish(html)` replaces every open page by the final report,
 * which `/` serves from then on. Nothing is fetched from outside: the page's
 * CSS and script are inline, and its Content-Security-Policy forbids the rest.
 *
 * Node's http module only; loopback only (never 0.0.0.0), and requests must
 * name the loopback host (a page elsewhere cannot rebind a name to it).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PeriodPoint, SeriesMeta } from '../metrics/series.js';
import { seriesPlots, timeUnitFor } from './series-report.js';
import { escapeXml, renderSvgPlot, type Plot } from './svg-plot.js';
import { formatSi } from './table.js';

export interface LiveViewOptions {
  /** A loopback address: '127.0.0.1' (default), '::1' or 'localhost'. */
  host?: string;
  /** 0 (default): a free port. */
  port?: number;
  /** At most one push per this many ms (default 200: five a second). */
  throttleMs?: number;
}

export interface LiveView {
  /** `http://127.0.0.1:PORT/` */
  readonly url: string;
  /** What the run is about; starts a new series (before the first point). */
  meta(m: SeriesMeta): void;
  /** The next control period. */
  point(p: PeriodPoint): void;
  /** The run is over: every open page becomes this HTML (the run report), and `/` serves it from now on. */
  finish(finalHtml: string): void;
  /** Ends the open event streams and the server. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const DEFAULT_THROTTLE_MS = 200;
/** A comment line now and then keeps proxies and idle timers from closing an event stream. */
const KEEPALIVE_MS = 15_000;

export async function startLiveView(opts: LiveViewOptions = {}): Promise<LiveView> {
  const host = opts.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host)) throw new RangeError(`live view: host must be a loopback address (127.0.0.1, ::1 or localhost), got "${host}"`);
  const throttleMs = opts.throttleMs ?? DEFAULT_THROTTLE_MS;

  let meta: SeriesMeta | null = null;
  let points: PeriodPoint[] = [];
  let finalHtml: string | null = null;
  /** The rendered charts, null when a point arrived since. */
  let fragment: string | null = null;
  const clients = new Set<ServerResponse>();
  let timer: NodeJS.Timeout | null = null;
  let lastPushMs = -Infinity;
  /** How long the last render took: a long run's charts take longer to draw, and the run waits meanwhile. */
  let renderMs = 0;

  const current = (): string => (fragment ??= renderLiveFragment(meta, points));
  const send = (res: ServerResponse, event: string, data: unknown): void => void res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const stateMessage = () => ({ points: points.length, html: current() });

  const push = (): void => {
    timer = null;
    // Nobody watching: nothing to draw (a page that connects later renders the state then).
    if (clients.size === 0) return;
    const t0 = Date.now();
    const msg = stateMessage();
    lastPushMs = Date.now();
    renderMs = lastPushMs - t0;
    for (const res of clients) send(res, 'state', msg);
  };
  const schedule = (): void => {
    fragment = null;
    if (timer !== null || finalHtml !== null) return;
    // Drawing takes at most a fifth of the time, so a long run is not slowed much by its viewers.
    const wait = lastPushMs + Math.max(throttleMs, 4 * renderMs) - Date.now();
    if (wait <= 0) push();
    else timer = setTimeout(push, wait);
  };

  const server = createServer((req, res) => handle(req, res));
  const keepalive = setInterval(() => {
    for (const res of clients) res.write(': keepalive\n\n');
  }, KEEPALIVE_MS);
  keepalive.unref();

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const port = (server.address() as AddressInfo).port;
    const allowed = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
    if (!allowed.includes(req.headers.host ?? '')) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('forbidden: use the loopback address\n');
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    if (path === '/') {
      const body = finalHtml ?? livePage(meta, points.length, current());
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'content-security-policy': CSP });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (path === '/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
      res.write('retry: 1000\n\n');
      if (finalHtml !== null) {
        send(res, 'final', { html: finalHtml });
        res.end();
        return;
      }
      // A page opened late: the current state at once.
      send(res, 'state', stateMessage());
      clients.add(res);
      res.on('close', () => clients.delete(res));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host === '::1' ? '[::1]' : host}:${port}/`;

  return {
    url,
    meta(m) {
      meta = m;
      points = [];
      schedule();
    },
    point(p) {
      points.push(p);
      schedule();
    },
    finish(html) {
      finalHtml = html;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      for (const res of clients) {
        send(res, 'final', { html });
        res.end();
      }
      clients.clear();
    },
    async close() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      clearInterval(keepalive);
      for (const res of clients) res.end();
      clients.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** The page's policy: its own inline style and script, event streams from itself, nothing else. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; img-src data:";

/**
 * The charts and the running score for the points so far: what the page's
 * `<main>` holds. Plot ids match the report's (`rate`, `latency-0`, ...).
 */
export function renderLiveFragment(meta: SeriesMeta | null, points: readonly PeriodPoint[]): string {
  if (meta === null) return '<p class="waiting">Waiting for the run to start.</p>';
  const plots = seriesPlots(meta, points);
  const out: string[] = [];
  const total = Math.round(meta.durationSeconds / meta.periodSeconds);
  const judged = points.filter((p) => p.sloOk !== null);
  const within = judged.filter((p) => p.sloOk === true).length;
  const last = points[points.length - 1];
  const scoreText =
    judged.length === 0
      ? 'no SLO to score against yet'
      : `within SLO so far: ${((within / judged.length) * 100).toFixed(1)} % of ${judged.length} period${judged.length === 1 ? '' : 's'}` +
        (last?.sloOk === false ? ' (the last one missed)' : '');
  out.push(
    `<p class="score" data-within="${judged.length === 0 ? '' : String(within / judged.length)}">` +
      `<strong>period ${points.length} of ${total}</strong>` +
      (last ? `, ${escapeXml(formatSi(last.endSeconds, 's'))} of ${escapeXml(formatSi(meta.durationSeconds, 's'))} virtual` : '') +
      ` &middot; ${escapeXml(scoreText)}</p>`,
  );
  const events = points.flatMap((p) => p.events);
  if (events.length > 0) {
    const unit = timeUnitFor(meta.durationSeconds);
    out.push(
      `<p class="events">events: ${events
        .map((e) => escapeXml(`${e.kind}${e.target ? ` ${e.target}` : ''} at ${formatSi(e.atSeconds, 's')}`))
        .join(', ')} <span class="hint">(dashed lines, time in ${unit.label})</span></p>`,
    );
  }
  const shown: Plot[] = [plots.rate, ...plots.latency, plots.cores];
  if (plots.batch) shown.push(plots.batch);
  if (plots.weight) shown.push(plots.weight);
  out.push('<div class="grid">');
  shown.forEach((plot, i) => {
    const { svg } = renderSvgPlot(plot, i);
    out.push(`<figure class="plot"><figcaption id="emu-plot-${i}-title">${escapeXml(plot.title)}</figcaption>\n${svg}</figure>`);
  });
  out.push('</div>');
  return out.join('\n');
}

function livePage(meta: SeriesMeta | null, count: number, fragment: string): string {
  const title = meta === null ? 'emu live' : `emu live: ${meta.scenario}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #222; background: #fff; margin: 1rem 2rem; }
header { display: flex; gap: 1rem; align-items: baseline; border-bottom: 1px solid #ddd; }
h1 { font-size: 1.3rem; margin: 0 0 0.3rem; }
#status { color: #555; font-size: 0.9rem; }
#status.down { color: #b00; }
.score { font-size: 1.05rem; }
.events, .hint { color: #555; font-size: 0.9rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(34rem, 1fr)); gap: 0.5rem 1.5rem; }
figure.plot { margin: 0.5rem 0; }
figure.plot figcaption { font-weight: 600; }
figure.plot svg { display: block; max-width: 100%; height: auto; }
</style>
</head>
<body>
<header><h1>${escapeXml(title)}</h1><span id="status">live</span></header>
<main id="live" data-points="${count}">
${fragment}
</main>
<script>
(function () {
  var main = document.getElementById('live');
  var status = document.getElementById('status');
  var es = new EventSource('/events');
  es.addEventListener('state', function (e) {
    var s = JSON.parse(e.data);
    main.innerHTML = s.html;
    main.setAttribute('data-points', String(s.points));
    status.textContent = 'live';
    status.className = '';
  });
  es.addEventListener('final', function (e) {
    es.close();
    var s = JSON.parse(e.data);
    document.open();
    document.write(s.html);
    document.close();
  });
  es.onerror = function () {
    status.textContent = 'disconnected, retrying';
    status.className = 'down';
  };
})();
</script>
</body>
</html>
`;
}
