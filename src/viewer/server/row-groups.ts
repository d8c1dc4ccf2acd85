/**
 * The index's rows grouped as the pages read them: by experiment, then by training step and by
 * instance. Kept up to date batch by batch, so the step, group and instance pages and the
 * overview look at their own rows only, never at every row of the directory.
 */
import type { IndexChange, IndexView } from "./session-index.js";
import type { SessionRow } from "./session-row.js";

/** One experiment's rows. */
export interface ExperimentRows {
  rows: Set<SessionRow>;
  steps: Map<number, Set<SessionRow>>;
  instances: Map<string, Set<SessionRow>>;
}

/** Rows by experiment, step and instance. */
export class RowGroups implements IndexView {
  readonly #experiments = new Map<string, ExperimentRows>();
  /** How many times each row set gained or lost a row: what answers built from a set are checked against. */
  readonly #changes = new WeakMap<ReadonlySet<SessionRow>, number>();

  /** Every experiment's rows, in no particular order. */
  get experiments(): ReadonlyMap<string, ExperimentRows> {
    return this.#experiments;
  }

  /** The rows of one step of one experiment (empty when there are none). */
  step(experiment: string, step: number): ReadonlySet<SessionRow> {
    return this.#experiments.get(experiment)?.steps.get(step) ?? EMPTY;
  }

  /** The rows of one instance of one experiment, at every step. */
  instance(experiment: string, instanceId: string): ReadonlySet<SessionRow> {
    return this.#experiments.get(experiment)?.instances.get(instanceId) ?? EMPTY;
  }

  /** How many times `rows` (a set this object handed out) gained or lost a row. */
  changes(rows: ReadonlySet<SessionRow>): number {
    return this.#changes.get(rows) ?? 0;
  }

  apply(change: IndexChange): void {
    for (const row of change.removed) {
      const experiment = this.#experiments.get(row.experiment);
      if (experiment === undefined) continue;
      experiment.rows.delete(row);
      this.#count(remove(experiment.steps, row.trainingStep, row));
      this.#count(remove(experiment.instances, row.instanceId, row));
      if (experiment.rows.size === 0) this.#experiments.delete(row.experiment);
    }
    for (const row of change.added) {
      let experiment = this.#experiments.get(row.experiment);
      if (experiment === undefined) {
        experiment = { rows: new Set(), steps: new Map(), instances: new Map() };
        this.#experiments.set(row.experiment, experiment);
      }
      experiment.rows.add(row);
      this.#count(add(experiment.steps, row.trainingStep, row));
      this.#count(add(experiment.instances, row.instanceId, row));
    }
  }

  #count(rows: ReadonlySet<SessionRow> | undefined): void {
    if (rows !== undefined) this.#changes.set(rows, this.changes(rows) + 1);
  }
}

const EMPTY: ReadonlySet<SessionRow> = new Set();

/** Adds `row` to its set; returns the set. */
function add<K>(map: Map<K, Set<SessionRow>>, key: K, row: SessionRow): Set<SessionRow> {
  let set = map.get(key);
  if (set === undefined) map.set(key, (set = new Set()));
  set.add(row);
  return set;
}

/** Removes `row` from its set; returns the set, if there was one. */
function remove<K>(map: Map<K, Set<SessionRow>>, key: K, row: SessionRow): Set<SessionRow> | undefined {
  const set = map.get(key);
  if (set === undefined) return undefined;
  set.delete(row);
  if (set.size === 0) map.delete(key);
  return set;
}
