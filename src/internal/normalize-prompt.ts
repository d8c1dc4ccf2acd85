/**
 * Bringing a loosely written prompt to the format's shape before it is checked: a prompt
 * given as one string, or message contents given as arrays of parts (files written by other
 * producers do this), become `[{role, content: string}]` by the rules `lines.ts` writes with.
 */
import { asText } from "./json-safe.js";

/** Rewrites `line.prompt` in place when it is not already an array of string-content messages. */
export function normalizePrompt(line: { prompt?: unknown }): void {
  const prompt = line.prompt;
  if (typeof prompt === "string") {
    line.prompt = [{ role: "user", content: prompt }];
    return;
  }
  if (!Array.isArray(prompt)) return;
  for (let i = 0; i < prompt.length; i++) {
    const message: unknown = prompt[i];
    if (typeof message === "string") {
      prompt[i] = { role: "user", content: message };
    } else if (typeof message === "object" && message !== null) {
      const m = message as { content?: unknown };
      if (typeof m.content !== "string") m.content = flattenContent(m.content);
    }
  }
}

/**
 * Content parts joined as text: each part's `text` when it has one, else its JSON, as
 * `partText` writes it (by default {@link asText}; a caller that knows the parts are plain data
 * may pass a cheaper function giving the same text).
 */
export function flattenContent(content: unknown, partText: (part: unknown) => string = asText): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return asText(content);
  // One part (the usual `[{ type: "text", text }]`): its very text, not a copy of it, since
  // what is built from a prompt is kept for the next iterations.
  if (content.length === 1) return partAsText(content[0], partText);
  return content.map((part: unknown) => partAsText(part, partText)).join("\n");
}

function partAsText(part: unknown, partText: (part: unknown) => string): string {
  if (typeof part === "string") return part;
  if (typeof part === "object" && part !== null && typeof (part as { text?: unknown }).text === "string") {
    return (part as { text: string }).text;
  }
  return partText(part);
}
