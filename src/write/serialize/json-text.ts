/**
 * A value's JSON text, built so that a line costs what its bytes cost, whatever their layout.
 *
 * `JSON.stringify` is the fastest way to serialize ordinary data, but not a string of
 * megabytes: its cost per byte grows with the string (on a 2-core machine, 1 MiB in ~2 ms,
 * 8 MiB in ~70 ms, 64 MiB in ~1 s), and most of a string far over the field cap is cut right
 * after anyway. So the value is walked first (cheap: one visit per node, no bytes read), and
 * only when it holds a long string is its text assembled here: subtrees without one by
 * `JSON.stringify`, each long string on its own, in pieces, and cut first when the field cap
 * will cut it anyway (keeping enough past the cap for redaction to see a secret that starts
 * before the cut whole). Where each long string's literal starts is recorded, with the bytes
 * left out, for the field cap (caps.ts) to finish the cut and count it.
 */

/** A long string's literal in a value's text. */
export interface LongString {
  /** Offset of its opening quote. */
  at: number;
  /** UTF-8 bytes of the string left out before serializing it (0 when whole). */
  cutBytes: number;
  /** The string, when its literal is `JSON.stringify` of it whole (not in pieces, nothing left out). */
  value?: string;
}

/** A value's JSON text and its long strings, in order. */
export interface ValueText {
  text: string;
  long: LongString[];
  /**
   * A bound on the length (UTF-16 units) of every other string in it, keys included: taken
   * from the text written (a part's length bounds its strings'), never from an earlier read
   * of the value, which a getter may have answered differently.
   */
  shortLongest: number;
}

/** Strings longer than this (UTF-16 units) are serialized on their own. */
const LONG = 128 * 1024;
/** A long string is serialized in pieces of this many units. */
const PIECE = 512 * 1024;
/** A whole string this long (UTF-16 units) is still serialized in one piece (its cost per byte is flat up to there). */
const WHOLE = 2 * 1024 * 1024;
/** Smallest piece when the text serialized is bounded. */
const MIN_PIECE = 16 * 1024;
/** Deeper than this, a value is left to `JSON.stringify` (which reports cycles by throwing). */
const MAX_DEPTH = 256;

/**
 * The JSON text of `value` (an object or array, as `JSON.stringify` writes it), with strings
 * over `keepUnits` UTF-16 units cut to that many before serializing (`Infinity`: none cut),
 * and, with `keepText`, serializing a string stops once its literal's text is that long (a
 * string of escapes writes up to 6 units of text per unit). Throws what `JSON.stringify`
 * throws (the caller falls back to a plain copy). `json`, when given, makes what
 * `JSON.stringify(value)` returns, for a caller that has its parts' text already (or gives
 * undefined, and it is serialized).
 */
export function valueText(value: object, keepUnits: number, keepText = Infinity, json?: () => string | undefined): ValueText {
  const longAt = Math.min(LONG, keepUnits);
  if (!hasLong(value, longAt, 0)) {
    const text = json?.() ?? JSON.stringify(value) ?? "null";
    // Bounded by the text itself, not by what the walk saw: a getter (or a proxy, or a
    // `toJSON`) may answer the walk with a short string and `JSON.stringify` with a long one.
    return { text, long: [], shortLongest: text.length };
  }
  const holders: Holders = { set: new Set(), longKey: false };
  if (!findHolders(value, longAt, 0, holders)) {
    const text = JSON.stringify(value) ?? "null";
    return { text, long: [], shortLongest: text.length };
  }
  const out: ValueText = { text: "", long: [], shortLongest: holders.longKey ? Infinity : longAt };
  emit(value, out, holders.set, longAt, { units: keepUnits, text: keepText });
  return out;
}

/** How much of a long string is serialized at most (see {@link valueText}). */
interface Keep {
  units: number;
  text: number;
}

/**
 * Whether `value` holds a string (or key) longer than `limit`. A bound, for deciding only:
 * it may say yes for a string `JSON.stringify` would not write (an inherited key, a value
 * replaced by its `toJSON`), never no for one it would. Reads no string's characters.
 */
