/**
 * The line cap decided before serializing: how much of each string a line over the cap can
 * keep at most, from the strings' lengths alone.
 *
 * A line far over the line cap (a prompt of sixty-four 1 MiB messages under an 8 MiB cap) has
 * its largest strings cut to one common length (caps.ts). Serializing, redacting and measuring
 * every byte of it first, to cut most of them right after, made one call cost a second. A
 * string's UTF-16 length is known without reading it, and its text is at least that many
 * bytes (at least what the field cap keeps, when that cuts it): so the common length can be
 * bounded from the lengths, and a string longer than that bound is cut before it is serialized.
 * Enough is kept past the bound for redaction to see whole a secret that starts before the cut
 * (as with the field cap), and the bytes left out are counted into its marker.
 */
import { CUT_CONTEXT, MIN_KEEP } from "../policy/caps.js";
import { closingQuote } from "../policy/json-scan.js";

/** Deeper than this, strings are not counted (the bound stays a bound: it only grows). */
const MAX_DEPTH = 256;

/**
 * The UTF-16 units past which a string of `value` is cut before it is serialized, so that the
 * line fits `maxLineBytes`; `Infinity` when the strings' lengths do not show the line to be
 * over the cap. Reads no string's characters: one visit per value.
 */
export function lineKeepUnits(value: unknown, maxFieldBytes: number, maxLineBytes: number): number {
  if (maxLineBytes === Infinity) return Infinity;
  // What a string cut by the field cap keeps at least (the cap less its marker).
  const field = fieldBound(maxFieldBytes);
  const sizes: number[] = [];
  try {
    if (bounds(value, field, 0, null) <= maxLineBytes) return Infinity;
    bounds(value, field, 0, sizes);
  } catch {
    // A value that throws when read: the serializer copies it; nothing is cut early.
    return Infinity;
  }
  sizes.sort((a, b) => b - a);
  // The largest common length that the sizes' lower bounds, cut to it, fit the cap with: no
  // line cut can keep more of a string than that.
  let tail = 0;
  for (const size of sizes) tail += size;
  for (let k = 1; k <= sizes.length; k++) {
    tail -= sizes[k - 1] as number;
    const common = Math.floor((maxLineBytes - tail) / k);
    if (common >= (sizes[k] ?? 0)) return Math.max(0, common) + CUT_CONTEXT;
  }
  return CUT_CONTEXT;
}

/**
 * What the strings of `value` count for in {@link lineKeepUnits}'s decision, with `field` the
 * field cap less {@link MIN_KEEP}: a part of a line's sum, for a caller that keeps it.
 */
export function stringBound(value: unknown, field: number): number {
  try {
    return bounds(value, field, 0, null);
  } catch {
    return 0;
  }
}

/**
 * A bound on {@link stringBound} of the value `text` is the JSON text of (as `JSON.stringify`
 * writes it), read from the text: each literal, key or string, counted by its length between
 * the quotes, which is never less than its string's (an escape only lengthens it). Reading a
 * text of millions of short literals costs a fraction of walking the object they came from
 * (a dictionary of 300,000 keys is slow to enumerate); `Infinity` for text that is not JSON.
 */
export function literalBound(text: string, field: number): number {
  let sum = 0;
  // Outside a literal, a quote can only open one.
  for (let open = text.indexOf('"'); open !== -1; ) {
    const close = closingQuote(text, open);
    if (close === -1) return Infinity;
    sum += bound(close - open - 1, field);
    open = text.indexOf('"', close + 1);
  }
  return sum;
}

/**
 * The most of one string the bounds here count under a field cap of `maxFieldBytes`: the cap
 * keeps that much of it whatever else happens (the `field` of {@link stringBound} and
 * {@link literalBound}).
 */
export function fieldBound(maxFieldBytes: number): number {
  return Math.max(0, maxFieldBytes - MIN_KEEP);
}

/** The lower bound of a string of `units` in a line's text: what the line cap may cut of it counts. */
function bound(units: number, field: number): number {
  return units > MIN_KEEP ? Math.min(units, field) : 0;
}

/**
 * The sum of the bounds of `value`'s strings (keys included), each non-zero one also pushed to
 * `out` when given. One walk for both, so that the sum and the list always agree on what
 * counts; without `out` it makes no array at all (it runs on every line).
 */
function bounds(value: unknown, field: number, depth: number, out: number[] | null): number {
  if (typeof value === "string") return counted(bound(value.length, field), out);
  if (typeof value !== "object" || value === null || depth > MAX_DEPTH) return 0;
  // A `toJSON` decides the text from outside the value: it counts for nothing here.
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return 0;
  let sum = 0;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) sum += bounds(value[i], field, depth + 1, out);
    return sum;
  }
  for (const key in value) {
    if (!hasOwn.call(value, key)) continue;
    const item = (value as Record<string, unknown>)[key];
    if (written(item)) sum += counted(bound(key.length, field), out) + bounds(item, field, depth + 1, out);
  }
  return sum;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** `size`, pushed to `out` first when it counts. */
function counted(size: number, out: number[] | null): number {
  if (out !== null && size > 0) out.push(size);
  return size;
}

/** Whether `JSON.stringify` writes a member holding `item` (its key included). */
function written(item: unknown): boolean {
  return item !== undefined && typeof item !== "function" && typeof item !== "symbol";
}
