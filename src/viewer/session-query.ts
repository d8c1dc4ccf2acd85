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

/** Filters, sorts and cuts out one page. Rows without a value for the sort column come last either way. */
export function querySessions(
  rows: readonly SessionRow[],
  statusOf: (row: SessionRow) => SessionStatus,
  query: SessionQuery,
): SessionPage {
  const search = query.search?.toLowerCase();
  const matching: SessionListItem[] = [];
  for (const row of rows) {
    if (query.experiment !== undefined && row.experiment !== query.experiment) continue;
    if (query.step !== undefined && row.trainingStep !== query.step) continue;
    if (query.instance !== undefined && row.instanceId !== query.instance) continue;
    const status = statusOf(row);
    if (query.status !== undefined && status !== query.status) continue;
    if (search !== undefined && !matchesSearch(row, search)) continue;
    matching.push({ ...row, status });
  }
  const key = query.sort ?? "step";
  const direction = query.order === "desc" ? -1 : 1;
  const value = SORT_VALUE[key];
  // Array#sort is stable: equal rows keep scan order (experiment, step, start time).
  matching.sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === y) return 0;
    if (x === null) return 1;
    if (y === null) return -1;
    return (x < y ? -1 : 1) * direction;
  });
  const offset = query.offset ?? 0;
  const limit = query.limit ?? 50;
  return { total: matching.length, offset, limit, rows: matching.slice(offset, offset + limit) };
}

const STATUS_ORDER: Readonly<Record<SessionStatus, number>> = { live: 0, unfinished: 1, errored: 2, completed: 3 };

const SORT_VALUE: Readonly<Record<SortKey, (row: SessionListItem) => number | string | null>> = {
  step: (row) => row.trainingStep,
  instance: (row) => row.instanceId,
  iterations: (row) => row.iterations,
  reward: (row) => row.reward,
  status: (row) => STATUS_ORDER[row.status],
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
