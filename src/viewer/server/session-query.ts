/**
 * Filtering and paging the sessions table. Rows come from an order the index keeps sorted
 * ({@link SortedRows}), so a request is one pass over rows already in order: filters are
 * checked on the way and only the page's rows are copied, whatever the number of sessions.
 */
import type { SessionRow } from "./session-row.js";
import type { SortedRows, SortValue } from "./sorted-rows.js";
import type { SessionListItem, SessionStatus, SortKey } from "../api-types.js";
import { escapeRegExp } from "./search.js";
import type { LastMatches } from "./filter-matches.js";

/** What the sessions table asks for. */
export interface SessionQuery {
  experiment?: string | undefined;
  step?: number | undefined;
  /** Exact instance id. */
  instance?: string | undefined;
  /** Case-insensitive text looked for in the instance id, session id and final answer. */
  search?: string | undefined;
  status?: SessionStatus | undefined;
  /** @default "step" */
  sort?: SortKey;
  /** @default "asc" */
  order?: "asc" | "desc";
  /** @default 0 */
  offset?: number;
  /** @default 50 */
  limit?: number;
}

/** One page of the sessions table. */
export interface SessionPage {
  /** Rows matching the filters, over all pages. */
  total: number;
  offset: number;
  limit: number;
  rows: SessionListItem[];
}

/**
 * Filters `sorted` (the index's rows in the order of `query.sort`) and cuts out one page.
 * Rows without a value for the sort column come last either way; equal rows keep the scan
 * order. `last`, when given, keeps the last filter's matching rows for the next request.
 */
export function querySessions(
  sorted: SortedRows,
  statusOf: (row: SessionRow) => SessionStatus,
  query: SessionQuery,
  last?: LastMatches,
): SessionPage {
  const search = query.search === undefined ? undefined : new RegExp(escapeRegExp(query.search), "i");
  const needle = query.search === undefined ? null : searchNeedle(query.search);
  const key = query.sort ?? "step";
  const order = query.order ?? "asc";
  const offset = query.offset ?? 0;
  const limit = query.limit ?? 50;
  // A finished session's status does not depend on the time: only incomplete ones are asked.
  const statusNow = (row: SessionRow): SessionStatus => (row.state === "incomplete" ? statusOf(row) : row.state);
  const withStatus = (row: SessionRow): SessionListItem => ({ ...row, status: statusNow(row) });
  // Without a filter the count is known: the walk stops once the page is full.
  const filtered = query.experiment !== undefined || query.step !== undefined || query.instance !== undefined || query.status !== undefined || search !== undefined;
  // Errored and completed are stored states: only live and unfinished change with the time.
  const stored = query.status === "errored" || query.status === "completed" ? query.status : undefined;
  const timeless = (query.status === undefined || stored !== undefined) && key !== "status";
  if (timeless && !filtered) {
    const rows = order === "asc" ? sorted.rows : sorted.descending;
    return { total: rows.length, offset, limit, rows: rows.slice(offset, offset + limit).map(withStatus) };
  }
  // A filtered answer that does not depend on the time is kept: the same filter again over
  // unchanged rows is a slice of the last answer.
  if (last !== undefined && timeless) {
    const name = JSON.stringify([key, order, query.experiment, query.step, query.instance, query.search, query.status]);
    let kept = last.get(sorted, name);
    if (kept === undefined) {
      kept = sorted.select(order, new RowFilter(query, search, needle, stored));
      last.set(sorted, name, kept);
    }
    return { total: kept.length, offset, limit, rows: kept.slice(offset, offset + limit).map(withStatus) };
  }
  const filter = new RowFilter(query, search, needle, undefined);
  const page: SessionListItem[] = [];
  let total = 0;
  sorted.walk(
    order,
    (row) => {
      if (!filtered && total >= offset + limit) return false;
      if (!filter.test(row)) return;
      const status = statusNow(row);
      if (query.status !== undefined && status !== query.status) return;
      if (total >= offset && total < offset + limit) page.push({ ...row, status });
      total++;
      return true;
    },
    // Live sessions sort before unfinished ones; which is which depends on the time.
    key === "status" ? (row) => STATUS_ORDER[statusOf(row)] : undefined,
  );
  return { total: filtered ? total : sorted.rows.length, offset, limit, rows: page };
}

