/**
 * The session selection flags shared by `ls`, `stats` and `export`, with one meaning each,
 * and the stream of sessions they select. Flags compose with AND; `--session` wins over every
 * other selection flag. `export` adds `--all`, `--limit` and `--offset` ({@link PAGING_FLAGS}).
 */
import {
  DEFAULT_READ_MAX_FILE_BYTES,
  DEFAULT_READ_MAX_LINE_BYTES,
  readSession,
  type ReadOptions,
  type TrajectoryRecord,
} from "../read/reader.js";
import {
  findLatestSession,
  readErrorReason,
  readSessions,
  type SessionFilter,
} from "../read/scan.js";
import type { SessionState } from "../read/session-facts.js";
import { safeSegment } from "../paths.js";
import { UsageError } from "./usage-error.js";
import { byteSize, integer, isoDate, number, stepRange, text } from "./flag-values.js";
import { listFlag, switchFlag, triStateFlag, valueFlag, type FlagValues } from "./flags.js";
import type { Reporter } from "./report.js";

const SELECTION = { group: "Selection" } as const;

/** The selection flags every reading command takes. */
export const SELECTION_FLAGS = {
  session: listFlag("ID", text("a session id"), "this session (file name without .jsonl); wins over all other selection flags", { ...SELECTION, short: "s" }),
  experiment: listFlag("NAME", text("an experiment name"), "sessions of this experiment", SELECTION),
  step: valueFlag("N", integer(0), "sessions of training step N", SELECTION),
  steps: valueFlag("A-B", stepRange, "sessions of training steps A to B (inclusive)", SELECTION),
  instance: listFlag("ID", text("an instance id"), "sessions of this instance", SELECTION),
  since: valueFlag("DT", isoDate, "sessions started at or after DT (ISO 8601; UTC unless an offset is given)", SELECTION),
  until: valueFlag("DT", isoDate, "sessions started at or before DT", SELECTION),
  "only-completed": switchFlag("sessions that finished without an error", SELECTION),
  "only-errored": switchFlag("sessions whose summary carries an error", SELECTION),
  "only-incomplete": switchFlag("sessions without a summary line (crashed, killed, still running)", SELECTION),
  "min-reward": valueFlag("X", number, "sessions whose reward is >= X (a session without a reward never passes)", SELECTION),
  "max-reward": valueFlag("X", number, "sessions whose reward is <= X (a session without a reward never passes)", SELECTION),
  forced: triStateFlag("only sessions logged with force (--forced), or none of them (--no-forced)", SELECTION),
};

/** `export`'s paging on top of the selection. */
export const PAGING_FLAGS = {
  all: switchFlag("every session (without any selection flag, only the latest is taken)", SELECTION),
  limit: valueFlag("N", integer(0), "at most N sessions (after the filters above)", SELECTION),
  offset: valueFlag("K", integer(0), "skip the first K selected sessions", SELECTION),
};

/** The line cap of every reading command. */
export const LINE_FLAGS = {
  "max-line-bytes": valueFlag(
    "SIZE",
    byteSize,
    "a longer line is reported with its file and line number and skipped unread",
    { default: DEFAULT_READ_MAX_LINE_BYTES, defaultText: `${DEFAULT_READ_MAX_LINE_BYTES / 1024 ** 2}M` },
  ),
};

/** How much of a file the commands that hold a session in memory read. */
export const READ_FLAGS = {
  ...LINE_FLAGS,
  "max-file-bytes": valueFlag(
    "SIZE",
    byteSize,
    "a larger session file is reported and left out (it would be held in memory whole)",
    { default: DEFAULT_READ_MAX_FILE_BYTES, defaultText: `${DEFAULT_READ_MAX_FILE_BYTES / 1024 ** 2}M` },
  ),
};

/** The reader's options from {@link READ_FLAGS}. */
export function readOptions(values: FlagValues<typeof READ_FLAGS>): ReadOptions {
  return { maxLineBytes: values["max-line-bytes"], maxFileBytes: values["max-file-bytes"] };
}

