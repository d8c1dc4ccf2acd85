/**
 * The index's rows kept in one sort order as they come and go, so that a page of a sorted table
 * costs a walk over rows already in order rather than a sort of every row per request. A change
 * of `b` rows costs one sort of those `b` and one merge pass: O(n + b log b).
 */
import type { SessionRow } from "./session-row.js";

/** A row's value in a sort order: rows without one (null) come last in either direction. */
export type SortValue = number | string | null;

/** Rows in ascending order of a value; equal values in the order `tie` gives (the scan order). */
export class SortedRows {
  readonly #value: (row: SessionRow) => SortValue;
  readonly #tie: (a: SessionRow, b: SessionRow) => number;
  readonly #rows: SessionRow[] = [];
  #version = 0;
  /**
   * The descending order, built on first use after each change (null until then), not at each
   * change: while a tree is indexed the rows change every batch, where a request asks for one
   * order now and then.
   */
  #desc: SessionRow[] | null = [];

  constructor(value: (row: SessionRow) => SortValue, tie: (a: SessionRow, b: SessionRow) => number) {
    this.#value = value;
    this.#tie = tie;
  }

  /**
   * Every row, ascending; rows without a value at the end. Changed in place by {@link apply}
   * ({@link version} says when): a batch merged into a hundred thousand rows by a copy was an
   * array of every row made per sort order per batch, only to be dropped, and arrays that large
   * are only freed by a full collection (while a tree is indexed, most of its peak memory).
   */
  get rows(): readonly SessionRow[] {
    return this.#rows;
  }

  /** Counts the changes to {@link rows}: answers worked out from the rows hold while it is the same. */
  get version(): number {
    return this.#version;
  }

  /** Takes out `removed` and puts `added` in place. */
  apply(added: readonly SessionRow[], removed: ReadonlySet<SessionRow>): void {
    if (added.length === 0 && removed.size === 0) return;
    const rows = this.#rows;
    if (removed.size > 0) {
      let k = 0;
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i] as SessionRow;
        if (!removed.has(row)) rows[k++] = row;
      }
      rows.length = k;
    }
    if (added.length > 0) {
      const fresh = [...added].sort(this.#compare);
      // Merged from the end: the rows grow by the batch, then each place from the last one
      // down takes the larger of the two heads, so no row is overwritten before it is moved.
      let i = rows.length - 1;
      for (const row of fresh) rows.push(row);
      let j = fresh.length - 1;
      let k = rows.length - 1;
      while (j >= 0) {
        const b = fresh[j] as SessionRow;
        if (i >= 0 && this.#compare(b, rows[i] as SessionRow) < 0) {
          rows[k--] = rows[i--] as SessionRow;
        } else {
          rows[k--] = b;
          j--;
        }
      }
    }
    this.#version++;
    this.#desc = null;
  }

  /**
   * The descending order of the rows: runs of equal values in reverse, each run in scan order,
   * rows without a value last in scan order.
   */
  #buildDescending(): SessionRow[] {
    const rows = this.#rows;
    const valued = this.#valued();
    // Without values (the scan order itself) both directions are the same array.
    if (valued === 0) return rows;
    const desc = new Array<SessionRow>(rows.length);
    let k = 0;
    for (let end = valued; end > 0; ) {
      const start = this.#runStart(end);
      for (let i = start; i < end; i++) desc[k++] = rows[i] as SessionRow;
      end = start;
    }
    for (let i = valued; i < rows.length; i++) desc[k++] = rows[i] as SessionRow;
    return desc;
  }

  /**
   * Calls `visit` with every row in `order`, until it returns false. Descending reverses the values, not the ties: rows of equal value stay
   * in scan order, and rows without a value stay last. `refine` splits each run of equal values
   * further by a small number known only at request time (a session's live state), keeping
   * each part in scan order.
   */
  walk(order: "asc" | "desc", visit: (row: SessionRow) => boolean | void, refine?: (row: SessionRow) => number): void {
    const rows = this.#rows;
    const valued = this.#valued();
    if (order === "asc") {
      for (let start = 0; start < valued; ) {
        const end = this.#runEnd(start, valued);
        if (!this.#run(start, end, 1, visit, refine)) return;
        start = end;
      }
    } else {
      for (let end = valued; end > 0; ) {
        const start = this.#runStart(end);
        if (!this.#run(start, end, -1, visit, refine)) return;
        end = start;
      }
    }
    if (valued < rows.length) this.#run(valued, rows.length, order === "asc" ? 1 : -1, visit, refine);
  }

  /**
   * Every row as {@link walk} visits them descending (without `refine`): built once after each
   * change and kept until the next, so that a descending page is a slice too.
   */
  get descending(): readonly SessionRow[] {
    this.#desc ??= this.#buildDescending();
    return this.#desc;
  }

  /** The rows that pass `keep.test`, in the order {@link walk} visits them (without `refine`): one tight pass. */
  select(order: "asc" | "desc", keep: { test(row: SessionRow): boolean }): SessionRow[] {
    const rows = order === "asc" ? this.#rows : this.descending;
    const kept: SessionRow[] = [];
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as SessionRow;
      if (keep.test(row)) kept.push(row);
    }
    return kept;
  }

  readonly #compare = (a: SessionRow, b: SessionRow): number => {
    const x = this.#value(a);
    const y = this.#value(b);
    if (x === y) return this.#tie(a, b);
    if (x === null) return 1;
    if (y === null) return -1;
    return x < y ? -1 : 1;
  };

  #runEnd(start: number, limit: number): number {
    const value = this.#value(this.#rows[start] as SessionRow);
    let end = start + 1;
    while (end < limit && this.#value(this.#rows[end] as SessionRow) === value) end++;
    return end;
  }

  #runStart(end: number): number {
    const rows = this.#rows;
    const value = this.#value(rows[end - 1] as SessionRow);
    let start = end - 1;
    while (start > 0 && this.#value(rows[start - 1] as SessionRow) === value) start--;
    return start;
  }

  /** How many rows have a value: they come first, the rows without one after them. */
  #valued(): number {
    const rows = this.#rows;
    let valued = rows.length;
    while (valued > 0 && this.#value(rows[valued - 1] as SessionRow) === null) valued--;
    return valued;
  }

  /** Visits rows [start, end); false once `visit` asked to stop. */
  #run(start: number, end: number, direction: 1 | -1, visit: (row: SessionRow) => boolean | void, refine?: (row: SessionRow) => number): boolean {
    const rows = this.#rows;
    if (refine === undefined) {
      for (let i = start; i < end; i++) if (visit(rows[i] as SessionRow) === false) return false;
      return true;
    }
    const parts = new Map<number, SessionRow[]>();
    for (let i = start; i < end; i++) {
      const row = rows[i] as SessionRow;
      const part = refine(row);
      let list = parts.get(part);
      if (list === undefined) parts.set(part, (list = []));
      list.push(row);
    }
    for (const part of [...parts.keys()].sort((a, b) => (a - b) * direction)) {
      for (const row of parts.get(part) as SessionRow[]) if (visit(row) === false) return false;
    }
    return true;
  }
}
