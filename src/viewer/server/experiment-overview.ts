/**
 * Per-experiment, per-step statistics for the first page: how rewards move over training. The
 * figures of a step are worked out when one of its sessions changes, not per request: a page
 * of a hundred thousand sessions costs the steps that changed since the last one. A step with
 * a live session is worked out again once that session would stop counting as live.
 */
import type { SessionRow } from "./session-row.js";
import { computeStepStats, type StepStats } from "../../read/step-stats.js";
import type { SessionMeasures } from "../../read/session-facts.js";
import type { IndexChange, IndexView } from "./session-index.js";
import type { ExperimentRows, RowGroups } from "./row-groups.js";

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

/** What the overview needs of the index: a row's measures and live state now. */
export interface LiveRows {
  measures(row: SessionRow, now: number): SessionMeasures;
  isLive(row: SessionRow, now: number): boolean;
  liveUntil(row: SessionRow): number;
}

/** A step's figures, valid until a session changes or, for a live one, until `validUntil`. */
interface StepEntry {
  stats: StepStats;
  validUntil: number;
}

type Totals = Omit<ExperimentOverview, "steps"> & { stepNumbers: number[] };

/** What one step adds to its experiment's totals: kept per step so that totals never walk every row. */
interface StepTotals {
  models: ReadonlySet<string>;
  first: string | null;
  last: string | null;
}

/** The overview of every experiment, kept as rows change. */
export class ExperimentOverviews implements IndexView {
  readonly #groups: RowGroups;
  readonly #live: LiveRows;
  /** By experiment, then `${includeForced}:${step}`. */
  readonly #steps = new Map<string, Map<string, StepEntry>>();
  readonly #totals = new Map<string, Totals>();
  /** By experiment, then step: worked out when one of the step's sessions changes. */
  readonly #stepTotals = new Map<string, Map<number, StepTotals>>();

  constructor(groups: RowGroups, live: LiveRows) {
    this.#groups = groups;
    this.#live = live;
  }

  apply(change: IndexChange): void {
    const touched = new Map<string, Set<number>>();
    for (const rows of [change.removed, change.added]) {
      for (const row of rows) {
        this.#totals.delete(row.experiment);
        const steps = this.#steps.get(row.experiment);
        steps?.delete(`true:${row.trainingStep}`);
        steps?.delete(`false:${row.trainingStep}`);
        let set = touched.get(row.experiment);
        if (set === undefined) touched.set(row.experiment, (set = new Set()));
        set.add(row.trainingStep);
      }
    }
    // The figures the first page shows are worked out now, batch by batch as the index fills,
    // so that no request pays for all of them at once.
    const now = Date.now();
    for (const [experiment, steps] of touched) {
      for (const step of steps) {
        this.step(experiment, step, false, now);
        this.#updateStepTotals(experiment, step);
      }
    }
  }

  /** Every experiment by name, its steps in order; forced sessions in the figures only when `includeForced`. */
  overview(includeForced: boolean, now: number = Date.now()): ExperimentOverview[] {
    const names = [...this.#groups.experiments.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return names.map((name) => {
      const rows = this.#groups.experiments.get(name) as ExperimentRows;
      const { stepNumbers, ...totals } = this.#totalsOf(name, rows);
      return { ...totals, steps: stepNumbers.map((step) => this.step(name, step, includeForced, now) as StepStats) };
    });
  }

  /** One step's figures; null when it has no session. */
  step(experiment: string, step: number, includeForced: boolean, now: number = Date.now()): StepStats | null {
    const rows = this.#groups.step(experiment, step);
    if (rows.size === 0) return null;
    let steps = this.#steps.get(experiment);
    if (steps === undefined) this.#steps.set(experiment, (steps = new Map()));
    const key = `${includeForced}:${step}`;
    const known = steps.get(key);
    if (known !== undefined && now < known.validUntil) return known.stats;
    const measures: SessionMeasures[] = [];
    let validUntil = Number.POSITIVE_INFINITY;
    for (const row of rows) {
      const measured = this.#live.measures(row, now);
      if (measured.live && row.state === "incomplete") validUntil = Math.min(validUntil, this.#live.liveUntil(row));
      measures.push(measured);
    }
    const stats = computeStepStats(measures, { includeForced })[0] as StepStats;
    steps.set(key, { stats, validUntil });
    return stats;
  }

  #totalsOf(experiment: string, rows: ExperimentRows): Totals {
    const known = this.#totals.get(experiment);
    if (known !== undefined) return known;
    const models = new Set<string>();
    let first: string | null = null;
    let last: string | null = null;
    for (const step of this.#stepTotals.get(experiment)?.values() ?? []) {
      for (const model of step.models) models.add(model);
      // ISO timestamps in UTC sort as text.
      if (step.first !== null && (first === null || step.first < first)) first = step.first;
      if (step.last !== null && (last === null || step.last > last)) last = step.last;
    }
    const totals: Totals = {
      experiment,
      sessions: rows.rows.size,
      instances: rows.instances.size,
      models: [...models].sort(),
      firstStartedAt: first,
      lastEndedAt: last,
      stepNumbers: [...rows.steps.keys()].sort((a, b) => a - b),
    };
    this.#totals.set(experiment, totals);
    return totals;
  }

  /** Works out a step's share of the totals again from its rows (none: it is dropped). */
  #updateStepTotals(experiment: string, step: number): void {
    const rows = this.#groups.step(experiment, step);
    let steps = this.#stepTotals.get(experiment);
    if (rows.size === 0) {
      steps?.delete(step);
      if (steps?.size === 0) this.#stepTotals.delete(experiment);
      return;
    }
    if (steps === undefined) this.#stepTotals.set(experiment, (steps = new Map()));
    const models = new Set<string>();
    let first: string | null = null;
    let last: string | null = null;
    for (const row of rows) {
      if (row.model !== null) models.add(row.model);
      if (row.startedAt !== null && (first === null || row.startedAt < first)) first = row.startedAt;
      if (row.endedAt !== null && (last === null || row.endedAt > last)) last = row.endedAt;
    }
    steps.set(step, { models, first, last });
  }
}
