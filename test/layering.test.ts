/**
 * Layering is enforced: the data-path layers never import Node built-ins or
 * the host-side libraries, and no layer imports a later one.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = join(__dirname, '..', 'src');
// Earlier layers first; a file may import only from its own layer or earlier ones.
// index.ts (the library API) sits above everything but the CLI: it may not import src/cli/.
const ORDER = ['util', 'ring', 'packet', 'hw', 'metrics', 'nf', 'sched', 'pktsched', 'traffic', 'scenario', 'graph', 'io', 'engine', 'control', 'report', 'experiments', 'index.ts', 'cli'];
const PURE = ['ring', 'packet', 'nf', 'sched', 'pktsched', 'metrics'];
// hw/ is pure too except preset-file.ts, which reads user preset files.

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.c?ts$/.test(f) ? [p] : [];
  });
}

const importsOf = (text: string) => [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]!)
  .concat([...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!));

describe('layering', () => {
  const all = files(src);
  it('finds the source tree', () => {
    expect(all.length).toBeGreaterThan(30);
    expect(all.map((f) => relative(src, f))).toContain('index.ts');
  });
  for (const f of all) {
    const rel = relative(src, f);
    const layer = rel.split('/')[0]!;
    if (!ORDER.includes(layer)) continue;
    it(`${rel} respects the layers`, () => {
      const text = readFileSync(f, 'utf8');
      for (const spec of importsOf(text)) {
        if (PURE.includes(layer) || (layer === 'hw' && !rel.endsWith('preset-file.ts'))) {
          expect(spec.startsWith('node:') || spec === 'piscina' || spec === 'msgpackr' || (layer !== 'metrics' && spec === 'yaml'),
            `${rel} imports ${spec}`).toBe(spec === 'msgpackr' && rel === 'metrics/record.ts');
        }
        if (spec.startsWith('.')) {
          // "../index.js" names the layer index.ts.
          const target = relative(src, join(f, '..', spec)).split('/')[0]!.replace(/^index\.js$/, 'index.ts');
          if (ORDER.includes(target)) {
            expect(ORDER.indexOf(target) <= ORDER.indexOf(layer), `${rel} imports later layer ${target}`).toBe(true);
          }
        }
      }
    });
  }
});
