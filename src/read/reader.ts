/**
 * Reading session files back: one file into a {@link TrajectoryRecord}, or every session of a
 * log directory as a stream, in a stable order, one session in memory at a time.
 *
 * Reading never fails on content: a torn last line (a crash mid-write), a line that is not
 * JSON or not a line of the format is skipped and listed in `problems`. Only I/O errors on the
 * path the caller named (missing directory, unreadable file) reject.
 */
import { open, readdir, stat } from "node:fs/promises";
import path from "node:path";
import type { IterationLine, MetadataLine, PromptDelta, SummaryLine } from "../format.js";
import { safeSegment } from "../paths.js";
import { SECOND_METADATA, classifyLine, overlongMessage, schemaErrors } from "./line-parser.js";
import { parseSessionFileName } from "../internal/session-file-name.js";
import { isForced, sessionReward, sessionState, type SessionState } from "./session-facts.js";
import { splitLines } from "./split-lines.js";
import { formatBytes, readFileLines, readFirstLine } from "./file-lines.js";
import { DEFAULT_MAX_LINE_BYTES } from "../write/policy/options.js";
import { PromptDeltaEncoder, PromptResolver } from "../internal/prompt-delta.js";

/** A line of a session file that was skipped, with why. */
export interface LineProblem {
  /** 1-based line number. */
  line: number;
  message: string;
}

/**
 * An iteration as {@link ReadOptions} `prompts: "delta"` gives it: the prompt as the change to
 * the previous iteration's (`prompt_delta`), whatever encoding the file was written in.
 */
export type CompactIterationLine = Omit<IterationLine, "prompt"> & { prompt_delta: PromptDelta };

/** One session file, read. */
export interface TrajectoryRecord<I = IterationLine> {
  /** The file's path, as given. */
  path: string;
  /** The file name without `.jsonl`. */
  sessionId: string;
  /** Line 1; null when the file has no valid metadata line. */
  metadata: MetadataLine | null;
  /** Every valid iteration line, in file order, with its whole prompt (see {@link ReadOptions.prompts}). */
  iterations: I[];
  /** The last valid summary line; null for a session that never finished. */
  summary: SummaryLine | null;
  /** True when a summary line exists. */
  complete: boolean;
  /** Lines that were skipped: not JSON (e.g. a torn last line), or not a line of the format. */
  problems: LineProblem[];
  /** Where the file was found, when it came from {@link readSessions}. */
  ref?: SessionRef;
}


/** A session file found by {@link scanSessions}, before it is read. */
export interface SessionRef {
  /** Absolute path of the file. */
  path: string;
  /** Path relative to the scanned directory (`/`-separated); the file name when a file was scanned. */
  relPath: string;
  /** The file name without `.jsonl`. */
  sessionId: string;
  /** The experiment folder's name (the experiment name made safe for a path). */
  experiment: string;
  /** From the `step_<N>` folder name. */
  trainingStep: number;
  /** The instance id as it appears in the file name (made safe, possibly shortened). */
  instance?: string;
  /** Start time from the file name, to the second (`2026-02-19T14:30:00Z`); null if the name has none. */
  startedAt: string | null;
}

/**
 * Which sessions to take. Every field narrows the selection (AND); an empty filter takes all.
 * `scanSessions` applies what the path tells; `readSessions` also what needs the content.
 */
export interface SessionFilter {
  /** Only these session ids (file names without `.jsonl`). */
  sessionIds?: readonly string[];
  /** Only these experiments: an experiment name or its folder name. */
  experiments?: readonly string[];
  /** Only training steps in this inclusive range. */
  steps?: { from?: number; to?: number };
  /** Only these instance ids (the original ids, or their file-name form). */
  instances?: readonly string[];
  /**
   * Sessions started at or after this time. `scanSessions` decides from the file name, to
   * the second; `readSessions` then checks the metadata timestamp exactly.
   */
  since?: Date;
  /** Sessions started at or before this time; see {@link SessionFilter.since}. */
  until?: Date;
  /** Only sessions in one of these states (`readSessions` only). */
  states?: readonly SessionState[];
  /** Only sessions whose reward is at least this (`readSessions` only; no reward never passes). */
  minReward?: number;
  /** Only sessions whose reward is at most this (`readSessions` only; no reward never passes). */
  maxReward?: number;
  /**
   * true: only sessions logged with `force`; false: none of them (`readSessions` only; a
   * file without a metadata line counts as not forced).
   */
  forced?: boolean;
}