type SelectionValues = FlagValues<typeof SELECTION_FLAGS> & Partial<FlagValues<typeof PAGING_FLAGS>>;

/** What the selection flags ask for. */
export interface Selection {
  filter: SessionFilter;
  /** Only the latest session (`export` without any selection flag). */
  latestOnly: boolean;
  offset: number;
  limit: number | undefined;
  /** Selection flags that `--session` made irrelevant, to tell the user. */
  ignored: string[];
  /** The selection flags given, as the user wrote them, for "nothing matches" messages. */
  given: string[];
}

/**
 * Reads the selection flags; throws {@link UsageError} on a bad combination. `latestByDefault`:
 * with no selection flag, take only the latest session (`export`) rather than all (`ls`).
 */
export function parseSelection(values: SelectionValues, latestByDefault = false): Selection {
  const filter: SessionFilter = {};
  const given: string[] = [];
  const quote = (v: string): string => (/^[\w.:+/-]+$/.test(v) ? v : JSON.stringify(v));

  if (values.experiment.length > 0) (filter.experiments = values.experiment), given.push(...values.experiment.map((e) => `--experiment ${quote(e)}`));
  if (values.step !== undefined && values.steps !== undefined) throw new UsageError("--step and --steps cannot be combined; use one");
  if (values.step !== undefined) (filter.steps = { from: values.step, to: values.step }), given.push(`--step ${values.step}`);
  if (values.steps !== undefined) (filter.steps = values.steps), given.push(`--steps ${values.steps.from}-${values.steps.to}`);
  if (values.instance.length > 0) (filter.instances = values.instance), given.push(...values.instance.map((i) => `--instance ${quote(i)}`));
  if (values.since !== undefined) (filter.since = values.since), given.push(`--since ${values.since.toISOString()}`);
  if (values.until !== undefined) (filter.until = values.until), given.push(`--until ${values.until.toISOString()}`);
  if (values.since !== undefined && values.until !== undefined && values.since > values.until) {
    throw new UsageError(`--since (${values.since.toISOString()}) is after --until (${values.until.toISOString()})`);
  }
  const states: SessionState[] = [];
  if (values["only-completed"]) states.push("completed");
  if (values["only-errored"]) states.push("errored");
  if (values["only-incomplete"]) states.push("incomplete");
  if (states.length > 1) {
    throw new UsageError("--only-completed, --only-errored and --only-incomplete are mutually exclusive; use one");
  }
  if (states.length === 1) (filter.states = states), given.push(`--only-${states[0]}`);
  const min = values["min-reward"];
  const max = values["max-reward"];
  if (min !== undefined && max !== undefined && min > max) throw new UsageError(`--min-reward (${min}) is above --max-reward (${max})`);
  if (min !== undefined) (filter.minReward = min), given.push(`--min-reward ${min}`);
  if (max !== undefined) (filter.maxReward = max), given.push(`--max-reward ${max}`);
  if (values.forced !== undefined) (filter.forced = values.forced), given.push(values.forced ? "--forced" : "--no-forced");
  const paging: string[] = [];
  if (values.limit !== undefined) paging.push(`--limit ${values.limit}`);
  if (values.offset !== undefined) paging.push(`--offset ${values.offset}`);

  if (values.session.length > 0) {
    const ignored = [...given, ...paging, ...(values.all === true ? ["--all"] : [])].map((g) => g.split(" ")[0] as string);
    return {
      filter: { sessionIds: values.session },
      latestOnly: false,
      offset: 0,
      limit: undefined,
      ignored: [...new Set(ignored)],
      given: values.session.map((s) => `--session ${quote(s)}`),
    };
  }
  return {
    filter,
    latestOnly: latestByDefault && values.all !== true && given.length === 0 && paging.length === 0,
    offset: values.offset ?? 0,
    limit: values.limit,
    ignored: [],
    given,
  };
}

