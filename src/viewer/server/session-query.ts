/**
 * Filtering, sorting and paging the index's rows for the sessions table. The page sent to the
 * browser is small whatever the number of sessions; the work is a pass over rows in memory.
 */
import type { SessionRow } from "./session-row.js";
import type { SessionStatus } from "./session-index.js";

/** Columns the sessions table sorts by. */
export const SORT_KEYS = ["step", "instance", "iterations", "reward", "status", "started", "duration"] as const;
/** A column the sessions table sorts by. */
export type SortKey = (typeof SORT_KEYS)[number];

/** Session states a filter can ask for. */
export const STATUSES: readonly SessionStatus[] = ["completed", "errored", "live", "unfinished"];

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

/** A row with its status at the time of the query. */
export type SessionListItem = SessionRow & { status: SessionStatus };

/** One page of the sessions table. */
export interface SessionPage {
  /** Rows matching the filters, over all pages. */
  total: number;
  offset: number;
  limit: number;
  rows: SessionListItem[];
}

/**
 * Filters, sorts and cuts out one page. Rows without a value for the sort column come last
 * either way; equal rows keep the order of `rows` (the index's scan order).
 */
export function querySessions(
  rows: readonly SessionRow[],
  statusOf: (row: SessionRow) => SessionStatus,
  query: SessionQuery,
): SessionPage {
  const search = query.search?.toLowerCase();
  const key = query.sort ?? "step";
  const direction = query.order === "desc" ? -1 : 1;
  const value = SORT_VALUE[key];
  // Sort keys are computed once per row, and only the page's rows are copied.
  const matching: { row: SessionRow; status: SessionStatus; key: number | string | null; at: number }[] = [];
  for (const row of rows) {
    if (query.experiment !== undefined && row.experiment !== query.experiment) continue;
    if (query.step !== undefined && row.trainingStep !== query.step) continue;
    if (query.instance !== undefined && row.instanceId !== query.instance) continue;
    const status = statusOf(row);
    if (query.status !== undefined && status !== query.status) continue;
    if (search !== undefined && !matchesSearch(row, search)) continue;
    matching.push({ row, status, key: value(row, status), at: matching.length });
  }
  matching.sort((a, b) => {
    const x = a.key;
    const y = b.key;
    if (x === y) return a.at - b.at;
    if (x === null) return 1;
    if (y === null) return -1;
    return (x < y ? -1 : 1) * direction;
  });
  const offset = query.offset ?? 0;
  const limit = query.limit ?? 50;
  return {
    total: matching.length,
    offset,
    limit,
    rows: matching.slice(offset, offset + limit).map(({ row, status }) => ({ ...row, status })),
  };
}

const STATUS_ORDER: Readonly<Record<SessionStatus, number>> = { live: 0, unfinished: 1, errored: 2, completed: 3 };

const SORT_VALUE: Readonly<Record<SortKey, (row: SessionRow, status: SessionStatus) => number | string | null>> = {
  step: (row) => row.trainingStep,
  instance: (row) => row.instanceId,
  iterations: (row) => row.iterations,
  reward: (row) => row.reward,
  status: (_row, status) => STATUS_ORDER[status],
  started: (row) => row.startedAt,
  duration: (row) => row.durationSeconds,
};

function matchesSearch(row: SessionRow, search: string): boolean {
  return (
    row.instanceId.toLowerCase().includes(search) ||
    row.sessionId.toLowerCase().includes(search) ||
    (row.finalAnswer?.toLowerCase().includes(search) ?? false)
  );
}
