/**
 * Size caps applied to the serialized JSON text of a line.
 *
 * A line's text bounds every string in it: a string's UTF-8 size is at most its escaped
 * size, which is at most 3 bytes per UTF-16 unit of the text. So a line whose text is short
 * enough is passed through after one comparison, and only oversized lines are ever scanned.
 */
import { collapseFreeForm, mayCollapse } from "./free-form.js";
import { closingQuote, isEscaped } from "./json-scan.js";
import type { RedactionCounts } from "./secret-patterns.js";
import { truncationMarker, truncationMarkerLength } from "./truncation-marker.js";

/** Strings this short (escaped bytes) are never cut by the line cap: they are the structure. */
export const MIN_KEEP = 64;

/**
 * UTF-16 units of a string kept past the field cap when it is cut before being serialized
 * and redacted: a secret that starts before the cut is still seen whole.
 */
export const CUT_CONTEXT = 64 * 1024;

/** Smallest cap that leaves room for a marker and some text. */
export const MIN_FIELD_CAP = MIN_KEEP;

/**
 * From this field cap on, a text is looked at in a few places for a literal that may be over
 * it ({@link literalMayExceed}) before its literals are read one by one. Under it, the places
 * are so close together that reading every literal costs less.
 */
const SAMPLED_CAP = 24 * 1024;

/** A string already cut before it was serialized (see write/serialize/json-text.ts). */
export interface PreCut {
  /** Offset of its literal's opening quote in the text. */
  at: number;
  /** UTF-8 bytes left out before serializing it (0 when whole). */
  cutBytes: number;
  /**
   * True when it was cut for the line cap (write/serialize/line-budget.ts): the field cap
   * leaves it to the line cap, which finishes the cut, and counts the bytes left out.
   */
  line?: boolean;
  /**
   * The string whose literal, as `JSON.stringify` writes it whole, is in the text unchanged
   * (not redacted since): its UTF-8 size is the string's, measured without reading escapes.
   */
  value?: string;
  /**
   * Set when the field cap cut it (a record in `pending`, see {@link capFields}): the UTF-16
   * units of the marker its literal ends with, `cutBytes` being the count that marker names
   * (every byte left out of the original string). The line cap, cutting it again, cuts the
   * kept text before that marker and writes one marker for all, and does not count it again.
   */
  marker?: number;
}

/** True when `pending` lists a string cut for the line cap, which the line cap must give a marker whatever the line's size. */
function mustCut(pending: readonly PreCut[]): boolean {
  for (const pre of pending) if (pre.marker === undefined) return true;
  return false;
}

/**
 * Cuts every string (object keys included) whose UTF-8 size exceeds `maxField` bytes to at
 * most `maxField` bytes, marker included. `long` lists the text's long strings (ascending,
 * some already cut short: their marker counts the bytes left out too); unless `scanAll`, the
 * other strings are known to be under the cap and are not looked at. Strings cut for the line
 * cap are left as they are, and listed in `pending` at their offsets in the result; so are the
 * strings cut here, with their markers' lengths (see {@link PreCut.marker}): a line cap that
 * cuts one again must know it holds a marker, which its text alone cannot tell (a caller's
 * string may end with the same words).
 */
