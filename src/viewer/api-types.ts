/**
 * The viewer's JSON API contract: the shape of every response, in one module. The server's
 * handlers are checked against these types, and the browser code refers to them in JSDoc, so
 * a renamed field shows up on both sides. Field names are part of the public API: scripts
 * read them too (see the README's API list).
 */
import type { StepStats } from "../read/step-stats.js";
import type { ExperimentOverview } from "./server/experiment-overview.js";
import type { SessionSketch } from "./server/session-sketch.js";
import type { SessionRow } from "./server/session-row.js";
import type { ComparedIteration, ComparedPair } from "./server/session-compare.js";
import type { DiffLine } from "./server/line-diff.js";
import type { IterationMark } from "./server/session-sketch.js";
import type { IterationOutline } from "./server/session-lines.js";
import type { ErrorFacts } from "../read/error-facts.js";
import type { LineProblem } from "../read/reader.js";
import type { CodeBlock, FinalAnswer, IterationLine, MetadataLine, PromptMessage, RlmCall, SummaryLine } from "../format.js";

export type { StepStats, ExperimentOverview, SessionSketch, IterationMark, SessionRow, ComparedPair, ComparedIteration, DiffLine, IterationOutline, ErrorFacts, LineProblem, IterationLine, PromptMessage, CodeBlock, RlmCall, FinalAnswer };

/** A session's state as the viewer shows it: an incomplete session is live or unfinished. */
export type SessionStatus = "completed" | "errored" | "live" | "unfinished";
/** Session states a filter can ask for. */
export const STATUSES = ["completed", "errored", "live", "unfinished"] as const satisfies readonly SessionStatus[];

/** A session's row with its status at the time of the request. */
export type SessionListItem = SessionRow & { status: SessionStatus };

/** Columns the sessions table sorts by. */
export const SORT_KEYS = ["step", "instance", "iterations", "reward", "status", "started", "duration"] as const;
/** A column the sessions table sorts by. */
export type SortKey = (typeof SORT_KEYS)[number];

/** Directions a list sorts in. */
export const SORT_ORDERS = ["asc", "desc"] as const;
/** How the sample statistics treat forced sessions: left out and shown apart, or included. */
export const FORCED_MODES = ["apart", "include"] as const;

/** How far the index's first scan of the log directory got. */
export interface IndexProgress {
  /** Files read so far; below `total` until every row has been handed on to the pages. */
  indexed: number;
  /** Files found so far (still growing while `listing`). */
  total: number;
  /** The directory is still being listed. */
  listing: boolean;
}

/** `GET /api/version`: polled by the page, which refreshes what it shows when `generation` changes. */
export interface VersionResponse {
  /** Changes whenever a session appears, changes, disappears or stops being live. */
  generation: number;
  /** How far the first scan got; null once every file is in the index. */
  indexing: IndexProgress | null;
}

/** `GET /api/lists`: the values the browser's controls offer, so that it never repeats them. */
export interface ListsResponse {
  sortKeys: SortKey[];
  sortOrders: (typeof SORT_ORDERS)[number][];
  statuses: SessionStatus[];
  searchFields: SearchField[];
  forcedModes: (typeof FORCED_MODES)[number][];
  /** The keys the format gives an iteration line; any other key is the caller's own. */
  iterationKeys: string[];
  /** The largest page each list may ask for. */
  limits: { sessionPage: number; iterationPage: number; search: number };
}

/** `GET /api/overview`. */
export interface OverviewResponse {
  logDir: string;
  generation: number;
  /** Still indexing: the figures cover the sessions read so far. */
  indexing: IndexProgress | null;
  sessions: number;
  /** How forced sessions were treated: left out of sample figures (`apart`) or counted in them. */
  forced: (typeof FORCED_MODES)[number];
  experiments: ExperimentOverview[];
}

/** `GET /api/sessions`: one page of the sessions table. */
export interface SessionsResponse {
  generation: number;
  /** Still indexing: `total` counts the sessions read so far. */
  indexing: IndexProgress | null;
  /** Rows matching the filters, over all pages. */
  total: number;
  offset: number;
  limit: number;
  rows: SessionListItem[];
}

/** `GET /api/session?path=`: one session's row, first and last lines, problems and outline. */
export interface SessionResponse {
  row: SessionListItem;
  /** The metadata line, long strings cut (see `metadataTruncated`); null when there is none. */
  metadata: MetadataLine | null;
  /** Its 1-based line number. */
  metadataLine: number | null;
  /** JSON pointer → full length, for each string that was cut. */
  metadataTruncated: Record<string, number>;
  summary: SummaryLine | null;
  summaryLine: number | null;
  summaryTruncated: Record<string, number>;
  /** The summary's error, when there is one. */
  errorFacts: ErrorFacts | null;
  /** The first problems (torn or invalid lines); `problemCount` says how many there are. */
  problems: LineProblem[];
  problemCount: number;
  iterationCount: number;
  /** Every iteration in short, up to the first few thousand. */
  outline: IterationOutline[];
  /** Bytes after the last complete line: a line being written. */
  pendingBytes: number;
  sizeBytes: number;
}

