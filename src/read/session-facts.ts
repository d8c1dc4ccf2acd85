/**
 * Facts about a session, each worked out in one place: how it ended, its reward, its final
 * answer, its error as text, its times, and what its iteration lines add up to. `trajlog ls`,
 * `trajlog stats` (through the step statistics), every export format, the dataset rows and the
 * viewer's index, outline and comparisons all take them from here, so no two of them can
 * disagree about a session.
 */
import path from "node:path";
import type { FinalAnswer, IterationLine } from "../format.js";
import type { TrajectoryRecord } from "./reader.js";
import type { SessionRef } from "./scan.js";
import { errorFacts } from "./error-facts.js";

/** How a session ended. */
export type SessionState = "completed" | "errored" | "incomplete";

/**
 * How a session ended: no summary line → `"incomplete"`; a summary with a non-null `error`
 * → `"errored"`; otherwise `"completed"`.
 */
export function sessionState(record: Pick<TrajectoryRecord, "summary">): SessionState {
  if (record.summary === null) return "incomplete";
  return record.summary.error !== undefined && record.summary.error !== null ? "errored" : "completed";
}

/**
 * The instance the session ran: `instance_id` of the metadata line, else the file name's
 * (made safe, possibly shortened), else the session id.
 */
export function sessionInstanceId(record: Pick<TrajectoryRecord, "metadata" | "sessionId"> & { ref?: Pick<SessionRef, "instance"> }): string {
  return record.metadata?.instance_id ?? record.ref?.instance ?? record.sessionId;
}

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

/** The session's final answer: the last non-null `final_answer` of any iteration. */
export function lastFinalAnswer(iterations: readonly IterationLine[]): string | null {
  for (let i = iterations.length - 1; i >= 0; i--) {
    const text = answerText(iterations[i]?.final_answer ?? null);
    if (text !== null) return text;
  }
  return null;
}

