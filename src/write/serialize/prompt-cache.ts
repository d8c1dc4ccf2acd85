/**
 * The prompt cache: a session's memo of its prompt messages, serialized, redacted and cut to
 * the field cap.
 *
 * A chat loop sends the whole conversation every iteration, so most of an iteration line's
 * bytes are messages the previous line already held. Keeping each message's finished UTF-8
 * means only new messages are serialized and scanned again, and the writer copies the
 * prompt's bytes instead of encoding the same text again for every line: the line comes as
 * pieces (see {@link LinePieces}). The bytes are the same as serializing the line anew.
 *
 * A message is known again by what its text is made of, not by its shape: its role, its
 * content and the JSON text of its other members (`name`, `tool_calls`, ...), so messages
 * rebuilt every iteration from what chat APIs send are found as well as plain ones.
 */
import type { RedactReport, RedactionCounts } from "../policy/secret-patterns.js";
import type { PolicyTransform } from "../policy/transform.js";
import type { LongString, ValueText } from "./json-text.js";
import type { PromptMemo } from "../prompt-memo.js";
import type { PreCut } from "../policy/caps.js";
import { fieldBound, lineKeepUnits, literalBound, stringBound } from "./line-budget.js";
import { JOIN_MAX_UNITS, policyText, serialized, withNewline, type LineText } from "./line-text.js";

/** What a session keeps when the line cap is off, in bytes. */
const MAX_KEPT_BYTES = 64 * 1024 * 1024;

/** The marks of a message the field cap did not cut (most): one array for all. */
const NO_MARKS: readonly PreCut[] = [];

/**
 * An iteration line's text under the policy, its prompt taken from `cache`, `\n` included;
 * null when the cache does not apply (not an iteration line, no prompt, caller patterns or
 * function, a message the cache does not take): the caller then serializes the line anew.
 * Pieces whenever the line is under the line cap.
 */
export function cachedIterationText(line: object, policy: PolicyTransform, counts: RedactionCounts, cache: PromptCache): LineText | null {
  const { type, prompt } = line as { type?: unknown; prompt?: unknown };
  if (policy.custom || type !== "iteration" || !Array.isArray(prompt) || prompt.length === 0) return null;
  // The rest of the line, 0 in the prompt's place: keys keep their order. What comes before
  // the prompt holds no object or array (the line's type, number and time), so the first
  // `"prompt":0` of the text is that member: inside a string its quotes would be escaped.
  for (const key in line) {
    if (key === "prompt") break;
    const value = (line as Record<string, unknown>)[key];
    if (typeof value === "object" && value !== null) return null;
  }
  const v = serialized({ ...line, prompt: 0 }, policy.keepUnits);
  const at = v.text.indexOf('"prompt":0');
  if (at === -1) return null;
  // Then the prompt: nothing is counted unless it can be taken from the cache. A line sure to
  // be over the line cap has its long strings cut before they are serialized (line-budget.ts),
  // which the cache does not do: it is serialized anew, no more of it than the cut keeps. The
  // rest's text bounds its strings, unless it holds a long one (then the whole line is walked):
  // by its length first (no cost), then by its literals' lengths (a scan of the text, a
  // fraction of walking a rest of many small strings, e.g. 300,000 locals), then the walk.
  const cap = policy.maxLineBytes;
  const rest = v.long.length === 0 ? v.text.length : Infinity;
  const cutEarly = (promptBound: number): boolean => {
    if (rest + promptBound <= cap) return false;
    if (rest !== Infinity && literalBound(v.text, fieldBound(policy.maxFieldBytes)) + promptBound <= cap) return false;
    return lineKeepUnits(line, policy.maxFieldBytes, cap) < policy.keepUnits;
  };
  const promptText = cache.serialize(prompt, policy, counts, cutEarly);
  if (promptText === null) return null;
  let open: string;
  let close: string;
  /** The strings the field cap cut in `open` and in `close`, at their offsets in each. */
  const openCuts: PreCut[] = [];
  const closeCuts: PreCut[] = [];
  if (v.long.length === 0) {
    // The usual line: one scan, the prompt's place followed through it.
    const report: RedactReport = { marks: [at], grew: false };
    const text = policy.redactText(v.text, counts, report);
    const split = report.marks[0] as number;
    const scanAll = report.grew || v.shortLongest * 3 > policy.maxFieldBytes;
    open = policy.capFields(text.slice(0, split + 9), counts, [], scanAll, openCuts);
    close = policy.capFields(text.slice(split + 10), counts, [], scanAll, closeCuts);
  } else {
    [open, close] = withLongStrings(v, at, policy, counts, openCuts, closeCuts);
  }
  const bytes = promptText.bytes;
  /** The line's UTF-8 size without its `\n`, when known. */
  let lineBytes = -1;
  if (bytes !== null) {
    const max = policy.maxLineBytes;
    // `]`, `\n`, and the text at most 3 bytes per UTF-16 unit, exactly when that is not enough.
    let size = (open.length + close.length) * 3 + bytes.length + 2;
    if (size > max) size = Buffer.byteLength(open) + Buffer.byteLength(close) + bytes.length + 2;
    if (size <= max) return close.length > JOIN_MAX_UNITS ? [open, bytes, "]", close, "\n"] : [open, bytes, `]${close}\n`];
    lineBytes = size - 1;
  } else {
    lineBytes = Buffer.byteLength(open) + promptText.textBytes() + Buffer.byteLength(close);
  }
  // Over the line cap: cut as pieces (the messages' texts as they are), written as those
  // pieces but when short (see withNewline). The line cap is told every string the field cap
  // cut, the prompt's included (each message's, kept with it): one it cuts again gets one
  // marker counting all the bytes left out, and is not counted twice.
  const promptPieces = promptText.pieces();
  const cuts = openCuts;
  promptText.cuts(open.length, cuts);
  if (closeCuts.length > 0) {
    let at = open.length;
    for (const piece of promptPieces) at += piece.length;
    for (const cut of closeCuts) cuts.push({ ...cut, at: cut.at + at });
  }
  const pieces = policy.capLinePieces([open, ...promptPieces, close], counts, lineBytes, line, cuts);
  let units = 0;
  for (const piece of pieces) units += piece.length;
  if (pieces.length === 1 || units <= JOIN_MAX_UNITS) return withNewline(pieces.join(""));
  pieces.push("\n");
  return pieces;
}

