/**
 * Size caps applied to the serialized JSON text of a line.
 *
 * A line's text bounds every string in it: a string's UTF-8 size is at most its escaped
 * size, which is at most 3 bytes per UTF-16 unit of the text. So a line whose text is short
 * enough is passed through after one comparison, and only oversized lines are ever scanned.
 */
import { LINE_SCHEMAS } from "../../format.js";
import type { RedactionCounts } from "./secret-patterns.js";

/** Strings this short (escaped bytes) are never cut by the line cap: they are the structure. */
const MIN_KEEP = 64;

/** The marker that ends a string cut by a cap. */
export function truncationMarker(bytesCut: number): string {
  return `[TRUNCATED:${bytesCut} bytes]`;
}

/**
 * UTF-16 units of a string kept past the field cap when it is cut before being serialized
 * and redacted: a secret that starts before the cut is still seen whole.
 */
export const CUT_CONTEXT = 64 * 1024;

/** Smallest cap that leaves room for a marker and some text. */
export const MIN_FIELD_CAP = MIN_KEEP;

/** A string already cut before it was serialized (see write/serialize/json-text.ts). */
export interface PreCut {
  /** Offset of its literal's opening quote in the text. */
  at: number;
  /** UTF-8 bytes left out before serializing it (0 when whole). */
  cutBytes: number;
}

/**
 * Cuts every string (object keys included) whose UTF-8 size exceeds `maxField` bytes to at
 * most `maxField` bytes, marker included. `long` lists the text's long strings (ascending,
 * some already cut short: their marker counts the bytes left out too); unless `scanAll`, the
 * other strings are known to be under the cap and are not looked at.
 */
export function capFields(text: string, maxField: number, counts: RedactionCounts, long: readonly PreCut[] = [], scanAll = true): string {
  if (long.length === 0 && (!scanAll || text.length * 3 <= maxField)) return text;
  const parts: string[] = [];
  let last = 0;
  let k = 0;
  const escapes = new Escapes(text);
  const visit = (start: number, end: number): void => {
    let cutBytes = 0;
    while (k < long.length && (long[k] as PreCut).at < start) k++;
    if (k < long.length && (long[k] as PreCut).at === start) cutBytes = (long[k++] as PreCut).cutBytes;
    // The escaped size bounds the raw one (an escape is never shorter than what it stands for).
    if (cutBytes === 0 && (end - start - 1) * 3 <= maxField) return;
    const escaped = Buffer.byteLength(text.slice(start + 1, end));
    if (cutBytes === 0 && escaped <= maxField) return;
    const bytes = escapes.rawBytes(start, end, escaped);
    if (bytes + cutBytes <= maxField) return;
    parts.push(text.slice(last, start), cutToEscapedBytes(rawPrefix(text, start, end, maxField), bytes, maxField, false, cutBytes));
    last = end + 1;
    counts.truncations++;
  };
  if (scanAll) forEachString(text, visit);
  else for (const { at } of long) visit(at, closingQuote(text, at));
  if (parts.length === 0) return text;
  parts.push(text.slice(last));
  return parts.join("");
}

/**
 * Brings the whole line under `maxLine` bytes: first by cutting the largest strings to a
 * common length (the smallest cut that is enough), then, if the structure alone is too big,
 * by replacing the largest free-form values (locals, extra keys, kwargs, ...) with a marker.
 * A line whose required structure alone is over the cap is written as it is.
 */
export function capLine(text: string, maxLine: number, counts: RedactionCounts): string {
  if (text.length * 3 <= maxLine) return text;
  let bytes = Buffer.byteLength(text);
  // Escapes can make a cut string a little longer than planned: then cut again.
  for (let attempt = 0; attempt < 3 && bytes > maxLine; attempt++) {
    const cut = cutLargestStrings(text, bytes - maxLine, counts);
    if (cut === text) break;
    text = cut;
    bytes = Buffer.byteLength(text);
  }
  if (bytes > maxLine) text = collapseFreeForm(text, bytes - maxLine, counts);
  return text;
}

