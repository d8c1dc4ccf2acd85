/**
 * The line cap's last resort: the values the format leaves free (a local, a kwarg, an extra
 * key, ...) collapsed into markers, when cutting strings cannot bring a line under the cap
 * (thousands of small locals).
 *
 * It works on the line's text, as the other cuts do. Parsing a line of megabytes, writing
 * each free value again to size it, and the whole line again once collapsed, made a line of
 * 300,000 small locals cost seven times its serializing. Here the free values are found on the
 * text (json-scan.ts), sized from the text between their ends, and the line is the text with
 * the chosen values' places replaced: what is kept is the very text that was there.
 */
import { DeltaIterationLineSchema, LINE_SCHEMAS } from "../../format.js";
import { eachElement, eachMember, keyAt, keyIs, valueEnd } from "./json-scan.js";
import type { RedactionCounts } from "./secret-patterns.js";
import { truncationMarker, truncationMarkerLength } from "./truncation-marker.js";

/** Text of a free object collapsed whole, around its marker: `{"truncated":"…"}`. */
const OBJECT_OPEN = '{"truncated":"';
const OBJECT_CLOSE = '"}';
/** What an object collapsed whole adds to its marker's length: the braces, the key and the quotes. */
const OBJECT_EXTRA = OBJECT_OPEN.length + OBJECT_CLOSE.length;
/** Text of a free list collapsed whole, around its marker: `["…"]` (a list stays a list: `other_backends` must be one). */
const ARRAY_OPEN = '["';
const ARRAY_CLOSE = '"]';
/** What a list collapsed whole adds to its marker's length: the brackets and the quotes. */
const ARRAY_EXTRA = ARRAY_OPEN.length + ARRAY_CLOSE.length;

/**
 * The free values of one line's text, in the order they are considered when sizes tie: the
 * line's extra members first, then, by line type, those in its structure. `inner` are single
 * values (replaced by a marker string), as `[start, end)` pairs of offsets; `whole` are free
 * containers (locals, kwargs, ...), each holding the inner values from `wholeFirst` to
 * `wholeLast` (indexes of values, not of offsets; exclusive).
 */
interface FreeValues {
  inner: number[];
  wholeStart: number[];
  wholeEnd: number[];
  /** True for an object (locals, kwargs): the marker goes inside one; else a list, and it goes inside a list. */
  wholeObject: boolean[];
  wholeFirst: number[];
  wholeLast: number[];
}

/**
 * Replaces the largest values the format leaves free with a marker, until `excess` bytes are
 * saved, so the line still matches its schema: first values inside free objects (a local, a
 * kwarg, an extra key), then, if that is not enough, whole free objects (all the locals) with
 * `{ "truncated": marker }`, whole free lists (`other_backends`) with `[marker]`. Each marker
 * counts the UTF-8 bytes of the value's text it stands for (the value as it would have been
 * written: redacted, its strings cut). What is left over the cap after that is the format's
 * own structure (a prompt of ten thousand messages): the line is written as it is. `ascii`: the
 * text is known to be ASCII (its UTF-8 size is its length).
 *
 * The values chosen are those the same greedy choice on sizes always chose: the largest
 * first, ties in the order above. A free object collapsed whole after some of its values were
 * replaced one by one counts the bytes of its text before any was replaced, and only its own
 * marker is counted as a cut: the line holds one marker for it. (Collapsing the parsed line
 * counted the bytes left after those replacements, less than were left out, and each value
 * replaced as a cut of its own, though the line held none of their markers.)
 */
