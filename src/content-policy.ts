/**
 * The content policy: what a line may carry to disk. Secrets are replaced by a marker naming
 * their kind, and oversized strings and lines are cut, with a marker saying how much.
 *
 * The logger applies it to every line it writes; {@link applyContentPolicy} applies the very
 * same steps to a line already parsed from a file (e.g. to clean logs written without it).
 */
import { randomInt } from "node:crypto";
import type { ContentPolicyInfo } from "./format.js";
import { stringifyLine } from "./lines.js";
import { describe } from "./internal/describe.js";
import { mapStrings } from "./internal/map-strings.js";
import type { PromptCache } from "./internal/prompt-cache.js";
import type { LinePieces } from "./write/writer.js";
import { capFields, capLine, MIN_FIELD_CAP } from "./internal/json-text-caps.js";
import {
  BUILTIN_SECRET_KINDS,
  BuiltinRedactor,
  redactionMarker,
  type BuiltinSecretKind,
  type RedactionCounts,
} from "./internal/secret-patterns.js";

export { BUILTIN_SECRET_KINDS, type BuiltinSecretKind, type RedactionCounts };

/** Default cap on one string of a line, in UTF-8 bytes: 1 MiB. */
export const DEFAULT_MAX_FIELD_BYTES = 1024 * 1024;
/** Default cap on a whole line, in UTF-8 bytes: 8 MiB. */
export const DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024;
/** Smallest accepted `maxLineBytes`: room for a line's structure. */
export const MIN_LINE_CAP = 1024;
/** Metadata keys that identify the session and are written as given. */
const IDENTITY_KEYS = ["instance_id", "experiment_name"] as const;

/** The kind counted when a custom `redactor` function changes a string. */
export const REDACTOR_KIND = "redactor";

/** A caller's secret pattern; matches are written as `[REDACTED:<kind>]`. */
export interface SecretPattern {
  /** Names the secret in its marker: letters, digits and `_`. */
  kind: string;
  /** Matched against every string of a line (object keys included), as the program had it. */
  pattern: RegExp | string;
}

/** What to redact. */
export interface RedactOptions {
  /** Built-in kinds to apply: `true` for all, `false` for none, or a list of kinds. @default true */
  builtins?: boolean | readonly BuiltinSecretKind[];
  /** Extra patterns, applied to each string before the built-in ones. @default [] */
  patterns?: readonly SecretPattern[];
  /**
   * Called with every string of a line (object keys included) after `patterns`; returns the
   * string to write. A change counts as one redaction of kind `"redactor"`; a throw or a
   * non-string result writes `[REDACTED:redactor_error]` instead of the string.
   */
  redactor?: (text: string) => string;
}

/** Options of {@link createContentPolicy}; the logger takes the same three options. */
export interface ContentPolicyOptions {
  /**
   * Secret redaction: `true` for the built-in patterns, `false` to write secrets verbatim,
   * or {@link RedactOptions} to choose kinds and add patterns or a function.
   * @default true
   */
  redact?: boolean | RedactOptions;
  /**
   * Cap on any single string (object keys included), in UTF-8 bytes; a longer one is cut
   * and ends with `[TRUNCATED:<n> bytes]`, marker included in the cap. `Infinity` for none.
   * @default 1048576 (1 MiB)
   */
  maxFieldBytes?: number;
  /**
   * Cap on a whole line, in UTF-8 bytes. A longer line has its largest strings cut first
   * (to a common length), so it stays valid JSON with all its keys. `Infinity` for none.
   * @default 8388608 (8 MiB)
   */
  maxLineBytes?: number;
}

/** What {@link applyContentPolicy} returns. */
export interface ContentPolicyResult<T> {
  /** The line after the policy: a new object, the input is never changed. */
  line: T;
  /** Secrets replaced. */
  redactions: number;
  /** Strings (or, as a last resort, free-form values) cut by a cap. */
  truncations: number;
  /** Secrets replaced, per kind. */
  redactionsByKind: Record<string, number>;
}

/** A validated, compiled content policy. Build it with {@link createContentPolicy}. */
export class ContentPolicy {
  /** Every kind redacted, as in the metadata record. */
  readonly redactKinds: readonly string[];
  /** Cap on one string in bytes; `Infinity` when none. */
  readonly maxFieldBytes: number;
  /** Cap on a line in bytes; `Infinity` when none. */
  readonly maxLineBytes: number;
  /** The record written in the metadata line. */
  readonly record: ContentPolicyInfo;
  readonly #builtins: BuiltinRedactor | null;
  readonly #patterns: ReadonlyArray<{ kind: string; re: RegExp }>;
  readonly #redactor: ((text: string) => string) | null;

