/** The positional argument of the read commands. */
import { UsageError } from "./command.js";

/** The one positional argument a command takes: the directory (or file) to read. */
export function oneDir(positionals: readonly string[], name: string): string {
  if (positionals.length === 0) throw new UsageError(`missing <dir>: trajlog ${name} <dir>`);
  if (positionals.length > 1) {
    throw new UsageError(
      `expected one <dir>; received ${positionals.length}: ${positionals.map((p) => JSON.stringify(p)).join(" ")}`,
    );
  }
  return positionals[0] as string;
}
