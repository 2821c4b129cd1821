/**
 * The files a command will write (--out, --csv, --report, --msgpack), checked
 * before it runs: a folder that does not exist is bad input (exit 2) found at
 * once, naming the option, not a failed run found at the end. "-" means
 * standard output, for one option at a time.
 */
import { resolve } from 'node:path';
import { checkOutputFile } from '../scenario/output-file.js';
import { Problems } from '../util/config-check.js';

/** The file name that means standard output. */
export const STDOUT = '-';

export interface OutputOption {
  /** The option as the user writes it, e.g. "--out". */
  flag: string;
  /** Its value, undefined when not given. */
  file: string | undefined;
}

/**
 * Throws a ConfigError("options", ...) naming each option whose file cannot
 * be written, or that asks for standard output when `stdoutTakenBy` (e.g.
 * "--json") or an earlier option already has it. Returns the option that
 * writes to standard output ("-"), or null.
 */
export function checkOutputs(options: readonly OutputOption[], stdoutTakenBy: string | null = null): string | null {
  const p = new Problems();
  let stdout = stdoutTakenBy;
  let claimed: string | null = null;
  const files = new Map<string, string>();
  for (const { flag, file } of options) {
    if (file === undefined) continue;
    if (file === STDOUT) {
      if (stdout !== null) p.add(flag, file, `a file (standard output already carries what ${stdout} writes)`);
      else stdout = claimed = flag;
      continue;
    }
    const abs = resolve(file);
    const prev = files.get(abs);
    if (prev !== undefined) {
      p.add(flag, file, `a file no other option writes (${prev} writes ${abs})`);
      continue;
    }
    files.set(abs, flag);
    const wrong = checkOutputFile(abs);
    if (wrong !== null) p.add(flag, file, `a file the command can write, or - for standard output (${wrong})`);
  }
  p.throwIfAny('options');
  return claimed;
}
