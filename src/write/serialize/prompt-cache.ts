/**
 * The prompt cache: a session's memo of its prompt messages, serialized and redacted.
 *
 * A chat loop sends the whole conversation every iteration, so most of an iteration line's
 * bytes are messages the previous line already held. Keeping each message's finished JSON
 * text means only new messages are serialized and scanned again. Only the messages of the
 * latest prompt are kept, within a byte budget. Their UTF-8 is kept too, so that the writer
 * copies those bytes instead of encoding the same text again for every line: the line then
 * comes as pieces (see {@link LinePieces}). The text is the same as serializing it anew.
 */
import type { RedactionCounts } from "../policy/secret-patterns.js";
import type { PolicyTransform } from "../policy/transform.js";
import { stringifyLine } from "../../lines.js";
import type { LinePieces, LineText } from "./line-text.js";

/**
 * An iteration line's text under the policy, its prompt taken from `cache`, `\n` included;
 * null when the cache does not apply (not an iteration line, no prompt, caller patterns or
 * function, a message the cache does not take): the caller then serializes the line anew.
 * Pieces when the prompt's UTF-8 is at hand and the caps cannot apply.
 */
export function cachedIterationText(line: object, policy: PolicyTransform, counts: RedactionCounts, cache: PromptCache): LineText | null {
  const { type, prompt } = line as { type?: unknown; prompt?: unknown };
  if (policy.custom || type !== "iteration" || !Array.isArray(prompt) || prompt.length === 0) return null;
  // The members before the prompt and those after it, each as an object: keys keep their order.
  const head: Record<string, unknown> = {};
  const tail: Record<string, unknown> = {};
  let into = head;
  for (const key of Object.keys(line)) {
    if (key === "prompt") into = tail;
    else into[key] = (line as Record<string, unknown>)[key];
  }
  // Nothing is counted before both parts are sure to succeed.
  const headText = stringifyLine(head);
  const tailText = stringifyLine(tail);
  const promptText = cache.serialize(prompt, policy.redactText, counts);
  if (promptText === null) return null;
  // One scan for both: `}{` is where they meet, and no secret spans it.
  const mark = { at: headText.length };
  const rest = policy.redactText(headText + tailText, counts, mark);
  const open = `${rest.slice(0, mark.at - 1)}${mark.at > 2 ? "," : ""}"prompt":`;
  const close = rest.length - mark.at > 2 ? `,${rest.slice(mark.at + 1)}` : "}";
  if (promptText.bytes !== null) {
    // A bound on the text's UTF-8 size (a UTF-16 unit is at most 3 bytes, and the prompt's
    // bytes outnumber its units): under both caps, the caps would leave the line as it is.
    const bound = (open.length + close.length + 1) * 3 + promptText.bytes.length * 3;
    if (bound <= policy.maxFieldBytes && bound <= policy.maxLineBytes) return [open, promptText.bytes, `]${close}\n`] as LinePieces;
  }
  return `${policy.capText(`${open}${promptText.text}${close}`, counts)}\n`;
}

/** Cap on the text one session keeps, in UTF-16 units: beyond it, messages are not kept. */
const MAX_CACHED_UNITS = 1024 * 1024;

interface Entry {
  role: string;
  content: string;
  /** The message's JSON text after redaction. */
  text: string;
  /** Kinds redacted in it, one per redaction: counted again each time it is written. */
  kinds: readonly string[];
}

/** A prompt's JSON text, and its UTF-8 when the cache kept all of it. */
export interface PromptText {
  text: string;
  /**
   * The UTF-8 of `text` without its closing `]`; null when the prompt is too large to keep.
   * Later prompts of the session only ever write past its end: it must never be written to.
   */
  bytes: Buffer | null;
}

/** Serializes prompt arrays, reusing the text of messages seen in the previous prompt. */
export class PromptCache {
  /** The kept messages of the latest prompt, in order (its first ones, within the budget). */
  #kept: Entry[] = [];
  /** `[` and the texts of `#kept` joined by commas: the start of the next prompt's text. */
  #keptText = "[";
  /** The kinds of `#kept`, in order. */
  #keptKinds: string[] = [];
  #keptUnits = 0;
  /** UTF-8 of `#keptText` at the start of `#bytes`; what follows it is free. */
  #bytes = Buffer.from("[");
  #keptBytes = 1;
  /** `#kept` by content, built only when a prompt does not start with all of `#kept`. */
  #byContent: Map<string, Entry> | null = null;

