import { describe, expect, it } from 'vitest';
import { Progress, formatEta } from '../../src/cli/progress.js';
import { renderWorkNote } from '../../src/cli/render.js';

/** A stream stand-in that records each write, and a clock the test moves by hand. */
function setup(isTTY: boolean, extra: { columns?: number; label?: string; minIntervalMs?: number } = {}) {
  const writes: string[] = [];
  let nowMs = 1000;
  const out = { write: (s: string) => void writes.push(s), isTTY, columns: extra.columns };
  const progress = new Progress(out, {
    label: extra.label ?? 'run',
    minIntervalMs: extra.minIntervalMs ?? 100,
    now: () => nowMs,
  });
  return {
    writes,
    progress,
    advance: (ms: number) => {
      nowMs += ms;
    },
  };
}

describe('Progress on a TTY', () => {
  it('draws a bar with percent and detail on one line using \\r', () => {
    const { writes, progress } = setup(true);
    progress.update(0.452, '1.2e9 cycles');
    expect(writes).toEqual(['\rrun [#########...........]  45.2% 1.2e9 cycles']);
  });

  it('throttles redraws to minIntervalMs, showing the latest state', () => {
    const { writes, progress, advance } = setup(true);
    progress.update(0.1);
    advance(50);
    progress.update(0.2, 'a');
    advance(49);
    progress.update(0.3, 'b');
    expect(writes).toHaveLength(1);
    advance(1); // 100 ms since the first draw
    progress.update(0.35);
    expect(writes).toEqual(['\rrun [##..................]  10.0%', '\rrun [#######.............]  35.0% b']);
  });

  it('blanks the tail of a longer previous line', () => {
    const { writes, progress, advance } = setup(true);
    progress.update(0.5, 'a long detail');
    advance(100);
    progress.update(0.6, 'x');
    const previous = '\rrun [##########..........]  50.0% a long detail';
    const next = '\rrun [############........]  60.0% x';
    expect(writes).toEqual([previous, next + ' '.repeat(previous.length - next.length)]);
  });

  it('always draws on reaching 100 %, even inside the interval, but only once', () => {
    const { writes, progress, advance } = setup(true);
    progress.update(0.97);
    advance(10);
    progress.update(1);
    advance(10);
    progress.update(1);
    expect(writes).toEqual(['\rrun [###################.]  97.0%', '\rrun [####################] 100.0%']);
  });

  it('clamps fractions to [0, 1] and treats NaN as 0', () => {
    const { writes, progress, advance } = setup(true, { label: '' });
    progress.update(-0.5);
    advance(100);
    progress.update(7);
    advance(100);
    progress.update(NaN);
    expect(writes).toEqual([
      '\r[....................]   0.0%',
      '\r[####################] 100.0%',
      '\r[....................]   0.0%',
    ]);
  });

  it('never shows 100 % before the end', () => {
    const { writes, progress } = setup(true);
    progress.update(0.99999);
    expect(writes).toEqual(['\rrun [###################.]  99.9%']);
  });

  it('done() replaces the bar with a finished line and ends it; later calls do nothing', () => {
    const { writes, progress, advance } = setup(true);
    progress.update(0.5, 'working');
    progress.done('12 Mpps');
    advance(1000);
    progress.update(0.9);
    progress.done('again');
    const bar = '\rrun [##########..........]  50.0% working';
    const doneText = '\rrun done 12 Mpps';
    expect(writes).toEqual([bar, doneText + ' '.repeat(bar.length - doneText.length), '\n']);
    expect(writes.join('').endsWith('\n')).toBe(true);
  });

  it('done() before any update writes just the finished line', () => {
    const { writes, progress } = setup(true);
    progress.done();
    expect(writes).toEqual(['run done\n']);
  });

  it('cuts lines to the terminal width minus one', () => {
    const { writes, progress } = setup(true, { columns: 20 });
    progress.update(0.5, 'detail');
    expect(writes).toEqual(['\rrun [##########....']); // 19 code points
  });

  it('keeps multi-line detail on one line', () => {
    const { writes, progress } = setup(true);
    progress.update(0, 'a\nb');
    expect(writes).toEqual(['\rrun [....................]   0.0% a b']);
  });
});

