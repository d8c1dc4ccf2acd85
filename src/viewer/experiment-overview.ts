/** Per-experiment, per-step statistics for the first page: how rewards move over training. */
import type { SessionRow } from "./session-row.js";
import type { SessionStatus } from "./session-index.js";

/** The sessions of one training step of one experiment. */
export interface StepStats {
  step: number;
  sessions: number;
  completed: number;
  errored: number;
  live: number;
  unfinished: number;
  /** Sessions that have a reward. */
  rewarded: number;
  /** Mean, min and max reward over the sessions that have one; null when none has. */
  rewardMean: number | null;
  rewardMin: number | null;
  rewardMax: number | null;
  iterationsMean: number;
}

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
  statusOf: (row: SessionRow) => SessionStatus,
): ExperimentOverview[] {
  const byExperiment = new Map<string, SessionRow[]>();
  for (const row of rows) {
    let list = byExperiment.get(row.experiment);
    if (list === undefined) byExperiment.set(row.experiment, (list = []));
    list.push(row);
  }
  const out: ExperimentOverview[] = [];
  for (const [experiment, list] of [...byExperiment].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const bySteps = new Map<number, SessionRow[]>();
    for (const row of list) {
      let steps = bySteps.get(row.trainingStep);
      if (steps === undefined) bySteps.set(row.trainingStep, (steps = []));
      steps.push(row);
    }
    out.push({
      experiment,
      sessions: list.length,
      instances: new Set(list.map((row) => row.instanceId)).size,
      models: [...new Set(list.flatMap((row) => (row.model === null ? [] : [row.model])))].sort(),
      firstStartedAt: extreme(list.map((row) => row.startedAt), -1),
      lastEndedAt: extreme(list.map((row) => row.endedAt), 1),
      steps: [...bySteps].sort(([a], [b]) => a - b).map(([step, rowsOfStep]) => stepStats(step, rowsOfStep, statusOf)),
    });
  }
  return out;
}

function stepStats(step: number, rows: SessionRow[], statusOf: (row: SessionRow) => SessionStatus): StepStats {
  const counts: Record<SessionStatus, number> = { completed: 0, errored: 0, live: 0, unfinished: 0 };
  const rewards: number[] = [];
  let iterations = 0;
  for (const row of rows) {
    counts[statusOf(row)]++;
    if (row.reward !== null) rewards.push(row.reward);
    iterations += row.iterations;
  }
  return {
    step,
    sessions: rows.length,
    ...counts,
    rewarded: rewards.length,
    rewardMean: rewards.length === 0 ? null : rewards.reduce((a, b) => a + b, 0) / rewards.length,
    rewardMin: rewards.length === 0 ? null : rewards.reduce((a, b) => Math.min(a, b)),
    rewardMax: rewards.length === 0 ? null : rewards.reduce((a, b) => Math.max(a, b)),
    iterationsMean: iterations / rows.length,
  };
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
