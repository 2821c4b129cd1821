import { NF_KINDS } from '../../src/nf/catalog.js';
import { validateScenario } from '../../src/scenario/validate.js';
import { ConfigError } from '../../src/util/config-check.js';

/** The problems validation reports for `raw`, as "path: expected" lines ([] when it is valid). */
export function problemsOf(raw: unknown): string[] {
  try {
    validateScenario(raw, { kinds: NF_KINDS, baseDir: null });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.map((p) => `${p.path}: ${p.expected}`);
    throw e;
  }
  return [];
}
