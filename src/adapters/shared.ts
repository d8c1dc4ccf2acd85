/**
 * What both framework adapters write the same way: a tool call as the `code` of a code block,
 * a tool's output as its `stdout`/`stderr`, and token counts as the iteration's usage.
 */
import type { IterationInput } from "../lines.js";
import { asText } from "../internal/json-safe.js";
import { flattenContent } from "../internal/normalize-prompt.js";

/** A tool call as code: `name(arguments)`, the arguments as the model wrote them (JSON). */
export function toolCallCode(name: unknown, input: unknown): string {
  const args = input === undefined ? "" : typeof input === "string" ? input : asText(input);
  return `${typeof name === "string" ? name : asText(name)}(${args})`;
}

/**
 * A tool's output as a code block's result. Understands the AI SDK's typed outputs
 * (`text`, `json`, `content`, `error-text`, `error-json`, `execution-denied`); anything else
 * is its text (strings as they are, other values as JSON).
 */
export function toolOutputText(output: unknown): { stdout: string; stderr: string } {
  if (typeof output === "string") return { stdout: output, stderr: "" };
  const o = output as { type?: unknown; value?: unknown; reason?: unknown } | null | undefined;
  switch (o?.type) {
    case "text":
    case "json":
      return { stdout: asText(o.value), stderr: "" };
    case "content":
      return { stdout: flattenContent(o.value), stderr: "" };
    case "error-text":
    case "error-json":
      return { stdout: "", stderr: asText(o.value) };
    case "execution-denied":
      return { stdout: "", stderr: typeof o.reason === "string" ? `execution denied: ${o.reason}` : "execution denied" };
    default:
      return { stdout: asText(output), stderr: "" };
  }
}

/** Token counts of one model call, as the frameworks report them; undefined when not reported. */
export interface UsageCounts {
  input: number | undefined;
  output: number | undefined;
  /** Input tokens read from the provider's prompt cache. */
  cacheRead: number | undefined;
  /** Input tokens written to the provider's prompt cache. */
  cacheWrite: number | undefined;
  /** Output tokens spent on reasoning. */
  reasoning: number | undefined;
}

/**
 * The iteration's `usage` for these counts. Counts the usage field has no place for (cache
 * and reasoning tokens) go into `extra.usage_details`, under the names OpenAI and Anthropic use.
 */
export function usageInput(counts: UsageCounts, extra: Record<string, unknown>): Pick<IterationInput, "usage"> {
  const details: Record<string, number> = {};
  if (counts.cacheRead !== undefined) details.cache_read_input_tokens = counts.cacheRead;
  if (counts.cacheWrite !== undefined) details.cache_creation_input_tokens = counts.cacheWrite;
  if (counts.reasoning !== undefined) details.reasoning_tokens = counts.reasoning;
  if (Object.keys(details).length > 0) extra.usage_details = details;
  return { usage: { promptTokens: counts.input ?? 0, completionTokens: counts.output ?? 0 } };
}