export function capFields(
  text: string,
  maxField: number,
  counts: RedactionCounts,
  long: readonly PreCut[] = [],
  scanAll = true,
  pending: PreCut[] = [],
): string {
  if (long.length === 0 && (!scanAll || text.length * 3 <= maxField)) return text;
  // A string's UTF-8 is at most 3 bytes a unit of its literal: with no literal longer than a
  // third of the cap but those listed, the others need no look.
  const all = scanAll && (maxField < SAMPLED_CAP || literalMayExceed(text, Math.floor(maxField / 3), long));
  if (long.length === 0 && !all) return text;
  const parts: string[] = [];
  let last = 0;
  /** UTF-16 units in `parts`. */
  let written = 0;
  let k = 0;
  const escapes = new Escapes(text);
  const visit = (start: number, end: number): void => {
    let cutBytes = 0;
    let value: string | undefined;
    while (k < long.length && (long[k] as PreCut).at < start) k++;
    if (k < long.length && (long[k] as PreCut).at === start) {
      const pre = long[k++] as PreCut;
      if (pre.line === true && pre.cutBytes > 0) {
        pending.push({ at: written + start - last, cutBytes: pre.cutBytes, line: true });
        return;
      }
      cutBytes = pre.cutBytes;
      value = pre.value;
    }
    // The escaped size bounds the raw one (an escape is never shorter than what it stands for).
    if (cutBytes === 0 && (end - start - 1) * 3 <= maxField) return;
    // The raw size itself, when the literal is a string's as serialized: a string just over
    // the cap by its escapes alone (a text with a newline every few words) is not scanned.
    if (cutBytes === 0 && value !== undefined && Buffer.byteLength(value) <= maxField) return;
    const escaped = Buffer.byteLength(text.slice(start + 1, end));
    if (cutBytes === 0 && escaped <= maxField) return;
    const found = escapes.scan(start, end);
    const bytes = escaped - found.total;
    if (bytes + cutBytes <= maxField) return;
    const literal = cutToRawBytes(text, start, end, found, bytes, maxField, cutBytes);
    const at = written + start - last;
    pending.push({ at, cutBytes: literal.cutBytes, marker: literal.marker });
    parts.push(text.slice(last, start), literal.text);
    written += start - last + literal.text.length;
    last = end + 1;
    counts.truncations++;
  };
  if (all) forEachString(text, visit);
  else for (const { at } of long) visit(at, closingQuote(text, at));
  if (parts.length === 0) return text;
  parts.push(text.slice(last));
  return parts.join("");
}

/**
 * False when no string literal of `text` (JSON text as `JSON.stringify` writes it) is longer
 * than `units` UTF-16 units between its quotes, but those listed in `long`; true when one may
 * be. A literal that long holds a stretch of more than `units / 2` units with no quote opening
 * or closing a literal, starting at a multiple of `units / 2`: only those starts are looked at,
 * so a text of millions of short literals costs a few `indexOf` calls, not a visit of each (the
 * value's walk cannot tell instead: a getter may have answered it with a short string, and
 * `JSON.stringify` with a long one). A listed literal is passed over.
 */
export function literalMayExceed(text: string, units: number, long: readonly PreCut[] = []): boolean {
  const step = Math.max(1, Math.floor(units / 2));
  let k = 0;
  /** The closing quote of `long[k - 1]`. */
  let end = -1;
  for (let p = 0; p + step < text.length; p += step) {
    // The first quote at `p` or after that is not escaped, looked for no further than `p + step`.
    let q = text.indexOf('"', p);
    while (q !== -1 && q <= p + step && isEscaped(text, q)) q = text.indexOf('"', q + 1);
    if (q !== -1 && q <= p + step) continue;
    while (k < long.length && (long[k] as PreCut).at < p) end = closingQuote(text, (long[k++] as PreCut).at);
    if (k === 0 || end < p) return true;
    // Inside a listed literal: on from the first start past its end.
    p = Math.floor(end / step) * step;
  }
  return false;
}

/**
 * Brings the whole line under `maxLine` bytes: first by cutting the largest strings to a
 * common length (the smallest cut that is enough), then, if the structure alone is too big,
 * by replacing the largest free-form values (locals, extra keys, kwargs, ...) with a marker.
 * A line whose required structure alone is over the cap is written as it is. `pending` lists
 * strings cut short for the line cap before serializing (ascending): each is cut with the
 * others, and in any case ends with a marker counting every byte left out of it, within
 * `maxField` bytes; and the strings the field cap cut (those with a `marker`): one cut again
 * keeps a shorter prefix of the text before its marker and gets one marker counting every byte
 * left out of the original, and is not counted again. `line`, when given, is the value the text was serialized from: when none
 * of its free values can be worth a marker, they are not looked for in the text.
 */
export function capLine(
  text: string,
  maxLine: number,
  counts: RedactionCounts,
  pending: readonly PreCut[] = [],
  maxField = Infinity,
  textBytes = -1,
  line?: object,
): string {
  if (text.length * 3 <= maxLine && (pending.length === 0 || !mustCut(pending))) return text;
  const pieces = capLinePieces(text, maxLine, counts, pending, maxField, textBytes, line);
  return pieces.length === 1 ? (pieces[0] as string) : pieces.join("");
}