/** One iteration of `GET /api/session/iterations`. */
export interface IterationItem {
  /** Its 1-based line number in the file. */
  line: number;
  /** The line, long strings cut. */
  data: IterationLine;
  /** JSON pointer → full length, for each string that was cut (`/api/text` gives it whole). */
  truncated: Record<string, number>;
  /** Leading prompt messages the previous iteration had too. */
  promptKept: number;
  /** The iteration's facts as the outline gives them. */
  outline: IterationOutline;
}

/** `GET /api/session/iterations?path=&offset=&limit=`: a page of iterations. */
export interface IterationsResponse {
  total: number;
  offset: number;
  limit: number;
  items: IterationItem[];
}

/** One rollout of a group, ranked by reward. */
export interface GroupRollout extends SessionListItem {
  /** The session's path relative to the log directory (as `relPath`). */
  path: string;
  /** 1-based rank by reward, highest first; rollouts without a reward come last. */
  rank: number;
  /** (reward − mean) / std within the group; null without a reward, for a forced rollout, or when std is 0. */
  advantage: number | null;
  sketch: SessionSketch | null;
}

/** `GET /api/group?experiment=&step=&instance=`: every rollout of one instance at one step. */
export interface GroupResponse {
  experiment: string;
  step: number;
  instanceId: string;
  /** Over rewarded rollouts that are not forced. */
  mean: number | null;
  /** n − 1 in the denominator; null under two rewards. */
  std: number | null;
  /** Two or more rewards, all equal: the group carries no learning signal. */
  zeroVariance: boolean;
  /** Rewarded rollouts the figures are over. */
  rewarded: number;
  /** A rollout of the group is still running. */
  partial: boolean;
  rollouts: GroupRollout[];
}

/** One group of a step, in short. */
export interface StepGroup {
  instanceId: string;
  rollouts: number;
  rewarded: number;
  forced: number;
  mean: number | null;
  std: number | null;
  zeroVariance: boolean;
  partial: boolean;
}

/** `GET /api/step?experiment=&step=`: the step's figures and its groups. */
export interface StepResponse {
  experiment: string;
  step: number;
  stats: StepStats | null;
  groups: StepGroup[];
}

/** One cell of the instance grid: one rollout. */
export interface GridCell {
  path: string;
  reward: number | null;
  status: SessionStatus;
  forced: boolean;
  iterations: number;
}

/** One row of the instance grid: the instance's group at one step. */
export interface InstanceStep {
  step: number;
  /** Over rewarded rollouts that are not forced, as on the group page. */
  mean: number | null;
  std: number | null;
  zeroVariance: boolean;
  /** Lowest and highest of those rewards (the chart's band); null without one. */
  min: number | null;
  max: number | null;
  partial: boolean;
  /** Highest reward first, as on the group page. */
  rollouts: GridCell[];
}

/** `GET /api/instance?experiment=&instance=`: the instance at every step, compactly. */
export interface InstanceResponse {
  experiment: string;
  instanceId: string;
  sessions: number;
  /** Most rollouts in one step: the grid's width. */
  maxRollouts: number;
  steps: InstanceStep[];
}

/** `GET /api/compare?a=&b=`: any two sessions, iteration by iteration. */
export interface CompareResponse {
  a: SessionListItem;
  b: SessionListItem;
  total: number;
  offset: number;
  limit: number;
  pairs: ComparedPair[];
}

/** One match of `GET /api/search`: a line of the JSON-lines answer. */
export interface SearchHit {
  path: string;
  experiment: string;
  step: number;
  instanceId: string;
  reward: number | null;
  /** The iteration's number, and its 1-based line in the file. */
  iteration: number;
  line: number;
  /** `response`, `code`, `stdout`, `stderr` or `final_answer`. */
  field: SearchField;
  /** JSON pointer to the whole value in the line (for `/api/text`). */
  pointer: string;
  /** The text around the first match in that value. */
  excerpt: string;
  /** Where the match is within `excerpt` (UTF-16 offsets). */
  matchStart: number;
  matchEnd: number;
}

/** Progress, sent about twice a second while a search runs. */
export interface SearchProgress {
  progress: { sessionsSearched: number; sessionsTotal: number; results: number };
}

/** The last line of every search answer. */
export interface SearchEnd {
  done: true;
  sessionsSearched: number;
  sessionsTotal: number;
  results: number;
  /** True when the search stopped at `limit` results. */
  capped: boolean;
}

/** Texts a search looks in. */
export const SEARCH_FIELDS = ["response", "code", "stdout", "stderr", "final_answer"] as const;
/** A text a search looks in. */
export type SearchField = (typeof SEARCH_FIELDS)[number];

/**
 * Every JSON endpoint's answer, by its path under `/api/`: the browser's `api(path)` returns
 * the type of its path, and each handler is checked against the same entry.
 */
export interface ApiResponses {
  version: VersionResponse;
  lists: ListsResponse;
  overview: OverviewResponse;
  sessions: SessionsResponse;
  session: SessionResponse;
  "session/iterations": IterationsResponse;
  group: GroupResponse;
  step: StepResponse;
  instance: InstanceResponse;
  compare: CompareResponse;
}
