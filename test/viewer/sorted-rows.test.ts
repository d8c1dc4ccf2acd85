import { describe, expect, it } from "vitest";
import { SortedRows, type SortValue } from "../../src/viewer/server/sorted-rows.js";
import type { SessionRow } from "../../src/viewer/server/session-row.js";
import { mulberry32 } from "../../scripts/fixture-tree.mjs";

// The sort orders the index keeps batch by batch give, after any sequence of additions and
// removals, exactly what sorting every row from scratch gives (the sessions table's rule:
// values ascending or descending, rows without one last either way, ties in scan order).


/** Rows carry their scan position in `mtimeMs` here; `reward` is the sorted value (with ties and nulls). */
const valueOf = (row: SessionRow): SortValue => row.reward;
const scanOrder = (a: SessionRow, b: SessionRow): number => a.mtimeMs - b.mtimeMs;
const row = (position: number, reward: number | null): SessionRow => ({ relPath: `r${position}`, reward, mtimeMs: position }) as SessionRow;

/** Sorting from scratch, as the table did per request. */
function reference(rows: SessionRow[], order: "asc" | "desc", refine?: (row: SessionRow) => number): string[] {
  const direction = order === "desc" ? -1 : 1;
  return [...rows]
    .sort((a, b) => {
      const x = valueOf(a);
      const y = valueOf(b);
      if (x === y) {
        const r = refine === undefined ? 0 : (refine(a) - refine(b)) * direction;
        return r !== 0 ? r : scanOrder(a, b);
      }
      if (x === null) return 1;
      if (y === null) return -1;
      return (x < y ? -1 : 1) * direction;
    })
    .map((r) => r.relPath);
}

function walked(sorted: SortedRows, order: "asc" | "desc", refine?: (row: SessionRow) => number): string[] {
  const out: string[] = [];
  sorted.walk(
    order,
    (r) => {
      out.push(r.relPath);
    },
    refine,
  );
  return out;
}

describe("SortedRows", () => {
  it("stays equal to a sort from scratch through random batches of additions and removals", () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
    const random = mulberry32(seed);
    const sorted = new SortedRows(valueOf, scanOrder);
    let live: SessionRow[] = [];
    let position = 0;
    const refine = (r: SessionRow): number => r.mtimeMs % 2;
    try {
      for (let round = 0; round < 60; round++) {
        const added = Array.from({ length: Math.floor(random() * 40) }, () => {
          position += 1 + Math.floor(random() * 3);
          // Few distinct values: many ties; some rows without a value.
          return row(position, random() < 0.15 ? null : Math.floor(random() * 6) / 2);
        });
        // New rows also land between old ones in scan order, as a file written into an old step does.
        for (const r of added) if (random() < 0.3) r.mtimeMs = random() * position;
        const removed = new Set(live.filter(() => random() < 0.1));
        sorted.apply(added, removed);
        live = live.filter((r) => !removed.has(r)).concat(added);
        for (const order of ["asc", "desc"] as const) {
          expect(walked(sorted, order)).toEqual(reference(live, order));
          // A walk stopped early gives the beginning of the same order.
          const stopAt = Math.floor(random() * (live.length + 1));
          const first: string[] = [];
          sorted.walk(order, (r) => first.length < stopAt && first.push(r.relPath) > 0, refine);
          expect(first).toEqual(reference(live, order, refine).slice(0, stopAt));
          expect(walked(sorted, order, refine)).toEqual(reference(live, order, refine));
          // The descending array kept beside the rows, and a selection, are the walk's order too.
          if (order === "desc") expect(sorted.descending.map((r) => r.relPath)).toEqual(reference(live, "desc"));
          const keep = (r: SessionRow): boolean => r.mtimeMs % 3 !== 0;
          expect(sorted.select(order, { test: keep }).map((r) => r.relPath)).toEqual(reference(live.filter(keep), order));
        }
      }
      expect(sorted.rows.length).toBe(live.length);
    } catch (error) {
      throw new Error(`seed ${seed} (rerun with SEED=${seed}): ${(error as Error).message}`);
    }
  });
});