/**
 * {@link capLine} of the text `pieces` make one after the other, as pieces to be written one
 * after the other: those of the last cut, slices of the pieces it cut, and the pieces it did
 * not cut, as they are. A piece holds whole tokens (no literal spans two). A line just over
 * the cap keeps most of its megabytes: making them one string to cut it, and joining what the
 * cut keeps into another to encode it, copied them each time.
 */
export function capLinePieces(
  pieces: string | readonly string[],
  maxLine: number,
  counts: RedactionCounts,
  pending: readonly PreCut[] = [],
  maxField = Infinity,
  textBytes = -1,
  line?: object,
): string[] {
  const parts = typeof pieces === "string" ? [pieces] : pieces.slice();
  let units = 0;
  for (const part of parts) units += part.length;
  const forced = pending.length > 0 && mustCut(pending);
  if (!forced && units * 3 <= maxLine) return parts;
  // `textBytes`, when the caller knows it (≥ 0), is the text's UTF-8 size: not measured again.
  let bytes = textBytes;
  if (bytes < 0) {
    bytes = 0;
    for (const part of parts) bytes += Buffer.byteLength(part);
  }
  const cut: Cut = { parts, whole: true, bytes };
  // Escapes can make a cut string a little longer than planned: then cut again, the strings
  // cut so far known by their markers (see PreCut.marker).
  let cuts = pending;
  for (let attempt = 0; attempt < 3 && (cut.bytes > maxLine || (attempt === 0 && forced)); attempt++) {
    const next: PreCut[] = [];
    if (!cutLargestStrings(cut, cut.bytes - maxLine, counts, cuts, maxField, next)) break;
    cuts = next;
  }
  // As many bytes as UTF-16 units: the text is ASCII, and the free values are sized by their lengths.
  if (cut.bytes > maxLine && (line === undefined || mayCollapse(line))) {
    const joined = joinedText(cut);
    return [collapseFreeForm(joined, cut.bytes - maxLine, counts, cut.bytes === joined.length)];
  }
  return cut.parts;
}

/**
 * A line's text, in pieces, and its UTF-8 size, kept in step as its strings are cut: what a
 * cut leaves out is known from the sizes it worked with, so the text is never measured again.
 */
interface Cut {
  parts: string[];
  /** True while no literal spans two parts (a cut leaves a literal's prefix and its marker apart). */
  whole: boolean;
  bytes: number;
}

/** `cut`'s text as one string. */
function joinedText(cut: Cut): string {
  if (cut.parts.length !== 1) {
    cut.parts = [cut.parts.join("")];
    cut.whole = true;
  }
  return cut.parts[0] as string;
}

/**
 * The literals a cut may shorten, as parallel arrays (a line over the cap may hold hundreds of
 * thousands: no object each): the part of the text they are in, their quotes in it, their
 * UTF-8 bytes between the quotes, and, for a string cut short before serializing or cut by a
 * cap already, the UTF-8 bytes left out of it (else -1), and for the latter, the units of the
 * marker its literal ends with (else 0).
 */
interface Tokens {
  part: number[];
  start: number[];
  end: number[];
  size: number[];
  cutBefore: number[];
  marker: number[];
}

/** Bytes a string cut short before serializing may take once cut to `target`: it gets a marker whatever its size. */
function pendingLimit(size: number, cutBefore: number, target: number, maxField: number): number {
  return Math.min(maxField, size > target ? target : size + truncationMarkerLength(size + cutBefore));
}

/**
 * Cuts the largest strings of `cut`'s text to a common length saving `excess` bytes; false when
 * nothing is cut. `pending`: see {@link capLine}. Every literal of the result that ends with a
 * marker a cap wrote (and is long enough to be cut again) is listed in `marked`, at its offset
 * in the result, for a further pass.
 */
