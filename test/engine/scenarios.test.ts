/**
 * Every scenario shipped in scenarios/ runs, and conserves packets:
 * generated = delivered + dropped (by reason) + in flight.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/engine/run.js';
import { NF_KINDS } from '../../src/nf/catalog.js';
import { loadScenarioFile } from '../../src/scenario/load.js';

const dir = join(__dirname, '..', '..', 'scenarios');
const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();

describe('shipped scenarios', () => {
  it('there are scenarios to check', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });
  for (const f of files) {
    it(`${f} conserves packets`, async () => {
      const s = loadScenarioFile(join(dir, f), { kinds: NF_KINDS });
      const { record } = await runScenario(s, { threads: 2 });
      const t = record.totals;
      const droppedByReason = Object.values(t.dropsByReason).reduce((a, b) => a + b, 0);
      expect(t.generated).toBeGreaterThan(0);
      expect(t.delivered).toBeGreaterThan(0);
      expect(droppedByReason).toBe(t.dropped);
      expect(t.generated).toBe(t.delivered + t.dropped + t.inFlight);
      expect(t.conserved).toBe(true);
      // Per-port and per-flow views agree with the totals.
      expect(record.ports.reduce((a, p) => a + p.generated, 0)).toBe(t.generated);
      const flows = record.flows.list!;
      expect(flows.length).toBe(record.flows.count);
      expect(flows.reduce((a, f) => a + f.generated, 0)).toBe(t.generated);
      expect(flows.reduce((a, f) => a + f.delivered, 0)).toBe(t.delivered);
      expect(flows.reduce((a, f) => a + f.dropped, 0)).toBe(t.dropped);
      for (const f of flows) expect(f.generated).toBeGreaterThanOrEqual(f.delivered + f.dropped);
    });
  }
});