export function collapseFreeForm(text: string, excess: number, counts: RedactionCounts, ascii = false): string {
  const free = findFreeValues(text);
  if (free === null) return text;
  const inner = free.inner;
  const nWhole = free.wholeStart.length;
  const nInner = inner.length / 2;
  // Sizes in UTF-8 bytes, from the text between each value's ends (0: not sized yet; no
  // value's text is empty).
  const wholeSize = new Float64Array(nWhole);
  const innerSize = new Float64Array(nInner);
  for (let w = 0; w < nWhole; w++) {
    const start = free.wholeStart[w] as number;
    const end = free.wholeEnd[w] as number;
    const size = ascii ? end - start : Buffer.byteLength(text.slice(start, end));
    wholeSize[w] = size;
    // A container of as many bytes as units is ASCII: its values are sized by their lengths.
    if (ascii || size === end - start) {
      for (let i = free.wholeFirst[w] as number; i < (free.wholeLast[w] as number); i++) innerSize[i] = (inner[2 * i + 1] as number) - (inner[2 * i] as number);
    }
  }
  for (let i = 0; i < nInner; i++) {
    if (innerSize[i] !== 0) continue;
    const start = inner[2 * i] as number;
    const end = inner[2 * i + 1] as number;
    innerSize[i] = ascii ? end - start : Buffer.byteLength(text.slice(start, end));
  }
  /** What replacing inner value `i` by a marker string saves. */
  const savedOf = (i: number): number => {
    const size = innerSize[i] as number;
    return size - truncationMarkerLength(size) - 2;
  };

  let remaining = excess;
  // Inner values, largest first, each replaced by a marker string while that saves bytes.
  let total = 0;
  const worth: number[] = [];
  for (let i = 0; i < nInner; i++) {
    const saved = savedOf(i);
    if (saved > 0) {
      worth.push(i);
      total += saved;
    }
  }
  const innerReplaced = new Uint8Array(nInner);
  if (remaining > 0 && worth.length > 0) {
    // When all of them together are not more than enough, all are replaced whatever the order.
    const chosen = total <= remaining ? worth : largestFirst(worth, innerSize);
    for (const i of chosen) {
      if (remaining <= 0) break;
      innerReplaced[i] = 1;
      remaining -= savedOf(i);
    }
  }
  // Then whole free objects, largest (as they are now) first.
  const wholeReplaced = new Uint8Array(nWhole);
  if (remaining > 0 && nWhole > 0) {
    const current = new Float64Array(nWhole);
    const all: number[] = [];
    for (let w = 0; w < nWhole; w++) {
      let size = wholeSize[w] as number;
      for (let i = free.wholeFirst[w] as number; i < (free.wholeLast[w] as number); i++) {
        if (innerReplaced[i] === 1) size -= savedOf(i);
      }
      current[w] = size;
      all.push(w);
    }
    for (const w of largestFirst(all, current)) {
      if (remaining <= 0) break;
      const marker = truncationMarkerLength(wholeSize[w] as number);
      const saved = (current[w] as number) - marker - (free.wholeObject[w] === true ? OBJECT_EXTRA : ARRAY_EXTRA);
      if (saved <= 0) continue;
      wholeReplaced[w] = 1;
      remaining -= saved;
      // Its values go with it: the line holds its marker only.
      innerReplaced.fill(0, free.wholeFirst[w] as number, free.wholeLast[w] as number);
    }
  }
  if (remaining === excess) return text;

  // The line: the text, each chosen value's place replaced, in the order of the text.
  const cutStart: number[] = [];
  const cutEnd: number[] = [];
  const cutText: string[] = [];
  for (let w = 0; w < nWhole; w++) {
    if (wholeReplaced[w] !== 1) continue;
    const marker = truncationMarker(wholeSize[w] as number);
    cutStart.push(free.wholeStart[w] as number);
    cutEnd.push(free.wholeEnd[w] as number);
    cutText.push(free.wholeObject[w] === true ? `${OBJECT_OPEN}${marker}${OBJECT_CLOSE}` : `${ARRAY_OPEN}${marker}${ARRAY_CLOSE}`);
  }
  for (let i = 0; i < nInner; i++) {
    if (innerReplaced[i] !== 1) continue;
    cutStart.push(inner[2 * i] as number);
    cutEnd.push(inner[2 * i + 1] as number);
    cutText.push(`"${truncationMarker(innerSize[i] as number)}"`);
  }
  const parts: string[] = [];
  let last = 0;
  // Smallest start first is the text's order.
  for (const k of ascending(cutStart.length, text.length, (k) => cutStart[k] as number)) {
    parts.push(text.slice(last, cutStart[k]), cutText[k] as string);
    last = cutEnd[k] as number;
  }
  parts.push(text.slice(last));
  counts.truncations += cutStart.length;
  return parts.join("");
}

/** `indexes` ordered by `sizes` from the largest, ties in the order given (a stable sort). */
function largestFirst(indexes: readonly number[], sizes: ArrayLike<number>): number[] {
  let max = 0;
  for (const i of indexes) max = Math.max(max, sizes[i] as number);
  const order = ascending(indexes.length, max, (k) => max - (sizes[indexes[k] as number] as number));
  for (let k = 0; k < order.length; k++) order[k] = indexes[order[k] as number] as number;
  return order;
}

/**
 * The positions `0..n` ordered by `keyAt(position)` (non-negative integers up to `max`) from
 * the smallest, ties in position order (a stable sort). One number per position, sorted as
 * numbers (far cheaper than a comparator on hundreds of thousands): the key, then the
 * position. Exact below 2^53; a comparator past that.
 */