function cutLargestStrings(cut: Cut, excess: number, counts: RedactionCounts, pending: readonly PreCut[], maxField: number, marked: PreCut[]): boolean {
  if (!cut.whole) joinedText(cut);
  const texts = cut.parts;
  let units = 0;
  for (const text of texts) units += text.length;
  // As many bytes as UTF-16 units: the text is ASCII, and a literal's size is its length.
  const ascii = cut.bytes === units;
  const tokens: Tokens = { part: [], start: [], end: [], size: [], cutBefore: [], marker: [] };
  /** Where each part starts in the whole text. */
  const bases: number[] = [];
  let k = 0;
  let largest = 0;
  /** Where the part being read starts in the whole text (`pending` is in offsets of the whole). */
  let base = 0;
  for (let t = 0; t < texts.length; t++) {
    const text = texts[t] as string;
    bases.push(base);
    // Every literal, in a loop of its own rather than a call per literal: a line over the cap
    // may hold millions of short ones, each looked at only to be passed over.
    for (let start = text.indexOf('"'); start !== -1; ) {
      const end = closingQuote(text, start);
      if (end === -1) break;
      let cutBefore = -1;
      let marker = 0;
      while (k < pending.length && (pending[k] as PreCut).at < base + start) k++;
      if (k < pending.length && (pending[k] as PreCut).at === base + start) {
        const pre = pending[k++] as PreCut;
        cutBefore = pre.cutBytes;
        marker = pre.marker ?? 0;
      }
      /** Cut short before serializing, with no marker yet: it gets one whatever its size. */
      const must = cutBefore >= 0 && marker === 0;
      if (must || end - start - 1 > MIN_KEEP) {
        const size = ascii ? end - start - 1 : Buffer.byteLength(text.slice(start + 1, end));
        if (size > MIN_KEEP || must) {
          tokens.part.push(t);
          tokens.start.push(start);
          tokens.end.push(end);
          tokens.size.push(size);
          tokens.cutBefore.push(cutBefore);
          tokens.marker.push(marker);
          if (size > largest) largest = size;
        }
      }
      start = text.indexOf('"', end + 1);
    }
    base += text.length;
  }
  const n = tokens.start.length;
  if (n === 0) return false;
  // Largest `target` such that cutting every longer string down to it saves enough.
  const saved = (target: number): number => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const size = tokens.size[i] as number;
      const cutBefore = tokens.cutBefore[i] as number;
      // One the field cap cut is cut like any other: to `target`, its marker included.
      if (cutBefore >= 0 && tokens.marker[i] === 0) sum += size - pendingLimit(size, cutBefore, target, maxField);
      else if (size > target) sum += size - target;
    }
    return sum;
  };
  let lo = MIN_KEEP;
  let hi = largest;
  if (saved(lo) < excess) hi = lo;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (saved(mid) >= excess) lo = mid;
    else hi = mid - 1;
  }
  const target = lo;
  const parts: string[] = [];
  /** The part the last cut was in (those before it are in `parts`), and where its text not yet in `parts` starts. */
  let t = -1;
  let text = "";
  let last = 0;
  let escapes: Escapes | null = null;
  let bytes = cut.bytes;
  const literal: Literal = { keep: 0, tail: "", size: 0, raw: 0, cut: 0 };
  /** What the cuts so far changed the text's length by, in units: offsets of the result. */
  let shift = 0;
  for (let i = 0; i < n; i++) {
    const size = tokens.size[i] as number;
    const cutBefore = tokens.cutBefore[i] as number;
    const marker = tokens.marker[i] as number;
    if ((cutBefore < 0 || marker > 0) && size <= target) {
      if (marker > 0) marked.push({ at: (bases[tokens.part[i] as number] as number) + (tokens.start[i] as number) + shift, cutBytes: cutBefore, marker });
      continue;
    }
    const part = tokens.part[i] as number;
    if (part !== t || escapes === null) {
      // A cut in another part: the rest of the last one, and the parts between, as they are.
      if (t >= 0 && last < text.length) parts.push(text.slice(last));
      for (let q = t + 1; q < part; q++) parts.push(texts[q] as string);
      t = part;
      text = texts[part] as string;
      last = 0;
      escapes = new Escapes(text);
    }
    const start = tokens.start[i] as number;
    const end = tokens.end[i] as number;
    let limit = cutBefore >= 0 && marker === 0 ? pendingLimit(size, cutBefore, target, maxField) : target;
    // A literal a cap cut already is cut on the text before its marker, what it left out added.
    const stop = end - marker;
    const kept = size - marker;
    cutLiteral(text, start, stop, kept, cutBefore, limit, escapes, literal, ascii);
    // The common length is of text, escapes included: a string under the field cap by its
    // value but over that length by its escapes is cut by a few bytes of value, and its marker
    // may take it over the field cap. Cut shorter until it is within it (each step takes at
    // least the excess off the text, so a step or two).
    while (literal.raw > maxField && limit > 0) {
      limit = Math.max(0, limit - (literal.raw - maxField));
      cutLiteral(text, start, stop, kept, cutBefore, limit, escapes, literal, ascii);
    }
    // The text up to the end of the prefix kept (the opening quote included), then the marker
    // and the closing quote: the kept prefix is never copied on its own.
    parts.push(text.slice(last, literal.keep), literal.tail);
    // Both literals' quotes are ASCII, so the text's size changes by what is between them.
    bytes += literal.size - size;
    marked.push({ at: (bases[part] as number) + start + shift, cutBytes: literal.cut, marker: literal.tail.length - 1 });
    shift += literal.keep - start + literal.tail.length - (end + 1 - start);
    last = end + 1;
    // A string is counted once, however many cuts it took.
    if (marker === 0) counts.truncations++;
  }
  if (parts.length === 0) return false;
  if (last < text.length) parts.push(text.slice(last));
  for (let q = t + 1; q < texts.length; q++) parts.push(texts[q] as string);
  cut.parts = parts;
  cut.whole = false;
  cut.bytes = bytes;
  return true;
}

