import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

describe('src/traffic and src/util/prng.ts imports', () => {
  it('only pcap.ts touches node:* modules; nothing imports ring/ (traffic sits below the engine)', () => {
    const files = readdirSync(join(root, 'src/traffic'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join('src/traffic', f));
    files.push('src/util/prng.ts');
    const offenders: string[] = [];
    let scannerSawPcapFs = false;
    for (const file of files) {
      const text = readFileSync(join(root, file), 'utf8');
      const specs = [...text.matchAll(/\bfrom\s+'([^']+)'/g)].map((m) => m[1]!);
      if (file.endsWith('/pcap.ts') && specs.includes('node:fs')) scannerSawPcapFs = true;
      for (const spec of specs) {
        if (spec.startsWith('node:') && !file.endsWith('/pcap.ts')) offenders.push(`${file} imports ${spec}`);
        if (/\/ring\//.test(spec)) offenders.push(`${file} imports ${spec}`);
        if (spec.startsWith('.') && !spec.endsWith('.js')) offenders.push(`${file}: relative import without .js: ${spec}`);
      }
    }
    expect(files.length).toBeGreaterThanOrEqual(6);
    expect(scannerSawPcapFs).toBe(true); // the scanner does see imports
    expect(offenders).toEqual([]);
  });
});
