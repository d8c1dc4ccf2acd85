/**
 * The rows the last few filtered sessions requests matched, each in its order. Paging through
 * a filtered table, or the page refreshing it while nothing changed, asks the same filter
 * again: the answer is then a slice of the kept list rather than another pass over every row
 * of the index. A sort order's version changes whenever a row comes, goes or changes
 * (see {@link SortedRows.version}), so the order and its version say whether a list still holds.
 */
import type { SessionRow } from "./session-row.js";
import type { SortedRows } from "./sorted-rows.js";

/** Filters kept: a few tabs or tables open at once each keep theirs. */
const MAX_FILTERS = 8;

/** Filters' matching rows, for the sort order (at its version) they were found in. */
export class LastMatches {
  readonly #kept = new Map<string, { sorted: SortedRows; version: number; matches: readonly SessionRow[] }>();

  /** The rows `filter` matched in `sorted`, when it was asked of the same rows lately. */
  get(sorted: SortedRows, filter: string): readonly SessionRow[] | undefined {
    const kept = this.#kept.get(filter);
    if (kept === undefined) return undefined;
    // Most recently used last: the first entry is the one dropped.
    this.#kept.delete(filter);
    if (kept.sorted !== sorted || kept.version !== sorted.version) return undefined;
    this.#kept.set(filter, kept);
    return kept.matches;
  }

  /** Keeps `matches` as the answer of `filter` over `sorted` as it is now, dropping the least recently used. */
  set(sorted: SortedRows, filter: string, matches: readonly SessionRow[]): void {
    this.#kept.delete(filter);
    this.#kept.set(filter, { sorted, version: sorted.version, matches });
    for (const old of this.#kept.keys()) {
      if (this.#kept.size <= MAX_FILTERS) break;
      this.#kept.delete(old);
    }
  }
}
