/**
 * Filtering and paging the sessions table. Rows come from an order the index keeps sorted
 * ({@link SortedRows}), so a request is one pass over rows already in order: filters are
 * checked on the way and only the page's rows are copied, whatever the number of sessions.
 */
import type { SessionRow } from "./session-row.js";
import type { SortedRows, SortValue } from "./sorted-rows.js";
import type { SessionListItem, SessionStatus, SortKey } from "../api-types.js";
import { escapeRegExp } from "./search.js";

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
 * order.
 */
export function querySessions(
  sorted: SortedRows,
  statusOf: (row: SessionRow) => SessionStatus,
  query: SessionQuery,
): SessionPage {
  const search = query.search === undefined ? undefined : new RegExp(escapeRegExp(query.search), "i");
  const key = query.sort ?? "step";
  const offset = query.offset ?? 0;
  const limit = query.limit ?? 50;
  const page: SessionListItem[] = [];
  // Without a filter the count is known: the walk stops once the page is full.
  const filtered = query.experiment !== undefined || query.step !== undefined || query.instance !== undefined || query.status !== undefined || search !== undefined;
  let total = 0;
  sorted.walk(
    query.order ?? "asc",
    (row) => {
      if (!filtered && total >= offset + limit) return false;
      if (query.experiment !== undefined && row.experiment !== query.experiment) return;
      if (query.step !== undefined && row.trainingStep !== query.step) return;
      if (query.instance !== undefined && row.instanceId !== query.instance) return;
      // A finished session's status does not depend on the time: only incomplete ones are asked.
      const status = row.state === "incomplete" ? statusOf(row) : row.state;
      if (query.status !== undefined && status !== query.status) return;
      if (search !== undefined && !matchesSearch(row, search)) return;
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
