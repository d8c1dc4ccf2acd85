/**
 * Building the three line types from what the rollout loop hands over.
 *
 * Callers pass whatever they have (camelCase, loosely typed, possibly exotic values); what
 * comes out matches the format exactly and is safe for `JSON.stringify`.
 */
import {
  METADATA_DEFAULTS,
  type CodeBlock,
  type ContentPolicyInfo,
  type FinalAnswer,
  type IterationLine,
  type MetadataLine,
  type PromptEncoding,
  type PromptMessage,
  type RlmCall,
  type SamplingInfo,
  type SummaryLine,
} from "./format.js";
import { CODE_BLOCK_INPUT, CODE_RESULT_INPUT, ITERATION_INPUT, RLM_CALL_INPUT, SUMMARY_INPUT } from "./input-fields.js";
import type { InputReport } from "./input-report.js";
import { asText, toJsonSafe, toJsonSafeCopy, unreadableCount } from "./internal/json-safe.js";
import { flattenContent } from "./internal/normalize-prompt.js";
import { isoTime } from "./internal/iso-time.js";
import type { PromptMemo } from "./write/prompt-memo.js";
import { normalizeUsage, parseNumber, tokenCount, type UsageInput } from "./usage.js";

export type { UsageInput } from "./usage.js";

/** A chat message as the loop has it; non-string content (e.g. an array of parts) is flattened. */
export interface PromptMessageInput {
  role: string;
  content: unknown;
  [key: string]: unknown;
}

/** The prompt: a list of messages, or a single string taken as one `user` message. */
export type PromptInput = string | readonly PromptMessageInput[];

/** A sub-model call made by executed code. */
export interface RlmCallInput {
  /** Model that served the call. */
  rootModel?: string;
  prompt?: unknown;
  response?: unknown;
  /** @default 0, or what `usage` says */
  promptTokens?: number;
  /** @default 0, or what `usage` says */
  completionTokens?: number;
  /** The call's token usage in any SDK's shape (see {@link UsageInput}); cache counts are kept. */
  usage?: UsageInput;
  /** Seconds. @default 0 */
  executionTime?: number;
}

/** What running one code block produced. */
export interface CodeResultInput {
  /** @default "" */
  stdout?: unknown;
  /** @default "" */
  stderr?: unknown;
  /** Variables after the block ran; any values. @default {} */
  locals?: Record<string, unknown>;
  /** Seconds. @default 0 */
  executionTime?: number;
  /** @default [] */
  rlmCalls?: readonly RlmCallInput[];
  /** @default null */
  finalAnswer?: string | null;
}

/** One executed code block. */
export interface CodeBlockInput {
  code: string;
  result?: CodeResultInput;
}

/** Everything `logIteration` accepts. */
export interface IterationInput {
  /** 1-based step number. @default the previous iteration's number + 1 */
  iteration?: number;
  /** Messages sent to the model. */
  prompt: PromptInput;
  /** The model's reply. */
  response: unknown;
  /** Every code block executed in this iteration. @default [] */
  codeBlocks?: readonly CodeBlockInput[];
  /** Shorthand for a single code block: its code... */
  code?: string;
  /** ...and its result. */
  result?: CodeResultInput;
  /** Set on the iteration that finished the rollout. @default null */
  finalAnswer?: FinalAnswer | undefined;
  /** Seconds the iteration took. @default null */
  iterationTime?: number | null;
  /**
   * Token usage of the root call, written as `usage`: the object the model's SDK returned
   * (OpenAI, Anthropic, Vercel AI SDK) or `{ promptTokens, completionTokens }`.
   */
  usage?: UsageInput;
  /** Extra keys for the line; they never replace a field of the format. */
  extra?: Record<string, unknown>;
}

/** Everything `finalize` accepts. */
export interface SummaryInput {
  /**
   * The rollout's reward: a finite number, or a numeric string (`"1.0"`), which is parsed.
   * Anything else is written as null and warned about. @default null
   */
  reward?: number | string | null;
  /** Steps the rollout took, as the caller counts them. @default the number of iterations logged */
  totalSteps?: number;
  /** Set when the rollout failed; written as `error` (an `Error` keeps name, message, stack). */
  error?: unknown;
  /** Extra keys for the line; they never replace a field of the format. */
  extra?: Record<string, unknown>;
}