function hasLong(value: unknown, limit: number, depth: number): boolean {
  if (typeof value === "string") return value.length > limit;
  if (typeof value !== "object" || value === null || depth > MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (hasLong(value[i], limit, depth + 1)) return true;
    return false;
  }
  // for-in rather than Object.keys: no array per object.
  for (const key in value) {
    if (key.length > limit || hasLong((value as Record<string, unknown>)[key], limit, depth + 1)) return true;
  }
  return false;
}

/** What {@link findHolders} collects. */
interface Holders {
  /** Every object and array holding a long string that `JSON.stringify` would write. */
  set: Set<object>;
  /** True when some key is long: keys are serialized whole, and cut from the text. */
  longKey: boolean;
}

/** Adds to `holders` every object and array of `value` holding a long string; true when `value` is or holds one. */
function findHolders(value: unknown, limit: number, depth: number, holders: Holders): boolean {
  if (typeof value === "string") return value.length > limit;
  if (typeof value !== "object" || value === null || depth > MAX_DEPTH) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") {
    holders.longKey = true; // what it returns is not known here: the text is checked instead
    return false;
  }
  let found = false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (findHolders(value[i], limit, depth + 1, holders)) found = true;
  } else {
    for (const key of Object.keys(value)) {
      if (key.length > limit) holders.longKey = true;
      if (findHolders((value as Record<string, unknown>)[key], limit, depth + 1, holders)) found = true;
    }
  }
  if (found) holders.set.add(value);
  return found;
}

function emit(value: unknown, out: ValueText, holders: Set<object>, longAt: number, keep: Keep): void {
  if (typeof value === "string" && value.length > longAt) {
    emitLong(value, out, keep);
  } else if (typeof value !== "object" || value === null || !holders.has(value)) {
    const text = JSON.stringify(value) ?? "null";
    // A string here is at most `longAt` units (just read and checked). Anything else is read
    // again by this `JSON.stringify`: its text, not what findHolders saw, bounds its strings.
    if (text.length > out.shortLongest && typeof value === "object") out.shortLongest = text.length;
    out.text += text;
  } else if (Array.isArray(value)) {
    out.text += "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.text += ",";
      const item: unknown = value[i];
      if (item === undefined || typeof item === "function" || typeof item === "symbol") out.text += "null";
      else emit(item, out, holders, longAt, keep);
    }
    out.text += "]";
  } else {
    out.text += "{";
    let first = true;
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      if (item === undefined || typeof item === "function" || typeof item === "symbol") continue;
      if (key.length > out.shortLongest) out.shortLongest = key.length;
      out.text += `${first ? "" : ","}${JSON.stringify(key)}:`;
      first = false;
      emit(item, out, holders, longAt, keep);
    }
    out.text += "}";
  }
}

/**
 * A long string's literal, cut to `keep.units` first (never between the two halves of a pair),
 * or where its text reaches `keep.text`, whichever comes first.
 */
function emitLong(value: string, out: ValueText, keep: Keep): void {
  let end = Math.min(value.length, keep.units);
  if (end < value.length && isHighSurrogate(value.charCodeAt(end - 1))) end--;
  // Pieces small enough that stopping after one overshoots the text's bound by little.
  const piece = keep.text === Infinity ? PIECE : Math.min(PIECE, Math.max(MIN_PIECE, Math.ceil(keep.text / 8)));
  const at = out.text.length;
  if (end === value.length && (end <= piece || (keep.text === Infinity && end <= WHOLE))) {
    // Whole, in one piece: its literal as it is, not rebuilt from a piece without its quotes
    // (one copy of its text less).
    out.long.push({ at, cutBytes: 0, value });
    out.text += JSON.stringify(value);
    return;
  }
  let text = '"';
  let i = 0;
  while (i < end && text.length <= keep.text) {
    let j = Math.min(end, i + piece);
    if (j < end && isHighSurrogate(value.charCodeAt(j - 1))) j--;
    text += JSON.stringify(value.slice(i, j)).slice(1, -1);
    i = j;
  }
  out.long.push({ at, cutBytes: i < value.length ? Buffer.byteLength(value.slice(i)) : 0 });
  out.text += `${text}"`;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
