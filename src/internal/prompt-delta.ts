/**
 * The `"delta"` prompt encoding, both ways: an agent resends its whole conversation every
 * iteration, so an iteration line can say "the previous prompt's first `keep` messages, then
 * these" instead of repeating it. The writer, `trajlog compact` and the reader's compact view
 * encode with {@link PromptDeltaEncoder}; the reader, `trajlog validate`, `trajlog expand` and
 * the viewer rebuild prompts with {@link PromptResolver}. Both sides look only at the lines of
 * one file, in order, so a file stands on its own.
 */
import type { PromptDelta, PromptMessage } from "../format.js";
import { normalizePrompt } from "./normalize-prompt.js";

/** What the encoder remembers of a message of the previous prompt. */
interface Kept {
  role: string;
  content: string;
  /** The message's JSON text when it has keys besides `role` and `content`, else null. */
  text: string | null;
}

/**
 * Works out each prompt's delta against the previous prompt that was written. {@link next}
 * computes it; {@link commit} makes that prompt the reference once its line was really
 * written, so a dropped line is never referred to.
 */
export class PromptDeltaEncoder {
  #previous: Kept[] = [];
  #pending: Kept[] | null = null;

  /** The delta of `prompt` against the last committed prompt. Linear in the prompt's size. */
  next(prompt: readonly PromptMessage[]): PromptDelta {
    const previous = this.#previous;
    const limit = Math.min(previous.length, prompt.length);
    let keep = 0;
    // Kept messages are compared in place: usually the very same strings, so pointer comparisons.
    while (keep < limit && sameMessage(previous[keep] as Kept, prompt[keep] as PromptMessage)) keep++;
    const kept = previous.slice(0, keep);
    for (let i = keep; i < prompt.length; i++) kept.push(keptOf(prompt[i] as PromptMessage));
    this.#pending = kept;
    return { keep, append: prompt.slice(keep) as PromptMessage[] };
  }

  /** The prompt last passed to {@link next} was written: later deltas refer to it. */
  commit(): void {
    if (this.#pending !== null) this.#previous = this.#pending;
    this.#pending = null;
  }

  /** Forget the reference: the next delta keeps nothing (after a line a reader cannot use). */
  reset(): void {
    this.#previous = [];
    this.#pending = null;
  }
}

function keptOf(message: PromptMessage): Kept {
  return { role: message.role, content: message.content, text: isPlain(message) ? null : textOf(message) };
}

/** Exactly `role` and `content`, both strings: compared by those two alone. */
function isPlain(message: PromptMessage): boolean {
  let n = 0;
  for (const key in message) if (Object.prototype.hasOwnProperty.call(message, key) && ++n > 2) return false;
  return n === 2 && typeof message.role === "string" && typeof message.content === "string";
}

function textOf(message: object): string {
  try {
    return JSON.stringify(message);
  } catch {
    // Never equal to another message's text: such a message is simply written again.
    return `\u0000${Math.random()}`;
  }
}

function sameMessage(kept: Kept, message: PromptMessage): boolean {
  if (kept.role !== message.role || kept.content !== message.content) return false;
  return kept.text === null ? isPlain(message) : !isPlain(message) && kept.text === textOf(message);
}

/** What {@link PromptResolver.take} makes of a line. */
export type Resolution =
  /** The line had a whole prompt, or its delta was rebuilt into `prompt`. `keep` messages came from the previous prompt. */
  | { ok: true; keep: number }
  /** The delta cannot be rebuilt; the line must not be shown with a prompt. */
  | { ok: false; message: string };

/**
 * Rebuilds the prompts of one file's iteration lines, in file order. Every line that is not a
 * usable iteration line must be reported with {@link skip}: the prompt chain is then broken,
 * and a later delta that keeps messages fails rather than rebuilding a wrong prompt.
 */
export class PromptResolver {
  /** The previous iteration line's prompt; null when it could not be read. */
  #previous: PromptMessage[] | null = [];
  readonly #normalize: boolean;

  /**
   * @param normalize bring prompts written loosely (one string, content as parts) to the
   * format's shape, as the reader does; `trajlog validate` reports them instead.
   */
  constructor(normalize = true) {
    this.#normalize = normalize;
  }

  /**
   * Takes an iteration line, in place: a `prompt_delta` is replaced by the `prompt` it stands
   * for, a whole `prompt` is remembered for the next line.
   */
  take(line: Record<string, unknown>): Resolution {
    const delta = line.prompt_delta;
    if (delta === undefined) {
      if (this.#normalize) normalizePrompt(line);
      const prompt = line.prompt;
      this.#previous = Array.isArray(prompt) ? (prompt as PromptMessage[]) : null;
      return { ok: true, keep: 0 };
    }
    const fail = (message: string): Resolution => {
      this.#previous = null;
      return { ok: false, message };
    };
    if (line.prompt !== undefined) return fail("has both prompt and prompt_delta");
    if (typeof delta !== "object" || delta === null) return fail("prompt_delta must be an object { keep, append }");
    const { keep, append } = delta as { keep?: unknown; append?: unknown };
    if (typeof keep !== "number" || !Number.isInteger(keep) || keep < 0) {
      return fail(`prompt_delta.keep must be a non-negative integer; found ${JSON.stringify(keep) ?? "nothing"}`);
    }
    if (!Array.isArray(append)) return fail("prompt_delta.append must be an array of messages");
    const previous = this.#previous;
    if (previous === null && keep > 0) {
      return fail(`prompt_delta keeps ${keep} messages of the previous iteration line, which could not be read`);
    }
    const base = previous ?? [];
    if (keep > base.length) {
      return fail(`prompt_delta keeps ${keep} messages, but the previous iteration line's prompt has ${base.length}`);
    }
    const holder = { prompt: append };
    if (this.#normalize) normalizePrompt(holder);
    const prompt = keep === 0 ? (holder.prompt as PromptMessage[]) : base.slice(0, keep).concat(holder.prompt as PromptMessage[]);
    replaceKey(line, "prompt_delta", "prompt", prompt);
    this.#previous = prompt;
    return { ok: true, keep };
  }

  /** Continue a chain from the prompt of the iteration line before (null: that line was unreadable). */
  seed(previous: PromptMessage[] | null): void {
    this.#previous = previous;
  }

  /** A line that is not a usable iteration line came in between: later deltas may not keep messages. */
  skip(): void {
    this.#previous = null;
  }
}

/**
 * Replaces `from` by `to` in place, at the same position among the keys (as written, so as
 * exported); `to` goes last when `from` is missing.
 */
function replaceKey(line: Record<string, unknown>, from: string, to: string, value: unknown): void {
  const entries = Object.entries(line);
  for (const [key] of entries) delete line[key];
  for (const [key, old] of entries) if (key !== to) line[key === from ? to : key] = key === from ? value : old;
  if (!(to in line)) line[to] = value;
}

/**
 * The line with `prompt_delta` in place of `prompt`, at the same position, so that the other
 * keys keep their order. The input is not changed.
 */
export function withPromptDelta<T extends object>(line: T, delta: PromptDelta): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(line as Record<string, unknown>) };
  replaceKey(out, "prompt", "prompt_delta", delta);
  return out;
}