/**
 * `open` and `close` of a line whose rest holds long strings (see json-text.ts); the strings the
 * field cap cut in each listed in `openCuts` and `closeCuts`.
 */
function withLongStrings(v: ValueText, at: number, policy: PolicyTransform, counts: RedactionCounts, openCuts: PreCut[], closeCuts: PreCut[]): [string, string] {
  // One scan, the long strings' quotes and the prompt's place followed through it.
  const first = v.long.findIndex((l) => l.at > at);
  const heads = first === -1 ? v.long : v.long.slice(0, first);
  const marks = heads.map((l) => l.at);
  marks.push(at);
  for (let i = heads.length; i < v.long.length; i++) marks.push((v.long[i] as LongString).at);
  const report: RedactReport = { marks, grew: false };
  const text = policy.redactText(v.text, counts, report);
  const split = marks[heads.length] as number;
  const scanAll = report.grew || v.shortLongest * 3 > policy.maxFieldBytes;
  const headCuts: PreCut[] = heads.map((l, i) => ({ at: marks[i] as number, cutBytes: l.cutBytes }));
  const tailCuts: PreCut[] = [];
  for (let i = heads.length; i < v.long.length; i++) {
    tailCuts.push({ at: (marks[i + 1] as number) - split - 10, cutBytes: (v.long[i] as LongString).cutBytes });
  }
  return [policy.capFields(text.slice(0, split + 9), counts, headCuts, scanAll, openCuts), policy.capFields(text.slice(split + 10), counts, tailCuts, scanAll, closeCuts)];
}

interface Entry {
  role: string;
  content: string;
  /** The JSON text of the message's other members, `,"name":…` and so on ("" for none). */
  extras: string;
  /** Where the message's UTF-8 (redacted, cut to the field cap) is. */
  buf: Buffer;
  start: number;
  end: number;
  /** The message object itself when a prompt memo kept it (its text never changes), else null. */
  source: object | null;
  /** Kinds redacted in it, one per redaction: counted again each time it is written. */
  kinds: readonly string[];
  /** Strings cut in it: counted again each time it is written. */
  cuts: number;
  /** Where the field cap cut them, in its text (see `capFields`): for a line cap that cuts them again. */
  marks: readonly PreCut[];
  /** The UTF-16 units of its text: where the next message's marks are in the prompt's text. */
  units: number;
  /** What its strings count for in the line cap's early bound (see line-budget.ts). */
  bound: number;
}

