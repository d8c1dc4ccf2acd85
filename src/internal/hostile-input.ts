/**
 * Building a line from what the rollout loop handed over, whatever it does when read.
 *
 * Caller objects can throw on any read: a getter, a proxy's trap, a `toJSON`. The line
 * builders read the fields they know directly (fast, and most input is plain data); when that
 * throws, the line is built again from a plain copy of the input in which every value that
 * could not be read is a marker (`"[Unreadable: <message>]"`). Nothing reaches the caller.
 */
import { resetUnreadableCount, toJsonSafeCopy, unreadable } from "./json-safe.js";

/**
 * The line, after building it from `input` threw: `build(copy)` from a plain copy of the input
 * in which every value that could not be read is a marker; if that throws too (the builder
 * itself failed), `minimal(marker)`. Never throws. `before` is {@link unreadableCount} from
 * before the first attempt: what that attempt counted is counted again by the copy, so it is
 * taken back.
 */
export function rebuildFromCopy<I extends object, L>(
  input: I,
  before: number,
  build: (copy: I) => L,
  minimal: (marker: string) => L,
): L {
  resetUnreadableCount(before);
  const copy = toJsonSafeCopy(input);
  try {
    return build((typeof copy === "object" && copy !== null && !Array.isArray(copy) ? copy : {}) as I);
  } catch (err) {
    return minimal(unreadable(err));
  }
}

/** `obj[key]`, or `fallback` when the read throws (counted as a value that could not be read). */
export function readOr(obj: object, key: string, fallback: unknown): unknown {
  try {
    return (obj as Record<string, unknown>)[key];
  } catch (err) {
    unreadable(err);
    return fallback;
  }
}