/**
 * A literal as cut by {@link cutLiteral}: its text is the line's text up to `keep` (from its
 * opening quote), then `tail` (the marker and the closing quote); `size`, the UTF-8 size of
 * what is between its quotes.
 */
interface Literal {
  keep: number;
  tail: string;
  size: number;
  /** The UTF-8 size of the cut value (kept prefix and marker). */
  raw: number;
  /** The count its marker names. */
  cut: number;
}

/**
 * The literal whose quotes are at `start` and `end` cut, on its text, to a prefix plus marker
 * of at most `limit` bytes of value: the literal `JSON.stringify` writes for the cut value,
 * without parsing, encoding or escaping the text again. `found` are its escapes, `rawBytes`
 * its value's UTF-8 size, `cutBefore` bytes already left out of it. The prefix never ends
 * inside an escape or between the two halves of a pair; the marker counts every byte cut.
 */
function cutToRawBytes(
  text: string,
  start: number,
  end: number,
  found: EscapesOf,
  rawBytes: number,
  limit: number,
  cutBefore: number,
): { text: string; cutBytes: number; marker: number } {
  const room = Math.max(0, limit - truncationMarkerLength(rawBytes + cutBefore));
  const from = start + 1;
  const boundary = (q: number): number => {
    q = escapeBoundary(text, from, q);
    return q > from && isHighSurrogate(text.charCodeAt(q - 1)) ? q - 1 : q;
  };
  /** UTF-8 bytes of the value written by the text from `q` to `r` (both boundaries). */
  const rawOf = (q: number, r: number): number => Buffer.byteLength(text.slice(q, r)) - (found.before(r) - found.before(q));
  // `bytes` is the value's size up to `p`. A unit stands for at most 3 bytes: steps of a third
  // of what is over (or left) never overshoot, and each part of the text is read about once.
  let p = boundary(Math.min(end, from + room));
  let bytes = rawOf(from, p);
  while (bytes > room) {
    const q = boundary(p - Math.max(1, Math.ceil((bytes - room) / 3)));
    bytes -= rawOf(q, p);
    p = q;
  }
  for (;;) {
    const q = boundary(Math.min(end, p + Math.floor((room - bytes) / 3)));
    if (q <= p) break;
    bytes += rawOf(p, q);
    p = q;
  }
  // The last few characters, one at a time.
  while (p < end) {
    const [units, size] = charAt(text, p);
    if (bytes + size > room) break;
    p += units;
    bytes += size;
  }
  let kept = text.slice(from, p);
  // `JSON.stringify` writes a lone surrogate as an escape, and the cut value as UTF-8 has U+FFFD.
  if (kept.includes("\\ud")) kept = kept.replace(LONE_SURROGATE_ESCAPE, "$1\ufffd");
  const cutBytes = rawBytes - bytes + cutBefore;
  const marker = truncationMarker(cutBytes);
  return { text: `"${kept}${marker}"`, cutBytes, marker: marker.length };
}

