/**
 * The session selection flags of `trajlog export`, and the stream of sessions they select.
 * Flags compose with AND; `--session` wins over every other selection flag; with no
 * selection flag at all, the latest session is taken.
 */
import type { ParseArgsConfig } from "node:util";
import {
  findLatestSession,
  readSession,
  readSessions,
  type SessionFilter,
  type SessionState,
  type TrajectoryRecord,
} from "../reader.js";
import { UsageError, type CommandArgs } from "./command.js";
import { dateFlag, intFlag, listFlag, numberFlag, rangeFlag } from "./flag-values.js";

/** The selection flags, for parseArgs. */
export const SELECTION_OPTIONS = {
  all: { type: "boolean" },
  session: { type: "string", short: "s", multiple: true },
  experiment: { type: "string", multiple: true },
  step: { type: "string" },
  steps: { type: "string" },
  instance: { type: "string", multiple: true },
  since: { type: "string" },
  until: { type: "string" },
  "only-completed": { type: "boolean" },
  "only-errored": { type: "boolean" },
  "only-incomplete": { type: "boolean" },
  "min-reward": { type: "string" },
  limit: { type: "string" },
  offset: { type: "string" },
} as const satisfies NonNullable<ParseArgsConfig["options"]>;

/** Help text of the selection flags. */
export const SELECTION_HELP = `Selection (flags combine with AND; with none, the latest session is exported):
  --all                  every session
  -s, --session ID       this session (file name without .jsonl); repeatable; wins over all other selection flags
  --experiment NAME      sessions of this experiment; repeatable
  --step N               sessions of training step N
  --steps A-B            sessions of training steps A to B (inclusive)
  --instance ID          sessions of this instance; repeatable
  --since DT             sessions started at or after DT (ISO 8601; UTC unless an offset is given)
  --until DT             sessions started at or before DT
  --only-completed       sessions that finished without an error
  --only-errored         sessions whose summary carries an error
  --only-incomplete      sessions without a summary line (crashed, killed, still running)
  --min-reward X         sessions whose reward is >= X
  --limit N              at most N sessions (after the filters above)
  --offset K             skip the first K selected sessions`;

/** What the selection flags ask for. */
export interface Selection {
  filter: SessionFilter;
  /** Only the latest session (no selection flag given). */
  latestOnly: boolean;
  offset: number;
  limit: number | undefined;
  /** Selection flags that `--session` made irrelevant, to tell the user. */
  ignored: string[];
}

/** Reads the selection flags; throws {@link UsageError} on a bad value or combination. */
export function parseSelection(values: CommandArgs["values"]): Selection {
  const str = (name: keyof typeof SELECTION_OPTIONS): string | undefined =>
    typeof values[name] === "string" ? (values[name] as string) : undefined;
  const filter: SessionFilter = {};
  const given: string[] = [];

  const experiments = listFlag(values.experiment);
  if (experiments.length > 0) (filter.experiments = experiments), given.push("--experiment");
  const step = str("step");
  const steps = str("steps");
  if (step !== undefined && steps !== undefined) throw new UsageError("--step and --steps cannot be combined; use one");
  if (step !== undefined) {
    const n = intFlag("--step", step);
    filter.steps = { from: n, to: n };
    given.push("--step");
  }
  if (steps !== undefined) (filter.steps = rangeFlag("--steps", steps)), given.push("--steps");
  const instances = listFlag(values.instance);
  if (instances.length > 0) (filter.instances = instances), given.push("--instance");
  const since = str("since");
  const until = str("until");
  if (since !== undefined) (filter.since = dateFlag("--since", since)), given.push("--since");
  if (until !== undefined) (filter.until = dateFlag("--until", until)), given.push("--until");
  if (filter.since !== undefined && filter.until !== undefined && filter.since > filter.until) {
    throw new UsageError(`--since (${since}) is after --until (${until})`);
  }
  const states: SessionState[] = [];
  if (values["only-completed"] === true) states.push("completed");
  if (values["only-errored"] === true) states.push("errored");
  if (values["only-incomplete"] === true) states.push("incomplete");
  if (states.length > 1) {
    throw new UsageError("--only-completed, --only-errored and --only-incomplete are mutually exclusive; use one");
  }
  if (states.length === 1) (filter.states = states), given.push(`--only-${states[0]}`);
  const minReward = str("min-reward");
  if (minReward !== undefined) (filter.minReward = numberFlag("--min-reward", minReward)), given.push("--min-reward");
  const limitText = str("limit");
  const offsetText = str("offset");
  const limit = limitText === undefined ? undefined : intFlag("--limit", limitText);
  const offset = offsetText === undefined ? 0 : intFlag("--offset", offsetText);
  if (limitText !== undefined) given.push("--limit");
  if (offsetText !== undefined) given.push("--offset");

  const sessionIds = listFlag(values.session);
  if (sessionIds.length > 0) {
    const ignored = values.all === true ? [...given, "--all"] : given;
    return { filter: { sessionIds }, latestOnly: false, offset: 0, limit: undefined, ignored };
  }
  return { filter, latestOnly: values.all !== true && given.length === 0, offset, limit, ignored: [] };
}

/** The selected sessions of `dir`, read one at a time in the reader's stable order. */
export async function* selectSessions(dir: string, selection: Selection): AsyncIterable<TrajectoryRecord> {
  if (selection.latestOnly) {
    const ref = await findLatestSession(dir);
    if (ref === null) return;
    const record = await readSession(ref.path);
    record.ref = ref;
    yield record;
    return;
  }
  let skipped = 0;
  let taken = 0;
  if (selection.limit === 0) return;
  for await (const record of readSessions(dir, selection.filter)) {
    if (skipped < selection.offset) {
      skipped++;
      continue;
    }
    yield record;
    taken++;
    if (selection.limit !== undefined && taken >= selection.limit) return;
  }
}
