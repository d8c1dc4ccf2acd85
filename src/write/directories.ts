/**
 * Session directories, made once each: every file of a step shares one `mkdir`.
 */
import { makeDir } from "../internal/make-dir.js";

/** @internal The directories made (or being made), by path. */
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
      this.#made.set(dir, ready);
    }
    return ready;
  }

  /** `dir` was removed behind our back: the next file in it makes it again. */
  forget(dir: string): void {
    this.#made.delete(dir);
  }
}
