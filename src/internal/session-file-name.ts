/**
 * Reading back what a session file's name says: `<instance>_<YYYYMMDD_HHMMSS>_<suffix>.jsonl`.
 * The inverse of `sessionId` in `paths.ts`, used to sort and filter without opening files.
 */

/** The parts of a session file name; `startedAt` is null when the name does not follow the pattern. */
export interface SessionFileName {
  /** The file name without `.jsonl`. */
  sessionId: string;
  /** The instance id as made safe for the file name (the metadata line keeps the original). */
  instance: string | null;
  /** Start time to the second, as an ISO string (`2026-02-19T14:30:00Z`). */
  startedAt: string | null;
}

const NAME = /^(.*)_(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})_([0-9A-Za-z]+)$/;

/** Splits a session file name (with or without `.jsonl`) into its parts. */
export function parseSessionFileName(fileName: string): SessionFileName {
  const sessionId = fileName.endsWith(".jsonl") ? fileName.slice(0, -".jsonl".length) : fileName;
  const m = NAME.exec(sessionId);
  if (m === null) return { sessionId, instance: null, startedAt: null };
  const [, instance, y, mo, d, h, mi, s] = m;
  return { sessionId, instance: instance ?? null, startedAt: `${y}-${mo}-${d}T${h}:${mi}:${s}Z` };
}