/** An escape `\uDxxx` (a lone surrogate, as `JSON.stringify` writes one), not itself escaped. */
const LONE_SURROGATE_ESCAPE = /(?<!\\)((?:\\\\)*)\\ud[89a-f][0-9a-f]{2}/g;

/** The character of JSON text at `p` (an escape, a pair, or one unit): its units, and its value's UTF-8 bytes. */
function charAt(text: string, p: number): [number, number] {
  const c = text.charCodeAt(p);
  if (c === 92) {
    if (text.charCodeAt(p + 1) !== 117) return [2, 1];
    const code = parseInt(text.slice(p + 2, p + 6), 16);
    return [6, code < 0x80 ? 1 : code < 0x800 ? 2 : 3];
  }
  if (isHighSurrogate(c) && isLowSurrogate(text.charCodeAt(p + 1))) return [2, 4];
  return [1, c < 0x80 ? 1 : c < 0x800 ? 2 : 3];
}

/**
 * The literal whose quotes are at `start` and `end` (`size` UTF-8 bytes between them,
 * `cutBefore` bytes already left out of it, or -1) cut, on its text, to a prefix plus marker of
 * at most `limit` bytes between the quotes, into `out`: no parsing, encoding or escaping again,
 * whatever the literal's size. The prefix never ends inside an escape or between the two halves
 * of a pair; the marker counts the raw bytes cut. `ascii`: the whole text is ASCII.
 */
function cutLiteral(text: string, start: number, end: number, size: number, cutBefore: number, limit: number, escapes: Escapes, out: Literal, ascii: boolean): void {
  const from = start + 1;
  if (ascii && !escapes.within(start, end)) {
    // ASCII without escapes (most literals): a unit is a byte of value, the prefix is `room` units.
    const rawBytes = size + Math.max(0, cutBefore);
    const p = Math.min(end, from + Math.max(0, limit - truncationMarkerLength(rawBytes)));
    out.cut = rawBytes - (p - from);
    const marker = truncationMarker(out.cut);
    out.keep = p;
    out.tail = `${marker}"`;
    out.size = p - from + marker.length;
    out.raw = out.size;
    return;
  }
  const found = escapes.scan(start, end);
  const rawBytes = size - found.total + Math.max(0, cutBefore);
  const room = Math.max(0, limit - truncationMarkerLength(rawBytes));
  // At least one byte per unit: start from `room` units and move back until they fit. `bytes`
  // is the UTF-8 size of the text from `from` to `p`; what is given back is subtracted, never
  // measured again from the start (the prefix is read once, whatever the number of steps), and
  // is never half a pair, so the sizes add up.
  // ASCII text (escapes and all) is a byte per unit: nothing to measure.
  const size8 = (q: number, r: number): number => (ascii ? r - q : Buffer.byteLength(text.slice(q, r)));
  let p = Math.min(end, from + room);
  let bytes = size8(from, p);
  const back = (q: number): void => {
    if (q > from && isHighSurrogate(text.charCodeAt(q - 1)) && isLowSurrogate(text.charCodeAt(q))) q--;
    bytes -= size8(q, p);
    p = q;
  };
  while (bytes > room) back(p - Math.max(1, Math.ceil((bytes - room) / 3)));
  let q = escapeBoundary(text, from, p);
  if (q > from && isHighSurrogate(text.charCodeAt(q - 1))) q--;
  if (q < p) back(q);
  const keptRaw = bytes - found.before(p);
  out.cut = rawBytes - keptRaw;
  const marker = truncationMarker(out.cut);
  out.keep = p;
  out.tail = `${marker}"`;
  // `bytes` is the prefix's UTF-8 size (see above); the marker is ASCII.
  out.size = bytes + marker.length;
  out.raw = keptRaw + marker.length;
}