describe('Progress without a TTY', () => {
  it('prints a plain line only when entering a new 10 % step, whatever the time', () => {
    const { writes, progress, advance } = setup(false);
    for (let i = 0; i <= 1000; i++) {
      progress.update(i / 1000, `step ${i}`);
      advance(1000);
    }
    expect(writes).toEqual([
      'run 0.0% step 0\n',
      // One second per step of 0.1 %: the time left is (1000 - step) seconds.
      'run 10.0% ETA 15m00s step 100\n',
      'run 20.0% ETA 13m20s step 200\n',
      'run 30.0% ETA 11m40s step 300\n',
      'run 40.0% ETA 10m00s step 400\n',
      'run 50.0% ETA 8m20s step 500\n',
      'run 60.0% ETA 6m40s step 600\n',
      'run 70.0% ETA 5m00s step 700\n',
      'run 80.0% ETA 3m20s step 800\n',
      'run 90.0% ETA 1m40s step 900\n',
      'run 100.0% step 1000\n',
    ]);
  });

  it('prints the actual percent when jumping over steps, and nothing when going back', () => {
    const { writes, progress } = setup(false);
    progress.update(0.55);
    progress.update(0.3);
    progress.update(0.59);
    progress.update(0.61);
    progress.update(2);
    expect(writes).toEqual(['run 55.0%\n', 'run 61.0%\n', 'run 100.0%\n']);
  });

  it('keeps accumulated fractions on their step (ten additions of 0.1)', () => {
    const { writes, progress } = setup(false);
    let f = 0;
    for (let i = 0; i < 10; i++) {
      f += 0.1;
      progress.update(f);
    }
    expect(f).toBeLessThan(1);
    expect(writes).toHaveLength(10);
    expect(writes.at(-1)).toBe('run 100.0%\n');
  });

  it('never writes \\r, and done() prints its own line', () => {
    const { writes, progress } = setup(false, { columns: 10 });
    progress.update(0.25, 'x');
    progress.done('ok: 1.2e9 packets');
    expect(writes).toEqual(['run 25.0% x\n', 'run done ok: 1.2e9 packets\n']);
    expect(writes.join('')).not.toContain('\r');
  });
});

describe('ETA (issue 12: a long run says how long it will take)', () => {
  it('shows the time left once a second has passed, from the pace so far', () => {
    const { writes, progress, advance } = setup(true);
    progress.update(0.1);
    advance(2000);
    progress.update(0.25, 'point 3');
    // 2 s for 25 %: 6 s left.
    expect(writes.at(-1)).toBe('\rrun [#####...............]  25.0% ETA 6s point 3');
    advance(58_000);
    progress.update(0.5);
    expect(writes.at(-1)).toMatch(/^\rrun \[##########\.{10}\]  50\.0% ETA 1m00s point 3/);
  });

  it('not before a second, nor at the end, nor in the done line', () => {
    const { writes, progress, advance } = setup(true);
    advance(500);
    progress.update(0.5);
    expect(writes.at(-1)).not.toMatch(/ETA/);
    advance(1000);
    progress.update(1);
    expect(writes.at(-1)).not.toMatch(/ETA/);
    progress.done('3 s wall');
    expect(writes.join('')).not.toMatch(/done.*ETA/);
  });

  it('plain lines (CI logs) carry it too', () => {
    const { writes, progress, advance } = setup(false);
    progress.update(0);
    advance(3_600_000);
    progress.update(0.2);
    expect(writes.at(-1)).toBe('run 20.0% ETA 4h00m\n');
  });

  it('formatEta', () => {
    expect([0.2, 59.5, 60, 61, 3599, 3600, 5400, 86_400].map(formatEta)).toEqual(['1s', '1m00s', '1m00s', '1m01s', '59m59s', '1h00m', '1h30m', '24h00m']);
  });
});

describe('the note before a long run', () => {
  it('is null for small runs and gives a range of wall time for big ones', () => {
    expect(renderWorkNote({ frames: 1e6, controlPoints: 4, virtualSeconds: 0.002, points: 1 })).toBeNull();
    expect(renderWorkNote({ frames: 3.3e7, controlPoints: 1, virtualSeconds: 10, points: 1 })).toBe(
      'note: this run offers about 3.3e7 frames in 10s of virtual time; expect 17 s to 6 min of wall time (on a terminal the progress line shows an ETA; -q hides this)\n',
    );
    expect(renderWorkNote({ frames: 1e5, controlPoints: 50_000, virtualSeconds: 1, points: 1 })).toMatch(/with 50000 control points; expect 5 s to 51 s/);
    expect(renderWorkNote({ frames: 9e8, controlPoints: 18, virtualSeconds: 90, points: 18 })).toMatch(/^note: its 18 points offer about 9e8 frames in 90s of virtual time; expect 8 min to 2\.5 h/);
  });
});
