/**
 * The writer's counters, as `TrajectoryLogger.stats()` reports them.
 */

/** Counters of what the writer did. */
export interface WriterStats {
  /** Lines that reached their file. */
  linesWritten: number;
  /** Bytes that reached files. */
  bytesWritten: number;
  /** Iteration lines refused because the buffer was full (or the logger closed). */
  linesDropped: number;
  /** Lines lost to an I/O error on their file. */
  linesFailed: number;
  /** Failed file operations (open, write). */
  writeErrors: number;
  /** Serialized text waiting in memory right now. */
  bufferedBytes: number;
  /** Descriptors held right now. */
  openFiles: number;
}

/** The counters of a writer that does not exist yet: a logger that has logged nothing. */
export const NO_WRITES: Readonly<WriterStats> = Object.freeze({
  linesWritten: 0,
  bytesWritten: 0,
  linesDropped: 0,
  linesFailed: 0,
  writeErrors: 0,
  bufferedBytes: 0,
  openFiles: 0,
});
