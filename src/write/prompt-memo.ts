/**
 * A session's memo of the prompt messages it built last iteration.
 *
 * A chat loop sends the whole conversation every iteration, usually as the very same message
 * objects. Messages that are not exactly `{ role, content }` (a `name`, `tool_calls`, content
 * parts) have to be rebuilt into the format's shape, which costs more than serializing them
 * again; rebuilding every message of a growing prompt every iteration made such messages cost
 * nearly twice as much per byte as plain ones. The memo hands back last iteration's built
 * message when the caller passes the same object at the same place and nothing in it changed.
 *
 * Callers may edit a message in place between iterations, so "nothing changed" is checked,
 * not assumed: when a message is built, every object, key and leaf value inside it is recorded
 * in order (its trace), and the memo's message is taken only when walking the message again
 * finds the very same ones. That walk compares references and never copies a string, so it
 * costs a few steps per node whatever the text's length. Only plain data is traced (plain
 * objects and arrays, strings, numbers, booleans, null, undefined, within bounds): for anything
 * else (class instances, `toJSON`, functions, cycles, very deep or large trees, a read that
 * throws) the message is simply built every time, as without the memo.
 */

/** Deeper than this, or with more nodes than this, a message is not traced. */
const MAX_DEPTH = 16;
const MAX_NODES = 4096;

/** Nothing was traced (the message is built every time). */
const UNTRACEABLE = null;

/**
 * Dead entries a memo's records may hold before they are packed (and only when they outnumber
 * the live ones), so that a prompt changing a little every iteration packs them seldom.
 */
const MIN_DEAD = 1024;

/** The built messages of a session's latest prompt, by position. */
export class PromptMemo {
  /**
   * What is kept for each position, one record after another: the built message, where the
   * record ends, then the input's trace (whose first entry is the input itself). One array
   * rather than an object and a trace array per message: checking a prompt then reads memory
   * in order, where a trace of its own per message cost a few cache misses each, which is most
   * of what checking a kept message costs in a loop that does anything else between its calls.
   * A forgotten record is cleared (it holds nothing alive) and packed away later.
   */
  #records: unknown[] = [];
  /** Where the record of each position starts in `#records`; -1 for none. */
  #at: number[] = [];
  /** How many entries of `#records` belong to no position (cleared). */
  #dead = 0;

  /**
   * The built form of `input`, the message at `index` of this iteration's prompt: the one
   * built last iteration when `input` is the same object, unchanged, else `build(input)`.
   * `build` may throw; nothing is then kept for `index`. `unreadable` says how many values
   * could not be read so far: a message whose building met one is not kept (it is read, and
   * reported, again next time, as without the memo).
   *
   * The message is traced before it is built, and `build` is told whether it was: a traced
   * message is plain data (see the module's comment), which `JSON.stringify` renders exactly
   * as it renders the message's JSON-safe form, so `build` need not make that form first.
   */
  message<T>(index: number, input: unknown, build: (input: unknown, plain: boolean) => T, unreadable: () => number): T {
    const previous = this.unchanged(index, input);
    if (previous !== undefined) return previous as T;
    this.#forget(index);
    const trace = typeof input === "object" && input !== null ? traceOf(input) : UNTRACEABLE;
    const before = unreadable();
    const built = build(input, trace !== UNTRACEABLE);
    if (trace !== UNTRACEABLE && unreadable() === before && typeof built === "object" && built !== null) {
      this.#keep(index, trace, built);
    }
    return built;
  }

  /**
   * The message built last iteration for `input` at `index` when `input` is the same object,
   * unchanged; else undefined, and a memo of another state of `input` is forgotten. Asked
   * first, it spares a kept message every other check of its shape.
   */
  unchanged(index: number, input: unknown): unknown {
    const at = this.#at[index];
    if (at === undefined || at < 0) return undefined;
    const records = this.#records;
    if (records[at + 2] !== input) return undefined;
    // Reading the input may run the caller's code (a getter), which may log through this memo
    // again: the walk reads only this record, which that leaves as it is (packing makes a new
    // array) or clears. A cleared record reads undefined, which an undefined value read after
    // the clearing would match: the record is checked to be still there once walked (a
    // cleared slot is never filled again, records are only appended), so a record found whole
    // holds a message built from this very input.
    const built = records[at];
    if (matches(input, records, at + 2, records[at + 1] as number) && records[at + 2] === input) return built;
    this.#forget(index);
    return undefined;
  }

  /**
   * True when `message` is the message this memo built and kept for `index`. The memo hands
   * a built message out again only after checking that nothing in its input changed (parts
   * shared with the input included), so whenever the same built message is in a line again,
   * its JSON text is the one it had the first time.
   */
  holds(index: number, message: unknown): boolean {
    const at = this.#at[index];
    return at !== undefined && at >= 0 && this.#records[at] === message;
  }

