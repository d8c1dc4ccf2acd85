/**
 * One line of a session file, parsed and classified: the single place that decides whether a
 * line is JSON, which line type it is and whether it matches its schema, and that words the
 * problem when it does not. The reader (which skips bad lines), `trajlog validate` (which
 * reports every problem) and the viewer's line index (through the reader) all go through here,
 * so a line is judged the same way wherever it is read.
 */
import type { TypeCheck } from "@sinclair/typebox/compiler";
import { TypeCompiler } from "../internal/typebox.js";
import { LINE_SCHEMAS, type LineType } from "../format.js";
import { excerpt } from "../internal/excerpt.js";
import { formatBytes, type OverlongLine } from "./file-lines.js";

/** One compiled checker per line type, built once from `LINE_SCHEMAS`. */
export const LINE_CHECKS: { readonly [K in LineType]: TypeCheck<(typeof LINE_SCHEMAS)[K]> } = {
  metadata: TypeCompiler.Compile(LINE_SCHEMAS.metadata),
  iteration: TypeCompiler.Compile(LINE_SCHEMAS.iteration),
  summary: TypeCompiler.Compile(LINE_SCHEMAS.summary),
};

/** True when `type` names a line type of the format. */
export function isLineType(type: unknown): type is LineType {
  return type === "metadata" || type === "iteration" || type === "summary";
}

/**
 * What a line of text is: a JSON object of a known line type (not yet checked against its
 * schema), or not a line of the format, with why. `notJson` tells a line that could have been
 * anything (an iteration line cut short, say) from a JSON value that is no line of the format.
 */
export type ClassifiedLine =
  | { ok: true; type: LineType; value: Record<string, unknown> }
  | { ok: false; notJson: boolean; message: string };

/** Parses one line's text (without its `\n`); `torn` says it is a last line without one. */
export function classifyLine(text: string, torn: boolean): ClassifiedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const message = `not valid JSON: ${excerpt(text)}`;
    return { ok: false, notJson: true, message: torn ? `torn last line (no newline at the end): ${message}` : message };
  }
  const type = typeof value === "object" && value !== null && !Array.isArray(value) ? (value as { type?: unknown }).type : undefined;
  if (!isLineType(type)) {
    return {
      ok: false,
      notJson: false,
      message: type === undefined ? 'not a trajectory line (no "type")' : `unknown line type ${JSON.stringify(type)}`,
    };
  }
  return { ok: true, type, value: value as Record<string, unknown> };
}

/** The schema errors of a classified line, as `path: message`, at most `max`; empty when it is valid. */
export function schemaErrors(type: LineType, value: unknown, max: number): string[] {
  const check = LINE_CHECKS[type];
  if (check.Check(value)) return [];
  const out: string[] = [];
  for (const error of check.Errors(value)) {
    out.push(`${error.path === "" ? "(line)" : error.path}: ${error.message}`);
    if (out.length >= max) break;
  }
  return out.length > 0 ? out : ["does not match the schema"];
}

/** The problem of a line over the length cap, passed over unread. */
export function overlongMessage(item: OverlongLine, maxLineBytes: number): string {
  return `line of ${formatBytes(item.overlong)} is over the ${formatBytes(maxLineBytes)} limit${item.torn ? " (and has no newline at the end)" : ""}: skipped unread (raise the limit with --max-line-bytes)`;
}

/** The problem of a second metadata line, which every reader ignores. */
export const SECOND_METADATA = "a second metadata line (ignored)";
