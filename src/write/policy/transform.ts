/**
 * What a content policy does, as pure transforms of values and JSON text: caller patterns and
 * function on the strings of a value, built-in redaction and size caps on a line's JSON text.
 * Serializing lines, and deciding which parts of a line go through these steps, is the
 * serializer's job (write/serialize/).
 */
import { capFields, capLine, capLinePieces, CUT_CONTEXT, type PreCut } from "./caps.js";
import { mapStrings } from "./map-strings.js";
import type { CompiledPattern, PolicySpec } from "./options.js";
import { BuiltinRedactor, redactionMarker, type RedactReport, type RedactionCounts } from "./secret-patterns.js";

/** The kind counted when a custom `redactor` function changes a string. */
export const REDACTOR_KIND = "redactor";

/** @internal A compiled content policy's steps. */
export class PolicyTransform {
  /** Cap on one string in bytes; `Infinity` when none. */
  readonly maxFieldBytes: number;
  /** Cap on a line in bytes; `Infinity` when none. */
  readonly maxLineBytes: number;
  /**
   * Strings longer than this (UTF-16 units) are cut to it before they are serialized: the
   * field cap leaves less of them, and what is kept past it lets redaction see a secret
   * that starts before the cut whole. `Infinity` without a field cap.
   */
  readonly keepUnits: number;
  /** True when caller patterns or a caller function apply: they work on values, not on text. */
  readonly custom: boolean;
  /** Every kind redacted, built-in ones first. */
  readonly kinds: readonly string[];
  readonly #builtins: BuiltinRedactor | null;
  readonly #patterns: readonly CompiledPattern[];
  readonly #redactor: ((text: string) => string) | null;

  constructor(spec: PolicySpec) {
    this.#builtins = spec.builtins.length > 0 ? new BuiltinRedactor(spec.builtins) : null;
    this.#patterns = spec.patterns;
    this.#redactor = spec.redactor;
    this.maxFieldBytes = spec.maxFieldBytes;
    this.maxLineBytes = spec.maxLineBytes;
    this.keepUnits = spec.maxFieldBytes + CUT_CONTEXT;
    this.custom = spec.patterns.length > 0 || spec.redactor !== null;
    const kinds: string[] = [...(this.#builtins?.kinds ?? [])];
    for (const { kind } of spec.patterns) if (!kinds.includes(kind)) kinds.push(kind);
    if (spec.redactor !== null) kinds.push(REDACTOR_KIND);
    this.kinds = kinds;
  }

  /**
   * `value` with the caller's patterns and function applied to every string and key, counted
   * into `counts`; copy-on-write, so `value` itself when nothing changed (or nothing applies).
   */
  mapCustom(value: unknown, counts: RedactionCounts): unknown {
    if (!this.custom) return value;
    const patterns = this.#patterns;
    const redactor = this.#redactor;
    return mapStrings(value, (text: string): string => {
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
    });
  }

  /**
   * JSON text with the built-in secrets replaced by their markers, counted into `counts`;
   * `report` follows offsets through the replacements (see `BuiltinRedactor.redact`).
   */
  readonly redactText = (text: string, counts: RedactionCounts, report?: RedactReport): string =>
    this.#builtins === null ? text : this.#builtins.redact(text, counts, report);

  /**
   * JSON text (redacted already) under the field cap. `long` lists its long strings (see
   * `capFields`); unless `scanAll`, its other strings are known to be short enough. Those cut
   * short for the line cap are left to `capLine`, and listed in `pending`, with those cut here.
   */
  capFields(text: string, counts: RedactionCounts, long: readonly PreCut[] = [], scanAll = true, pending: PreCut[] = []): string {
    if (this.maxFieldBytes !== Infinity) return capFields(text, this.maxFieldBytes, counts, long, scanAll, pending);
    for (const pre of long) if (pre.line === true && pre.cutBytes > 0) pending.push(pre);
    return text;
  }

  /**
   * A line's JSON text (redacted, under the field cap already) under the line cap. `reserve`
   * is what the line will hold besides this text, in bytes; `pending`, its strings cut short
   * for the line cap before serializing (see `capFields`); `textBytes`, the text's UTF-8 size
   * when the caller knows it (-1: measured here); `line`, the value the text was serialized
   * from, when known (see `capLine`).
   */
  capLine(text: string, counts: RedactionCounts, reserve = 0, pending: readonly PreCut[] = [], textBytes = -1, line?: object): string {
    if (this.maxLineBytes === Infinity) return text;
    return capLine(text, Math.max(1, this.maxLineBytes - reserve), counts, pending, this.maxFieldBytes, textBytes, line);
  }

  /**
   * {@link capLine} of a whole line (no `reserve`) whose text is `pieces` one after the other,
   * each holding whole tokens: as pieces to be written one after the other (see `capLinePieces`).
   * `cuts` lists the strings the field cap cut, at their offsets in the whole text (see `capFields`).
   */
  capLinePieces(pieces: readonly string[], counts: RedactionCounts, textBytes = -1, line?: object, cuts: readonly PreCut[] = []): string[] {
    if (this.maxLineBytes === Infinity) return pieces.slice();
    return capLinePieces(pieces, this.maxLineBytes, counts, cuts, this.maxFieldBytes, textBytes, line);
  }
}
