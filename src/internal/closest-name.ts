/**
 * "Did you mean ...?": the documented name a mistyped or foreign key most likely stands for.
 */

/** Lower case without `_`, `-` or spaces: `exec_result`, `execResult` and `ExecResult` compare equal. */
export function looseName(name: string): string {
  return name.toLowerCase().replace(/[\s_-]/g, "");
}

/**
 * The candidate closest to `name`: the same name spelt in another case style first, then
 * the smallest edit distance (insertions, deletions, substitutions, swaps of neighbours)
 * between loose forms, when it is small for the name's length. `null` when nothing is close
 * enough to be a plausible intent; the caller then lists the candidates instead.
 */
export function closestName(name: string, candidates: readonly string[]): string | null {
  const loose = looseName(name);
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(loose, looseName(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // A third of the name's length, at least 1, at most 3: "promt" finds "prompt", "foo" finds nothing.
  const allowed = Math.min(3, Math.max(1, Math.floor(loose.length / 3)));
  return bestDistance <= allowed ? best : null;
}

/** Optimal string alignment distance; names are short, so the quadratic table is cheap. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  // Keys can be arbitrarily long; beyond this length nobody meant a documented field.
  if (a.length > 64 || b.length > 64) return Math.max(a.length, b.length);
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, d[(i - 2) * cols + j - 2]! + 1);
      }
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1]!;
}
