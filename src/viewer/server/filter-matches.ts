/**
 * The rows the last few filtered sessions requests matched, each in its order. Paging through
 * a filtered table, or the page refreshing it while nothing changed, asks the same filter
 * again: the answer is then a slice of the kept list rather than another pass over every row
 * of the index. A sort order's row array is replaced whenever a row comes, goes or changes
 * (see {@link SortedRows.rows}), so the array itself says whether a list still holds.
 */
import type { SessionRow } from "./session-row.js";

/** Filters kept: a few tabs or tables open at once each keep theirs. */
const MAX_FILTERS = 8;

/** Filters' matching rows, for the sort order's row array they were found in. */
export class LastMatches {
  readonly #kept = new Map<string, { rows: readonly SessionRow[]; matches: readonly SessionRow[] }>();

  /** The rows `filter` matched in `rows`, when it was asked of these very rows lately. */
  get(rows: readonly SessionRow[], filter: string): readonly SessionRow[] | undefined {
    const kept = this.#kept.get(filter);
    if (kept === undefined) return undefined;
    // Most recently used last: the first entry is the one dropped.
    this.#kept.delete(filter);
    if (kept.rows !== rows) return undefined;
    this.#kept.set(filter, kept);
    return kept.matches;
  }

  /** Keeps `matches` as the answer of `filter` over `rows`, dropping the least recently used. */
  set(rows: readonly SessionRow[], filter: string, matches: readonly SessionRow[]): void {
    this.#kept.delete(filter);
    this.#kept.set(filter, { rows, matches });
    for (const old of this.#kept.keys()) {
      if (this.#kept.size <= MAX_FILTERS) break;
      this.#kept.delete(old);
    }
  }
}
