/**
 * A session's lines as text: what a session hands to the writer. It holds what serializing
 * one line after another can reuse — the prompt cache with whole prompts, the previous prompt
 * with `"delta"` prompts — and applies the session's content policy to every line.
 */
import type { IterationLine, PromptDelta, PromptEncoding } from "../../format.js";
import { toJsonSafeCopy } from "../../internal/json-safe.js";
import { PromptDeltaEncoder, withPromptDelta } from "../../internal/prompt-delta.js";
import { policyTransform, type ContentPolicy } from "../policy/content-policy.js";
import type { RedactionCounts } from "../policy/secret-patterns.js";
import type { PolicyTransform } from "../policy/transform.js";
import { lineTextPieces, type LineText } from "./line-text.js";
import { cachedIterationText, PromptCache } from "./prompt-cache.js";
import type { PromptMemo } from "../prompt-memo.js";

/** @internal Serializes one session's lines, in order. */
export class SessionLines {
  readonly #policy: PolicyTransform;
  readonly #counts: RedactionCounts;
  /** Serialized prompt messages (`"full"` encoding); dropped by {@link release}. */
  #prompts: PromptCache | undefined;
  /** The previous written line's prompt (`"delta"` encoding); dropped by {@link release}. */
  #deltas: PromptDeltaEncoder | undefined;

  /**
   * Counts redactions and cuts into `counts`. `memo` is the prompt memo that builds the
   * iteration lines' prompts, if any: the messages it keeps are known again without reading them.
   */
  constructor(policy: ContentPolicy, counts: RedactionCounts, encoding: PromptEncoding, memo?: PromptMemo) {
    this.#policy = policyTransform(policy);
    this.#counts = counts;
    if (encoding === "delta") this.#deltas = new PromptDeltaEncoder();
    else this.#prompts = new PromptCache(memo);
  }

  /** A metadata or summary line's text, `\n` included. */
  line(line: object): LineText {
    return this.#text(line);
  }

  /**
   * An iteration line's text, `\n` included. With `"delta"` prompts it refers to the prompt
   * of the last line reported by {@link written}: a line the writer dropped must not become it.
   */
  iteration(line: IterationLine): LineText {
    const deltas = this.#deltas;
    if (deltas === undefined) return this.#text(line, this.#prompts);
    let delta: PromptDelta;
    try {
      delta = deltas.next(line.prompt);
    } catch {
      // A message threw when read again: this line keeps nothing (its values are then marked
      // by the serializer like any other unreadable value), and later lines refer to it.
      deltas.reset();
      delta = { keep: 0, append: line.prompt };
    }
    return this.#text(withPromptDelta(line, delta));
  }

  /** The line last made by {@link iteration} was accepted by the writer. */
  written(): void {
    this.#deltas?.commit();
  }

  /** The session is over: what was kept for later lines is let go. */
  release(): void {
    this.#prompts = undefined;
    this.#deltas = undefined;
  }

  /**
   * The line's text under the content policy. The line may share objects with the caller's
   * input; should serializing it meet one that throws on a second read, a plain copy is
   * serialized instead.
   */
  #text(line: object, cache?: PromptCache): LineText {
    try {
      if (cache !== undefined) {
        const text = cachedIterationText(line, this.#policy, this.#counts, cache);
        if (text !== null) return text;
      }
      return lineTextPieces(line, this.#policy, this.#counts);
    } catch {
      return lineTextPieces(toJsonSafeCopy(line) as object, this.#policy, this.#counts);
    }
  }
}
