/**
 * Token usage as the model SDKs return it, taken as is: OpenAI (Chat Completions and
 * Responses), Anthropic, the Vercel AI SDK (v4's `promptTokens`, v5/v6's `inputTokens` with
 * their cache details), and trajlog's own camelCase. Whatever the shape, the file gets one
 * meaning:
 *
 * - `prompt_tokens`: every input token of the call, cached ones included (Anthropic counts
 *   cache reads and writes apart from `input_tokens`; they are added back),
 * - `completion_tokens`: every output token (reasoning included, as all SDKs count it),
 * - `cache_read_tokens` / `cache_creation_tokens`: of the prompt tokens, those read from and
 *   written to the provider's prompt cache — present only when the SDK reported them.
 */
import type { Usage } from "./format.js";
import type { InputShape } from "./input-fields.js";
import type { InputReport } from "./input-report.js";

/**
 * Token usage of one model call, in any of the shapes the SDKs return. Pass the SDK's own
 * object (`completion.usage`, `message.usage`, `result.usage`); each field is optional.
 */
export interface UsageInput {
  // trajlog's own names, and the Vercel AI SDK v4 (`promptTokens`, `completionTokens`).
  promptTokens?: number | null;
  completionTokens?: number | null;
  cacheReadTokens?: number | null;
  cacheCreationTokens?: number | null;
  // OpenAI Chat Completions.
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  total_tokens?: number | null;
  prompt_tokens_details?: { cached_tokens?: number | null; cache_write_tokens?: number | null; audio_tokens?: number | null } | null;
  completion_tokens_details?: object | null;
  // OpenAI Responses and Anthropic Messages.
  input_tokens?: number | null;
  output_tokens?: number | null;
  input_tokens_details?: { cached_tokens?: number | null } | null;
  output_tokens_details?: object | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_creation?: object | null;
  server_tool_use?: object | null;
  service_tier?: string | null;
  // Vercel AI SDK v5 and v6 (and the provider-level v3 spec, whose counts are objects).
  inputTokens?: number | { total?: number | null; noCache?: number | null; cacheRead?: number | null; cacheWrite?: number | null } | null;
  outputTokens?: number | { total?: number | null; text?: number | null; reasoning?: number | null } | null;
  totalTokens?: number | null;
  reasoningTokens?: number | null;
  cachedInputTokens?: number | null;
  inputTokenDetails?: { noCacheTokens?: number | null; cacheReadTokens?: number | null; cacheWriteTokens?: number | null } | null;
  outputTokenDetails?: object | null;
  raw?: unknown;
}

/**
 * The keys of {@link UsageInput}. The ones not read below are understood and deliberately
 * not recorded: totals (a sum of what is recorded) and breakdowns the format has no field for.
 */
const USAGE_FIELDS = [
  "promptTokens",
  "completionTokens",
  "cacheReadTokens",
  "cacheCreationTokens",
  "prompt_tokens",
  "completion_tokens",
  "total_tokens",
  "prompt_tokens_details",
  "completion_tokens_details",
  "input_tokens",
  "output_tokens",
  "input_tokens_details",
  "output_tokens_details",
  "cache_read_input_tokens",
  "cache_creation_input_tokens",
  "cache_creation",
  "server_tool_use",
  "service_tier",
  "inputTokens",
  "outputTokens",
  "totalTokens",
  "reasoningTokens",
  "cachedInputTokens",
  "inputTokenDetails",
  "outputTokenDetails",
  "raw",
] as const;

/** @internal The `usage` object, as an input shape for unknown-key reports. */
export const USAGE_INPUT: InputShape = {
  name: "usage",
  fields: ["promptTokens", "completionTokens", "cacheReadTokens", "cacheCreationTokens"],
  takes:
    "promptTokens, completionTokens, cacheReadTokens, cacheCreationTokens, or the usage object of the OpenAI, Anthropic or Vercel AI SDK",
  known: new Set<string>(USAGE_FIELDS),
  aliases: {
    prompt: "promptTokens",
    input: "promptTokens",
    completion: "completionTokens",
    output: "completionTokens",
    cachedtokens: "cacheReadTokens",
    cachereadtokens: "cacheReadTokens",
    cachewritetokens: "cacheCreationTokens",
    cachecreationtokens: "cacheCreationTokens",
  },
};

/**
 * @internal The format's `usage` from any supported shape; `null` when the object holds no token
 * count trajlog knows (nothing is written then rather than zeros). Unknown keys and
 * unusable counts are reported to `report` under `method` and `prefix` (`"usage."`).
 */
