/**
 * Session directories, made once each: every file of a step shares one `mkdir`.
 */
import { makeDir } from "../internal/make-dir.js";

/**
 * Directories remembered: a run makes one per step for as long as it trains, and forgetting
 * an old one costs at most one `mkdir` answered EEXIST.
 */
const REMEMBERED = 64;

/** @internal The directories made (or being made), by path; the latest {@link REMEMBERED}. */
export class Directories {
  readonly #made = new Map<string, Promise<void>>();

  /** Resolves once `dir` exists. A failure is not remembered: the next file tries again. */
  ensure(dir: string): Promise<void> {
    let ready = this.#made.get(dir);
    if (ready === undefined) {
      ready = makeDir(dir);
      const made = ready;
      made.catch(() => {
        if (this.#made.get(dir) === made) this.#made.delete(dir);
      });
      if (this.#made.size >= REMEMBERED) this.#made.delete(this.#made.keys().next().value as string);
      this.#made.set(dir, ready);
    }
    return ready;
  }

  /** `dir` was removed behind our back: the next file in it makes it again. */
  forget(dir: string): void {
    this.#made.delete(dir);
  }
}
