/**
 * Finding the sessions of a log directory and reading them one at a time: a whole log
 * directory, one experiment's folder, one `step_<N>` folder or one file, in a stable order
 * (experiment, step, start time, file name), filtered by what the path tells and then by what
 * the content tells. Memory holds one folder listing and one session at a time.
 */
import { open, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { safeSegment } from "../paths.js";
import { parseSessionFileName } from "../internal/session-file-name.js";
import { classifyLine } from "./line-parser.js";
import { readFirstLine } from "./file-lines.js";
import { isForced, sessionReward, sessionState, type SessionState } from "./session-facts.js";
import { readSession, type ReadOptions, type TrajectoryRecord } from "./reader.js";

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

const STEP_DIR = /^step_(\d+)$/;
/** Longest metadata line looked at to place a lone file or break a tie between start times. */
const FIRST_LINE_MAX_BYTES = 1024 * 1024;

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
 * whole filter. While the caller handles the current one, the next `readAhead` files (default
 * one) are found and read: each is started only when the one before it is handed out, so what
 * the scan reports (a folder it cannot list) comes in reading order.
 */
export async function* readSessions(dir: string, filter: SessionFilter = {}, options: ReadOptions = {}): AsyncIterable<TrajectoryRecord> {
  const keep = compileRecordFilter(filter);
  const ahead = Math.max(1, Math.floor(options.readAhead ?? 1));
  const report = options.onUnreadable;
  // Reads run ahead of the consumer, at most `ahead` of them, and are handed out in scan order.
  // So does the scan, which may meet an unreadable folder while the consumer still handles the
  // file before it: every report waits in the queue at its place in scan order and reaches the
  // caller just before the record that follows it, so problems come out in reading order
  // however far the reads run ahead and however long the consumer takes.
  const queue: Slot[] = [];
  let reading = 0;
  let scanProblems: Problem[] = [];
  const scanOptions: ReadOptions = report === undefined ? options : { ...options, onUnreadable: (file, reason) => void scanProblems.push([file, reason]) };
  const read = (ref: SessionRef): Slot => {
    const problems: Problem[] = [];
    const readOptions: ReadOptions = report === undefined ? options : { ...options, onUnreadable: (file, reason) => void problems.push([file, reason]) };
    const record = readSessionOrNull(ref, readOptions).then((found) => {
      if (found === null || !keep(found)) return null;
      found.ref = ref;
      return found;
    });
    // A rejected read-ahead must not go unhandled if the consumer stops here.
    record.catch(() => undefined);
    return { record, problems };
  };
  const queueScanProblems = (): void => {
    if (scanProblems.length > 0) queue.push({ record: null, problems: scanProblems });
    scanProblems = [];
  };
  async function* handOut(slot: Slot): AsyncIterable<TrajectoryRecord> {
    if (slot.record !== null) reading--;
    const record = slot.record === null ? null : await slot.record;
    for (const [file, reason] of slot.problems) report?.(file, reason);
    if (record !== null) yield record;
  }
  for await (const ref of scanSessions(dir, filter, scanOptions)) {
    queueScanProblems();
    queue.push(read(ref));
    reading++;
    while (reading > ahead) yield* handOut(queue.shift() as Slot);
  }
  queueScanProblems();
  while (queue.length > 0) yield* handOut(queue.shift() as Slot);
}

/** A file or folder that could not be read, and why. */
type Problem = [path: string, reason: string];

/** One place in {@link readSessions}' queue: a file being read, or problems the scan met. */
interface Slot {
  record: Promise<TrajectoryRecord | null> | null;
  problems: Problem[];
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
    const file = path.join(dir, entry.name);
    const ref = refOf(file, path.relative(root, file).split(path.sep).join("/"), experiment, trainingStep);
    if (match(ref)) refs.push(ref);
  }
  refs.sort(compareRefs);
  yield* refs;
}

/** A file named directly: its folders say experiment and step, else its metadata line does. */
async function lonelyFileRef(file: string): Promise<SessionRef> {
  const stepMatch = STEP_DIR.exec(path.basename(path.dirname(file)));
  let experiment = path.basename(path.dirname(path.dirname(file)));
  let trainingStep = stepMatch !== null ? Number(stepMatch[1]) : 0;
  if (stepMatch === null) {
    const first = await readMetadataFields(file);
    if (typeof first?.experiment_name === "string") experiment = safeSegment(first.experiment_name);
    if (typeof first?.training_step === "number") trainingStep = first.training_step;
  }
  return refOf(file, path.basename(file), experiment, trainingStep);
}

/** The ref of a session file found at `file`; id, instance and start come from its name. */
function refOf(file: string, relPath: string, experiment: string, trainingStep: number): SessionRef {
  const name = parseSessionFileName(path.basename(file));
  const ref: SessionRef = { path: file, relPath, sessionId: name.sessionId, experiment, trainingStep, startedAt: name.startedAt };
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