  /** @internal Use {@link createContentPolicy}, which validates the options. */
  constructor(
    builtins: readonly BuiltinSecretKind[],
    patterns: ReadonlyArray<{ kind: string; re: RegExp }>,
    redactor: ((text: string) => string) | null,
    maxFieldBytes: number,
    maxLineBytes: number,
  ) {
    this.#builtins = builtins.length > 0 ? new BuiltinRedactor(builtins) : null;
    this.#patterns = patterns;
    this.#redactor = redactor;
    this.maxFieldBytes = maxFieldBytes;
    this.maxLineBytes = maxLineBytes;
    const kinds: string[] = [...(this.#builtins?.kinds ?? [])];
    for (const { kind } of patterns) if (!kinds.includes(kind)) kinds.push(kind);
    if (redactor !== null) kinds.push(REDACTOR_KIND);
    this.redactKinds = Object.freeze(kinds);
    this.record = Object.freeze({
      redact: kinds.slice(),
      max_field_bytes: Number.isFinite(maxFieldBytes) ? maxFieldBytes : null,
      max_line_bytes: Number.isFinite(maxLineBytes) ? maxLineBytes : null,
    });
  }

  /**
   * @internal The line's JSON text with the policy applied, `\n` included: the write path.
   * With a session's `cache`, the prompt messages of an iteration line that the previous line
   * already held are not serialized and scanned again, and the line may come as pieces whose
   * prompt is already UTF-8 (see {@link LinePieces}); the text is the same either way.
   * Never throws; if the policy itself fails, every string but the line's type, timestamp
   * and roles is replaced, since writing the line unredacted is not an option.
   */
  serialize(line: object, counts: RedactionCounts): string;
  /** @internal */
  serialize(line: object, counts: RedactionCounts, cache: PromptCache | undefined): string | LinePieces;
  serialize(line: object, counts: RedactionCounts, cache?: PromptCache): string | LinePieces {
    if ((line as { type?: unknown }).type === "metadata") {
      const text = this.#serializeMetadata(line as Record<string, unknown>, counts);
      if (text !== null) return text;
    }
    return this.#serialize(line, counts, cache);
  }

  /**
   * A metadata line keeps the session's identity as given: the format promises the original
   * instance id, readers group sessions by it, and the file's path spells it anyway, so
   * redacting it there would hide nothing. Everything else in the line goes through the policy.
   * Null when the identity cannot be set aside cleanly (then it is redacted like the rest).
   */
  #serializeMetadata(line: Record<string, unknown>, counts: RedactionCounts): string | null {
    // A placeholder number no caller value will spell: `"instance_id":<it>` then marks the
    // top-level key (inside a string its quotes would be escaped).
    const token = randomInt(2 ** 46, 2 ** 47);
    const marked: Record<string, unknown> = { ...line };
    const originals: Array<[string, string]> = [];
    for (const key of IDENTITY_KEYS) {
      if (typeof line[key] !== "string") continue;
      marked[key] = token;
      originals.push([`"${key}":${token}`, `"${key}":${JSON.stringify(line[key])}`]);
    }
    if (originals.length === 0) return null;
    const scratch: RedactionCounts = { redactions: 0, truncations: 0, byKind: {} };
    let text = this.#serialize(marked, scratch);
    for (const [placeholder, original] of originals) {
      const at = text.indexOf(placeholder);
      if (at === -1 || text.indexOf(placeholder, at + 1) !== -1) return null;
      text = `${text.slice(0, at)}${original}${text.slice(at + placeholder.length)}`;
    }
    counts.redactions += scratch.redactions;
    counts.truncations += scratch.truncations;
    for (const [kind, n] of Object.entries(scratch.byKind)) counts.byKind[kind] = (counts.byKind[kind] ?? 0) + n;
    return text;
  }

  #serialize(line: object, counts: RedactionCounts): string;
  #serialize(line: object, counts: RedactionCounts, cache: PromptCache | undefined): string | LinePieces;
  #serialize(line: object, counts: RedactionCounts, cache?: PromptCache): string | LinePieces {
    try {
      let text: string | null = null;
      const custom = this.#patterns.length > 0 || this.#redactor !== null;
      if (cache !== undefined && !custom) {
        const cached = this.#serializeWithCache(line, counts, cache);
        if (typeof cached !== "string" && cached !== null) return cached;
        text = cached;
      }
      if (text === null) {
        const value: unknown = custom ? mapStrings(line, this.#customFor(counts)) : line;
        text = stringifyLine(value as object);
        if (this.#builtins !== null) text = this.#builtins.redact(text, counts);
      }
      if (this.maxFieldBytes !== Infinity) text = capFields(text, this.maxFieldBytes, counts);
      if (this.maxLineBytes !== Infinity) text = capLine(text, this.maxLineBytes, counts);
      return `${text}\n`;
    } catch {
      counts.redactions++;
      counts.byKind.policy_error = (counts.byKind.policy_error ?? 0) + 1;
      return `${stringifyLine(blankStrings(line) as object)}\n`;
    }
  }

  /**
   * An iteration line's redacted text, its prompt taken from the cache; null if not applicable.
   * Pieces, `\n` included, when the prompt's UTF-8 is at hand and the caps cannot apply.
   */
  #serializeWithCache(line: object, counts: RedactionCounts, cache: PromptCache): string | LinePieces | null {
    const { type, prompt } = line as { type?: unknown; prompt?: unknown };
    if (type !== "iteration" || !Array.isArray(prompt) || prompt.length === 0) return null;
    // The rest of the line with a placeholder where the prompt goes: keys keep their order,
    // and `,"prompt":0` can only be that key (inside a string, its quotes would be escaped).
    // Nothing is counted before both parts are sure to succeed.
    let rest = stringifyLine({ ...line, prompt: 0 });
    if (rest.indexOf(',"prompt":0') === -1) return null;
    const promptText = cache.serialize(prompt, this.#redactText, counts);
    if (promptText === null) return null;
    if (this.#builtins !== null) rest = this.#builtins.redact(rest, counts);
    const at = rest.indexOf(',"prompt":0');
    const head = rest.slice(0, at + 10);
    const tail = rest.slice(at + 11);
    if (promptText.bytes !== null) {
      // A bound on the text's UTF-8 size (a UTF-16 unit is at most 3 bytes, and the prompt's
      // bytes outnumber its units): under both caps, the caps would leave the line as it is.
      const bound = (head.length + tail.length + 1) * 3 + promptText.bytes.length * 3;
      if (bound <= this.maxFieldBytes && bound <= this.maxLineBytes) return [head, promptText.bytes, `]${tail}\n`];
    }
    return `${head}${promptText.text}${tail}`;
  }

  readonly #redactText = (text: string, counts: RedactionCounts): string =>
    this.#builtins === null ? text : this.#builtins.redact(text, counts);

  #customFor(counts: RedactionCounts): (text: string) => string {
    const patterns = this.#patterns;
    const redactor = this.#redactor;
    return (text: string): string => {
      for (const { kind, re } of patterns) {
        re.lastIndex = 0;
        if (!re.test(text)) continue;
        const marker = redactionMarker(kind);
        text = text.replace(re, () => {
          counts.redactions++;
          counts.byKind[kind] = (counts.byKind[kind] ?? 0) + 1;
          return marker;
        });
      }
      if (redactor === null) return text;
      let out: unknown;
      try {
        out = redactor(text);
      } catch {
        out = undefined;
      }
      const kind = typeof out === "string" ? REDACTOR_KIND : "redactor_error";
      if (out === text) return text;
      counts.redactions++;
      counts.byKind[kind] = (counts.byKind[kind] ?? 0) + 1;
      return typeof out === "string" ? out : redactionMarker(kind);
    };
  }
}

/**
 * Validates options and compiles a policy. Throws a `TypeError`/`RangeError` naming the
 * option, what was expected and what was received.
 */
export function createContentPolicy(options: ContentPolicyOptions = {}): ContentPolicy {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`trajlog: content policy options must be an object; received ${describe(options)}`);
  }
  const redact = options.redact ?? true;
  let builtins: readonly BuiltinSecretKind[] = BUILTIN_SECRET_KINDS;
  let patterns: Array<{ kind: string; re: RegExp }> = [];
  let redactor: ((text: string) => string) | null = null;
  if (redact === false) {
    builtins = [];
  } else if (redact !== true) {
    if (typeof redact !== "object" || Array.isArray(redact)) {
      throw new TypeError(`trajlog: option "redact" must be a boolean or an object; received ${describe(redact)}`);
    }
    builtins = builtinsOption(redact.builtins);
    patterns = patternsOption(redact.patterns);
    if (redact.redactor !== undefined) {
      if (typeof redact.redactor !== "function") {
        throw new TypeError(`trajlog: option "redact.redactor" must be a function; received ${describe(redact.redactor)}`);
      }
      redactor = redact.redactor;
    }
  }
  const maxFieldBytes = capOption("maxFieldBytes", options.maxFieldBytes, DEFAULT_MAX_FIELD_BYTES, MIN_FIELD_CAP);
  const maxLineBytes = capOption("maxLineBytes", options.maxLineBytes, DEFAULT_MAX_LINE_BYTES, MIN_LINE_CAP);
  return new ContentPolicy(builtins, patterns, redactor, maxFieldBytes, maxLineBytes);
}