/** What the metadata line is built from. */
export interface MetadataInput {
  timestamp: Date;
  modelName: string;
  instanceId: string;
  trainingStep: number;
  experimentName: string;
  configMetadata?: Record<string, unknown> | undefined;
  sampling: SamplingInfo;
  /** The content policy in force, recorded as `content_policy`. */
  contentPolicy?: ContentPolicyInfo | undefined;
  /** Recorded as `prompt_encoding` when not `"full"`, so that `"full"` files stay as the format has always been. */
  promptEncoding?: PromptEncoding | undefined;
}

const PROTECTED_METADATA = new Set([
  "type",
  "timestamp",
  "root_model",
  "instance_id",
  "training_step",
  "experiment_name",
  "sampling",
  "content_policy",
  "prompt_encoding",
]);

/** The metadata line (line 1). */
export function buildMetadataLine(input: MetadataInput): MetadataLine {
  const config = (toJsonSafe(input.configMetadata ?? {}) ?? {}) as Record<string, unknown>;
  const line: MetadataLine = {
    type: "metadata",
    timestamp: input.timestamp.toISOString(),
    root_model: input.modelName,
    max_depth: intOr(config.max_sub_agent_depth, METADATA_DEFAULTS.max_depth),
    max_iterations: intOr(config.max_steps, METADATA_DEFAULTS.max_iterations),
    backend: stringOr(config.backend, METADATA_DEFAULTS.backend),
    backend_kwargs: objectOrNull(config.backend_kwargs),
    environment_type: stringOr(config.environment_type, METADATA_DEFAULTS.environment_type),
    environment_kwargs: objectOrNull(config.environment_kwargs),
    other_backends: Array.isArray(config.other_backends) ? config.other_backends : null,
    instance_id: input.instanceId,
    training_step: input.trainingStep,
    experiment_name: input.experimentName,
    sampling: input.sampling,
  };
  if (input.contentPolicy !== undefined) line.content_policy = input.contentPolicy;
  if (input.promptEncoding === "delta") line.prompt_encoding = "delta";
  if (typeof config === "object" && config !== null && !Array.isArray(config)) {
    for (const key of Object.keys(config)) {
      if (!PROTECTED_METADATA.has(key) && !(key in line)) line[key] = config[key];
    }
  }
  return line;
}

/**
 * @internal One iteration line. `iteration` has been validated by the caller. The line may share
 * objects and arrays with `input` (copy-on-write): serialize it, never mutate it.
 * Keys and values the line cannot hold are reported to `report` (a logger's; none in tests
 * and benchmarks that build lines alone). `memo` (a session's) hands back the prompt messages
 * built last iteration when they are unchanged: the line is the same with or without it.
 */
export function buildIterationLine(
  input: IterationInput,
  iteration: number,
  timestamp: Date,
  report?: InputReport,
  memo?: PromptMemo,
): IterationLine {
  report?.checkKeys(input, ITERATION_INPUT, "logIteration", "");
  const blocks: CodeBlock[] = [];
  if (Array.isArray(input.codeBlocks)) {
    for (const block of input.codeBlocks as readonly CodeBlockInput[]) {
      blocks.push(buildCodeBlock(block, report, "codeBlocks[]."));
    }
  } else if (input.codeBlocks !== undefined && input.codeBlocks !== null) {
    report?.invalidValue("logIteration", "codeBlocks", input.codeBlocks, "an array of { code, result }", "[]");
  }
  if (input.code !== undefined || input.result !== undefined) {
    blocks.push(
      buildCodeBlock({ code: input.code ?? "", ...(input.result ? { result: input.result } : {}) }, report, ""),
    );
  }
  const line: IterationLine = {
    type: "iteration",
    iteration,
    timestamp: isoTime(timestamp),
    prompt: buildPrompt(input.prompt, memo),
    response: asText(input.response),
    code_blocks: blocks,
    final_answer: buildFinalAnswer(input.finalAnswer),
    iteration_time: seconds(input.iterationTime, null, report, "iterationTime"),
  };
  if (input.usage !== undefined && input.usage !== null) {
    const usage = normalizeUsage(input.usage, report, "logIteration", "usage.");
    if (usage !== null) line.usage = usage;
  }
  addExtra(line, input.extra);
  return line;
}

/** @internal The summary line (last line). */
export function buildSummaryLine(
  input: SummaryInput,
  totalSteps: number,
  totalIterations: number,
  droppedLines: number,
  timestamp: Date,
  report?: InputReport,
): SummaryLine {
  report?.checkKeys(input, SUMMARY_INPUT, "finalize", "");
  const line: SummaryLine = {
    type: "summary",
    timestamp: isoTime(timestamp),
    reward: rewardOf(input.reward, report),
    total_steps: totalSteps,
    total_iterations: totalIterations,
  };
  if (input.error !== undefined && input.error !== null) line.error = toJsonSafe(input.error);
  if (droppedLines > 0) line.dropped_lines = droppedLines;
  addExtra(line, input.extra);
  return line;
}