function ascending(n: number, max: number, keyAt: (position: number) => number): number[] {
  const out = new Array<number>(n);
  if ((max + 1) * n < Number.MAX_SAFE_INTEGER) {
    const packed = new Float64Array(n);
    for (let k = 0; k < n; k++) packed[k] = keyAt(k) * n + k;
    packed.sort();
    for (let k = 0; k < n; k++) out[k] = (packed[k] as number) % n;
    return out;
  }
  const keys = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    keys[k] = keyAt(k);
    out[k] = k;
  }
  return out.sort((a, b) => (keys[a] as number) - (keys[b] as number) || a - b);
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The members of the line type's schema, by type. An iteration line of a delta session holds
 * `prompt_delta` in place of `prompt`: required structure too, never a free value (a marker
 * there leaves the line, and every delta line after it, without a prompt to rebuild).
 */
const SCHEMA_KEYS = new Map<string, ReadonlySet<string>>(
  Object.entries(LINE_SCHEMAS).map(([type, schema]) => {
    const keys = Object.keys(schema.properties);
    if (type === "iteration") keys.push(...Object.keys(DeltaIterationLineSchema.properties));
    return [type, new Set(keys)];
  }),
);

/**
 * Whether a value of `units` UTF-16 units of text may take more bytes than its replacement
 * (a marker and `extra` bytes around it): a unit is at most 3 bytes, a marker at least
 * {@link truncationMarkerLength}(0). Values that cannot are never replaced, and not listed.
 */
function mayPay(units: number, extra: number): boolean {
  return units * 3 > SHORTEST_MARKER + extra;
}

/** The length of the shortest marker, `[TRUNCATED:0 bytes]`. */
const SHORTEST_MARKER = truncationMarkerLength(0);

const INNER = 0;
const OPEN = 1;
const CLOSE = 2;

/**
 * Free values in the order they were found in the text, as triples: `INNER, start, end`; a
 * free container as `OPEN, start, 1 for an object`, its values, then `CLOSE, end, 0`.
 */
type Found = number[];

/** A member of the line's object, as found in the text. */
interface Member {
  keyStart: number;
  keyEnd: number;
  start: number;
  end: number;
}

/**
 * The free values of a line's text (see {@link FreeValues}); null when the text is not one
 * JSON object as `JSON.stringify` writes it. One pass over the text: the parts of the
 * structure where the format leaves values free are walked into, any other value is jumped
 * over. Each type's free values are gathered as the text comes, then put in the order of
 * their line type once its `type` is known (it may come last).
 *
 * Keys are unique in a line's text (a redaction can make two keys alike only by writing the
 * same marker for both, never a name the format uses): each member is read where it is.
 */
