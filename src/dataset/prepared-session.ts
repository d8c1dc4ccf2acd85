/**
 * A session as the exporter spools it: its rows of both tables as UTF-8 JSON lines (`rows.ts`),
 * made wherever the session was read (the main thread, or a worker of `read-pool.ts`), so that
 * the thread that writes the dataset only appends bytes. The rows are encoded here, on the
 * thread that made them, so that a worker hands them over without a copy (their buffers are
 * transferred) and the writing thread neither joins nor encodes text.
 */
import type { TrajectoryRecord } from "../read/reader.js";
import type { PartitionKey } from "./layout.js";
import { iterationRows, sessionRow } from "./rows.js";

/** One session's rows, as UTF-8 JSON lines. */
export interface PreparedSession {
  /** The partition the session belongs to. */
  key: PartitionKey;
  /** The `sessions` row, as one JSON line with its newline. */
  session: Uint8Array;
  /** The `iterations` rows, one JSON line each with its newline (empty when none). */
  iterations: Uint8Array;
  /** How many iteration rows `iterations` holds. */
  iterationCount: number;
  /** Length of the longest line, in UTF-16 units (DuckDB's reader must be told the longest object). */
  longest: number;
}

/** Every encode returns a fresh buffer of its own, which can be transferred to another thread. */
const encoder = new TextEncoder();

/** The session's rows as JSON lines. */
export function prepareSession(record: TrajectoryRecord): PreparedSession {
  const row = sessionRow(record);
  const session = JSON.stringify(row);
  let longest = session.length;
  let iterations = "";
  let iterationCount = 0;
  for (const iteration of iterationRows(record, row)) {
    const line = JSON.stringify(iteration);
    if (line.length > longest) longest = line.length;
    iterations += `${line}\n`;
    iterationCount++;
  }
  return {
    key: { experiment: row.experiment, step: row.step },
    session: encoder.encode(`${session}\n`),
    iterations: encoder.encode(iterations),
    iterationCount,
    longest,
  };
}

/** The buffers to transfer with a {@link PreparedSession} posted to another thread. */
export function transferables(prepared: PreparedSession): ArrayBuffer[] {
  return [prepared.session.buffer as ArrayBuffer, prepared.iterations.buffer as ArrayBuffer];
}
