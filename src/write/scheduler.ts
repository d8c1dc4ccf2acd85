/**
 * The write scheduler: when files are written.
 *
 * Every write costs the event loop's thread a dispatch through libuv's pool (about three times
 * what a synchronous write costs it), whatever its size, so lines are gathered and written in
 * few, large writes: a file is written when someone waits for it (`finalize`, `flush`), when
 * it holds a batch's worth of lines, when the buffer is half full, or once its oldest line has
 * waited {@link LINGER_MS}. Lines logged in one turn of the event loop are looked at together
 * on the next.
 *
 * Each file has at most one write in flight, and there is no cap across files: the event loop
 * hears back from libuv's pool only between the application's turns, so a cap of N writes in
 * flight let through at most N writes per turn, however fast the disk, and a loop logging for
 * a thousand sessions a turn filled the buffer and dropped lines. libuv works through the
 * writes while the application runs; what they hold is bounded by `maxBufferBytes`.
 */
import type { FileHandle } from "./file-handle.js";

/**
 * @internal How long a line may wait in memory for more lines to share its write, in ms. A
 * process that ends meanwhile writes it at exit; `flush()` and `finalize()` do not wait.
 */
export const LINGER_MS = 200;

/** @internal What the scheduler asks of the writer. */
export interface SchedulerHooks {
  /** The next turn of the event loop has come for a file that logged lines. */
  drain(file: FileHandle): void;
  /** The buffer is filling up: a file holding lines that are not due may write now. */
  start(file: FileHandle): void;
}

/** @internal Decides when each file is written. */
export class WriteScheduler {
  /** Files that logged lines since the last turn. */
  #pending = new Set<FileHandle>();
  #immediate: NodeJS.Immediate | null = null;
  /** Files holding lines that are not due yet. */
  readonly #lingering = new Set<FileHandle>();
  #timer: NodeJS.Timeout | null = null;

  constructor(readonly hooks: SchedulerHooks) {}

  /** Files that logged lines since the last turn. */
  get pending(): Iterable<FileHandle> {
    return this.#pending;
  }

  /** Has `file` drained on the next turn: one immediate for all files. */
  schedule(file: FileHandle): void {
    if (this.#pending.has(file)) return;
    this.#pending.add(file);
    this.#immediate ??= setImmediate(this.#drain);
  }

  readonly #drain = (): void => {
    this.#immediate = null;
    const files = this.#pending;
    this.#pending = new Set();
    for (const file of files) this.hooks.drain(file);
  };

  /** `file` holds lines that are not due: it is looked at again once they have waited long enough. */
  linger(file: FileHandle): void {
    this.#lingering.add(file);
    if (this.#timer === null) {
      this.#timer = setTimeout(this.#wake, LINGER_MS);
      // The process may end meanwhile: the exit flush writes these lines.
      this.#timer.unref();
    }
  }

  /** Every lingering file is looked at now (the buffer is filling up). */
  wakeAll(): void {
    const files = Array.from(this.#lingering);
    this.#lingering.clear();
    for (const file of files) this.hooks.start(file);
  }

  /**
   * Files whose lines have waited long enough are handed to the next drain rather than written
   * here: timers run just before the event loop hears back from libuv's pool, so writing
   * hundreds of files in a timer (encoding and dispatching every one) would hold back every
   * `finalize` whose last write is already done.
   */
  readonly #wake = (): void => {
    this.#timer = null;
    const now = performance.now();
    for (const file of this.#lingering) {
      if (file.queue.empty || file.queue.since + LINGER_MS <= now) {
        this.#lingering.delete(file);
        this.schedule(file);
      }
    }
    if (this.#lingering.size > 0) {
      this.#timer = setTimeout(this.#wake, LINGER_MS);
      this.#timer.unref();
    }
  };
}
