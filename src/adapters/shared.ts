/**
 * What both framework adapters write the same way: a tool call as the `code` of a code block,
 * and a tool's output as its `stdout`/`stderr`.
 */
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
