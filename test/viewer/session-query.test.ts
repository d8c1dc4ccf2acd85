import { describe, expect, it } from "vitest";
import { prepareSearchText, querySessions, SORT_VALUE } from "../../src/viewer/server/session-query.js";
import { SortedRows } from "../../src/viewer/server/sorted-rows.js";
import { LastMatches } from "../../src/viewer/server/filter-matches.js";
import { escapeRegExp } from "../../src/viewer/server/search.js";
import type { SessionRow } from "../../src/viewer/server/session-row.js";
import type { SessionStatus } from "../../src/viewer/api-types.js";
import { mulberry32 } from "../../scripts/fixture-tree.mjs";

// The sessions table's text filter matches the instance id, session id and final answer
// case-insensitively, as a regular expression of the literal text would. Rows carry a
// lower-case search text worked out when indexed; whatever the text (ASCII or not, with the
// separator of the fields in it), the answer is the one of the regular expressions.

/** Pieces the texts are made of: mixed case, characters that fold oddly, the separator. */
const PIECES = ["a", "B", "c", "Ab", "z", "1", "_", "-", " ", "İ", "i", "I", "K", "k", "ß", "ss", "é", "É", "\u0000", "ǅ", "ſ", "S"];

function text(random: () => number, max: number): string {
  let out = "";
  for (let n = Math.floor(random() * max); n > 0; n--) out += PIECES[Math.floor(random() * PIECES.length)];
  return out;
}

/** Rows carry their scan position in `mtimeMs` here. */
function rows(random: () => number, count: number): SessionRow[] {
  return Array.from({ length: count }, (_, i) => {
    const row = {
      relPath: `r${i}`,
      sessionId: text(random, 6),
      instanceId: text(random, 6),
      finalAnswer: random() < 0.3 ? null : text(random, 10),
      experiment: random() < 0.5 ? "one" : "two",
      trainingStep: Math.floor(random() * 4),
      iterations: Math.floor(random() * 5),
      reward: random() < 0.2 ? null : Math.floor(random() * 4) / 2,
      state: random() < 0.2 ? "errored" : "completed",
      mtimeMs: i,
    } as SessionRow;
    if (random() < 0.9) prepareSearchText(row);
    return row;
  });
}

/** The filter as a regular expression per field, over every row sorted from scratch. */
function reference(all: SessionRow[], q: string, order: "asc" | "desc", status?: SessionStatus): string[] {
  const search = new RegExp(escapeRegExp(q), "i");
  const direction = order === "desc" ? -1 : 1;
  return all
    .filter((r) => search.test(r.instanceId) || search.test(r.sessionId) || (r.finalAnswer !== null && search.test(r.finalAnswer)))
    .filter((r) => status === undefined || r.state === status)
    .sort((a, b) => {
      if (a.reward === b.reward) return a.mtimeMs - b.mtimeMs;
      if (a.reward === null) return 1;
      if (b.reward === null) return -1;
      return (a.reward - b.reward) * direction;
    })
    .map((r) => r.relPath);
}

describe("querySessions' text filter", () => {
  it("matches what a case-insensitive regular expression per field matches, in the table's order", () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
    const random = mulberry32(seed);
    try {
      const all = rows(random, 400);
      const sorted = new SortedRows(SORT_VALUE.reward, (a, b) => a.mtimeMs - b.mtimeMs);
      sorted.apply(all, new Set());
      const last = new LastMatches();
      const queries = ["", "ab", "AB", "i", "I", "k", "s", "ss", "é", "\u0000", "a\u0000", "İ", "ǆ"];
      for (let n = 0; n < 60; n++) queries.push(text(random, 3));
      for (const q of queries) {
        for (const order of ["asc", "desc"] as const) {
          for (const status of [undefined, "errored"] as const) {
            const expected = reference(all, q, order, status);
            // Kept answers (`last`) and the walk without them give the same page.
            for (const keep of [last, undefined]) {
              const page = querySessions(sorted, (r) => r.state as SessionStatus, { search: q, sort: "reward", order, status, limit: 500 }, keep);
              expect({ q, order, status, total: page.total, rows: page.rows.map((r) => r.relPath) }).toEqual({ q, order, status, total: expected.length, rows: expected });
            }
          }
        }
      }
    } catch (error) {
      throw new Error(`seed ${seed} (rerun with SEED=${seed}): ${(error as Error).message}`);
    }
  });
});
