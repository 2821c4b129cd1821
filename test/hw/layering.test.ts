/**
 * The hardware model runs inside worker threads: no file of src/hw/ except
 * preset-file.ts may import Node built-ins or host-side libraries, and hw
 * depends only on util (so scenario, graph and engine can all use it).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const hwDir = join(__dirname, '..', '..', 'src', 'hw');
const srcDir = join(hwDir, '..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.c?ts$/.test(f) ? [p] : [];
  });
}

const importsOf = (text: string): string[] =>
  [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]!)
    .concat([...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!));

describe('src/hw layering', () => {
  const all = files(hwDir);
  it('finds the hw sources', () => {
    expect(all.length).toBeGreaterThanOrEqual(9);
  });
  for (const f of all) {
    const rel = relative(srcDir, f);
    it(`${rel} imports only what a worker may`, () => {
      for (const spec of importsOf(readFileSync(f, 'utf8'))) {
        if (rel === join('hw', 'preset-file.ts')) continue;
        expect(spec.startsWith('.'), `${rel} imports ${spec}`).toBe(true);
        const target = relative(srcDir, join(f, '..', spec)).split('/')[0]!;
        expect(['hw', 'util'], `${rel} imports ${spec}`).toContain(target);
      }
    });
  }
});