function findFreeValues(text: string): FreeValues | null {
  const top: Member[] = [];
  const prompt: Found = [];
  const blocks: Found = [];
  const calls: Found = [];
  const kwargs = new Map<string, Found>([
    ["backend_kwargs", []],
    ["environment_kwargs", []],
    ["other_backends", []],
  ]);
  const error: Found = [];

  /** A free container's values, into `found`; any other value is jumped over. */
  const readFree = (start: number, found: Found): number => {
    const c = text.charCodeAt(start);
    if (c !== 123 && c !== 91) return valueEnd(text, start);
    const mark = found.length;
    found.push(OPEN, start, c === 123 ? 1 : 0);
    const value = (s: number): number => {
      const e = valueEnd(text, s);
      if (e !== -1 && mayPay(e - s, 2)) found.push(INNER, s, e);
      return e;
    };
    const end = c === 123 ? eachMember(text, start, (_ks, _ke, s) => value(s)) : eachElement(text, start, value);
    // A container too small to pay for its marker holds no value that does (thousands of `{}`).
    if (found.length === mark + 3 && !mayPay(end - start, c === 123 ? OBJECT_EXTRA : ARRAY_EXTRA)) found.length = mark;
    else found.push(CLOSE, end, 0);
    return end;
  };
  const messageMember = (keyStart: number, keyEnd: number, start: number): number => {
    const end = valueEnd(text, start);
    if (end !== -1 && mayPay(end - start, 2) && !keyIs(text, keyStart, keyEnd, "role") && !keyIs(text, keyStart, keyEnd, "content")) {
      prompt.push(INNER, start, end);
    }
    return end;
  };
  const message = (start: number): number => (text.charCodeAt(start) === 123 ? eachMember(text, start, messageMember) : valueEnd(text, start));
  // A delta line's appended messages are messages of its prompt: their extras are as free.
  const deltaMember = (keyStart: number, keyEnd: number, start: number): number =>
    keyIs(text, keyStart, keyEnd, "append") && text.charCodeAt(start) === 91 ? eachElement(text, start, message) : valueEnd(text, start);
  const callMember = (keyStart: number, keyEnd: number, start: number): number => {
    const end = valueEnd(text, start);
    if (end !== -1 && mayPay(end - start, 2) && keyIs(text, keyStart, keyEnd, "prompt")) calls.push(INNER, start, end);
    return end;
  };
  const call = (start: number): number => (text.charCodeAt(start) === 123 ? eachMember(text, start, callMember) : valueEnd(text, start));
  const resultMember = (keyStart: number, keyEnd: number, start: number): number => {
    if (keyIs(text, keyStart, keyEnd, "locals")) return readFree(start, blocks);
    if (keyIs(text, keyStart, keyEnd, "rlm_calls") && text.charCodeAt(start) === 91) return eachElement(text, start, call);
    return valueEnd(text, start);
  };
  const blockMember = (keyStart: number, keyEnd: number, start: number): number => {
    if (!keyIs(text, keyStart, keyEnd, "result") || text.charCodeAt(start) !== 123) return valueEnd(text, start);
    const end = eachMember(text, start, resultMember);
    // A block's sub-calls come after its locals, wherever the text has them.
    for (const n of calls) blocks.push(n);
    calls.length = 0;
    return end;
  };
  const block = (start: number): number => (text.charCodeAt(start) === 123 ? eachMember(text, start, blockMember) : valueEnd(text, start));

  const end = eachMember(text, 0, (keyStart, keyEnd, start) => {
    let end: number;
    const free = kwargs.get(keyAt(text, keyStart, keyEnd));
    if (keyIs(text, keyStart, keyEnd, "prompt") && text.charCodeAt(start) === 91) end = eachElement(text, start, message);
    else if (keyIs(text, keyStart, keyEnd, "prompt_delta") && text.charCodeAt(start) === 123) end = eachMember(text, start, deltaMember);
    else if (keyIs(text, keyStart, keyEnd, "code_blocks") && text.charCodeAt(start) === 91) end = eachElement(text, start, block);
    else if (free !== undefined) end = readFree(start, free);
    else {
      end = valueEnd(text, start);
      if (end !== -1 && mayPay(end - start, 2) && keyIs(text, keyStart, keyEnd, "error")) error.push(INNER, start, end);
    }
    top.push({ keyStart, keyEnd, start, end });
    return end;
  });
  if (end !== text.length) return null;

  let type: string | null = null;
  for (const m of top) {
    if (keyIs(text, m.keyStart, m.keyEnd, "type")) type = text.charCodeAt(m.start) === 34 ? (JSON.parse(text.slice(m.start, m.end)) as string) : null;
  }
  const known = type !== null && hasOwn.call(LINE_SCHEMAS, type) ? SCHEMA_KEYS.get(type) : undefined;
  const free: FreeValues = { inner: [], wholeStart: [], wholeEnd: [], wholeObject: [], wholeFirst: [], wholeLast: [] };
  for (const m of top) {
    if (!mayPay(m.end - m.start, 2) || (known !== undefined && known.has(keyAt(text, m.keyStart, m.keyEnd)))) continue;
    free.inner.push(m.start, m.end);
  }
  const lists: readonly Found[] =
    type === "metadata"
      ? [...kwargs.values()]
      : type === "summary"
        ? [error]
        : type === "iteration"
          ? [prompt, blocks]
          : [];
  for (const found of lists) addFound(free, found);
  return free;
}

/** Adds `found` (see {@link Found}) to `free`. */
function addFound(free: FreeValues, found: Found): void {
  const inner = free.inner;
  for (let k = 0; k < found.length; k += 3) {
    const tag = found[k] as number;
    const a = found[k + 1] as number;
    const b = found[k + 2] as number;
    if (tag === INNER) {
      inner.push(a, b);
    } else if (tag === OPEN) {
      free.wholeStart.push(a);
      free.wholeEnd.push(-1);
      free.wholeObject.push(b === 1);
      free.wholeFirst.push(inner.length / 2);
    } else {
      free.wholeEnd[free.wholeEnd.length - 1] = a;
      free.wholeLast.push(inner.length / 2);
    }
  }
}

