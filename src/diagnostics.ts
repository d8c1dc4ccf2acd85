/**
 * The seam for trajlog's own diagnostics. Kept free of pino's and Node's types so that the
 * published declarations need nothing a consumer may not have; the default logger on
 * stderr is in `internal/default-diagnostics.ts`.
 */

/**
 * Where trajlog reports its own problems. A pino `Logger` is one; anything with the same
 * `warn(context, message)` works. `child`, when present, is used to add `component: "trajlog"`.
 */
export interface DiagnosticsLogger {
  warn(context: Record<string, unknown>, message: string): void;
  child?(bindings: Record<string, unknown>): DiagnosticsLogger;
}