/**
 * Longest line the reader takes by default: a little above the logger's default `maxLineBytes`,
 * so every line the logger writes with its defaults is read, and a hostile one is not.
 */
export const DEFAULT_READ_MAX_LINE_BYTES = DEFAULT_MAX_LINE_BYTES + 1024 * 1024;

/**
 * Largest session file read into memory by default. A session is held whole as a
 * {@link TrajectoryRecord}; a file larger than this is reported through
 * {@link ReadOptions.onUnreadable} instead (`validateSessionFile` streams and has no such cap).
 */
export const DEFAULT_READ_MAX_FILE_BYTES = 512 * 1024 * 1024;

/** How files are read, and where a file that cannot be read is reported. */
export interface ReadOptions {
  /** A longer line is recorded as a problem and passed over unread. Default {@link DEFAULT_READ_MAX_LINE_BYTES}. */
  maxLineBytes?: number;
  /** A larger file is not read (see {@link DEFAULT_READ_MAX_FILE_BYTES}). */
  maxFileBytes?: number;
  /**
   * `"full"`: every iteration carries its whole `prompt`, rebuilt where the file stores deltas.
   * `"delta"`: every iteration carries `prompt_delta` instead (computed where the file stores
   * whole prompts): the first `keep` messages of the previous iteration's prompt, then `append`.
   * @default "full"
   */
  prompts?: "full" | "delta";
  /**
   * Called for each session file or folder that a scan finds but cannot read (permission
   * denied, too large, an I/O error), with the reason in a few words; the file is left out.
   * A file that vanished between the listing and the read is not reported: it is not there.
   */
  onUnreadable?: (path: string, reason: string) => void;
  /**
   * How {@link readSessions} reads one found file, instead of `readSession` with whole
   * prompts: a caller that parses in worker threads hands the work out here. It rejects as
   * `readSession` does (an error with a `code`), and must set nothing but what `readSession` sets.
   */
  readFile?: (ref: SessionRef) => Promise<TrajectoryRecord>;
  /**
   * Files {@link readSessions} reads ahead of its consumer, at once; more hides a slow disk
   * or feeds more worker threads, at the cost of holding that many sessions.
   * @default 1
   */
  readAhead?: number;
}

/** A session file over {@link ReadOptions.maxFileBytes}. */
export class SessionFileTooLargeError extends Error {
  override name = "SessionFileTooLargeError";
  readonly code = "ETOOLARGE";
  constructor(
    readonly path: string,
    readonly size: number,
    readonly limit: number,
  ) {
    super(`too large to read whole: ${formatBytes(size)}, over the limit of ${formatBytes(limit)}`);
  }
}

const STEP_DIR = /^step_(\d+)$/;
/** Longest metadata line looked at to place a lone file or break a tie between start times. */
const FIRST_LINE_MAX_BYTES = 1024 * 1024;

/**
 * Reads one session file as a stream: a line over `maxLineBytes` is a problem and is never
 * held in memory. Delta prompts are rebuilt from the lines before them; one that cannot be (an
 * earlier line unreadable) is a problem, and its line is skipped rather than shown with a wrong
 * prompt. Rejects only when the file cannot be read, or is over `maxFileBytes`
 * ({@link SessionFileTooLargeError}).
 */
