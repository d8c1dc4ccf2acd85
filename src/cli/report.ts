/**
 * Human output of a command. Every line goes through {@link escapeControl}, so nothing read
 * from a log file can move the cursor, clear the screen or fake a row. Data output (`--json`,
 * exports) is written to `io.stdout` directly and is not this module's concern.
 */
import type { CommandIO } from "./command.js";
import { escapeControl } from "./terminal-text.js";

/** Writes a command's human lines; `-q` silences notes, never problems. */
export class Reporter {
  constructor(
    private readonly io: CommandIO,
    /** `-q`: only problems and errors reach stderr. */
    readonly quiet: boolean,
  ) {}

  /** One line of a listing or table on stdout. */
  out(text: string): void {
    this.io.stdout.write(`${escapeControl(text)}\n`);
  }

  /** A notice on stderr (progress, final counts, privacy notice); silenced by `-q`. */
  note(text: string): void {
    if (!this.quiet) this.io.stderr.write(`${escapeControl(text)}\n`);
  }

  /** A problem with the input (a file left out, a line skipped) on stderr; always printed. */
  problem(text: string): void {
    this.io.stderr.write(`${escapeControl(text)}\n`);
  }
}
