/**
 * GRPO-style groups: the rollouts of one instance at one training step. The group page, the
 * step's list of groups and the instance grid (one group per step) are built here, with the
 * mean, standard deviation and zero-variance rule of the step statistics.
 */
import { advantage, computeGroup } from "../../read/step-stats.js";
import type { GridCell, GroupRollout, InstanceStep, StepGroup } from "../api-types.js";
import type { SessionStatus } from "../api-types.js";
import type { SessionRow } from "./session-row.js";

/** A row with its status now. */
export type RowWithStatus = SessionRow & { status: SessionStatus };

/** Rows ranked as the group page shows them: highest reward first, no reward last, then by start. */
export function rankRows<T extends SessionRow>(rows: readonly T[]): T[] {
  return [...rows].sort((a, b) => {
    if (a.reward !== b.reward) {
      if (a.reward === null) return 1;
      if (b.reward === null) return -1;
      return b.reward - a.reward;
    }
    return (a.startedAt ?? "") < (b.startedAt ?? "") ? -1 : (a.startedAt ?? "") > (b.startedAt ?? "") ? 1 : 0;
  });
}

/** The figures of one group and its rollouts ranked, each with its advantage (forced ones have none). */
export function groupRollouts(rows: readonly RowWithStatus[]): {
  figures: ReturnType<typeof computeGroup>;
  partial: boolean;
  rollouts: Omit<GroupRollout, "sketch">[];
} {
  const figures = computeGroup(rows);
  const rollouts = rankRows(rows).map((row, i) => ({
    ...row,
    path: row.relPath,
    rank: i + 1,
    advantage: row.forced ? null : advantage(row.reward, figures),
  }));
  return { figures, partial: rows.some((row) => row.status === "live"), rollouts };
}

/** Rows split by a key, in first-seen order. */
export function groupBy<T, K>(rows: Iterable<T>, key: (row: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const row of rows) {
    const k = key(row);
    let list = out.get(k);
    if (list === undefined) out.set(k, (list = []));
    list.push(row);
  }
  return out;
}

/** The groups of one step, in short: zero-variance groups first, then by instance id. */
export function stepGroups(rows: readonly SessionRow[], statusOf: (row: SessionRow) => SessionStatus): StepGroup[] {
  const out: StepGroup[] = [];
  for (const [instanceId, list] of groupBy(rows, (row) => row.instanceId)) {
    const figures = computeGroup(list);
    out.push({
      instanceId,
      rollouts: list.length,
      rewarded: figures.rewarded,
      forced: list.filter((row) => row.forced).length,
      mean: figures.mean,
      std: figures.std,
      zeroVariance: figures.zeroVariance,
      partial: list.some((row) => statusOf(row) === "live"),
    });
  }
  return out.sort((a, b) => Number(b.zeroVariance) - Number(a.zeroVariance) || (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0));
}

/**
 * One instance's rows as grid rows: one per step, in step order, each a group. Rows are not
 * copied: an instance over hundreds of steps has thousands of them.
 */
export function instanceSteps(rows: readonly SessionRow[], statusOf: (row: SessionRow) => SessionStatus): InstanceStep[] {
  const bySteps = groupBy(rows, (row) => row.trainingStep);
  return [...bySteps]
    .sort(([a], [b]) => a - b)
    .map(([step, list]) => {
      const figures = computeGroup(list);
      return {
        step,
        mean: figures.mean,
        std: figures.std,
        zeroVariance: figures.zeroVariance,
        min: figures.min,
        max: figures.max,
        partial: list.some((row) => statusOf(row) === "live"),
        rollouts: rankRows(list).map(
          (row): GridCell => ({ path: row.relPath, reward: row.reward, status: statusOf(row), forced: row.forced, iterations: row.iterations }),
        ),
      };
    });
}