  /** Forgets what lies past the prompt's `length` messages (a shorter prompt, a new conversation). */
  trim(length: number): void {
    if (this.#at.length <= length) return;
    for (let i = length; i < this.#at.length; i++) this.#forget(i);
    this.#at.length = length;
  }

  /**
   * Forgets every message and lets go of the records: the session is over, and a caller that
   * keeps its session object would otherwise keep its last prompt alive. Records are cleared in
   * place first, so that a walk under way (a getter ending the session) finds its own gone.
   */
  release(): void {
    this.trim(0);
    this.#records = [];
    this.#dead = 0;
  }

  /** Forgets the message at `index` (a plain `{ role, content }` one, which needs no building). */
  skip(index: number): void {
    if (index < this.#at.length) this.#forget(index);
  }

  /** Keeps `built` and the trace of its input for `index`, at the end of the records. */
  #keep(index: number, trace: readonly unknown[], built: object): void {
    // Building ran the caller's code, which may have kept something for `index` meanwhile.
    this.#forget(index);
    let records = this.#records;
    if (this.#dead > MIN_DEAD && this.#dead * 2 > records.length) records = this.#pack();
    const at = records.length;
    records.push(built, at + 2 + trace.length);
    for (let i = 0; i < trace.length; i++) records.push(trace[i]);
    while (this.#at.length < index) this.#at.push(-1);
    this.#at[index] = at;
  }

  /** Clears the record of `index`, if any: it no longer holds its input or built message alive. */
  #forget(index: number): void {
    const at = this.#at[index];
    if (at === undefined || at < 0) return;
    const end = this.#records[at + 1] as number;
    this.#records.fill(undefined, at, end);
    this.#dead += end - at;
    this.#at[index] = -1;
  }

  /**
   * The live records copied to a new array, in the prompt's order (the order they are read
   * in), which becomes `#records`. A new array, not the old one rewritten: a walk of a record
   * may be under way (a getter that logs), and reads the old one to its end.
   */
  #pack(): unknown[] {
    const old = this.#records;
    const records: unknown[] = [];
    for (let i = 0; i < this.#at.length; i++) {
      const at = this.#at[i] as number;
      if (at < 0) continue;
      const end = old[at + 1] as number;
      this.#at[i] = records.length;
      records.push(old[at], records.length + end - at);
      for (let j = at + 2; j < end; j++) records.push(old[j]);
    }
    this.#records = records;
    this.#dead = 0;
    return records;
  }
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The trace of `value` (see the module's comment), or null when it is not plain data within
 * bounds. Its own array, not the memo's records: reading `value` may run the caller's code,
 * which may log through the same memo.
 */
function traceOf(value: object): unknown[] | null {
  const out: unknown[] = [];
  try {
    return record(value, out, 0) ? out : UNTRACEABLE;
  } catch {
    return UNTRACEABLE;
  }
}

function record(value: unknown, out: unknown[], depth: number): boolean {
  if (out.length > MAX_NODES) return false;
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
    case "undefined":
      out.push(value);
      return true;
    case "object":
      break;
    default:
      return false;
  }
  if (value === null) {
    out.push(null);
    return true;
  }
  if (depth >= MAX_DEPTH) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  // A `toJSON` (even one added to Object.prototype or Array.prototype) decides the text from
  // outside the tree; an array's is not among its items, so it is looked for as an object's is.
  if ((value as { toJSON?: unknown }).toJSON !== undefined) return false;
  if (Array.isArray(value)) {
    if (proto !== Array.prototype) return false;
    out.push(value, value.length);
    for (let i = 0; i < value.length; i++) if (!record(value[i], out, depth + 1)) return false;
    return true;
  }
  if (proto !== Object.prototype && proto !== null) return false;
  // The own enumerable keys, in `Object.keys` order, without making that array: for-in gives
  // them first; an inherited one is not plain data (and `same` would never match it).
  const at = out.length;
  out.push(value, 0);
  let n = 0;
  for (const key in value) {
    if (!hasOwn.call(value, key)) return false;
    out.push(key);
    if (!record((value as Record<string, unknown>)[key], out, depth + 1)) return false;
    n++;
  }
  out[at + 1] = n;
  return true;
}

/** True when walking `value` again finds exactly the trace in `records` from `start` to `end`. Never throws. */
function matches(value: unknown, records: unknown[], start: number, end: number): boolean {
  try {
    return same(value, records, start) === end;
  } catch {
    return false;
  }
}

/**
 * Where the trace goes on after `value`, walked from `i`; -1 when they differ. This runs for
 * every message of every prompt, so it allocates nothing: keys are enumerated with for-in
 * (an inherited enumerable key counts as a difference, so what is compared is exactly the
 * own keys `Object.keys` gave when tracing, in order), and an object's key count, which the
 * trace holds before its keys, is checked once they have all matched.
 */
function same(value: unknown, trace: unknown[], i: number): number {
  if (trace[i++] !== value) return -1;
  return typeof value === "object" && value !== null ? sameInside(value, trace, i) : i;
}

/**
 * {@link same} for an object or array already found at its place in the trace, `i` just past
 * it. Most nodes are strings and numbers: each is compared in the loop that reaches it, and
 * only objects and arrays are walked by a call of their own.
 */
function sameInside(value: object, trace: unknown[], i: number): number {
  // The same object: checked again as when it was traced, in case its prototype was swapped
  // or a `toJSON` was given to it (or to its prototype) since.
  const proto: unknown = Object.getPrototypeOf(value);
  if ((value as { toJSON?: unknown }).toJSON !== undefined) return -1;
  if (Array.isArray(value)) {
    if (proto !== Array.prototype || trace[i++] !== value.length) return -1;
    for (let k = 0; k < value.length; k++) {
      const item: unknown = value[k];
      if (trace[i++] !== item) return -1;
      if (typeof item === "object" && item !== null && (i = sameInside(item, trace, i)) === -1) return -1;
    }
    return i;
  }
  if (proto !== Object.prototype && proto !== null) return -1;
  const count = trace[i++];
  let n = 0;
  for (const key in value) {
    // Past the traced count, the trace holds what follows the object, not its keys.
    if (n === count || trace[i++] !== key || !hasOwn.call(value, key)) return -1;
    n++;
    const item = (value as Record<string, unknown>)[key];
    if (trace[i++] !== item) return -1;
    if (typeof item === "object" && item !== null && (i = sameInside(item, trace, i)) === -1) return -1;
  }
  return n === count ? i : -1;
}
