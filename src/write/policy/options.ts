/**
 * The content policy's options: their types, defaults and validation. What comes out is a
 * {@link PolicySpec} that only holds checked values, so the policy itself never checks again.
 */
import { describe } from "../../internal/describe.js";
import { MIN_FIELD_CAP } from "./caps.js";
import { BUILTIN_SECRET_KINDS, type BuiltinSecretKind } from "./secret-patterns.js";

/** Default cap on one string of a line, in UTF-8 bytes: 1 MiB. */
export const DEFAULT_MAX_FIELD_BYTES = 1024 * 1024;
/** Default cap on a whole line, in UTF-8 bytes: 8 MiB. */
export const DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024;
/** Smallest accepted `maxLineBytes`: room for a line's structure. */
export const MIN_LINE_CAP = 1024;

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

/** Options of `createContentPolicy`; the logger takes the same three options. */
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

/** @internal A caller pattern, compiled: global, never sticky, never matching "". */
export interface CompiledPattern {
  kind: string;
  re: RegExp;
}

/** @internal Checked options: what a content policy is made of. */
export interface PolicySpec {
  builtins: readonly BuiltinSecretKind[];
  patterns: readonly CompiledPattern[];
  redactor: ((text: string) => string) | null;
  /** `Infinity` when none. */
  maxFieldBytes: number;
  /** `Infinity` when none. */
  maxLineBytes: number;
}

/**
 * @internal Checks content policy options. Throws a `TypeError`/`RangeError` naming the
 * option, what was expected and what was received.
 */
export function readPolicyOptions(options: ContentPolicyOptions = {}): PolicySpec {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`trajlog: content policy options must be an object; received ${describe(options)}`);
  }
  const redact = options.redact ?? true;
  let builtins: readonly BuiltinSecretKind[] = BUILTIN_SECRET_KINDS;
  let patterns: CompiledPattern[] = [];
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
  return {
    builtins,
    patterns,
    redactor,
    maxFieldBytes: capOption("maxFieldBytes", options.maxFieldBytes, DEFAULT_MAX_FIELD_BYTES, MIN_FIELD_CAP),
    maxLineBytes: capOption("maxLineBytes", options.maxLineBytes, DEFAULT_MAX_LINE_BYTES, MIN_LINE_CAP),
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

function patternsOption(value: unknown): CompiledPattern[] {
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