/**
 * Whether the line `value` is serialized from may hold a free value worth a marker: false only
 * when every free value is sure to be too small (null, a boolean, a short number, an empty
 * array, the empty locals of many code blocks). Then the line's text is not read for its free values at all: a line over the
 * cap of 300,000 code blocks with empty locals would have its structure walked for nothing.
 * Reads no string's characters and no free container's values; whatever it cannot judge
 * (a `toJSON`, a getter that throws) may hold one.
 */
export function mayCollapse(value: unknown): boolean {
  try {
    return freeMayPay(value as Record<string, unknown>);
  } catch {
    return true;
  }
}

/** The rules of {@link findFreeValues}, on the value. */
function freeMayPay(line: Record<string, unknown>): boolean {
  if (!plainObject(line)) return true;
  const type = line.type;
  const known = typeof type === "string" && hasOwn.call(LINE_SCHEMAS, type) ? SCHEMA_KEYS.get(type) : undefined;
  for (const key in line) {
    if (hasOwn.call(line, key) && (known === undefined || !known.has(key)) && valueMayPay(line[key])) return true;
  }
  if (type === "metadata") {
    return containerMayPay(line.backend_kwargs, false) || containerMayPay(line.environment_kwargs, false) || containerMayPay(line.other_backends, false);
  }
  if (type === "summary") return valueMayPay(line.error);
  if (type !== "iteration") return false;
  if (messagesMayPay(line.prompt)) return true;
  // A delta line's appended messages, as a whole prompt's.
  const delta = line.prompt_delta;
  if (typeof delta === "object" && delta !== null && (!plainObject(delta) || messagesMayPay((delta as { append?: unknown }).append))) return true;
  const blocks = line.code_blocks;
  if (!Array.isArray(blocks)) return typeof blocks === "object" && blocks !== null;
  // Whether an object is empty is known only by listing its keys, which for an object of a
  // million keys costs what writing it does: a few blocks' locals are taken to hold some
  // (the text then shows what they hold); only many blocks' locals are looked into.
  const look = blocks.length > FEW_BLOCKS;
  for (const block of blocks) {
    if (typeof block !== "object" || block === null) continue;
    if (!plainObject(block)) return true;
    const result = (block as { result?: unknown }).result;
    if (typeof result !== "object" || result === null) continue;
    if (!plainObject(result)) return true;
    const { locals, rlm_calls: calls } = result as { locals?: unknown; rlm_calls?: unknown };
    if (containerMayPay(locals, look)) return true;
    if (!Array.isArray(calls)) {
      if (typeof calls === "object" && calls !== null) return true;
      continue;
    }
    for (const call of calls) {
      if (typeof call !== "object" || call === null) continue;
      if (!plainObject(call) || valueMayPay((call as { prompt?: unknown }).prompt)) return true;
    }
  }
  return false;
}

/** Whether a prompt's messages (`prompt`, or a delta's `append`) may hold an extra key worth a marker. */
function messagesMayPay(messages: unknown): boolean {
  if (!Array.isArray(messages)) return typeof messages === "object" && messages !== null;
  for (const message of messages) {
    if (typeof message !== "object" || message === null) continue;
    if (!plainObject(message)) return true;
    for (const key in message) {
      if (key !== "role" && key !== "content" && hasOwn.call(message, key) && valueMayPay((message as Record<string, unknown>)[key])) return true;
    }
  }
  return false;
}

/** An object or array `JSON.stringify` writes as it is (no `toJSON` of its own to ask). */
function plainObject(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON !== "function";
}

/** Code blocks up to this many have their locals taken to hold something without listing their keys. */
const FEW_BLOCKS = 64;

/**
 * Whether a free container may be worth a marker, whole or by one of its values: unless it is
 * empty. An object's keys are listed only when `look` (an array's length is known at once).
 */
function containerMayPay(value: unknown, look: boolean): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (!plainObject(value)) return true;
  if (Array.isArray(value)) return value.length > 0;
  if (!look) return true;
  for (const key in value) if (hasOwn.call(value, key)) return true;
  return false;
}

/**
 * Whether one free value may be worth a marker. A string may, whatever its length: redaction
 * can make its text longer than it is. A number's text is never changed: it may when it is long.
 */
function valueMayPay(value: unknown): boolean {
  if (value === undefined || value === null || typeof value === "boolean" || typeof value === "function" || typeof value === "symbol") return false;
  if (typeof value === "number") return mayPay(String(value).length, 2);
  if (typeof value === "object") return containerMayPay(value, false);
  return true;
}
