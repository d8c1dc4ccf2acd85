/**
 * A session as the exporter spools it: its rows of both tables as JSON lines (`rows.ts`),
 * made wherever the session was read (the main thread, or a worker of `read-pool.ts`), so that
 * the thread that writes the dataset only appends text.
 */
import type { TrajectoryRecord } from "../read/reader.js";
import type { PartitionKey } from "./layout.js";
import { iterationRows, sessionRow } from "./rows.js";

/** One session's rows, as JSON lines. */
export interface PreparedSession {
  /** The partition the session belongs to. */
  key: PartitionKey;
  /** The `sessions` row, as one JSON line with its newline. */
  session: string;
  /** The `iterations` rows, one JSON line each with its newline ("" when none). */
  iterations: string;
  /** How many iteration rows `iterations` holds. */
  iterationCount: number;
  /** Length of the longest line, in UTF-16 units (DuckDB's reader must be told the longest object). */
  longest: number;
}

/** The session's rows as JSON lines. */
export function prepareSession(record: TrajectoryRecord): PreparedSession {
  const row = sessionRow(record);
  const session = JSON.stringify(row);
  let longest = session.length;
  const lines: string[] = [];
  for (const iteration of iterationRows(record)) {
    const line = JSON.stringify(iteration);
    if (line.length > longest) longest = line.length;
    lines.push(line, "\n");
  }
  return {
    key: { experiment: row.experiment, step: row.step },
    session: `${session}\n`,
    iterations: lines.join(""),
    iterationCount: lines.length / 2,
    longest,
  };
}
