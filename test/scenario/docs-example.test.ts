/**
 * The complete example in docs/scenario-format.md must stay valid against the
 * real NF catalog, and must be the 3-stage pipeline the text describes.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NF_KINDS } from '../../src/nf/catalog.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import { formatEndpoint } from '../../src/scenario/endpoint.js';

const DOC = new URL('../../docs/scenario-format.md', import.meta.url);
const MARKER = '<!-- scenario-example:';

function exampleYaml(): string {
  const text = readFileSync(DOC, 'utf8');
  const at = text.indexOf(MARKER);
  expect(at).toBeGreaterThan(0);
  const m = /```yaml\n([\s\S]*?)```/.exec(text.slice(at));
  expect(m).not.toBeNull();
  return m![1]!;
}

describe('docs/scenario-format.md example', () => {
  it('loads, and is the documented 3-stage pipeline', () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-doc-'));
    try {
      const file = join(dir, 'example.yaml');
      writeFileSync(file, exampleYaml());
      const s = loadScenarioFile(file, { kinds: NF_KINDS });
      expect(s.name).toBe('pipeline-3-example');
      expect(s.durationCycles).toBe(5_200_000);
      expect(s.warmupCycles).toBe(1_300_000);
      expect(s.edges.map((e) => `${formatEndpoint(e.from)} -> ${formatEndpoint(e.to)}`)).toEqual([
        'eth0.rx0 -> a:0',
        'a:0 -> q1:0',
        'q1:0 -> b:0',
        'b:0 -> q2:0',
        'q2:0 -> c:0',
        'c:0 -> eth0.tx',
      ]);
      expect(s.tasks.map((t) => [t.name, t.core])).toEqual([
        ['eth0.rx0@0', 0],
        ['q1@1', 1],
        ['q2@2', 2],
      ]);
      expect(s.taps).toEqual([{ at: { type: 'gate', module: 'c', gate: 0 }, file: join(dir, 'out', 'c-out.pcap') }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