interface Token {
  start: number;
  end: number;
  /** UTF-8 bytes between the quotes. */
  size: number;
}

function cutLargestStrings(text: string, excess: number, counts: RedactionCounts): string {
  const tokens: Token[] = [];
  forEachString(text, (start, end) => {
    if (end - start - 1 <= MIN_KEEP) return;
    const size = Buffer.byteLength(text.slice(start + 1, end));
    if (size > MIN_KEEP) tokens.push({ start, end, size });
  });
  if (tokens.length === 0) return text;
  // Largest `target` such that cutting every longer string down to it saves enough.
  const saved = (target: number): number => {
    let sum = 0;
    for (const t of tokens) if (t.size > target) sum += t.size - target;
    return sum;
  };
  let lo = MIN_KEEP;
  let hi = tokens.reduce((max, t) => Math.max(max, t.size), 0);
  if (saved(lo) < excess) hi = lo;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (saved(mid) >= excess) lo = mid;
    else hi = mid - 1;
  }
  const target = lo;
  const parts: string[] = [];
  let last = 0;
  const escapes = new Escapes(text);
  for (const t of tokens) {
    if (t.size <= target) continue;
    parts.push(text.slice(last, t.start), cutLiteral(text, t, target, escapes));
    last = t.end + 1;
    counts.truncations++;
  }
  if (parts.length === 0) return text;
  parts.push(text.slice(last));
  return parts.join("");
}

/**
 * The JSON string literal of a string cut to a prefix plus marker: at most `limit` bytes,
 * counted on the raw value, or on the escaped text between the quotes when `escaped` is set.
 * `raw` is the string or a prefix of it at least `limit` UTF-16 units long, `rawBytes` the
 * whole string's UTF-8 size, `cutBefore` bytes already left out of it. Never splits a character.
 */
function cutToEscapedBytes(raw: string, rawBytes: number, limit: number, escaped: boolean, cutBefore = 0): string {
  const buf = Buffer.from(raw, "utf8");
  const markerRoom = truncationMarker(rawBytes + cutBefore).length;
  let keep = Math.max(0, limit - markerRoom);
  for (;;) {
    let k = Math.min(keep, buf.length);
    while (k > 0 && k < buf.length && ((buf[k] as number) & 0xc0) === 0x80) k--;
    const kept = buf.toString("utf8", 0, k);
    const literal = JSON.stringify(kept + truncationMarker(rawBytes - k + cutBefore));
    const size = escaped ? Buffer.byteLength(literal) - 2 : k + markerRoom;
    if (size <= limit || k === 0) return literal;
    keep = k - (size - limit);
  }
}

/**
 * The literal `t` cut, on its text, to a prefix plus marker of at most `limit` bytes between
 * the quotes: no parsing, encoding or escaping again, whatever the literal's size. The prefix
 * never ends inside an escape or between the two halves of a pair; the marker counts the raw
 * bytes cut.
 */
function cutLiteral(text: string, t: Token, limit: number, escapes: Escapes): string {
  const found = escapes.scan(t.start, t.end);
  const rawBytes = t.size - found.total;
  const room = Math.max(0, limit - truncationMarker(rawBytes).length);
  const from = t.start + 1;
  // At least one byte per unit: start from `room` units and move back until they fit.
  let p = Math.min(t.end, from + room);
  let bytes = Buffer.byteLength(text.slice(from, p));
  while (bytes > room) {
    p -= Math.max(1, Math.ceil((bytes - room) / 3));
    bytes = Buffer.byteLength(text.slice(from, p));
  }
  p = escapeBoundary(text, from, p);
  if (p > from && isHighSurrogate(text.charCodeAt(p - 1))) p--;
  const kept = text.slice(from, p);
  const keptRaw = Buffer.byteLength(kept) - found.before(p);
  return `"${kept}${truncationMarker(rawBytes - keptRaw)}"`;
}