const STATUS_ORDER: Readonly<Record<SessionStatus, number>> = { live: 0, unfinished: 1, errored: 2, completed: 3 };

/**
 * Each column's value. `status` is by stored state only (incomplete, errored, completed): live
 * and unfinished, which change with the time, are told apart when the page is walked.
 */
export const SORT_VALUE: Readonly<Record<SortKey, (row: SessionRow) => SortValue>> = {
  step: (row) => row.trainingStep,
  instance: (row) => row.instanceId,
  iterations: (row) => row.iterations,
  reward: (row) => row.reward,
  status: (row) => (row.state === "incomplete" ? STATUS_ORDER.live : STATUS_ORDER[row.state]),
  started: (row) => row.startedAt,
  duration: (row) => row.durationSeconds,
};

/**
 * Each row's instance id, session id and final answer in lower case, joined by
 * {@link FIELD_SEPARATOR}, when all of it is ASCII; null when it is not (the row is then
 * matched field by field). Kept beside the rows rather than on them: a property of its own on
 * every row (not enumerable, so that it is never sent) took the rows out of their shared shape,
 * 80 MB more at 100,000 rows, and a replaced row takes its entry with it.
 */
const SEARCH_TEXTS = new WeakMap<SessionRow, string | null>();
/** Joins a row's searched fields: a query holding it is matched field by field. */
const FIELD_SEPARATOR = "\u0000";
const ASCII = /^[\x00-\x7f]*$/;

/**
 * Works out a row's search text once, as the row is indexed, so that a text filter over every
 * row is one cheap `includes` per row rather than three case-insensitive regular expressions.
 */
export function prepareSearchText(row: SessionRow): void {
  const text = `${row.instanceId}${FIELD_SEPARATOR}${row.sessionId}${FIELD_SEPARATOR}${row.finalAnswer ?? ""}`;
  const value = ASCII.test(text) ? text.toLowerCase() : null;
  SEARCH_TEXTS.set(row, value);
}

/**
 * The query as the search texts are matched against it: lower case, when it is ASCII and has
 * no separator. Over ASCII text, a case-insensitive match of ASCII is a lower-case `includes`
 * (no other character folds to an ASCII one in a regular expression without the `u` flag).
 */
function searchNeedle(text: string): string | null {
  return ASCII.test(text) && !text.includes(FIELD_SEPARATOR) ? text.toLowerCase() : null;
}

/**
 * The sessions table's filters as one object: every request's filter is the same class, so
 * the pass over every row stays compiled for it, rather than meeting a new function each time.
 */
class RowFilter {
  readonly #experiment: string | undefined;
  readonly #step: number | undefined;
  readonly #instance: string | undefined;
  readonly #search: RegExp | undefined;
  readonly #needle: string | null;
  readonly #state: SessionStatus | undefined;

  /** `state`, when given, is compared with the stored state: errored or completed only (live and unfinished depend on the time). */
  constructor(query: SessionQuery, search: RegExp | undefined, needle: string | null, state: "errored" | "completed" | undefined) {
    this.#experiment = query.experiment;
    this.#step = query.step;
    this.#instance = query.instance;
    this.#search = search;
    this.#needle = needle;
    this.#state = state;
  }

  /** Whether `row` passes. */
  test(row: SessionRow): boolean {
    return (
      (this.#experiment === undefined || row.experiment === this.#experiment) &&
      (this.#step === undefined || row.trainingStep === this.#step) &&
      (this.#instance === undefined || row.instanceId === this.#instance) &&
      (this.#search === undefined || matchesSearch(row, this.#search, this.#needle)) &&
      (this.#state === undefined || row.state === this.#state)
    );
  }
}

function matchesSearch(row: SessionRow, search: RegExp, needle: string | null): boolean {
  const text = SEARCH_TEXTS.get(row);
  if (needle !== null && typeof text === "string") return text.includes(needle);
  return search.test(row.instanceId) || search.test(row.sessionId) || (row.finalAnswer !== null && search.test(row.finalAnswer));
}
