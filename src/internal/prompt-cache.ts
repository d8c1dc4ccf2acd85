/**
 * A session's memo of its prompt messages, serialized and redacted.
 *
 * A chat loop sends the whole conversation every iteration, so most of an iteration line's
 * bytes are messages the previous line already held. Keeping each message's finished JSON
 * text (keyed by its content) means only new messages are serialized and scanned again.
 * Only the messages of the latest prompt are kept, within a byte budget.
 */
import type { RedactionCounts } from "./secret-patterns.js";

/** Cap on the text one session keeps, in UTF-16 units: beyond it, messages are not kept. */
const MAX_CACHED_UNITS = 1024 * 1024;

interface Entry {
  role: string;
  /** The message's JSON text after redaction. */
  text: string;
  /** Kinds redacted in it, one per redaction: counted again each time it is written. */
  kinds: readonly string[];
}

/** Serializes prompt arrays, reusing the text of messages seen in the previous prompt. */
export class PromptCache {
  #entries = new Map<string, Entry>();

  /**
   * The JSON text of `messages` with `redact` applied to each message, counting into
   * `counts`; null when a message is not a plain `{ role, content }` of strings (the caller
   * then serializes the line the ordinary way).
   */
  serialize(messages: readonly unknown[], redact: (text: string, counts: RedactionCounts) => string, counts: RedactionCounts): string | null {
    const previous = this.#entries;
    const next = new Map<string, Entry>();
    // Concatenated, not joined: V8 keeps a rope, and the writer copies the line once anyway.
    let out = "[";
    // Counted only once the whole prompt is done: on a null return the caller starts over.
    const found: string[] = [];
    let units = 0;
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i] as { role?: unknown; content?: unknown } | null;
      if (typeof message !== "object" || message === null) return null;
      const { role, content } = message;
      if (typeof role !== "string" || typeof content !== "string" || !isPlainMessage(message)) return null;
      let entry = previous.get(content) ?? next.get(content);
      if (entry === undefined || entry.role !== role) {
        const own: RedactionCounts = { redactions: 0, truncations: 0, byKind: {} };
        const text = redact(JSON.stringify({ role, content }), own);
        const kinds: string[] = [];
        for (const [kind, n] of Object.entries(own.byKind)) for (let k = 0; k < n; k++) kinds.push(kind);
        entry = { role, text, kinds };
      }
      for (const kind of entry.kinds) found.push(kind);
      out += i === 0 ? entry.text : `,${entry.text}`;
      units += entry.text.length;
      if (units <= MAX_CACHED_UNITS) next.set(content, entry);
    }
    this.#entries = next;
    for (const kind of found) {
      counts.redactions++;
      counts.byKind[kind] = (counts.byKind[kind] ?? 0) + 1;
    }
    return `${out}]`;
  }
}

/** Exactly the two keys `role` and `content`, in that order (as `JSON.stringify` would write them). */
function isPlainMessage(message: object): boolean {
  let n = 0;
  for (const key in message) {
    if ((n === 0 && key !== "role") || (n === 1 && key !== "content") || n > 1) return false;
    n++;
  }
  return n === 2;
}