/** `stop`, or the start of an escape that `stop` would cut (`\X` or `\uXXXX`), in the literal text from `from`. */
function escapeBoundary(text: string, from: number, stop: number): number {
  for (let q = stop - 1; q >= stop - 6 && q >= from; q--) {
    if (text.charCodeAt(q) !== 92 || !escapeStart(text, q)) continue;
    return q + (text.charCodeAt(q + 1) === 117 ? 6 : 2) > stop ? q : stop;
  }
  return stop;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/**
 * The raw value of the string literal whose quotes are at `start` and `end`, or a prefix of it
 * of at least `units` UTF-16 units: only what a cut may keep is parsed (an escape stands for
 * one unit and is at most 6 long), never ending inside an escape.
 */
function rawPrefix(text: string, start: number, end: number, units: number): string {
  let stop = Math.min(end, start + 1 + units * 6 + 6);
  if (stop < end) stop = escapeBoundary(text, start + 1, stop);
  return JSON.parse(`"${text.slice(start + 1, stop)}"`) as string;
}

/** True when the backslash at `i` starts an escape (an even run of backslashes before it). */
function escapeStart(text: string, i: number): boolean {
  let n = 0;
  for (let j = i - 1; text.charCodeAt(j) === 92; j--) n++;
  return n % 2 === 0;
}

/**
 * Raw sizes of a text's string literals from their escaped sizes, without parsing them: an
 * escape is 2 or 6 bytes of text for 1 to 3 bytes of value. The backslashes are found with
 * one forward search, remembered, so literals asked for in order cost one pass in all.
 */
class Escapes {
  readonly #text: string;
  #from = -1;
  #at = -1;

  constructor(text: string) {
    this.#text = text;
  }

  /** UTF-8 bytes of the value of the literal at `start`..`end`, whose text between the quotes is `escapedBytes`. */
  rawBytes(start: number, end: number, escapedBytes: number): number {
    return escapedBytes - this.scan(start, end).total;
  }

  /**
   * The escapes of the literal at `start`..`end`: what they add to its text in all (`total`,
   * in bytes), and what those starting before an offset add (`before`).
   */
  scan(start: number, end: number): { total: number; before: (offset: number) => number } {
    const text = this.#text;
    const at: number[] = [];
    const sums: number[] = [];
    let overhead = 0;
    for (let i = this.#next(start + 1); i < end; i = this.#next(i)) {
      at.push(i);
      if (text.charCodeAt(i + 1) === 117) {
        // JSON.stringify writes \u only for control characters (1 byte) and lone surrogates (3).
        const code = parseInt(text.slice(i + 2, i + 6), 16);
        overhead += 6 - (code < 0x80 ? 1 : code < 0x800 ? 2 : 3);
        i += 6;
      } else {
        overhead += 1;
        i += 2;
      }
      sums.push(overhead);
    }
    const before = (offset: number): number => {
      let lo = 0;
      let hi = at.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((at[mid] as number) < offset) lo = mid + 1;
        else hi = mid;
      }
      return lo === 0 ? 0 : (sums[lo - 1] as number);
    };
    return { total: overhead, before };
  }

  /** The first backslash at or after `from` (the text's length when none). */
  #next(from: number): number {
    if (from >= this.#from && from <= this.#at) return this.#at;
    const at = this.#text.indexOf("\\", from);
    this.#from = from;
    this.#at = at === -1 ? this.#text.length : at;
    return this.#at;
  }
}

/** The index of the quote that closes the string literal opened at `open`. */
export function closingQuote(text: string, open: number): number {
  let end = text.indexOf('"', open + 1);
  while (end !== -1 && isEscaped(text, end)) end = text.indexOf('"', end + 1);
  return end;
}

/** Calls `visit(start, end)` with the indexes of the quotes around every string in `text`. */
function forEachString(text: string, visit: (start: number, end: number) => void): void {
  let i = text.indexOf('"');
  while (i !== -1) {
    let end = text.indexOf('"', i + 1);
    while (end !== -1 && isEscaped(text, end)) end = text.indexOf('"', end + 1);
    if (end === -1) return;
    visit(i, end);
    i = text.indexOf('"', end + 1);
  }
}

