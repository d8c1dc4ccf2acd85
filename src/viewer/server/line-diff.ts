/**
 * A line diff (Myers' O(ND) algorithm) for comparing what a model did at two training steps.
 * Inputs are capped so that two huge outputs cannot stall the server.
 */

/** One line of a diff: in both texts, only in the first (`del`) or only in the second (`add`). */
export interface DiffLine {
  op: "same" | "del" | "add";
  text: string;
}

/** Lines compared per side; the rest is dropped and `clipped` set. */
export const MAX_DIFF_LINES = 2000;
/** Edit distance past which the diff gives up aligning and shows all of one, then all of the other. */
const MAX_EDITS = 1000;

/** The diff of two texts, line by line, and whether either was clipped. */
export function diffLines(a: string, b: string): { lines: DiffLine[]; clipped: boolean } {
  const left = a === "" ? [] : a.split("\n");
  const right = b === "" ? [] : b.split("\n");
  const clipped = left.length > MAX_DIFF_LINES || right.length > MAX_DIFF_LINES;
  return { lines: myers(left.slice(0, MAX_DIFF_LINES), right.slice(0, MAX_DIFF_LINES)), clipped };
}

function myers(a: string[], b: string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  const max = Math.min(n + m, MAX_EDITS);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0));
      let x = down ? (v[offset + k + 1] ?? 0) : (v[offset + k - 1] ?? 0) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, a, b, offset, d);
    }
  }
  // Too different to align within the budget: show it as a replacement.
  return [...a.map((text) => ({ op: "del" as const, text })), ...b.map((text) => ({ op: "add" as const, text }))];
}

function backtrack(trace: Int32Array[], a: string[], b: string[], offset: number, dEnd: number): DiffLine[] {
  const out: DiffLine[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = dEnd; d > 0; d--) {
    const v = trace[d] as Int32Array;
    const k = x - y;
    const down = k === -d || (k !== d && (v[offset + k - 1] ?? 0) < (v[offset + k + 1] ?? 0));
    const prevK = down ? k + 1 : k - 1;
    const prevX = v[offset + prevK] ?? 0;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      out.push({ op: "same", text: a[--x] as string });
      y--;
    }
    if (down) out.push({ op: "add", text: b[--y] as string });
    else out.push({ op: "del", text: a[--x] as string });
  }
  while (x > 0 && y > 0) {
    out.push({ op: "same", text: a[--x] as string });
    y--;
  }
  return out.reverse();
}