let defaultPolicy: ContentPolicy | null = null;

/** The policy a logger uses when given no content options: every built-in kind, default caps. */
export function defaultContentPolicy(): ContentPolicy {
  defaultPolicy ??= createContentPolicy();
  return defaultPolicy;
}

/**
 * Applies a policy to one line already parsed from a trajectory file (any line type), exactly
 * as the logger would have applied it when writing: same patterns, same markers, same caps.
 * Pure: the input is not changed and nothing is written. Throws only on a line that is not
 * an object or a policy not made by {@link createContentPolicy}.
 *
 * ```ts
 * const policy = defaultContentPolicy();
 * const { line, redactions } = applyContentPolicy(JSON.parse(text), policy);
 * ```
 */
export function applyContentPolicy<T extends object>(
  line: T,
  policy: ContentPolicy = defaultContentPolicy(),
): ContentPolicyResult<T> {
  if (typeof line !== "object" || line === null || Array.isArray(line)) {
    throw new TypeError(`trajlog: applyContentPolicy expects a parsed line (an object); received ${describe(line)}`);
  }
  if (!(policy instanceof ContentPolicy)) {
    throw new TypeError(
      `trajlog: applyContentPolicy expects a policy from createContentPolicy() or defaultContentPolicy(); received ${describe(policy)}`,
    );
  }
  const counts: RedactionCounts = { redactions: 0, truncations: 0, byKind: {} };
  const text = policy.serialize(line, counts);
  return {
    line: JSON.parse(text) as T,
    redactions: counts.redactions,
    truncations: counts.truncations,
    redactionsByKind: counts.byKind,
  };
}

