import { describe, expect, it } from 'vitest';
import { Progress } from '../../src/cli/progress.js';

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
      'run 10.0% step 100\n',
      'run 20.0% step 200\n',
      'run 30.0% step 300\n',
      'run 40.0% step 400\n',
      'run 50.0% step 500\n',
      'run 60.0% step 600\n',
      'run 70.0% step 700\n',
      'run 80.0% step 800\n',
      'run 90.0% step 900\n',
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