export async function readSession(file: string, options?: ReadOptions & { prompts?: "full" }): Promise<TrajectoryRecord>;
export async function readSession(file: string, options: ReadOptions & { prompts: "delta" }): Promise<TrajectoryRecord<CompactIterationLine>>;
export async function readSession(file: string, options?: ReadOptions): Promise<TrajectoryRecord | TrajectoryRecord<CompactIterationLine>>;
export async function readSession(file: string, options: ReadOptions = {}): Promise<TrajectoryRecord | TrajectoryRecord<CompactIterationLine>> {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_READ_MAX_FILE_BYTES;
  const { size } = await stat(file);
  if (size > maxFileBytes) throw new SessionFileTooLargeError(file, size, maxFileBytes);
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_READ_MAX_LINE_BYTES;
  const record = emptyRecord(file);
  const prompts = new PromptResolver();
  for await (const lines of readFileLines(file, maxLineBytes)) {
    for (const item of lines) {
      if ("overlong" in item) {
        prompts.skip();
        record.problems.push({ line: item.line, message: overlongMessage(item, maxLineBytes) });
      } else if (item.text.trim() !== "") readLine(record, item.text, item.line, item.torn, prompts);
    }
  }
  record.complete = record.summary !== null;
  return finish(record, options);
}

function emptyRecord(file: string): TrajectoryRecord {
  return {
    path: file,
    sessionId: parseSessionFileName(path.basename(file)).sessionId,
    metadata: null,
    iterations: [],
    summary: null,
    complete: false,
    problems: [],
  };
}

/** Builds a {@link TrajectoryRecord} from a session file's bytes (a `Buffer` or any `Uint8Array`), as {@link readSession} does. */
export function parseSession(file: string, bytes: Uint8Array, options?: ReadOptions & { prompts?: "full" }): TrajectoryRecord;
export function parseSession(file: string, bytes: Uint8Array, options: ReadOptions & { prompts: "delta" }): TrajectoryRecord<CompactIterationLine>;
export function parseSession(file: string, bytes: Uint8Array, options?: ReadOptions): TrajectoryRecord | TrajectoryRecord<CompactIterationLine>;
export function parseSession(file: string, bytes: Uint8Array, options: ReadOptions = {}): TrajectoryRecord | TrajectoryRecord<CompactIterationLine> {
  return finish(parseSessionLines(file, bytes, new PromptResolver()), options);
}

/**
 * @internal {@link parseSession} with the prompt chain in the caller's hands, for a reader that
 * takes a file a line at a time (the viewer): `prompts` rebuilds delta prompts across calls.
 * The metadata keeps its `prompt_encoding`.
 */
export function parseSessionLines(file: string, bytes: Uint8Array, prompts: PromptResolver): TrajectoryRecord {
  const record = emptyRecord(file);
  for (const { line, text, torn } of splitLines(bytes)) {
    if (text.trim() === "") continue;
    readLine(record, text, line, torn, prompts);
  }
  record.complete = record.summary !== null;
  return record;
}

/** The record as handed out: its metadata says how its own prompts are carried (whole, unless asked for deltas). */
function finish(record: TrajectoryRecord, options: ReadOptions): TrajectoryRecord | TrajectoryRecord<CompactIterationLine> {
  const metadata = record.metadata;
  if (metadata !== null) delete metadata.prompt_encoding;
  if (options.prompts !== "delta") return record;
  // Computed from the rebuilt prompts, so the deltas are the same whichever way the file was written.
  const compact = new PromptDeltaEncoder();
  return {
    ...record,
    metadata: metadata === null ? null : { ...metadata, prompt_encoding: "delta" },
    iterations: record.iterations.map((iteration) => {
      const delta = compact.next(iteration.prompt);
      compact.commit();
      const { prompt: _prompt, ...rest } = iteration;
      return { ...rest, prompt_delta: delta } as CompactIterationLine;
    }),
  };
}

function readLine(record: TrajectoryRecord, text: string, line: number, torn: boolean, prompts: PromptResolver): void {
  const parsed = classifyLine(text, torn);
  if (!parsed.ok) {
    if (parsed.notJson) prompts.skip();
    record.problems.push({ line, message: parsed.message });
    return;
  }
  const { type, value } = parsed;
  if (type === "iteration") {
    const resolved = prompts.take(value);
    if (!resolved.ok) {
      record.problems.push({ line, message: `iteration line's prompt cannot be rebuilt: ${resolved.message}` });
      return;
    }
  }
  const [error] = schemaErrors(type, value, 1);
  if (error !== undefined) {
    if (type === "iteration") prompts.skip();
    record.problems.push({ line, message: `invalid ${type} line: ${error}` });
    return;
  }
  if (type === "iteration") {
    record.iterations.push(value as unknown as IterationLine);
  } else if (type === "summary") {
    record.summary = value as unknown as SummaryLine;
  } else if (record.metadata === null) {
    record.metadata = value as unknown as MetadataLine;
  } else {
    record.problems.push({ line, message: SECOND_METADATA });
  }
}