function builtinsOption(value: unknown): readonly BuiltinSecretKind[] {
  if (value === undefined || value === true) return BUILTIN_SECRET_KINDS;
  if (value === false) return [];
  if (Array.isArray(value)) {
    for (const kind of value) {
      if (!(BUILTIN_SECRET_KINDS as readonly unknown[]).includes(kind)) {
        throw new TypeError(
          `trajlog: option "redact.builtins" lists unknown kind ${describe(kind)}; expected some of ${BUILTIN_SECRET_KINDS.join(", ")}`,
        );
      }
    }
    return value as BuiltinSecretKind[];
  }
  throw new TypeError(`trajlog: option "redact.builtins" must be a boolean or an array of kinds; received ${describe(value)}`);
}

function patternsOption(value: unknown): Array<{ kind: string; re: RegExp }> {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new TypeError(`trajlog: option "redact.patterns" must be an array of { kind, pattern }; received ${describe(value)}`);
  }
  return value.map((entry: unknown, i) => {
    const name = `redact.patterns[${i}]`;
    if (typeof entry !== "object" || entry === null) {
      throw new TypeError(`trajlog: option "${name}" must be an object { kind, pattern }; received ${describe(entry)}`);
    }
    const { kind, pattern } = entry as { kind?: unknown; pattern?: unknown };
    if (typeof kind !== "string" || !/^[A-Za-z0-9_]{1,64}$/.test(kind)) {
      throw new TypeError(
        `trajlog: option "${name}.kind" must be 1 to 64 letters, digits or _ (it goes into the marker); received ${describe(kind)}`,
      );
    }
    let re: RegExp;
    if (pattern instanceof RegExp) {
      // Global, so that every match is replaced; never sticky, so that matches are searched.
      re = new RegExp(pattern.source, `${pattern.flags.replace(/[gy]/g, "")}g`);
    } else if (typeof pattern === "string" && pattern.length > 0) {
      try {
        re = new RegExp(pattern, "g");
      } catch (err) {
        throw new TypeError(`trajlog: option "${name}.pattern" is not a valid regular expression (${(err as Error).message}); received ${describe(pattern)}`);
      }
    } else {
      throw new TypeError(`trajlog: option "${name}.pattern" must be a RegExp or a non-empty string; received ${describe(pattern)}`);
    }
    if (re.test("")) {
      throw new TypeError(`trajlog: option "${name}.pattern" must not match the empty string; received ${String(re)}`);
    }
    return { kind, re };
  });
}

function capOption(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (value === Infinity) return Infinity;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new RangeError(
      `trajlog: option "${name}" must be an integer >= ${min} (bytes) or Infinity; received ${describe(value)}`,
    );
  }
  return value;
}

/** The fallback line: same shape, every string replaced but the few that say what the line is. */
function blankStrings(value: unknown, key?: string): unknown {
  if (typeof value === "string") {
    return key === "type" || key === "timestamp" || key === "role" ? value : redactionMarker("policy_error");
  }
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => blankStrings(item));
  const out: Record<string, unknown> = {};
  let i = 0;
  for (const [k, item] of Object.entries(value)) {
    // Keys can hold secrets too; only plain lowercase names (the format's own) are kept.
    const safeKey = /^[a-z_]{1,32}$/.test(k) && k !== "__proto__" ? k : `${redactionMarker("policy_error")}${i}`;
    out[safeKey] = blankStrings(item, k);
    i++;
  }
  return out;
}
