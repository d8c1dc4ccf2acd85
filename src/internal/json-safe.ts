/**
 * Turning anything a rollout holds into JSON-safe data, without ever throwing.
 *
 * The walk is copy-on-write: plain JSON data comes back as the very same object, so the
 * common case costs one pass of type checks and `JSON.stringify` then does the real work.
 * Only values that JSON would mangle or choke on (cycles, BigInt, Map, Error, ...) are copied.
 */

const MAX_DEPTH = 64;

/**
 * Values that threw when read (a getter, a proxy trap, a `toJSON`), since the process started.
 * A running total rather than a per-call count, so that the walk keeps its signature: a
 * caller that wants the count for one line takes the difference around building it.
 */
let unreadableTotal = 0;
/** The marker of the last value that could not be read, for the one warning about it. */
let lastUnreadable = "";

/**
 * The marker written in place of a value whose read threw, counted: `"[Unreadable: <message>]"`.
 */
export function unreadable(err: unknown): string {
  unreadableTotal++;
  lastUnreadable = `[Unreadable: ${describeError(err)}]`;
  return lastUnreadable;
}

/** How many values could not be read so far. */
export function unreadableCount(): number {
  return unreadableTotal;
}

/** The marker of the last value that could not be read. */
export function lastUnreadableMarker(): string {
  return lastUnreadable;
}

/** Sets the running total back: for a caller that throws away what it built since `total`. */
export function resetUnreadableCount(total: number): void {
  unreadableTotal = total;
}

/** Returns a value `JSON.stringify` renders faithfully and cannot throw on. */
export function toJsonSafe(value: unknown): unknown {
  const out = walk(value, [], false);
  return out === undefined ? null : out;
}

/**
 * Same as {@link toJsonSafe} but always builds fresh plain objects: the fallback for values
 * whose getters or proxies answer differently the second time they are read.
 */
export function toJsonSafeCopy(value: unknown): unknown {
  const out = walk(value, [], true);
  return out === undefined ? null : out;
}

/** `JSON.stringify` that never throws and never emits NaN, Infinity or a lone surrogate. */
export function stringifySafe(value: unknown): string {
  try {
    return JSON.stringify(toJsonSafe(value)) ?? "null";
  } catch {
    return JSON.stringify(toJsonSafeCopy(value)) ?? "null";
  }
}

/** A string for a field the format declares as a string, whatever the caller passed. */
export function asText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === undefined || value === null) return "";
  return stringifySafe(value);
}

function walk(value: unknown, stack: object[], copy: boolean): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : null;
    case "undefined":
      return undefined;
    case "bigint":
      return value.toString();
    case "symbol":
      return value.toString();
    case "function":
      return `[Function: ${(value as { name?: string }).name || "anonymous"}]`;
    default:
      break;
  }
  if (value === null) return null;
  const obj = value as object;
  if (stack.includes(obj)) return "[Circular]";
  if (stack.length >= MAX_DEPTH) return "[Too deep]";
  try {
    stack.push(obj);
    return walkObject(obj, stack, copy);
  } catch (err) {
    return unreadable(err);
  } finally {
    stack.pop();
  }
}

function walkObject(obj: object, stack: object[], copy: boolean): unknown {
  if (Array.isArray(obj)) return walkArray(obj, stack, copy);
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? null : obj.toISOString();
  if (obj instanceof Error) return walkError(obj, stack);
  if (obj instanceof Map) return walkMap(obj, stack);
  if (obj instanceof Set) return walkArray(Array.from(obj), stack, true);
  if (Buffer.isBuffer(obj)) return { type: "Buffer", base64: obj.toString("base64") };
  if (obj instanceof ArrayBuffer) {
    return { type: "ArrayBuffer", base64: Buffer.from(obj).toString("base64") };
  }
  if (ArrayBuffer.isView(obj)) {
    if (obj instanceof DataView) {
      return { type: "DataView", base64: Buffer.from(obj.buffer, obj.byteOffset, obj.byteLength).toString("base64") };
    }
    return Array.from(obj as unknown as ArrayLike<number | bigint>, (n) =>
      typeof n === "bigint" ? n.toString() : Number.isFinite(n) ? n : null,
    );
  }
  if (obj instanceof RegExp) return obj.toString();
  if (obj instanceof Number || obj instanceof String || obj instanceof Boolean) {
    return walk(obj.valueOf(), stack, copy);
  }
  let toJSON: unknown;
  try {
    toJSON = (obj as { toJSON?: unknown }).toJSON;
  } catch {
    // A proxy whose every read throws: its keys, if it lists them, say what could be read.
    toJSON = undefined;
  }
  if (typeof toJSON === "function") {
    return walk(toJSON.call(obj), stack, true);
  }
  return walkPlain(obj as Record<string, unknown>, stack, copy);
}

function walkArray(arr: readonly unknown[], stack: object[], copy: boolean): unknown[] {
  let out: unknown[] | null = copy ? new Array<unknown>(arr.length) : null;
  for (let i = 0; i < arr.length; i++) {
    let item: unknown;
    let threw = false;
    try {
      item = arr[i];
    } catch (err) {
      item = unreadable(err);
      threw = true;
    }
    let safe = threw ? item : walk(item, stack, copy);
    if (safe === undefined) safe = null;
    // Once a read threw, the array is never handed on as it is: it would throw again.
    if (out === null && (safe !== item || threw)) out = arr.slice(0, i);
    if (out !== null) out[i] = safe;
  }
  return out ?? (arr as unknown[]);
}

function walkPlain(obj: Record<string, unknown>, stack: object[], copy: boolean): unknown {
  const keys = Object.keys(obj);
  let out: Record<string, unknown> | null = copy ? {} : null;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    let item: unknown;
    let threw = false;
    try {
      item = obj[key];
    } catch (err) {
      item = unreadable(err);
      threw = true;
    }
    const safe = walk(item, stack, copy);
    if (out === null && (safe !== item || threw)) {
      out = {};
      for (let j = 0; j < i; j++) {
        const k = keys[j] as string;
        out[k] = obj[k];
      }
    }
    if (out !== null && safe !== undefined) out[key] = safe;
  }
  return out ?? obj;
}

function walkMap(map: Map<unknown, unknown>, stack: object[]): unknown {
  let primitiveKeys = true;
  for (const key of map.keys()) {
    const t = typeof key;
    if (t !== "string" && t !== "number" && t !== "boolean") {
      primitiveKeys = false;
      break;
    }
  }
  if (primitiveKeys) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of map) {
      const safe = walk(item, stack, true);
      out[String(key)] = safe === undefined ? null : safe;
    }
    return out;
  }
  return Array.from(map, ([key, item]) => [walk(key, stack, true) ?? null, walk(item, stack, true) ?? null]);
}

function walkError(err: Error, stack: object[]): Record<string, unknown> {
  const out: Record<string, unknown> = { name: err.name, message: err.message };
  if (err.stack !== undefined) out.stack = err.stack;
  for (const key of Object.keys(err)) {
    if (key in out) continue;
    const safe = walk((err as unknown as Record<string, unknown>)[key], stack, true);
    if (safe !== undefined) out[key] = safe;
  }
  if (err.cause !== undefined && !("cause" in out)) out.cause = walk(err.cause, stack, true) ?? null;
  return out;
}

function describeError(err: unknown): string {
  try {
    return err instanceof Error ? err.message : String(err);
  } catch {
    return "unknown error";
  }
}
