/**
 * One session as the viewer's tables show it, built from the first and last lines of its file
 * only, so that indexing 10,000 sessions, or one of 100 MB, reads a few kilobytes per file.
 */
import { open, readFile } from "node:fs/promises";
import { parseSession, type TrajectoryRecord } from "../../read/reader.js";
import { type SessionRef } from "../../read/scan.js";
import { readFirstLine } from "../../read/file-lines.js";
import {
  addIteration,
  emptyIterationMeasures,
  errorText,
  isForced,
  measureIterations,
  sessionInstanceId,
  sessionReward,
  sessionState,
  sessionTimes,
  type IterationMeasures,
  type SessionState,
} from "../../read/session-facts.js";
import { streamLines } from "./line-stream.js";

/** What the viewer shows of a session in its tables. */
export interface SessionRow {
  /** Path relative to the log directory, `/`-separated: the session's key in the API. */
  relPath: string;
  sessionId: string;
  /** The experiment's folder name: the key experiments are grouped by. */
  experiment: string;
  trainingStep: number;
  /** The original instance id from the metadata line (the file name's form when there is none). */
  instanceId: string;
  model: string | null;
  /** Iteration lines written. */
  iterations: number;
  reward: number | null;
  state: SessionState;
  /** Logged with `force`, outside the sample: left out of the sample statistics. */
  forced: boolean;
  /** Tokens of the root calls' usage plus the sub-model calls. */
  inputTokens: number;
  outputTokens: number;
  /** Sum of `iteration_time` over the iterations that have one, and how many have one. */
  iterationSeconds: number;
  timedIterations: number;
  /** Start time, ISO 8601. */
  startedAt: string | null;
  /** Time of the last line written, ISO 8601. */
  endedAt: string | null;
  /** Seconds from start to the last line; null when either is unknown. */
  durationSeconds: number | null;
  /** The final answer, cut to {@link ROW_TEXT_LIMIT} characters. */
  finalAnswer: string | null;
  /** The summary's error, as one short line. */
  error: string | null;
  sizeBytes: number;
  mtimeMs: number;
}

/** Files up to this size are read whole; larger ones by their first and last lines. */
export const WHOLE_READ_BYTES = 1024 * 1024;
/** Longest final answer or error kept in a row. */
export const ROW_TEXT_LIMIT = 400;

const NEWLINE = 0x0a;
const CHUNK = 64 * 1024;
/** Lines longer than this at the head or tail are not looked at (the row just lacks them). */
const MAX_EDGE_LINE = 16 * 1024 * 1024;

/**
 * For a row of a large file: its iteration measures and the offset after the last line they
 * count, so that the next row of the same growing file reads only what was appended.
 */
const measuredUpTo = new WeakMap<SessionRow, { to: number; counted: IterationMeasures }>();

/**
 * Builds the row of a session file of known size and modification time. `previous` is the
 * file's last row, if any: a large file that only grew is then measured from where it stopped.
 */
export async function readSessionRow(ref: SessionRef, sizeBytes: number, mtimeMs: number, previous?: SessionRow): Promise<SessionRow> {
  const whole = sizeBytes <= WHOLE_READ_BYTES;
  const record = whole ? parseSession(ref.path, await readFile(ref.path)) : await readEdges(ref.path, sizeBytes);
  const metadata = record.metadata;
  let counted: IterationMeasures;
  let measuredTo = 0;
  if (whole) {
    counted = measureIterations(record.iterations);
  } else {
    const known = previous === undefined || previous.sizeBytes > sizeBytes ? undefined : measuredUpTo.get(previous);
    ({ counted, to: measuredTo } = await measureLines(ref.path, known?.to ?? 0, sizeBytes, known?.counted));
  }
  const times = sessionTimes({ ...record, ref });
  const row: SessionRow = {
    relPath: ref.relPath,
    sessionId: ref.sessionId,
    experiment: ref.experiment,
    trainingStep: ref.trainingStep,
    instanceId: sessionInstanceId({ ...record, ref }),
    model: metadata?.root_model ?? null,
    iterations: counted.iterations,
    reward: sessionReward(record),
    state: sessionState(record),
    forced: isForced(record),
    inputTokens: counted.inputTokens,
    outputTokens: counted.outputTokens,
    iterationSeconds: counted.iterationSeconds,
    timedIterations: counted.timedIterations,
    ...times,
    finalAnswer: cut(counted.finalAnswer),
    error: cut(errorText(record)),
    sizeBytes,
    mtimeMs,
  };
  if (!whole) measuredUpTo.set(row, { to: measuredTo, counted });
  return row;
}

/** Adds the iteration lines of bytes [from, size) to `base`; returns them and where they end. */
async function measureLines(
  file: string,
  from: number,
  size: number,
  base: IterationMeasures = emptyIterationMeasures(),
): Promise<{ counted: IterationMeasures; to: number }> {
  const counted = { ...base };
  let to = from;
  for await (const line of streamLines(file, from, size, MAX_EDGE_LINE)) {
    const iteration = parseSession(file, line.bytes).iterations[0];
    if (iteration !== undefined) addIteration(counted, iteration);
    to = line.end;
  }
  return { counted, to };
}

/** The first line and the last two complete lines, read as a session (iterations: the last one only). */
async function readEdges(file: string, size: number): Promise<TrajectoryRecord> {
  const handle = await open(file, "r");
  try {
    const head = (await readFirstLine(handle, MAX_EDGE_LINE)) ?? Buffer.alloc(0);
    const tail = await readTail(handle, size, head.length);
    return parseSession(file, Buffer.concat([head, Buffer.from("\n"), tail]));
  } finally {
    await handle.close();
  }
}

type Handle = Awaited<ReturnType<typeof open>>;

/**
 * The last two complete lines after `from`. A last line without its newline is being written
 * right now: it is left out rather than reported as torn.
 */
async function readTail(handle: Handle, size: number, from: number): Promise<Buffer> {
  let position = size;
  let tail = Buffer.alloc(0);
  while (position > from && size - position < 2 * MAX_EDGE_LINE) {
    const start = Math.max(from, position - CHUNK);
    const buffer = Buffer.alloc(position - start);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    tail = Buffer.concat([buffer.subarray(0, bytesRead), tail]);
    position = start;
    if (countLineStarts(tail) >= 3) break;
  }
  // Whole lines only: drop what follows the last newline, and what precedes the first one
  // unless the read reached the head line's end.
  const lines: Buffer[] = [];
  let lineStart = 0;
  for (let at = tail.indexOf(NEWLINE); at !== -1; at = tail.indexOf(NEWLINE, at + 1)) {
    if (lineStart > 0 || position <= from) lines.push(tail.subarray(lineStart, at));
    lineStart = at + 1;
  }
  const kept = lines.filter((line) => line.length > 0).slice(-2);
  return Buffer.concat(kept.flatMap((line) => [line, Buffer.from("\n")]));
}

function countLineStarts(buffer: Buffer): number {
  let count = 0;
  for (let at = buffer.indexOf(NEWLINE); at !== -1; at = buffer.indexOf(NEWLINE, at + 1)) count++;
  return count;
}

function cut(text: string | null): string | null {
  if (text === null) return null;
  return text.length > ROW_TEXT_LIMIT ? `${text.slice(0, ROW_TEXT_LIMIT)}…` : text;
}
