/** Facts about a session that several export formats derive the same way. */
import path from "node:path";
import type { FinalAnswer, IterationLine } from "../format.js";
import { sessionState, type TrajectoryRecord } from "./reader.js";
import { errorFacts } from "./error-facts.js";

/** The task: `task` of the metadata line when it is a string, else the first user message of the first prompt. */
export function taskText(record: TrajectoryRecord): string | null {
  const task = record.metadata?.task;
  if (typeof task === "string") return task;
  const first = record.iterations[0]?.prompt.find((m) => m.role === "user");
  return first?.content ?? null;
}

/** A final answer as text: the answer of a `[label, answer]` pair. */
export function answerText(answer: FinalAnswer): string | null {
  if (answer === null) return null;
  return typeof answer === "string" ? answer : answer[1];
}

/** The last non-null final answer of any iteration. */
export function lastFinalAnswer(iterations: readonly IterationLine[]): string | null {
  for (let i = iterations.length - 1; i >= 0; i--) {
    const text = answerText(iterations[i]?.final_answer ?? null);
    if (text !== null) return text;
  }
  return null;
}

/** The iterations to export: the first `limit` of them, when a limit is set. */
export function limitedIterations(record: TrajectoryRecord, limit: number | undefined): IterationLine[] {
  return limit === undefined || record.iterations.length <= limit ? record.iterations : record.iterations.slice(0, limit);
}

/** The path recorded in output: the relative path given, else the file name. */
export function recordedPath(record: TrajectoryRecord, relPath: string | undefined): string {
  return relPath ?? record.ref?.relPath ?? path.basename(record.path);
}

/** The session's error as one line of text (`Name: message`), when the summary carries one. */
export function errorText(record: TrajectoryRecord): string | null {
  const facts = errorFacts(record.summary?.error);
  return facts === null ? null : facts.heading;
}

/**
 * Why a session has no reward a trainer could learn from: it never finished (no summary
 * line), it errored without a reward, or it finished without one. Exports that need a number
 * never make one up for these.
 */
export type MissingReward = "unfinished" | "errored" | "no reward given";

/** The session's reward when the summary gives a finite number, else null. */
export function sessionReward(record: Pick<TrajectoryRecord, "summary">): number | null {
  const reward = record.summary?.reward;
  return typeof reward === "number" && Number.isFinite(reward) ? reward : null;
}

/** Why the session has no reward; null when it has one. */
export function missingReward(record: Pick<TrajectoryRecord, "summary">): MissingReward | null {
  if (sessionReward(record) !== null) return null;
  if (record.summary === null) return "unfinished";
  return sessionState(record) === "errored" ? "errored" : "no reward given";
}

/**
 * True when the session was logged because it was forced (`force: true` or `TRAJLOG_FORCE`),
 * not because sampling chose it: it is not part of the sample.
 */
export function isForced(record: Pick<TrajectoryRecord, "metadata">): boolean {
  return record.metadata?.sampling?.forced === true;
}

/** The fields of an iteration line the format defines; anything else is the caller's extra. */
const ITERATION_FIELDS = new Set([
  "type",
  "iteration",
  "timestamp",
  "prompt",
  "response",
  "code_blocks",
  "final_answer",
  "iteration_time",
]);

/** The keys of an iteration line beyond the format's own (`usage` and the caller's `extra`). */
export function iterationExtras(iteration: IterationLine): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(iteration)) if (!ITERATION_FIELDS.has(key)) out[key] = iteration[key];
  return out;
}

/** When the iteration started: its timestamp less its `iteration_time`; null when the time is not known. */
export function iterationStart(iteration: IterationLine): string | null {
  if (iteration.iteration_time === null) return null;
  const end = Date.parse(iteration.timestamp);
  if (Number.isNaN(end)) return null;
  return new Date(end - Math.round(iteration.iteration_time * 1000)).toISOString();
}

/** When a session started and last wrote, and the seconds between. */
export interface SessionTimes {
  /** The metadata line's timestamp, else the file name's (to the second); ISO 8601. */
  startedAt: string | null;
  /** The summary's timestamp, else the last iteration's, else the start. */
  endedAt: string | null;
  /** Seconds from start to end; null when either is unknown or unparsable. */
  durationSeconds: number | null;
}

/** The session's start, end and duration, from its lines' timestamps. */
export function sessionTimes(record: TrajectoryRecord): SessionTimes {
  const startedAt = record.metadata?.timestamp ?? record.ref?.startedAt ?? null;
  const endedAt = record.summary?.timestamp ?? record.iterations[record.iterations.length - 1]?.timestamp ?? startedAt;
  let durationSeconds: number | null = null;
  if (startedAt !== null && endedAt !== null) {
    const seconds = (Date.parse(endedAt) - Date.parse(startedAt)) / 1000;
    if (Number.isFinite(seconds)) durationSeconds = seconds;
  }
  return { startedAt, endedAt, durationSeconds };
}
