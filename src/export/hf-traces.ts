/**
 * `--format hf-traces`: one session as a Hugging Face Hub session trace (the Hub's "Session
 * Trace Simple Format"), the JSONL the Hub's trace viewer renders: a session header line, then
 * one line per message. Each iteration gives the messages its prompt brought new (system, user
 * / REPL output), the model's reply as an `assistant` message whose code blocks are `repl`
 * tool calls, and one `tool` message per block carrying its output (stdout, stderr, and the
 * sub-model calls the code made); a final answer closes the session as an `assistant` message.
 */
import type { IterationLine } from "../format.js";
import type { TrajectoryRecord } from "../read/reader.js";
import { VERSION } from "../version.js";
import {
  answerText,
  errorText,
  isForced,
  iterationStart,
  limitedIterations,
  missingReward,
  recordedPath,
  sessionReward,
  sessionState,
  taskText,
} from "../read/session-facts.js";
import { cutChars, firstLine } from "../internal/short-text.js";
import type { ExportOptions } from "./options.js";
import { promptDeltas } from "./prompt-delta.js";

/** The harness id written in every session header. */
export const HF_TRACES_HARNESS = "trajlog";
/** Cap on the header's `name` (the task's first line), in characters. */
const NAME_MAX_CHARS = 120;

/** First line of a session trace file. Keys beyond `type`, `harness`, `id`, `name` are metadata the Hub keeps and ignores. */
export interface HfSessionHeader {
  type: "session";
  harness: string;
  id: string;
  name?: string;
  [key: string]: unknown;
}

/** A tool call of an assistant message; `arguments` is a JSON string. */
export interface HfToolCall {
  id: string;
  function: { name: string; arguments: string };
}

/** One message, as the Hub's format defines it. */
export interface HfMessage {
  role: "user" | "assistant" | "system" | "tool";
  content: string;
  reasoningContent?: string;
  toolCalls?: HfToolCall[];
  /** On a `tool` message: the `toolCalls[].id` it answers. */
  toolCallId?: string;
  /** Epoch milliseconds. */
  timestamp?: number;
  model?: string;
}

/** Every line after the header. */
export interface HfMessageLine {
  type: "message";
  message: HfMessage;
}

const ROLES = new Set(["user", "assistant", "system", "tool"]);

/** The lines of one session's trace file: the header, then its messages in order. */
export function toHfTraceLines(record: TrajectoryRecord, options: ExportOptions = {}): (HfSessionHeader | HfMessageLine)[] {
  const iterations = limitedIterations(record, options.trajectoryLimit);
  const model = record.metadata?.root_model;
  const lines: (HfSessionHeader | HfMessageLine)[] = [header(record, options, iterations.length)];
  const push = (message: HfMessage) => lines.push({ type: "message", message });
  const deltas = promptDeltas(iterations);
  let answer: { text: string; at: number | undefined } | null = null;
  for (const [i, iteration] of iterations.entries()) {
    const start = epochMs(iterationStart(iteration));
    const end = epochMs(iteration.timestamp);
    for (const m of deltas[i]?.messages ?? []) {
      push({ role: ROLES.has(m.role) ? (m.role as HfMessage["role"]) : "user", content: m.content, ...(start !== undefined ? { timestamp: start } : {}) });
    }
    const ids = iteration.code_blocks.map((_, b) => `i${iteration.iteration}_repl${b + 1}`);
    push({
      role: "assistant",
      content: iteration.response,
      ...(ids.length > 0
        ? { toolCalls: iteration.code_blocks.map((block, b) => ({ id: ids[b] as string, function: { name: "repl", arguments: JSON.stringify({ code: block.code }) } })) }
        : {}),
      ...(end !== undefined ? { timestamp: end } : {}),
      ...(model !== undefined ? { model } : {}),
    });
    iteration.code_blocks.forEach((_, b) => {
      push({ role: "tool", toolCallId: ids[b] as string, content: blockOutput(iteration, b), ...(end !== undefined ? { timestamp: end } : {}) });
    });
    const text = answerText(iteration.final_answer);
    if (text !== null) answer = { text, at: end };
  }
  if (answer !== null) push({ role: "assistant", content: answer.text, ...(answer.at !== undefined ? { timestamp: answer.at } : {}) });
  return lines;
}

/** One session's trace file as text. */
export function toHfTraceText(record: TrajectoryRecord, options: ExportOptions = {}): string {
  let text = "";
  for (const line of toHfTraceLines(record, options)) text += `${JSON.stringify(line)}\n`;
  return text;
}

function header(record: TrajectoryRecord, options: ExportOptions, exported: number): HfSessionHeader {
  const metadata = record.metadata;
  const task = taskText(record);
  const name = (task !== null ? firstLine(task) : null) ?? metadata?.instance_id ?? record.sessionId;
  const missing = missingReward(record);
  const error = errorText(record);
  const out: HfSessionHeader = {
    type: "session",
    harness: HF_TRACES_HARNESS,
    id: record.sessionId,
    name: cutChars(name, NAME_MAX_CHARS),
    producer: `trajlog ${VERSION}`,
    experiment_name: metadata?.experiment_name ?? record.ref?.experiment ?? null,
    training_step: metadata?.training_step ?? record.ref?.trainingStep ?? null,
    instance_id: metadata?.instance_id ?? record.ref?.instance ?? null,
    model: metadata?.root_model ?? null,
    path: recordedPath(record, options.relPath),
    state: sessionState(record),
    reward: sessionReward(record),
    ...(missing !== null ? { missing_reward: missing } : {}),
    forced: isForced(record),
    started_at: metadata?.timestamp ?? null,
    ended_at: record.summary?.timestamp ?? null,
    total_iterations: record.iterations.length,
    ...(exported < record.iterations.length ? { truncated_iterations: record.iterations.length - exported } : {}),
    ...(error !== null ? { error } : {}),
    ...(task !== null ? { task } : {}),
  };
  return out;
}

/** A block's stdout, then its stderr and its sub-model calls, each under a bracketed heading. */
function blockOutput(iteration: IterationLine, b: number): string {
  const result = iteration.code_blocks[b]?.result;
  if (result === undefined) return "";
  const parts: string[] = [];
  if (result.stdout !== "") parts.push(result.stdout.replace(/\n$/, ""));
  if (result.stderr !== "") parts.push(`[stderr]\n${result.stderr.replace(/\n$/, "")}`);
  result.rlm_calls.forEach((call, c) => {
    const prompt = typeof call.prompt === "string" ? call.prompt : JSON.stringify(call.prompt);
    parts.push(
      `[sub-model call ${c + 1}: ${call.root_model}, ${call.prompt_tokens} prompt + ${call.completion_tokens} completion tokens, ${call.execution_time} s]\nprompt:\n${prompt}\nresponse:\n${call.response}`,
    );
  });
  if (result.final_answer !== null) parts.push(`[final answer]\n${result.final_answer}`);
  return parts.join("\n");
}

function epochMs(iso: string | null): number | undefined {
  if (iso === null) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}
