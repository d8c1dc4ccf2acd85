/**
 * The seam between sessions and the disk: a session talks to its {@link SessionSink} only.
 * The writer gives each logged session one; tests give sessions an in-memory one.
 */
import type { LineText } from "./serialize/line-text.js";

/** @internal Where one session's lines go. Never throws, never blocks. */
export interface SessionSink {
  /** Absolute path of the session's file; may change until the file is created (a name taken). */
  readonly path: string;
  /** Lines of this session refused by the buffer cap so far. */
  readonly dropped: number;
  /**
   * Queues one complete line. `essential` lines (metadata, summary) are never refused for
   * space: they are small and keep every file well-formed. False when the line was not queued.
   */
  append(line: LineText, essential: boolean): boolean;
  /**
   * True (and the line counted as dropped) when an iteration line would be refused whatever
   * its size, so that it need not be built at all.
   */
  refuseIfFull(): boolean;
  /** No more lines: resolves once the file is complete on disk, or lost. Never rejects. */
  end(): Promise<void>;
}
