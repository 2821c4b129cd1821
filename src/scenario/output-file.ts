/**
 * Can a run write this file? Checked before the run starts, for every file
 * it would write (the CLI's --out, --csv, --report, --msgpack; a scenario's
 * taps), so that a missing folder is bad input found in a second, not a
 * failed run found at the end. COLD.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** What is wrong with writing the file at `path` (relative to the cwd), or null. */
export function checkOutputFile(path: string): string | null {
  const abs = resolve(path);
  try {
    const st = statSync(abs, { throwIfNoEntry: false });
    if (st !== undefined) {
      if (st.isDirectory()) return `${abs} is a folder, not a file`;
      accessSync(abs, constants.W_OK);
      return null;
    }
    const dir = dirname(abs);
    const ds = statSync(dir, { throwIfNoEntry: false });
    if (ds === undefined) return `folder ${dir} not found`;
    if (!ds.isDirectory()) return `${dir} is not a folder`;
    accessSync(dir, constants.W_OK);
    return null;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return `no permission to write ${abs}`;
    return e instanceof Error ? e.message : String(e);
  }
}
