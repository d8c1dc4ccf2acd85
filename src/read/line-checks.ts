/**
 * Compiled checks of the three line types, built once from `LINE_SCHEMAS`, shared by the
 * reader (which skips lines that fail) and `trajlog validate` (which reports why).
 */
import type { TypeCheck } from "@sinclair/typebox/compiler";
import { TypeCompiler } from "../internal/typebox.js";
import { LINE_SCHEMAS, type LineType } from "../format.js";

/** One compiled checker per line type. */
export const LINE_CHECKS: { readonly [K in LineType]: TypeCheck<(typeof LINE_SCHEMAS)[K]> } = {
  metadata: TypeCompiler.Compile(LINE_SCHEMAS.metadata),
  iteration: TypeCompiler.Compile(LINE_SCHEMAS.iteration),
  summary: TypeCompiler.Compile(LINE_SCHEMAS.summary),
};

/** True when `type` names a line type of the format. */
export function isLineType(type: unknown): type is LineType {
  return type === "metadata" || type === "iteration" || type === "summary";
}

/** The first schema error of a value that failed its check, as `path: message`. */
export function firstSchemaError(type: LineType, value: unknown): string {
  const error = LINE_CHECKS[type].Errors(value).First();
  if (error === undefined) return "does not match the schema";
  return `${error.path === "" ? "(line)" : error.path}: ${error.message}`;
}
