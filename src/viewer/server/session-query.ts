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
  const key = query.sort ?? "step";
  const order = query.order ?? "asc";
  const offset = query.offset ?? 0;
  const limit = query.limit ?? 50;
  const withStatus = (row: SessionRow): SessionListItem => ({ ...row, status: row.state === "incomplete" ? statusOf(row) : row.state });
  // Without a filter the count is known: the walk stops once the page is full.
  const filtered = query.experiment !== undefined || query.step !== undefined || query.instance !== undefined || query.status !== undefined || search !== undefined;
  const matches = (row: SessionRow): boolean =>
    (query.experiment === undefined || row.experiment === query.experiment) &&
    (query.step === undefined || row.trainingStep === query.step) &&
    (query.instance === undefined || row.instanceId === query.instance) &&
    (search === undefined || matchesSearch(row, search));
  // A filter that does not depend on the time (no status filter, no status order) is kept:
  // the same filter again over unchanged rows is a slice of the last answer.
  if (last !== undefined && filtered && query.status === undefined && key !== "status") {
    const filter = JSON.stringify([key, order, query.experiment, query.step, query.instance, query.search]);
    let kept = last.get(sorted.rows, filter);
    if (kept === undefined) {
      const found: SessionRow[] = [];
      sorted.walk(order, (row) => {
        if (matches(row)) found.push(row);
      });
      last.set(sorted.rows, filter, (kept = found));
    }
    return { total: kept.length, offset, limit, rows: kept.slice(offset, offset + limit).map(withStatus) };
  }
  const page: SessionListItem[] = [];
  let total = 0;
  sorted.walk(
    order,
    (row) => {
      if (!filtered && total >= offset + limit) return false;
      if (!matches(row)) return;
      // A finished session's status does not depend on the time: only incomplete ones are asked.
      const status = row.state === "incomplete" ? statusOf(row) : row.state;
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

function matchesSearch(row: SessionRow, search: RegExp): boolean {
  return search.test(row.instanceId) || search.test(row.sessionId) || (row.finalAnswer !== null && search.test(row.finalAnswer));
}