/** A prompt's text: its UTF-8 when the cache kept all of it. */
export interface PromptText {
  /**
   * The UTF-8 of the prompt's JSON text without its closing `]`; null when the prompt is too
   * large to keep. Later prompts of the session only ever write past its end: it must never be
   * written to.
   */
  bytes: Buffer | null;
  /** The prompt's JSON text (made on demand: the line is then over the line cap, or too large to keep). */
  text(): string;
  /** {@link text} in pieces, one after the other, each holding whole tokens. */
  pieces(): string[];
  /** The UTF-8 size of {@link text}, without making it. */
  textBytes(): number;
  /** Pushes to `out` the strings the field cap cut in {@link text}, at their offsets plus `at`. */
  cuts(at: number, out: PreCut[]): void;
}

/** Serializes prompt arrays, reusing the text of messages seen in the previous prompt. */
export class PromptCache {
  /** The session's prompt memo, which tells the messages it built and kept (their text never changes). */
  readonly #memo: PromptMemo | undefined;
  /** The kept messages of the latest prompt, in order (its first ones, within the budget). */
  #kept: Entry[] = [];
  /** Their kinds and cuts, in total. */
  #keptKinds: string[] = [];
  #keptCuts = 0;
  /** UTF-8 of `[` and the kept messages, at the start of `#buf`; what follows is free. */
  #buf = Buffer.from("[");
  #keptBytes = 1;
  /** `#kept` by content, built only when a prompt does not start with all of `#kept`. */
  #byContent: Map<string, Entry> | null = null;
  /** Where a new message's field cuts are listed: emptied into its entry when it has any. */
  readonly #marks: PreCut[] = [];

