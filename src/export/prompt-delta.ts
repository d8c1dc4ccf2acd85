/**
 * What each iteration's prompt brought that the model had not seen: the new user / REPL
 * messages of a chat loop. Trace formats that alternate user and agent turns (opentraces,
 * the Hub's session traces) are built from it instead of repeating the growing prompt.
 */
import type { IterationLine, PromptMessage } from "../format.js";

/** The new input of one iteration. */
export interface PromptDelta {
  /** The messages sent to the model that it had not seen, in order (system messages included). */
  messages: PromptMessage[];
  /** False when the prompt did not extend the previous one (the context was restarted or rewritten): `messages` is then the whole prompt. */
  continued: boolean;
}

/**
 * The new messages of each iteration's prompt. A prompt that starts with the previous prompt
 * plus the previous response as an assistant message (the usual chat loop) contributes what
 * follows. A prompt that starts with the previous prompt and goes on contributes what follows
 * too, less a leading assistant message: the loop's own record of the model's reply (often
 * shortened), which is not input. Any other prompt, the same prompt sent again included,
 * restarted the conversation: all of it is new. Linear in the size of the prompts.
 */
export function promptDeltas(iterations: readonly IterationLine[]): PromptDelta[] {
  const out: PromptDelta[] = [];
  let previous: IterationLine | null = null;
  for (const iteration of iterations) {
    const prompt = iteration.prompt;
    let from = -1;
    if (previous === null) from = 0;
    else if (extendsWith(prompt, previous.prompt, previous.response)) from = previous.prompt.length + 1;
    else if (prompt.length > previous.prompt.length && extendsWith(prompt, previous.prompt, null)) {
      from = previous.prompt.length;
      if (prompt[from]?.role === "assistant") from++;
    }
    out.push(from === -1 ? { messages: prompt, continued: false } : { messages: prompt.slice(from), continued: true });
    previous = iteration;
  }
  return out;
}

/** True when `prompt` starts with `base`, followed by an assistant message `reply` when one is given. */
function extendsWith(prompt: readonly PromptMessage[], base: readonly PromptMessage[], reply: string | null): boolean {
  const length = base.length + (reply === null ? 0 : 1);
  if (prompt.length < length) return false;
  for (let i = 0; i < base.length; i++) {
    const a = prompt[i] as PromptMessage;
    const b = base[i] as PromptMessage;
    if (a.role !== b.role || a.content !== b.content) return false;
  }
  if (reply === null) return true;
  const m = prompt[base.length] as PromptMessage;
  return m.role === "assistant" && m.content === reply;
}

/**
 * The non-system messages of a delta as one text: the contents alone when all are user
 * messages, else each prefixed by its role in brackets. Null when there are none.
 */
export function deltaText(messages: readonly PromptMessage[]): string | null {
  const shown = messages.filter((m) => m.role !== "system");
  if (shown.length === 0) return null;
  if (shown.every((m) => m.role === "user")) return shown.map((m) => m.content).join("\n\n");
  return shown.map((m) => `[${m.role}]\n${m.content}`).join("\n\n");
}