  /**
   * The JSON text of `messages` with `redact` applied to each message, counting into
   * `counts`; null when a message is not a plain `{ role, content }` of strings (the caller
   * then serializes the line the ordinary way).
   */
  serialize(messages: readonly unknown[], redact: (text: string, counts: RedactionCounts) => string, counts: RedactionCounts): PromptText | null {
    const kept = this.#kept;
    // The common case: the previous prompt with messages appended. Its text so far is then
    // taken whole, and each of its messages costs a few comparisons, not a lookup by content.
    let start = 0;
    if (kept.length > 0 && messages.length >= kept.length) {
      while (start < kept.length && sameMessage(messages[start], kept[start] as Entry)) start++;
      if (start < kept.length) start = 0;
    }
    const byContent = start === 0 && kept.length > 0 ? this.#contentMap() : null;
    // Concatenated, not joined: V8 keeps a rope, and the writer copies the line once anyway.
    let out = start > 0 ? this.#keptText : "[";
    const entries: Entry[] = start > 0 ? kept.slice() : [];
    let units = start > 0 ? this.#keptUnits : 0;
    let keptText = out;
    let keptCount = entries.length;
    // Bytes are only appended past what earlier lines' views cover; a prompt that does not
    // extend the previous one starts a new buffer, since those views may cover any of the old.
    const bytes = { buf: this.#bytes, pos: this.#keptBytes };
    if (start === 0) {
      bytes.buf = Buffer.allocUnsafe(4096);
      bytes.buf[0] = 0x5b; // [
      bytes.pos = 1;
    }
    for (let i = start; i < messages.length; i++) {
      const message = messages[i] as { role?: unknown; content?: unknown } | null;
      if (typeof message !== "object" || message === null) return null;
      const { role, content } = message;
      if (typeof role !== "string" || typeof content !== "string" || !isPlainMessage(message)) return null;
      let entry = byContent?.get(content);
      if (entry === undefined || entry.role !== role) {
        const own: RedactionCounts = { redactions: 0, truncations: 0, byKind: {} };
        const text = redact(JSON.stringify({ role, content }), own);
        const kinds: string[] = [];
        for (const [kind, n] of Object.entries(own.byKind)) for (let k = 0; k < n; k++) kinds.push(kind);
        entry = { role, content, text, kinds };
      }
      out += i === 0 ? entry.text : `,${entry.text}`;
      entries.push(entry);
      units += entry.text.length;
      if (keptCount === i && units <= MAX_CACHED_UNITS) {
        keptCount = i + 1;
        keptText = out;
        appendUtf8(bytes, entry.text, i > 0);
      }
    }
    // Counted only once the whole prompt is done: on a null return the caller starts over.
    const kinds: string[] = start > 0 ? this.#keptKinds.slice() : [];
    for (let i = start; i < entries.length; i++) for (const kind of (entries[i] as Entry).kinds) kinds.push(kind);
    for (const kind of kinds) {
      counts.redactions++;
      counts.byKind[kind] = (counts.byKind[kind] ?? 0) + 1;
    }
    if (keptCount < entries.length) {
      entries.length = keptCount;
      kinds.length = 0;
      for (const entry of entries) for (const kind of entry.kinds) kinds.push(kind);
      units = 0;
      for (const entry of entries) units += entry.text.length;
    }
    this.#kept = entries;
    this.#keptText = keptText;
    this.#keptKinds = kinds;
    this.#keptUnits = units;
    this.#bytes = bytes.buf;
    this.#keptBytes = bytes.pos;
    this.#byContent = null;
    return { text: `${out}]`, bytes: keptCount === messages.length ? bytes.buf.subarray(0, bytes.pos) : null };
  }

  #contentMap(): Map<string, Entry> {
    if (this.#byContent === null) {
      this.#byContent = new Map();
      for (const entry of this.#kept) this.#byContent.set(entry.content, entry);
    }
    return this.#byContent;
  }
}

/** True when `message` is a plain message whose text is `entry`'s. */
function sameMessage(message: unknown, entry: Entry): boolean {
  if (typeof message !== "object" || message === null) return false;
  const m = message as { role?: unknown; content?: unknown };
  // Usually the very same strings, so these are pointer comparisons.
  return m.content === entry.content && m.role === entry.role && isPlainMessage(message);
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

/**
 * Writes `text` as UTF-8 at `to.pos`, after a comma if `comma`, moving to a larger buffer when
 * it does not fit. The comma is written as a byte: a concatenated string would be copied again.
 */
function appendUtf8(to: { buf: Buffer; pos: number }, text: string, comma: boolean): void {
  const need = to.pos + 1 + text.length * 3;
  if (need > to.buf.length) {
    // The old buffer is left as it is, for the views that lines waiting to be written hold.
    const larger = Buffer.allocUnsafe(Math.max(need, 2 * to.buf.length));
    to.buf.copy(larger, 0, 0, to.pos);
    to.buf = larger;
  }
  if (comma) to.buf[to.pos++] = 0x2c;
  to.pos += to.buf.write(text, to.pos, "utf8");
}
