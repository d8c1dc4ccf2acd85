/** Expected `stats()` objects: every counter zero unless the test says otherwise. */
import type { TrajectoryLoggerStats } from "../../src/index.js";

/** The whole stats object with every counter at 0 and no redactions by kind, then `counters`. */
export function statsWith(counters: Partial<TrajectoryLoggerStats>): TrajectoryLoggerStats {
  return {
    sessionsStarted: 0,
    sessionsLogged: 0,
    sessionsSampledOut: 0,
    sessionsDropped: 0,
    redactions: 0,
    redactionsByKind: {},
    truncations: 0,
    unknownKeys: 0,
    unknownKeysByName: {},
    invalidValues: 0,
    unreadableValues: 0,
    linesWritten: 0,
    bytesWritten: 0,
    linesDropped: 0,
    linesFailed: 0,
    writeErrors: 0,
    bufferedBytes: 0,
    openFiles: 0,
    ...counters,
  };
}