/**
 * Reads the selected sessions and tells the user, in one wording for every flag, which
 * values of the repeatable flags matched nothing and when the whole selection matched
 * nothing. Files that cannot be read are named as problems and counted in
 * {@link SelectionRun.unreadable}.
 */
export class SelectionRun {
  /** Session files left out because they could not be read. */
  unreadable = 0;
  /** Sessions yielded so far. */
  selected = 0;
  readonly #seen = { session: new Set<string>(), experiment: new Set<string>(), instance: new Set<string>() };

  constructor(
    private readonly dir: string,
    private readonly selection: Selection,
    private readonly report: Reporter,
    private readonly read: ReadOptions = {},
  ) {}

  /** The selected sessions of the directory, one at a time, in the reader's stable order. */
  async *records(): AsyncIterable<TrajectoryRecord> {
    for await (const record of this.#select()) {
      this.selected++;
      this.#seen.session.add(record.sessionId);
      if (record.ref !== undefined) this.#seen.experiment.add(record.ref.experiment);
      const instance = record.metadata?.instance_id ?? record.ref?.instance;
      if (instance !== undefined) this.#seen.instance.add(safeSegment(instance)), this.#seen.instance.add(instance);
      yield record;
    }
  }

  async *#select(): AsyncIterable<TrajectoryRecord> {
    const { selection } = this;
    const read: ReadOptions = {
      ...this.read,
      onUnreadable: (file, reason) => {
        this.unreadable++;
        this.report.problem(`error: ${file}: ${reason}; left out`);
      },
    };
    if (selection.latestOnly) {
      const ref = await findLatestSession(this.dir, {}, read);
      if (ref === null) return;
      let record: TrajectoryRecord;
      try {
        record = await readSession(ref.path, { ...read, prompts: "full" });
      } catch (error) {
        read.onUnreadable?.(ref.path, readErrorReason(error));
        return;
      }
      record.ref = ref;
      yield record;
      return;
    }
    if (selection.limit === 0) return;
    let skipped = 0;
    let taken = 0;
    for await (const record of readSessions(this.dir, selection.filter, read)) {
      if (skipped < selection.offset) {
        skipped++;
        continue;
      }
      yield record;
      taken++;
      if (selection.limit !== undefined && taken >= selection.limit) return;
    }
  }

  /**
   * After the run: one problem line per value of `--session`, `--experiment` or `--instance`
   * that matched no session, and a note when nothing at all was selected.
   */
  finish(): void {
    const { filter } = this.selection;
    const unmatched = (flag: string, values: readonly string[] | undefined, seen: Set<string>, alt = (v: string) => v): void => {
      for (const value of values ?? []) {
        if (!seen.has(value) && !seen.has(alt(value))) this.report.problem(`warning: ${flag} ${JSON.stringify(value)} matches no session under ${this.dir}`);
      }
    };
    // Paging (or an unreadable file) can hide a match; only a full pass proves there is none.
    const complete = this.selection.limit === undefined && this.selection.offset === 0 && this.unreadable === 0;
    if (complete && this.selected > 0) {
      unmatched("--session", filter.sessionIds, this.#seen.session);
      unmatched("--experiment", filter.experiments, this.#seen.experiment, safeSegment);
      unmatched("--instance", filter.instances, this.#seen.instance, safeSegment);
    }
    if (this.selected === 0) {
      const what = this.selection.given.length === 0 ? "" : ` match ${this.selection.given.join(" ")}`;
      this.report.note(`No sessions under ${this.dir}${what}`);
    }
  }

  /** A closing line that counts the files left out: `"<done>; left out N unreadable files (named above)"`. */
  leftOut(done: string): string {
    return `${done}; left out ${this.unreadable} unreadable file${this.unreadable === 1 ? "" : "s"} (named above)`;
  }
}
