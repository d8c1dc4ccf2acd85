/** The few session files open in the trajectory pages, indexed once and kept while in use. */
import { SessionLines } from "./session-lines.js";

/** Session files kept indexed at once. */
export const CACHED_SESSIONS = 8;

/** Least-recently-used cache of {@link SessionLines}, each brought up to date when taken. */
export class SessionLinesCache {
  readonly #entries = new Map<string, SessionLines>();
  readonly #capacity: number;

  constructor(capacity: number = CACHED_SESSIONS) {
    this.#capacity = capacity;
  }

  /** The indexed file at `file`, with whatever was appended since it was last taken. */
  async get(file: string): Promise<SessionLines> {
    let lines = this.#entries.get(file);
    if (lines !== undefined) this.#entries.delete(file);
    else lines = new SessionLines(file);
    this.#entries.set(file, lines);
    while (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    try {
      await lines.update();
    } catch (error) {
      this.#entries.delete(file);
      throw error;
    }
    return lines;
  }
}
