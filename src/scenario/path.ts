/** Field paths as the checker writes them, e.g. modules[1].config.x or tasks[0]. */

const SEGMENT_RE = /^(?:\.?([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\])/;

/** "modules[1].config.x" -> ["modules", 1, "config", "x"]; null for paths that are not into the file ("--seed", "line 3, column 1"). */
export function pathSegments(path: string): (string | number)[] | null {
  const out: (string | number)[] = [];
  let rest = path;
  while (rest.length > 0) {
    const m = SEGMENT_RE.exec(rest);
    if (m === null) return null;
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(m[3]!) as string);
    rest = rest.slice(m[0].length);
  }
  return out;
}
