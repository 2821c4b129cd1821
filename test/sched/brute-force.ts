/** Brute-force LP helpers for the sched tests: vertex enumeration on tiny problems. */

/** Solves the square system M y = c by Gaussian elimination; null if singular. */
function solveSquare(m: number[][], c: number[]): number[] | null {
  const n = c.length;
  const a = m.map((row, i) => [...row, c[i]!]);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let i = col + 1; i < n; i++) if (Math.abs(a[i]![col]!) > Math.abs(a[piv]![col]!)) piv = i;
    if (Math.abs(a[piv]![col]!) < 1e-12) return null;
    [a[col], a[piv]] = [a[piv]!, a[col]!];
    for (let i = 0; i < n; i++) {
      if (i === col) continue;
      const f = a[i]![col]! / a[col]![col]!;
      for (let j = col; j <= n; j++) a[i]![j]! -= f * a[col]![j]!;
    }
  }
  return a.map((row, i) => row[n]! / row[i]!);
}

/** All vertices of {x >= 0, rows (all '<=')} by enumerating n-subsets of tight constraints. */
export function vertices(n: number, rows: ReadonlyArray<{ coefs: number[]; rhs: number }>): number[][] {
  const all = [...rows];
  for (let j = 0; j < n; j++) all.push({ coefs: Array.from({ length: n }, (_, k) => (k === j ? -1 : 0)), rhs: 0 });
  const out: number[][] = [];
  const pick = (start: number, chosen: number[]): void => {
    if (chosen.length === n) {
      const x = solveSquare(chosen.map((i) => all[i]!.coefs), chosen.map((i) => all[i]!.rhs));
      if (x && all.every((r) => r.coefs.reduce((s, a, k) => s + a * x[k]!, 0) <= r.rhs + 1e-9)) out.push(x);
      return;
    }
    for (let i = start; i < all.length; i++) pick(i + 1, [...chosen, i]);
  };
  pick(0, []);
  return out;
}