/** The line's JSON text, without the `\n`. Never throws, whatever the line holds. */
export function stringifyLine(line: object): string {
  try {
    return JSON.stringify(line);
  } catch {
    // A getter or proxy answered differently on the second read: serialize a plain copy.
    return JSON.stringify(toJsonSafeCopy(line));
  }
}

/**
 * The prompt in the format's shape. Copy-on-write, like {@link toJsonSafe}: messages that
 * already are exactly `{ role, content }` with string values (the common case) are kept
 * as they are, and so is the array when all of them are. The prompt grows every turn, so
 * copying it made building a line cost more than half of serializing a small one. Other
 * messages are built, or taken from `memo` when unchanged since the last iteration.
 */
function buildPrompt(prompt: PromptInput | undefined, memo: PromptMemo | undefined): PromptMessage[] {
  if (prompt === undefined || prompt === null) return [];
  if (typeof prompt === "string") return [{ role: "user", content: prompt }];
  if (!Array.isArray(prompt)) return [{ role: "user", content: asText(prompt) }];
  // A copy of the whole prompt once a message differs (one array of the right size), whose
  // built messages then take their places.
  let out: PromptMessage[] | null = null;
  for (let i = 0; i < prompt.length; i++) {
    const message = prompt[i] as unknown;
    const kept = memo?.unchanged(i, message);
    if (kept !== undefined) {
      out ??= prompt.slice() as PromptMessage[];
      out[i] = kept as PromptMessage;
      continue;
    }
    if (isFormatMessage(message)) {
      memo?.skip(i);
      continue;
    }
    out ??= prompt.slice() as PromptMessage[];
    out[i] = memo === undefined ? buildMessage(message) : memo.message(i, message, buildMessage, unreadableCount);
  }
  memo?.trim(prompt.length);
  return out ?? (prompt as PromptMessage[]);
}

/** True for a plain `{ role, content }` object, in that key order, both strings, nothing else. */
function isFormatMessage(message: unknown): message is PromptMessage {
  if (typeof message !== "object" || message === null || Object.getPrototypeOf(message) !== Object.prototype) {
    return false;
  }
  let n = 0;
  for (const key in message) {
    if ((n === 0 && key !== "role") || (n === 1 && key !== "content") || n === 2) return false;
    n++;
  }
  const m = message as { role: unknown; content: unknown };
  return n === 2 && typeof m.role === "string" && typeof m.content === "string";
}

/**
 * The message in the format's shape. `plain`: the prompt memo traced it as plain data (plain
 * objects and arrays, no `toJSON`, within bounds), so its parts' JSON is written directly.
 */
function buildMessage(input: unknown, plain = false): PromptMessage {
  const message = input as PromptMessageInput | string | null | undefined;
  if (typeof message !== "object" || message === null) return { role: "user", content: asText(message) };
  const built: PromptMessage & Record<string, unknown> = {
    role: typeof message.role === "string" ? message.role : asText(message.role),
    // A string, which is what the format and the RLM visualizer require.
    content: plain ? flattenContent(message.content, plainText) : flattenContent(message.content),
  };
  for (const key of Object.keys(message)) {
    if (key !== "role" && key !== "content" && message[key] !== undefined) {
      const safe = toJsonSafe(message[key]);
      if (safe !== undefined) built[key] = safe;
    }
  }
  return built;
}

/**
 * `asText(part)` for a part of plain data: its JSON-safe form differs from it only where
 * `JSON.stringify` writes the same either way (a non-finite number, an `undefined` in an
 * array: `null`), so it is not made. Should a read throw after all (a getter), `asText` does it.
 */
function plainText(part: unknown): string {
  if (typeof part !== "object" || part === null) return asText(part);
  try {
    return JSON.stringify(part) ?? asText(part);
  } catch {
    return asText(part);
  }
}