function isEscaped(text: string, quote: number): boolean {
  let n = 0;
  for (let j = quote - 1; text.charCodeAt(j) === 92; j--) n++;
  return n % 2 === 1;
}

/** Where a free-form value sits, and what may replace it without breaking the schema. */
interface Slot {
  holder: Record<string, unknown> | unknown[];
  key: string | number;
  /** The format requires an object here (locals, kwargs): the marker goes inside one. */
  object: boolean;
}

/**
 * Last resort for lines whose structure alone is too big (thousands of small locals...):
 * replaces the largest values the format leaves free with a marker, so the line still matches
 * its schema: first values inside free objects (a local, a kwarg, an extra key), then, if
 * that is not enough, whole free objects (all the locals) with `{ "truncated": marker }`.
 * What is left over the cap after that is the format's own structure (e.g. a prompt of ten
 * thousand messages): it is written as it is.
 */
function collapseFreeForm(text: string, excess: number, counts: RedactionCounts): string {
  let line: unknown;
  try {
    line = JSON.parse(text);
  } catch {
    return text;
  }
  if (typeof line !== "object" || line === null || Array.isArray(line)) return text;
  const record = line as Record<string, unknown>;
  const inner: Slot[] = [];
  const whole: Slot[] = [];
  const free = (holder: Record<string, unknown> | unknown[], key: string | number): void => {
    inner.push({ holder, key, object: false });
  };
  const freeObject = (holder: Record<string, unknown>, key: string): void => {
    const value = holder[key];
    if (typeof value !== "object" || value === null) return;
    whole.push({ holder, key, object: !Array.isArray(value) });
    if (Array.isArray(value)) value.forEach((_, i) => free(value, i));
    else for (const k of Object.keys(value)) free(value as Record<string, unknown>, k);
  };
  const schema = LINE_SCHEMAS[record.type as keyof typeof LINE_SCHEMAS];
  const known = new Set(schema === undefined ? [] : Object.keys(schema.properties));
  for (const key of Object.keys(record)) if (!known.has(key)) free(record, key);
  if (record.type === "metadata") {
    freeObject(record, "backend_kwargs");
    freeObject(record, "environment_kwargs");
    freeObject(record, "other_backends");
  } else if (record.type === "summary") {
    if ("error" in record) free(record, "error");
  } else if (record.type === "iteration") {
    for (const message of asArray(record.prompt)) {
      if (typeof message !== "object" || message === null) continue;
      for (const key of Object.keys(message)) if (key !== "role" && key !== "content") free(message as Record<string, unknown>, key);
    }
    for (const block of asArray(record.code_blocks)) {
      const result = (block as { result?: Record<string, unknown> } | null)?.result;
      if (typeof result !== "object" || result === null) continue;
      freeObject(result, "locals");
      for (const call of asArray(result.rlm_calls)) {
        if (typeof call === "object" && call !== null) free(call as Record<string, unknown>, "prompt");
      }
    }
  }
  let remaining = excess;
  for (const slots of [inner, whole]) {
    if (remaining <= 0) break;
    const sized = slots.map((slot) => ({ slot, size: sizeOf((slot.holder as Record<string | number, unknown>)[slot.key]) }));
    sized.sort((a, b) => b.size - a.size);
    for (const { slot, size } of sized) {
      if (remaining <= 0) break;
      const marker = truncationMarker(size);
      const replacement = slot.object ? { truncated: marker } : marker;
      const saved = size - sizeOf(replacement);
      if (saved <= 0) continue;
      (slot.holder as Record<string | number, unknown>)[slot.key] = replacement;
      remaining -= saved;
      counts.truncations++;
    }
  }
  return remaining < excess ? JSON.stringify(line) : text;
}

function sizeOf(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? "");
}

function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}