/**
 * Finds session files without opening them (except a lone file outside a `step_<N>` folder),
 * under a whole log directory, one experiment's folder, one `step_<N>` folder, or one file.
 * Order: experiment, training step (numerically), start time, file name. Memory holds one
 * folder listing at a time. Rejects when `dir` does not exist or cannot be listed.
 */
export async function* scanSessions(dir: string, filter: SessionFilter = {}, options: ReadOptions = {}): AsyncIterable<SessionRef> {
  const root = path.resolve(dir);
  const info = await stat(root);
  const match = compileFilter(filter, options);
  if (info.isFile()) {
    const ref = await lonelyFileRef(root);
    if (match(ref)) yield ref;
    return;
  }
  const entries = await listDir(root, true);
  const stepMatch = STEP_DIR.exec(path.basename(root));
  if (stepMatch !== null || entries.some((e) => e.isFile() && e.name.endsWith(".jsonl"))) {
    const step = stepMatch !== null ? Number(stepMatch[1]) : 0;
    yield* scanStep(root, root, path.basename(path.dirname(root)), step, match);
    return;
  }
  if (entries.some((e) => e.isDirectory() && STEP_DIR.test(e.name))) {
    yield* scanExperiment(root, root, path.basename(root), match);
    return;
  }
  const experiments = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort(compareText);
  for (const experiment of experiments) {
    if (!match.experiment(experiment)) continue;
    yield* scanExperiment(root, path.join(root, experiment), experiment, match);
  }
}

/**
 * Reads the sessions of a directory one at a time, in {@link scanSessions} order, applying the
 * whole filter. The next file is read while the caller handles the current one.
 */
export async function* readSessions(dir: string, filter: SessionFilter = {}, options: ReadOptions = {}): AsyncIterable<TrajectoryRecord> {
  const keep = compileRecordFilter(filter);
  const ahead = Math.max(1, Math.floor(options.readAhead ?? 1));
  const read = async (ref: SessionRef): Promise<TrajectoryRecord | null> => {
    const record = await readSessionOrNull(ref, options);
    if (record === null || !keep(record)) return null;
    record.ref = ref;
    return record;
  };
  // Reads run ahead of the consumer, at most `ahead` of them, and are handed out in scan order.
  const pending: Promise<TrajectoryRecord | null>[] = [];
  for await (const ref of scanSessions(dir, filter, options)) {
    const reading = read(ref);
    // A rejected read-ahead must not go unhandled if the consumer stops here.
    reading.catch(() => undefined);
    pending.push(reading);
    while (pending.length > ahead) {
      const record = await pending.shift();
      if (record != null) yield record;
    }
  }
  while (pending.length > 0) {
    const record = await pending.shift();
    if (record != null) yield record;
  }
}

/**
 * The session that started last under `dir` (optionally within a filter's path criteria):
 * decided from file names, reading metadata lines only to break ties within one second.
 * Resolves to null when there is none.
 */
export async function findLatestSession(dir: string, filter: SessionFilter = {}, options: ReadOptions = {}): Promise<SessionRef | null> {
  let latest: SessionRef[] = [];
  for await (const ref of scanSessions(dir, filter, options)) {
    const current = latest[0];
    if (current === undefined || compareStart(ref, current) > 0) latest = [ref];
    else if (compareStart(ref, current) === 0) latest.push(ref);
  }
  if (latest.length <= 1) return latest[0] ?? null;
  let best: SessionRef | null = null;
  let bestTime = Number.NEGATIVE_INFINITY;
  for (const ref of latest) {
    const stamp = (await readMetadataFields(ref.path))?.timestamp;
    const time = typeof stamp === "string" ? Date.parse(stamp) : Number.NaN;
    const t = Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
    // Ties go to the last in scan order, so the answer is stable.
    if (best === null || t >= bestTime) (best = ref), (bestTime = t);
  }
  return best;
}

