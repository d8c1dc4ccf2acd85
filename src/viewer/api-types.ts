/**
 * The viewer's JSON API contract: the shape of every response, in one module. The server's
 * handlers are checked against these types, and the browser code refers to them in JSDoc, so
 * a renamed field shows up on both sides. Field names are part of the public API: scripts
 * read them too (see the README's API list).
 */
import type { StepStats } from "../read/step-stats.js";
import type { ExperimentOverview } from "./server/experiment-overview.js";
import type { SessionSketch } from "./server/session-sketch.js";
import type { SessionListItem } from "./server/session-query.js";
import type { ComparedPair } from "./server/session-compare.js";
import type { IterationOutline } from "./server/session-lines.js";
import type { ErrorFacts } from "../read/error-facts.js";
import type { SessionStatus } from "./server/session-index.js";

export type { StepStats, ExperimentOverview, SessionSketch, SessionListItem, ComparedPair, IterationOutline, ErrorFacts, SessionStatus };

/** `GET /api/overview`. */
export interface OverviewResponse {
  logDir: string;
  generation: number;
  sessions: number;
  /** How forced sessions were treated: left out of sample figures (`apart`) or counted in them. */
  forced: "apart" | "include";
  experiments: ExperimentOverview[];
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
  mean: number | null;
  std: number | null;
  zeroVariance: boolean;
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