/** The answer one iteration gave: its `final_answer`, else the first a code block gave. */
export function iterationAnswer(iteration: IterationLine): string | null {
  const answer = answerText(iteration.final_answer);
  if (answer !== null) return answer;
  for (const block of iteration.code_blocks) {
    if (typeof block.result.final_answer === "string") return block.result.final_answer;
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

/**
 * The session's start, end and duration, from its lines' timestamps. Only the last iteration
 * is looked at, so a reader that has the first and last lines of a file (the viewer's index of
 * a large file) gets the same times as one that read it all.
 */
export function sessionTimes(
  record: Pick<TrajectoryRecord, "metadata" | "summary" | "iterations"> & { ref?: Pick<SessionRef, "startedAt"> },
): SessionTimes {
  const startedAt = record.metadata?.timestamp ?? record.ref?.startedAt ?? null;
  const endedAt = record.summary?.timestamp ?? record.iterations[record.iterations.length - 1]?.timestamp ?? startedAt;
  let durationSeconds: number | null = null;
  if (startedAt !== null && endedAt !== null) {
    const seconds = (Date.parse(endedAt) - Date.parse(startedAt)) / 1000;
    if (Number.isFinite(seconds)) durationSeconds = seconds;
  }
  return { startedAt, endedAt, durationSeconds };
}

/**
 * What the timeline, the instance page's sketch and the comparison show of one iteration,
 * worked out on the server so that the browser only displays it.
 */
export interface IterationFacts {
  /** `iteration_time`, else the sum of the code blocks' execution times; null when neither is known. */
  seconds: number | null;
  codeBlocks: number;
  /** Code blocks whose stderr is not empty. */
  errors: number;
  /** Sub-model calls over all code blocks. */
  subCalls: number;
  /** The root call's usage, when reported. */
  promptTokens: number | null;
  completionTokens: number | null;
  /** True when the iteration gave a final answer (its own or a code block's). */
  final: boolean;
  /** Messages in the prompt. */
  promptMessages: number;
}

/** The facts of one iteration line. */
export function iterationFacts(iteration: IterationLine): IterationFacts {
  let errors = 0;
  let subCalls = 0;
  let blockSeconds = 0;
  for (const block of iteration.code_blocks) {
    if (block.result.stderr.trim() !== "") errors++;
    subCalls += block.result.rlm_calls.length;
    blockSeconds += block.result.execution_time;
  }
  return {
    seconds: iteration.iteration_time ?? (iteration.code_blocks.length > 0 ? blockSeconds : null),
    codeBlocks: iteration.code_blocks.length,
    errors,
    subCalls,
    promptTokens: iteration.usage?.prompt_tokens ?? null,
    completionTokens: iteration.usage?.completion_tokens ?? null,
    final: iterationAnswer(iteration) !== null,
    promptMessages: iteration.prompt.length,
  };
}

/** An incomplete session written to within this many milliseconds counts as live. */
export const DEFAULT_LIVE_WINDOW_MS = 5 * 60 * 1000;

/** Whether an incomplete session modified at `mtimeMs` is still being written at `now`. */
export function isLive(state: SessionState, mtimeMs: number, now: number, windowMs = DEFAULT_LIVE_WINDOW_MS): boolean {
  return state === "incomplete" && now - mtimeMs <= windowMs;
}

/** What the step statistics need to know of one session: their only input. */
export interface SessionMeasures {
  experiment: string;
  trainingStep: number;
  /** The original instance id: rollouts of one instance at one step form a group. */
  instanceId: string;
  state: SessionState;
  /** An incomplete session still being written (see {@link DEFAULT_LIVE_WINDOW_MS}). */
  live: boolean;
  /** Logged with `force` (or the force-all environment variable), outside the sample. */
  forced: boolean;
  reward: number | null;
  /** Iteration lines. */
  iterations: number;
  /** Root-call usage plus sub-model calls; null when not counted (a large file still being written). */
  inputTokens: number | null;
  outputTokens: number | null;
  /** Sum of `iteration_time` over the iterations that have one, and how many have one. */
  iterationSeconds: number;
  timedIterations: number;
}

/**
 * What a session's iteration lines add up to, taken a line at a time (so a reader that
 * streams a large file, or only what was appended to it, gets the same as one that read it
 * whole): the per-iteration part of {@link SessionMeasures}, and the final answer.
 */
export type IterationMeasures = Pick<SessionMeasures, "iterations" | "iterationSeconds" | "timedIterations"> & {
  inputTokens: number;
  outputTokens: number;
  /** The session's final answer so far (see {@link lastFinalAnswer}). */
  finalAnswer: string | null;
};

/** Zero counts, to add iterations to with {@link addIteration}. */
export function emptyIterationMeasures(): IterationMeasures {
  return { iterations: 0, iterationSeconds: 0, timedIterations: 0, inputTokens: 0, outputTokens: 0, finalAnswer: null };
}

/** Adds one iteration line: its time, its tokens (the root call's usage plus every sub-model call) and its final answer. */
export function addIteration(into: IterationMeasures, iteration: IterationLine): void {
  into.iterations++;
  if (iteration.iteration_time !== null) {
    into.iterationSeconds += iteration.iteration_time;
    into.timedIterations++;
  }
  into.inputTokens += iteration.usage?.prompt_tokens ?? 0;
  into.outputTokens += iteration.usage?.completion_tokens ?? 0;
  for (const block of iteration.code_blocks) {
    for (const call of block.result.rlm_calls) {
      into.inputTokens += call.prompt_tokens;
      into.outputTokens += call.completion_tokens;
    }
  }
  into.finalAnswer = answerText(iteration.final_answer) ?? into.finalAnswer;
}

/** The measures of a list of iteration lines. */
export function measureIterations(iterations: readonly IterationLine[]): IterationMeasures {
  const counted = emptyIterationMeasures();
  for (const iteration of iterations) addIteration(counted, iteration);
  return counted;
}

/**
 * The measures of a session read whole. `live` says whether an incomplete session is still
 * being written (the caller knows the file's modification time).
 */
export function measureRecord(record: TrajectoryRecord, live: boolean): SessionMeasures {
  const { finalAnswer: _answer, ...counted } = measureIterations(record.iterations);
  const state = sessionState(record);
  return {
    experiment: record.ref?.experiment ?? record.metadata?.experiment_name ?? "",
    trainingStep: record.ref?.trainingStep ?? record.metadata?.training_step ?? 0,
    instanceId: sessionInstanceId(record),
    state,
    live: live && state === "incomplete",
    forced: isForced(record),
    reward: sessionReward(record),
    ...counted,
  };
}
