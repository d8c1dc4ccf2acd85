/**
 * Input trajlog cannot use is reported, never dropped in silence: a key it does not know
 * (`execResult` for `result`) or a value it cannot take (`reward: "n/a"`). Each is warned
 * about once per logger — naming the key and what was most likely meant — and counted on
 * every occurrence in `stats()`. Nothing here throws: this runs inside the rollout loop.
 */
import type { DiagnosticsLogger } from "./diagnostics.js";
import { suggestField, type InputShape } from "./input-fields.js";
import { describe } from "./internal/describe.js";
import { OnceWarnings } from "./internal/warn-once.js";

/** Distinct names kept in `unknownKeysByName` (and warned about); memory stays bounded. */
export const MAX_NAMED_KEYS = 100;

/** The counters {@link InputReport} adds to `stats()`. */
export interface InputStats {
  /** Keys trajlog does not know, ignored (each occurrence). */
  unknownKeys: number;
  /**
   * Occurrences per key, named `<method>.<path>` (`logIteration.execResult`,
   * `logIteration.codeBlocks[].result.exec_time`); at most 100 distinct names are kept.
   */
  unknownKeysByName: Record<string, number>;
  /** Values trajlog could not use, written as null or 0 instead (a non-numeric reward or token count). */
  invalidValues: number;
  /**
   * Values that threw when read (a getter, a proxy, a `toJSON`), written as
   * `"[Unreadable: <message>]"` where the line has room for a string, else left at their default.
   */
  unreadableValues: number;
}

/** @internal One logger's record of input it could not use. */
export class InputReport {
  readonly #warnings: OnceWarnings;
  #unknownKeys = 0;
  #invalidValues = 0;
  #unreadableValues = 0;
  readonly #byName: Record<string, number> = {};
  #named = 0;

  constructor(diagnostics: () => DiagnosticsLogger) {
    this.#warnings = new OnceWarnings(diagnostics);
  }

  /**
   * Reports every own enumerable key of `input` that `inputShape` does not document.
   * `method` is the call (`logIteration`), `prefix` the object's path in its input
   * (`""`, `"result."`, `"codeBlocks[].result."`). Costs one set lookup per key.
   */
  checkKeys(input: object, inputShape: InputShape, method: string, prefix: string): void {
    try {
      for (const key in input) {
        if (!inputShape.known.has(key)) this.unknownKey(inputShape, method, prefix, key);
      }
    } catch {
      // A proxy whose key listing throws: what it holds is read (or not) by the line builder.
    }
  }

  /** Counts one unknown key, and warns the first time this logger sees it. */
  unknownKey(inputShape: InputShape, method: string, prefix: string, key: string): void {
    this.#unknownKeys++;
    const path = `${prefix}${shortKey(key)}`;
    const name = `${method}.${path}`;
    const seen = this.#byName[name];
    if (seen !== undefined) {
      this.#byName[name] = seen + 1;
      return;
    }
    if (this.#named >= MAX_NAMED_KEYS) {
      this.#warnFull();
      return;
    }
    this.#named++;
    this.#byName[name] = 1;
    const meant = suggestField(inputShape, key);
    // A suggestion is a path relative to the object, or another call altogether.
    const suggestion = meant === null || meant.includes("(") ? meant : prefix + meant;
    const takes = inputShape.takes ?? inputShape.fields.join(", ");
    const message =
      suggestion !== null
        ? `trajlog: \`${path}\` is not a field of ${method}; did you mean \`${suggestion}\`? (not written)`
        : `trajlog: \`${path}\` is not a field of ${method} (not written); ${prefix === "" ? "its fields are" : `\`${prefix.slice(0, -1)}\` takes`} ${takes}`;
    this.#warnings.warn(name, { method, key: path, ...(suggestion !== null ? { suggestion } : {}) }, message);
  }

  /**
   * Counts a value that could not be used and is written as `writtenAs`; warns once per
   * `method.path`. `expected` says what would have been taken.
   */
  invalidValue(method: string, path: string, value: unknown, expected: string, writtenAs: string): void {
    this.#invalidValues++;
    this.#warnings.warn(
      `value:${method}.${path}`,
      { method, key: path },
      `trajlog: \`${path}\` of ${method} must be ${expected}; received ${describe(value)}, written as ${writtenAs}`,
    );
  }

  /** Counts `count` values of one call's input that threw when read; warns once per logger. */
  unreadable(method: string, count: number, marker: string): void {
    this.#unreadableValues += count;
    this.#warnings.warn(
      "unreadable",
      { method, marker },
      `trajlog: a value handed to ${method} threw when read (a getter, a proxy or toJSON); written as ${JSON.stringify(marker)}, counted in stats().unreadableValues`,
    );
  }

  /** The counters, copied. */
  stats(): InputStats {
    return {
      unknownKeys: this.#unknownKeys,
      unknownKeysByName: { ...this.#byName },
      invalidValues: this.#invalidValues,
      unreadableValues: this.#unreadableValues,
    };
  }

  #warnFull(): void {
    this.#warnings.warn(
      "unknown:full",
      {},
      `trajlog: more than ${MAX_NAMED_KEYS} distinct unknown keys; further ones are counted in stats().unknownKeys without a warning`,
    );
  }
}

/** A key as shown in messages and stats: keys can be anything, messages stay one short line. */
function shortKey(key: string): string {
  const clean = key.replace(/[\u0000-\u001f\u007f`]/g, "?");
  return clean.length > 60 ? `${clean.slice(0, 60)}…` : clean;
}
