/** Per-experiment, per-step statistics for the first page: how rewards move over training. */
import type { SessionRow } from "./session-row.js";
import { computeStepStats, type StepStats, type StepStatsOptions } from "../../read/step-stats.js";
import type { SessionMeasures } from "../../read/session-facts.js";

/** One experiment: its totals and its steps in order. */
export interface ExperimentOverview {
  /** The experiment's folder name. */
  experiment: string;
  sessions: number;
  /** Distinct instance ids. */
  instances: number;
  models: string[];
  firstStartedAt: string | null;
  lastEndedAt: string | null;
  steps: StepStats[];
}

/** Groups rows by experiment and step. Experiments and steps come in order. */
export function experimentOverview(
  rows: readonly SessionRow[],
  measuresOf: (row: SessionRow) => SessionMeasures,
  options: StepStatsOptions = {},
): ExperimentOverview[] {
  const byExperiment = new Map<string, SessionRow[]>();
  for (const row of rows) {
    let list = byExperiment.get(row.experiment);
    if (list === undefined) byExperiment.set(row.experiment, (list = []));
    list.push(row);
  }
  const out: ExperimentOverview[] = [];
  for (const [experiment, list] of [...byExperiment].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out.push({
      experiment,
      sessions: list.length,
      instances: new Set(list.map((row) => row.instanceId)).size,
      models: [...new Set(list.flatMap((row) => (row.model === null ? [] : [row.model])))].sort(),
      firstStartedAt: extreme(list.map((row) => row.startedAt), -1),
      lastEndedAt: extreme(list.map((row) => row.endedAt), 1),
      steps: computeStepStats(list.map(measuresOf), options),
    });
  }
  return out;
}

/** The earliest (-1) or latest (1) ISO timestamp of a list; ISO strings in UTC sort as text. */
function extreme(stamps: (string | null)[], sign: -1 | 1): string | null {
  let best: string | null = null;
  for (const stamp of stamps) {
    if (stamp === null) continue;
    if (best === null || (sign < 0 ? stamp < best : stamp > best)) best = stamp;
  }
  return best;
}