  /**
   * The text of `messages` under `policy` but the line cap, counting into `counts`; null when
   * a message is not an object whose first members are `role` and `content`, both strings, or
   * when `cutEarly`, asked with a bound on what the messages' strings count for in the line
   * cap's early bound (see line-budget.ts), says so (the caller then serializes the line the
   * ordinary way). Nothing is kept or counted then.
   */
  serialize(
    messages: readonly unknown[],
    policy: PolicyTransform,
    counts: RedactionCounts,
    cutEarly: (promptBound: number) => boolean = () => false,
  ): PromptText | null {
    const kept = this.#kept;
    const budget = Number.isFinite(policy.maxLineBytes) ? policy.maxLineBytes : MAX_KEPT_BYTES;
    // The common case: the previous prompt with messages appended. Its bytes so far are then
    // taken whole, and each of its messages costs a few comparisons, not a lookup by content.
    let start = 0;
    if (kept.length > 0 && messages.length >= kept.length) {
      while (start < kept.length && sameMessage(messages[start], kept[start] as Entry)) start++;
      if (start < kept.length) start = 0;
    }
    // Kept messages' bounds are known; only new ones are walked, once: a new entry keeps its own.
    const field = fieldBound(policy.maxFieldBytes);
    let promptBound = 0;
    for (let i = 0; i < start; i++) promptBound += (kept[i] as Entry).bound;
    const bounds: number[] = [];
    for (let i = start; i < messages.length; i++) {
      const bound = stringBound(messages[i], field);
      bounds.push(bound);
      promptBound += bound;
    }
    if (cutEarly(promptBound)) return null;
    const byContent = start === 0 && kept.length > 0 ? this.#contentMap() : null;
    const entries: Entry[] = start > 0 ? kept.slice() : [];
    // Bytes are only appended past what earlier lines' views cover; a prompt that does not
    // extend the previous one starts a new buffer, since those views may cover any of the old.
    const to = start > 0 ? { buf: this.#buf, pos: this.#keptBytes } : { buf: Buffer.allocUnsafe(4096), pos: 1 };
    if (start === 0) to.buf[0] = 0x5b; // [
    let keptCount = entries.length;
    /** Where the kept messages' bytes end: new ones are written from there. */
    const head = to.pos;
    /** The text of each new message written to the buffer (null: its bytes were copied). */
    const fresh: (string | null)[] = [];
    /** The texts of the messages past the budget, `,` before each. */
    let over = "";
    /** The messages past the budget (`entries` keeps only those before them), when there are. */
    let past: Entry[] | null = null;
    for (let i = start; i < messages.length; i++) {
      const message = messages[i];
      const more = extrasOf(message);
      if (more === null) return null;
      const { role, content } = message as { role: string; content: string };
      let entry = byContent?.get(content);
      let text: string | null = null;
      if (entry === undefined || entry.role !== role || entry.extras !== more) {
        const own: RedactionCounts = { redactions: 0, truncations: 0, byKind: {} };
        // Its members past `role` and `content` are serialized already: not a second time. (A
        // policy that threw on the message before, then caught by the caller, left nothing here.)
        this.#marks.length = 0;
        text = policyText(message as object, policy, own, null, () => messageJson(message as object, role, content, more), this.#marks);
        const marks = this.#marks.length === 0 ? NO_MARKS : this.#marks.splice(0);
        const kinds: string[] = [];
        for (const [kind, n] of Object.entries(own.byKind)) for (let k = 0; k < n; k++) kinds.push(kind);
        const source = this.#memo?.holds(i, message) === true ? (message as object) : null;
        const bound = bounds[i - start] as number;
        entry = { role, content, extras: more, source, buf: to.buf, start: 0, end: 0, kinds, cuts: own.truncations, bound, marks, units: text.length };
      }
      if (keptCount === i && to.pos + (entry.end - entry.start || (text as string).length) < budget) {
        const at = appendMessage(to, entry, text, i > 0);
        if (text !== null || entry.buf !== to.buf) entry = { ...entry, buf: to.buf, start: at, end: to.pos };
        keptCount = i + 1;
        fresh.push(text);
      } else {
        over += `${i > 0 ? "," : ""}${text ?? entry.buf.toString("utf8", entry.start, entry.end)}`;
      }
      if (keptCount <= i) (past ??= []).push(entry);
      entries.push(entry);
    }
    // Counted only once the whole prompt is done: on a null return the caller starts over.
    const kinds: string[] = start > 0 ? this.#keptKinds.slice() : [];
    let cuts = start > 0 ? this.#keptCuts : 0;
    for (let i = start; i < entries.length; i++) {
      const entry = entries[i] as Entry;
      for (const kind of entry.kinds) kinds.push(kind);
      cuts += entry.cuts;
    }
    for (const kind of kinds) {
      counts.redactions++;
      counts.byKind[kind] = (counts.byKind[kind] ?? 0) + 1;
    }
    counts.truncations += cuts;
    if (keptCount < entries.length) {
      entries.length = keptCount;
      kinds.length = 0;
      cuts = 0;
      for (const entry of entries) {
        for (const kind of entry.kinds) kinds.push(kind);
        cuts += entry.cuts;
      }
    }
    this.#kept = entries;
    this.#keptKinds = kinds;
    this.#keptCuts = cuts;
    this.#buf = to.buf;
    this.#keptBytes = to.pos;
    this.#byContent = null;
    const bytes = to.buf.subarray(0, to.pos);
    // The text is asked for when the line is over the line cap: the messages just serialized
    // are taken as they are, only those taken from earlier lines are decoded.
    const pieces = (): string[] => {
      const out = keptPieces(bytes, head, entries, start, fresh);
      out.push(over, "]");
      return out;
    };
    const text = (): string => pieces().join("");
    const textBytes = (): number => bytes.length + Buffer.byteLength(over) + 1;
    const marks = (at: number, out: PreCut[]): void => {
      // `[`, then the messages, `,` between them: those kept, then those past the budget.
      let offset = at + 1;
      let first = true;
      for (const list of past === null ? [entries] : [entries, past]) {
        for (const entry of list) {
          if (!first) offset++;
          first = false;
          for (const mark of entry.marks) out.push({ ...mark, at: mark.at + offset });
          offset += entry.units;
        }
      }
    };
    return { bytes: over === "" ? bytes : null, text, pieces, textBytes, cuts: marks };
  }

  /** With `memo`, the memo that builds the prompts of the lines this cache serializes. */
  constructor(memo?: PromptMemo) {
    this.#memo = memo;
  }

  #contentMap(): Map<string, Entry> {
    if (this.#byContent === null) {
      this.#byContent = new Map();
      for (const entry of this.#kept) this.#byContent.set(entry.content, entry);
    }
    return this.#byContent;
  }
}

/**
 * The text of a prompt's kept messages, `[` first, in pieces each holding whole tokens: what
 * `bytes` holds, decoded up to `head` (the messages kept from the previous prompt), then the
 * messages from `first` on, each decoded only when its text is not in `fresh`.
 */
function keptPieces(bytes: Buffer, head: number, entries: readonly Entry[], first: number, fresh: readonly (string | null)[]): string[] {
  const out = [bytes.toString("utf8", 0, head)];
  for (let k = 0; k < fresh.length; k++) {
    const i = first + k;
    const entry = entries[i] as Entry;
    if (i > 0) out.push(",");
    out.push(fresh[k] ?? entry.buf.toString("utf8", entry.start, entry.end));
  }
  return out;
}

/** True when `message` is a message whose text is `entry`'s. */
function sameMessage(message: unknown, entry: Entry): boolean {
  if (typeof message !== "object" || message === null) return false;
  // A message a prompt memo kept and handed out again is unchanged: its members are not read.
  if (message === entry.source) return true;
  const m = message as { role?: unknown; content?: unknown };
  // Usually the very same strings, so these are pointer comparisons.
  return m.content === entry.content && m.role === entry.role && extrasOf(message) === entry.extras;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The JSON text of a message's members after `role` and `content` (`,"name":"x"`…, "" for
 * none, as `JSON.stringify` writes them); null when its first two members are not `role`
 * and `content`, both strings.
 */
function extrasOf(message: unknown): string | null {
  if (typeof message !== "object" || message === null || Array.isArray(message)) return null;
  let n = 0;
  let out = "";
  // for-in rather than Object.keys: no array per message, and messages are plain objects
  // (own keys are checked, in case something enumerable was added to Object.prototype).
  for (const key in message) {
    if (!hasOwn.call(message, key)) continue;
    if (n < 2) {
      if (key !== (n === 0 ? "role" : "content") || typeof (message as Record<string, unknown>)[key] !== "string") return null;
    } else {
      const text = JSON.stringify((message as Record<string, unknown>)[key]);
      if (text !== undefined) out += `,${JSON.stringify(key)}:${text}`;
    }
    n++;
  }
  return n >= 2 ? out : null;
}

/**
 * What `JSON.stringify(message)` returns, from its `role`, `content` and `extras` (see
 * {@link extrasOf}), for a message with extras; undefined for one without (serializing it
 * whole costs less than joining pieces), and when a `toJSON` would make them differ:
 * `JSON.stringify` calls a member's `toJSON` with the member's key, where `extrasOf` passes "".
 */
function messageJson(message: object, role: string, content: string, extras: string): string | undefined {
  if (extras === "" || typeof (message as { toJSON?: unknown }).toJSON === "function") return undefined;
  let n = 0;
  for (const key in message) {
    if (!hasOwn.call(message, key) || n++ < 2) continue;
    const value = (message as Record<string, unknown>)[key];
    if (((typeof value === "object" && value !== null) || typeof value === "bigint") && typeof (value as { toJSON?: unknown }).toJSON === "function") {
      return undefined;
    }
  }
  return `{"role":${JSON.stringify(role)},"content":${JSON.stringify(content)}${extras}}`;
}

/**
 * Writes a message's UTF-8 at `to.pos`, after a comma if `comma`: `text` when the message was
 * just serialized, else the bytes its entry points at. Moves to a larger buffer when it does
 * not fit. Returns where the message starts.
 */
function appendMessage(to: { buf: Buffer; pos: number }, entry: Entry, text: string | null, comma: boolean): number {
  const need = to.pos + 1 + (text === null ? entry.end - entry.start : text.length * 3);
  if (need > to.buf.length) {
    // The old buffer is left as it is, for the views that lines waiting to be written hold.
    const larger = Buffer.allocUnsafe(Math.max(need, 2 * to.buf.length));
    to.buf.copy(larger, 0, 0, to.pos);
    to.buf = larger;
  }
  if (comma) to.buf[to.pos++] = 0x2c;
  const at = to.pos;
  if (text !== null) to.pos += to.buf.write(text, to.pos, "utf8");
  else if (entry.buf === to.buf && entry.start === at) to.pos = entry.end;
  else to.pos += entry.buf.copy(to.buf, at, entry.start, entry.end);
  return at;
}
