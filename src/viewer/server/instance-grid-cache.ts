/**
 * The instance grid's answers, kept serialized. An instance over hundreds of steps answers
 * with about a megabyte of JSON; building and serializing it again for every request costs
 * more than any other page. An answer is reused while the instance's rows are the same set,
 * unchanged since (see {@link RowGroups.changes}), and no live session in it has stopped being
 * live (the only part of the answer that changes with the time alone).
 */
import type { SessionRow } from "./session-row.js";

/** Answers kept at most, and their bytes at most: a few instances looked at in turn. */
const MAX_ENTRIES = 32;
const MAX_BYTES = 64 * 1024 * 1024;

interface Entry {
  rows: ReadonlySet<SessionRow>;
  changes: number;
  /** Last epoch ms at which every live session in the answer is still live (Infinity: none is). */
  expiresAt: number;
  body: Buffer;
}

/** Serialized instance grids by experiment and instance, least recently used dropped first. */
export class InstanceGridCache {
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;

  /**
   * The answer for `rows` (the instance's current row set, changed `changes` times): the kept
   * one when still valid, else `build()`'s, kept for next time. `build` returns the JSON text
   * and when it expires.
   */
  get(
    experiment: string,
    instance: string,
    rows: ReadonlySet<SessionRow>,
    changes: number,
    now: number,
    build: () => { json: string; expiresAt: number },
  ): Buffer {
    const key = JSON.stringify([experiment, instance]);
    const kept = this.#entries.get(key);
    if (kept !== undefined) {
      this.#delete(key, kept);
      if (kept.rows === rows && kept.changes === changes && now <= kept.expiresAt) {
        this.#entries.set(key, kept);
        this.#bytes += kept.body.length;
        return kept.body;
      }
    }
    const { json, expiresAt } = build();
    const body = Buffer.from(json);
    if (body.length > MAX_BYTES) return body;
    this.#entries.set(key, { rows, changes, expiresAt, body });
    this.#bytes += body.length;
    for (const [oldKey, old] of this.#entries) {
      if (this.#entries.size <= MAX_ENTRIES && this.#bytes <= MAX_BYTES) break;
      this.#delete(oldKey, old);
    }
    return body;
  }

  #delete(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= entry.body.length;
  }
}