export function normalizeUsage(
  input: unknown,
  report: InputReport | undefined,
  method: string,
  prefix: string,
): Usage | null {
  if (typeof input !== "object" || input === null) {
    if (input !== undefined && input !== null) {
      report?.invalidValue(method, prefix.slice(0, -1), input, "a usage object", "no usage");
    }
    return null;
  }
  const u = input as Record<string, unknown>;
  report?.checkKeys(u, USAGE_INPUT, method, prefix);
  const count = (value: unknown, key: string): number | undefined => tokenCount(value, report, method, prefix + key);
  const inputObject = objectOf(u.inputTokens);
  const outputObject = objectOf(u.outputTokens);

  const anthropicRead = count(u.cache_read_input_tokens, "cache_read_input_tokens");
  const anthropicCreation = count(u.cache_creation_input_tokens, "cache_creation_input_tokens");
  const cacheRead = first(
    count(u.cacheReadTokens, "cacheReadTokens"),
    count(objectOf(u.prompt_tokens_details)?.cached_tokens, "prompt_tokens_details.cached_tokens"),
    count(objectOf(u.input_tokens_details)?.cached_tokens, "input_tokens_details.cached_tokens"),
    anthropicRead,
    count(objectOf(u.inputTokenDetails)?.cacheReadTokens, "inputTokenDetails.cacheReadTokens"),
    count(u.cachedInputTokens, "cachedInputTokens"),
    count(inputObject?.cacheRead, "inputTokens.cacheRead"),
  );
  const cacheCreation = first(
    count(u.cacheCreationTokens, "cacheCreationTokens"),
    anthropicCreation,
    count(objectOf(u.prompt_tokens_details)?.cache_write_tokens, "prompt_tokens_details.cache_write_tokens"),
    count(objectOf(u.inputTokenDetails)?.cacheWriteTokens, "inputTokenDetails.cacheWriteTokens"),
    count(inputObject?.cacheWrite, "inputTokens.cacheWrite"),
  );

  let anthropicInput = count(u.input_tokens, "input_tokens");
  // Anthropic's input_tokens leaves out the tokens read from or written to the cache; the
  // OpenAI Responses API (which has input_tokens_details instead) counts them in.
  if (anthropicInput !== undefined && (anthropicRead !== undefined || anthropicCreation !== undefined)) {
    anthropicInput += (anthropicRead ?? 0) + (anthropicCreation ?? 0);
  }
  const prompt = first(
    count(u.promptTokens, "promptTokens"),
    count(u.prompt_tokens, "prompt_tokens"),
    inputObject !== undefined ? count(inputObject.total, "inputTokens.total") : count(u.inputTokens, "inputTokens"),
    anthropicInput,
  );
  const completion = first(
    count(u.completionTokens, "completionTokens"),
    count(u.completion_tokens, "completion_tokens"),
    outputObject !== undefined ? count(outputObject.total, "outputTokens.total") : count(u.outputTokens, "outputTokens"),
    count(u.output_tokens, "output_tokens"),
  );
  if (prompt === undefined && completion === undefined && cacheRead === undefined && cacheCreation === undefined) {
    return null;
  }
  const usage: Usage = { prompt_tokens: prompt ?? 0, completion_tokens: completion ?? 0 };
  if (cacheRead !== undefined) usage.cache_read_tokens = cacheRead;
  if (cacheCreation !== undefined) usage.cache_creation_tokens = cacheCreation;
  return usage;
}

/**
 * @internal A token count: a non-negative finite number (rounded) or a numeric string; `undefined`
 * when absent (`undefined` or `null`, as SDKs say "not reported"). Anything else is
 * reported and taken as absent.
 */
export function tokenCount(value: unknown, report: InputReport | undefined, method: string, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === "number" ? value : typeof value === "string" ? parseNumber(value) : Number.NaN;
  if (Number.isFinite(n) && n >= 0) return Math.round(n);
  report?.invalidValue(method, path, value, "a non-negative number of tokens", "0");
  return undefined;
}

const NUMERIC = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?\s*$/i;

/** A decimal number written as a string (`"1.0"`, `" 2e3 "`); NaN for anything else, `""` included. */
export function parseNumber(text: string): number {
  return NUMERIC.test(text) ? Number(text) : Number.NaN;
}

function objectOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
}

function first(...values: (number | undefined)[]): number | undefined {
  for (const v of values) if (v !== undefined) return v;
  return undefined;
}
