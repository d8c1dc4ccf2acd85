/**
 * Warnings said once per key through the logger's diagnostics: a condition that repeats on
 * every line (an unknown key, a file's I/O error) is worth one line in the training log, and
 * the rest is counted in `stats()` by the caller.
 */
import type { DiagnosticsLogger } from "../diagnostics.js";

/** @internal One logger's once-per-key warnings. */
export class OnceWarnings {
  readonly #warned = new Set<string>();

  /** `diagnostics` is read at each warning, so a logger swapped in later is the one used. */
  constructor(private readonly diagnostics: () => DiagnosticsLogger) {}

  /** Warns unless `key` has warned already. A diagnostics logger that throws is ignored. */
  warn(key: string, context: Record<string, unknown>, message: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    try {
      this.diagnostics().warn(context, message);
    } catch {
      // Diagnostics must never be the thing that breaks the training loop.
    }
  }
}
