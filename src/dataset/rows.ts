/**
 * A session as rows of the dataset's two tables (see `schema.ts`). Every fact about the session
 * comes from the reader and `session-facts`, the same functions `trajlog stats` and the other
 * export formats use, so the dataset cannot disagree with them.
 */
import type { CodeBlock, PromptMessage } from "../format.js";
import type { TrajectoryRecord } from "../read/reader.js";
import { answerText, errorText, isForced, lastFinalAnswer, measureRecord, recordedPath, sessionTimes } from "../read/session-facts.js";

/** A row of the `sessions` table, keyed like {@link SESSION_COLUMNS}. */
export interface SessionRow {
  session_id: string;
  experiment: string;
  step: number;
  instance_id: string;
  model: string | null;
  reward: number | null;
  state: string;
  forced: boolean;
  sampling_rate: number | null;
  iterations: number;
  total_steps: number | null;
  input_tokens: number;
  output_tokens: number;
  started_at: string | null;
  ended_at: string | null;
  duration_s: number | null;
  final_answer: string | null;
  error: string | null;
  dropped_lines: number;
  metadata: string | null;
  path: string;
}

/** A row of the `iterations` table, keyed like {@link ITERATION_COLUMNS}. */
export interface IterationRow {
  session_id: string;
  experiment: string;
  step: number;
  instance_id: string;
  iteration: number;
  timestamp: string;
  prompt_kept: number;
  prompt_new: PromptMessage[];
  prompt_messages: number;
  response: string;
  code_blocks: CodeBlockRow[];
  final_answer: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  iteration_time: number | null;
}

/** A code block as the `code_blocks` column holds it. */
export interface CodeBlockRow {
  code: string;
  stdout: string;
  stderr: string;
  locals: string;
  execution_time: number;
  final_answer: string | null;
  rlm_calls: {
    model: string;
    prompt: string;
    response: string;
    prompt_tokens: number;
    completion_tokens: number;
    execution_time: number;
  }[];
}

/** The columns that say where a session lies, repeated on each of its iteration rows. */
type SessionKey = Pick<SessionRow, "session_id" | "experiment" | "step" | "instance_id">;

/** Where the session lies: the folders it was found in (as `trajlog stats` groups it). */
function keyOf(record: TrajectoryRecord): SessionKey {
  const m = measureRecord(record, false);
  return { session_id: record.sessionId, experiment: m.experiment, step: m.trainingStep, instance_id: m.instanceId };
}

/** The session's row of the `sessions` table. */
export function sessionRow(record: TrajectoryRecord): SessionRow {
  // The step statistics' own measures: the same keys, state, reward and token totals as `trajlog stats`.
  const m = measureRecord(record, false);
  const times = sessionTimes(record);
  return {
    session_id: record.sessionId,
    experiment: m.experiment,
    step: m.trainingStep,
    instance_id: m.instanceId,
    model: record.metadata?.root_model ?? null,
    reward: m.reward,
    state: m.state,
    forced: isForced(record),
    sampling_rate: record.metadata?.sampling?.rate ?? null,
    iterations: m.iterations,
    total_steps: record.summary?.total_steps ?? null,
    input_tokens: m.inputTokens ?? 0,
    output_tokens: m.outputTokens ?? 0,
    started_at: times.startedAt,
    ended_at: times.endedAt,
    duration_s: times.durationSeconds,
    final_answer: lastFinalAnswer(record.iterations),
    error: errorText(record),
    dropped_lines: record.summary?.dropped_lines ?? 0,
    metadata: record.metadata === null ? null : JSON.stringify(record.metadata),
    path: recordedPath(record, undefined),
  };
}

/**
 * The session's rows of the `iterations` table, in file order. `session` is its
 * {@link sessionRow} when the caller made it already (the key is then not measured again).
 */
export function iterationRows(record: TrajectoryRecord, session?: SessionKey): IterationRow[] {
  const key = session ?? keyOf(record);
  const rows: IterationRow[] = [];
  let previous: readonly PromptMessage[] = [];
  for (const line of record.iterations) {
    const kept = sharedPrefix(previous, line.prompt);
    rows.push({
      session_id: key.session_id,
      experiment: key.experiment,
      step: key.step,
      instance_id: key.instance_id,
      iteration: line.iteration,
      timestamp: line.timestamp,
      prompt_kept: kept,
      prompt_new: line.prompt.slice(kept),
      prompt_messages: line.prompt.length,
      response: line.response,
      code_blocks: line.code_blocks.map(codeBlockRow),
      final_answer: answerText(line.final_answer),
      prompt_tokens: line.usage?.prompt_tokens ?? null,
      completion_tokens: line.usage?.completion_tokens ?? null,
      iteration_time: line.iteration_time,
    });
    previous = line.prompt;
  }
  return rows;
}

/**
 * How many leading messages two prompts share. A chat loop resends the conversation and
 * appends to it, so most prompts share all of the previous one; a loop that trims or
 * rewrites its context shares fewer, and the rest is stored again.
 */
export function sharedPrefix(previous: readonly PromptMessage[], prompt: readonly PromptMessage[]): number {
  const n = Math.min(previous.length, prompt.length);
  let i = 0;
  while (i < n && previous[i]?.role === prompt[i]?.role && previous[i]?.content === prompt[i]?.content) i++;
  return i;
}

function codeBlockRow(block: CodeBlock): CodeBlockRow {
  const r = block.result;
  return {
    code: block.code,
    stdout: r.stdout,
    stderr: r.stderr,
    locals: JSON.stringify(r.locals),
    execution_time: r.execution_time,
    final_answer: r.final_answer,
    rlm_calls: r.rlm_calls.map((call) => ({
      model: call.root_model,
      prompt: typeof call.prompt === "string" ? call.prompt : JSON.stringify(call.prompt),
      response: call.response,
      prompt_tokens: call.prompt_tokens,
      completion_tokens: call.completion_tokens,
      execution_time: call.execution_time,
    })),
  };
}