/** `stop`, or the start of an escape that `stop` would cut (`\X` or `\uXXXX`), in the literal text from `from`. */
function escapeBoundary(text: string, from: number, stop: number): number {
  for (let q = stop - 1; q >= stop - 6 && q >= from; q--) {
    if (text.charCodeAt(q) !== 92 || isEscaped(text, q)) continue;
    return q + (text.charCodeAt(q + 1) === 117 ? 6 : 2) > stop ? q : stop;
  }
  return stop;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** The escapes of one literal (see {@link Escapes.scan}). */
interface EscapesOf {
  /** What they add to its text, in bytes. */
  total: number;
  /** What those starting before `offset` add. */
  before: (offset: number) => number;
}

/**
 * Raw sizes of a text's string literals from their escaped sizes, without parsing them: an
 * escape is 2 or 6 bytes of text for 1 to 3 bytes of value. The backslashes are found with
 * forward searches (the last one remembered). What the escapes before an offset add is
 * counted from the offset asked before, so a cut that moves its end back and forth near one
 * place reads the literal's text about once, and keeps no list of its escapes.
 */
class Escapes {
  readonly #text: string;
  #from = -1;
  #at = -1;

  constructor(text: string) {
    this.#text = text;
  }

  /**
   * The escapes of the literal at `start`..`end`: what they add to its text in all (`total`,
   * in bytes), and what those starting before an offset add (`before`).
   */
  scan(start: number, end: number): EscapesOf {
    const from = start + 1;
    const total = this.#overhead(from, end);
    /** The last offset asked for (never inside an escape), and what the escapes before it add. */
    let pos = from;
    let sum = 0;
    let at: number[] | null = null;
    let sums: number[] | null = null;
    const before = (offset: number): number => {
      if (offset >= end) return total;
      if (offset <= from) return 0;
      if (at === null && escapeBoundary(this.#text, from, offset) === offset) {
        if (end - offset < Math.abs(offset - pos)) {
          // Nearer the end than the last offset (a literal cut by a little): counted from there.
          sum = total - this.#overhead(offset, end);
        } else {
          sum += offset >= pos ? this.#overhead(pos, offset) : -this.#overhead(offset, pos);
        }
        pos = offset;
        return sum;
      }
      // Inside an escape: counting cannot start there. Every escape, listed once.
      if (at === null || sums === null) {
        at = [];
        sums = [];
        this.#overhead(from, end, at, sums);
      }
      let lo = 0;
      let hi = at.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((at[mid] as number) < offset) lo = mid + 1;
        else hi = mid;
      }
      return lo === 0 ? 0 : (sums[lo - 1] as number);
    };
    return { total, before };
  }

  /**
   * What the escapes starting in `from`..`stop` (literal text, `from` not inside an escape)
   * add to it, in bytes; with `at` and `sums`, each one's offset and the running total after it.
   */
  #overhead(from: number, stop: number, at?: number[], sums?: number[]): number {
    const text = this.#text;
    let overhead = 0;
    for (let i = this.#next(from); i < stop; i = this.#next(i)) {
      at?.push(i);
      if (text.charCodeAt(i + 1) === 117) {
        // JSON.stringify writes \u only for control characters (1 byte) and lone surrogates (3).
        const code = parseInt(text.slice(i + 2, i + 6), 16);
        overhead += 6 - (code < 0x80 ? 1 : code < 0x800 ? 2 : 3);
        i += 6;
      } else {
        overhead += 1;
        i += 2;
      }
      sums?.push(overhead);
    }
    return overhead;
  }

  /** Whether the literal whose quotes are at `start` and `end` holds an escape. */
  within(start: number, end: number): boolean {
    return this.#next(start + 1) < end;
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

/** Calls `visit(start, end)` with the indexes of the quotes around every string in `text`. */
function forEachString(text: string, visit: (start: number, end: number) => void): void {
  let i = text.indexOf('"');
  while (i !== -1) {
    const end = closingQuote(text, i);
    if (end === -1) return;
    visit(i, end);
    i = text.indexOf('"', end + 1);
  }
}
