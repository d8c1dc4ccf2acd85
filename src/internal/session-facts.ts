/** Facts about a session that several export formats derive the same way. */
import path from "node:path";
import type { FinalAnswer, IterationLine } from "../format.js";
import type { TrajectoryRecord } from "../reader.js";

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

/** The session's error as one line of text, when the summary carries one. */
export function errorText(record: TrajectoryRecord): string | null {
  const error = record.summary?.error;
  if (error === undefined || error === null) return null;
  if (typeof error === "string") return error;
  if (typeof error === "object") {
    const { name, message } = error as { name?: unknown; message?: unknown };
    if (typeof message === "string") return typeof name === "string" ? `${name}: ${message}` : message;
  }
  return JSON.stringify(error);
}