function compareStart(a: SessionRef, b: SessionRef): number {
  if (a.startedAt === b.startedAt) return 0;
  if (a.startedAt === null) return -1;
  if (b.startedAt === null) return 1;
  return compareText(a.startedAt, b.startedAt);
}

/** The start of a session: the metadata timestamp, else the file name's. Null when neither exists. */
export function sessionStart(record: TrajectoryRecord): Date | null {
  const stamp = record.metadata?.timestamp ?? parseSessionFileName(path.basename(record.path)).startedAt;
  if (stamp === null || stamp === undefined) return null;
  const date = new Date(stamp);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * A file that vanished mid-scan is skipped as a session that is not there; one that cannot be
 * read is skipped and reported.
 */
async function readSessionOrNull(ref: SessionRef, options: ReadOptions): Promise<TrajectoryRecord | null> {
  try {
    // readSessions hands out whole prompts.
    return await (options.readFile !== undefined ? options.readFile(ref) : readSession(ref.path, { ...options, prompts: "full" }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") options.onUnreadable?.(ref.path, readErrorReason(error));
    return null;
  }
}

/** Why a file or folder could not be read, in a few words. */
export function readErrorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "is a directory";
  if (code === "ETOOLARGE") return (error as Error).message;
  return error instanceof Error ? error.message : String(error);
}

interface CompiledFilter {
  (ref: SessionRef): boolean;
  experiment: (name: string) => boolean;
  step: (step: number) => boolean;
  /** Where folders that cannot be listed are reported. */
  onUnreadable: ReadOptions["onUnreadable"];
}

function compileFilter(filter: SessionFilter, options: ReadOptions = {}): CompiledFilter {
  const ids = filter.sessionIds !== undefined ? new Set(filter.sessionIds) : null;
  const experiments = filter.experiments !== undefined
    ? new Set(filter.experiments.flatMap((name) => [name, safeSegment(name)]))
    : null;
  const instances = filter.instances !== undefined
    ? new Set(filter.instances.flatMap((id) => [id, safeSegment(id)]))
    : null;
  const from = filter.steps?.from ?? 0;
  const to = filter.steps?.to ?? Number.POSITIVE_INFINITY;
  const since = filter.since?.getTime();
  const until = filter.until?.getTime();
  const experiment = (name: string): boolean => experiments === null || experiments.has(name);
  const step = (n: number): boolean => n >= from && n <= to;
  const match = (ref: SessionRef): boolean => {
    if (ids !== null && !ids.has(ref.sessionId)) return false;
    if (!experiment(ref.experiment) || !step(ref.trainingStep)) return false;
    if (instances !== null && (ref.instance === undefined || !instances.has(ref.instance))) return false;
    if ((since !== undefined || until !== undefined) && ref.startedAt !== null) {
      // The file name holds whole seconds: the true start lies in [t, t + 1 s).
      const t = Date.parse(ref.startedAt);
      if (since !== undefined && t + 999 < since) return false;
      if (until !== undefined && t > until) return false;
    }
    return true;
  };
  return Object.assign(match, { experiment, step, onUnreadable: options.onUnreadable });
}

function compileRecordFilter(filter: SessionFilter): (record: TrajectoryRecord) => boolean {
  const states = filter.states !== undefined ? new Set(filter.states) : null;
  const since = filter.since?.getTime();
  const until = filter.until?.getTime();
  return (record) => {
    if (states !== null && !states.has(sessionState(record))) return false;
    if (filter.minReward !== undefined || filter.maxReward !== undefined) {
      const reward = sessionReward(record);
      if (reward === null) return false;
      if (filter.minReward !== undefined && reward < filter.minReward) return false;
      if (filter.maxReward !== undefined && reward > filter.maxReward) return false;
    }
    if (filter.forced !== undefined && isForced(record) !== filter.forced) return false;
    if (since !== undefined || until !== undefined) {
      const start = sessionStart(record)?.getTime();
      if (start === undefined) return false;
      if (since !== undefined && start < since) return false;
      if (until !== undefined && start > until) return false;
    }
    return true;
  };
}

async function* scanExperiment(
  root: string,
  dir: string,
  experiment: string,
  match: CompiledFilter,
): AsyncIterable<SessionRef> {
  const steps: { name: string; step: number }[] = [];
  for (const entry of await listDir(dir, dir === root, match.onUnreadable)) {
    const m = entry.isDirectory() ? STEP_DIR.exec(entry.name) : null;
    if (m !== null) steps.push({ name: entry.name, step: Number(m[1]) });
  }
  steps.sort((a, b) => a.step - b.step || compareText(a.name, b.name));
  for (const { name, step } of steps) {
    if (!match.step(step)) continue;
    yield* scanStep(root, path.join(dir, name), experiment, step, match);
  }
}

async function* scanStep(
  root: string,
  dir: string,
  experiment: string,
  trainingStep: number,
  match: CompiledFilter,
): AsyncIterable<SessionRef> {
  const refs: SessionRef[] = [];
  for (const entry of await listDir(dir, dir === root, match.onUnreadable)) {
    if (!entry.isFile() || !entry.name.endsWith(".jsonl")) continue;
    const name = parseSessionFileName(entry.name);
    const file = path.join(dir, entry.name);
    const ref: SessionRef = {
      path: file,
      relPath: path.relative(root, file).split(path.sep).join("/"),
      sessionId: name.sessionId,
      experiment,
      trainingStep,
      startedAt: name.startedAt,
    };
    if (name.instance !== null) ref.instance = name.instance;
    if (match(ref)) refs.push(ref);
  }
  refs.sort(compareRefs);
  yield* refs;
}

/** A file named directly: its folders say experiment and step, else its metadata line does. */
async function lonelyFileRef(file: string): Promise<SessionRef> {
  const name = parseSessionFileName(path.basename(file));
  const stepMatch = STEP_DIR.exec(path.basename(path.dirname(file)));
  let experiment = path.basename(path.dirname(path.dirname(file)));
  let trainingStep = stepMatch !== null ? Number(stepMatch[1]) : 0;
  if (stepMatch === null) {
    const first = await readMetadataFields(file);
    if (typeof first?.experiment_name === "string") experiment = safeSegment(first.experiment_name);
    if (typeof first?.training_step === "number") trainingStep = first.training_step;
  }
  const ref: SessionRef = {
    path: file,
    relPath: path.basename(file),
    sessionId: name.sessionId,
    experiment,
    trainingStep,
    startedAt: name.startedAt,
  };
  if (name.instance !== null) ref.instance = name.instance;
  return ref;
}

/** The metadata line's fields, for a file's place and start; null when line 1 is not a metadata line. Reads at most 1 MiB. */
async function readMetadataFields(file: string): Promise<Record<string, unknown> | null> {
  const handle = await open(file, "r");
  try {
    const bytes = await readFirstLine(handle, FIRST_LINE_MAX_BYTES, true);
    const parsed = bytes === null ? null : classifyLine(bytes.toString("utf8"), false);
    return parsed?.ok === true && parsed.type === "metadata" ? parsed.value : null;
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/**
 * Lists a folder. The scanned root must be listable; a subfolder that vanished mid-scan counts
 * as empty, one that cannot be listed is reported and counts as empty.
 */
async function listDir(dir: string, mustExist: boolean, onUnreadable?: ReadOptions["onUnreadable"]): Promise<import("node:fs").Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (mustExist) throw error;
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") onUnreadable?.(`${dir}${path.sep}`, readErrorReason(error));
    return [];
  }
}

function compareRefs(a: SessionRef, b: SessionRef): number {
  if (a.startedAt !== b.startedAt) {
    if (a.startedAt === null) return 1;
    if (b.startedAt === null) return -1;
    return compareText(a.startedAt, b.startedAt);
  }
  return compareText(a.sessionId, b.sessionId);
}

/** Code-unit order: the same on every machine, whatever the locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