function buildCodeBlock(input: CodeBlockInput, report: InputReport | undefined, prefix: string): CodeBlock {
  // A block that is not an object is taken as its code, so nothing it holds is lost.
  const block = typeof input === "object" && input !== null ? input : { code: asText(input) };
  if (report !== undefined && prefix !== "") report.checkKeys(block, CODE_BLOCK_INPUT, "logIteration", prefix);
  const result: CodeResultInput = block.result ?? {};
  if (report !== undefined && typeof result === "object" && result !== null) {
    report.checkKeys(result, CODE_RESULT_INPUT, "logIteration", `${prefix}result.`);
  }
  const rlmCalls: RlmCall[] = [];
  if (Array.isArray(result.rlmCalls)) {
    const callPrefix = `${prefix}result.rlmCalls[].`;
    for (const call of result.rlmCalls as readonly RlmCallInput[]) rlmCalls.push(buildRlmCall(call, report, callPrefix));
  }
  const locals = toJsonSafe(result.locals ?? {});
  return {
    code: asText(block.code),
    result: {
      stdout: asText(result.stdout),
      stderr: asText(result.stderr),
      locals: typeof locals === "object" && locals !== null && !Array.isArray(locals)
        ? (locals as Record<string, unknown>)
        : { value: locals },
      execution_time: seconds(result.executionTime, 0, report, `${prefix}result.executionTime`),
      rlm_calls: rlmCalls,
      final_answer: result.finalAnswer === undefined || result.finalAnswer === null ? null : asText(result.finalAnswer),
    },
  };
}

function buildRlmCall(call: RlmCallInput, report: InputReport | undefined, prefix: string): RlmCall {
  const c = (typeof call === "object" && call !== null ? call : {}) as RlmCallInput;
  report?.checkKeys(c, RLM_CALL_INPUT, "logIteration", prefix);
  const prompt = typeof c.prompt === "string" ? c.prompt : toJsonSafe(c.prompt ?? "");
  const usage = c.usage === undefined || c.usage === null ? null : normalizeUsage(c.usage, report, "logIteration", `${prefix}usage.`);
  const built: RlmCall = {
    root_model: asText(c.rootModel),
    prompt: (typeof prompt === "string" || (typeof prompt === "object" && prompt !== null)
      ? prompt
      : asText(prompt)) as RlmCall["prompt"],
    response: asText(c.response),
    prompt_tokens:
      tokenCount(c.promptTokens, report, "logIteration", `${prefix}promptTokens`) ?? usage?.prompt_tokens ?? 0,
    completion_tokens:
      tokenCount(c.completionTokens, report, "logIteration", `${prefix}completionTokens`) ?? usage?.completion_tokens ?? 0,
    execution_time: seconds(c.executionTime, 0, report, `${prefix}executionTime`),
  };
  if (usage?.cache_read_tokens !== undefined) built.cache_read_tokens = usage.cache_read_tokens;
  if (usage?.cache_creation_tokens !== undefined) built.cache_creation_tokens = usage.cache_creation_tokens;
  return built;
}

/** A reward the summary can hold: a finite number, a numeric string parsed; else null, reported. */
function rewardOf(reward: unknown, report: InputReport | undefined): number | null {
  if (typeof reward === "number" && Number.isFinite(reward)) return reward;
  if (reward === undefined || reward === null) return null;
  const n = typeof reward === "string" ? parseNumber(reward) : typeof reward === "bigint" ? Number(reward) : Number.NaN;
  if (Number.isFinite(n)) return n;
  report?.invalidValue("finalize", "reward", reward, "a finite number or a numeric string", "null");
  return null;
}

function buildFinalAnswer(answer: unknown): FinalAnswer {
  if (answer === undefined || answer === null) return null;
  if (typeof answer === "string") return answer;
  if (Array.isArray(answer) && answer.length === 2) return [asText(answer[0]), asText(answer[1])];
  return asText(answer);
}

function addExtra(line: Record<string, unknown>, extra: Record<string, unknown> | undefined): void {
  if (extra === undefined || extra === null || typeof extra !== "object") return;
  for (const key of Object.keys(extra)) {
    if (key in line) continue;
    const safe = toJsonSafe(extra[key]);
    if (safe !== undefined) line[key] = safe;
  }
}

function intOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isInteger(value) ? value : fallback;
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === "string" ? value : fallback;
}

function objectOrNull(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

/**
 * A duration in seconds: a non-negative finite number or a numeric string; `fallback` when
 * absent, and when unusable (reported).
 */
function seconds<T extends number | null>(
  value: unknown,
  fallback: T,
  report: InputReport | undefined,
  path: string,
): number | T {
  if (typeof value === "number" && Number.isFinite(value) && value >= 0) return value;
  if (value === undefined || value === null) return fallback;
  const n = typeof value === "string" ? parseNumber(value) : Number.NaN;
  if (Number.isFinite(n) && n >= 0) return n;
  report?.invalidValue("logIteration", path, value, "a non-negative number of seconds", String(fallback));
  return fallback;
}
