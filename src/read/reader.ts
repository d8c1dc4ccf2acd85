/**
 * Reading one session file back into a {@link TrajectoryRecord}, streamed line by line through
 * the line parser; `scan.ts` finds and reads the sessions of a whole log directory.
 *
 * Reading never fails on content: a torn last line (a crash mid-write), a line that is not
 * JSON or not a line of the format is skipped and listed in `problems`. Only I/O errors on the
 * path the caller named (missing directory, unreadable file) reject.
 */
import path from "node:path";
import type { IterationLine, MetadataLine, PromptDelta, SummaryLine } from "../format.js";
import { SECOND_METADATA, classifyLine, overlongMessage, schemaErrors } from "./line-parser.js";
import { parseSessionFileName } from "../internal/session-file-name.js";
import { splitLines } from "./split-lines.js";
import { formatBytes, readFileLines } from "./file-lines.js";
import { DEFAULT_MAX_LINE_BYTES } from "../write/policy/options.js";
import { PromptDeltaEncoder, PromptResolver } from "../internal/prompt-delta.js";
import type { SessionRef } from "./scan.js";

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
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_READ_MAX_LINE_BYTES;
  const tooLarge = (size: number): void => {
    if (size > maxFileBytes) throw new SessionFileTooLargeError(file, size, maxFileBytes);
  };
  const record = emptyRecord(file);
  const prompts = new PromptResolver();
  for await (const lines of readFileLines(file, maxLineBytes, undefined, tooLarge)) {
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
