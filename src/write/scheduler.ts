/**
 * The write scheduler: when files are written. Lines logged in one turn of the event loop go
 * out together on the next (one write per file), and at most {@link MAX_WRITES_IN_FLIGHT}
 * writes are in flight across all files.
 */
import type { FileHandle } from "./file-handle.js";

/**
 * @internal Writes in flight at once, across all files: half of libuv's default thread pool (4).
 * Each write costs a round trip through the pool whatever its size, so with many files
 * logging at once, one write per file per event loop turn costs more than the copying
 * itself; files waiting for a turn batch their lines instead.
 */
export const MAX_WRITES_IN_FLIGHT = 2;

/** @internal What the scheduler asks of the writer. */
export interface SchedulerHooks {
  /** The next turn of the event loop has come for a file that logged lines. */
  drain(file: FileHandle): void;
  /** A file may write now (its turn came, or it never had to wait). */
  start(file: FileHandle): void;
}

/** @internal Decides when each file is written. */
export class WriteScheduler {
  #inFlight = 0;
  /** Files with lines to write and a descriptor, waiting for a write turn, first come first served. */
  readonly #waiting: FileHandle[] = [];
  /** Files that logged lines since the last turn. */
  #pending = new Set<FileHandle>();
  #immediate: NodeJS.Immediate | null = null;

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

  /** True when a write may start now. */
  get hasTurn(): boolean {
    return this.#inFlight < MAX_WRITES_IN_FLIGHT;
  }

  /** Queues `file`, which holds `fd` and has lines, for the next write turn. */
  waitTurn(file: FileHandle, fd: number): void {
    file.state = { kind: "awaiting-turn", fd };
    this.#waiting.push(file);
  }

  /** A write starts. */
  began(): void {
    this.#inFlight++;
  }

  /** A write finished (or failed): its turn goes to the files waiting, in order. */
  ended(): void {
    this.#inFlight--;
    while (this.#inFlight < MAX_WRITES_IN_FLIGHT && this.#waiting.length > 0) {
      const file = this.#waiting.shift() as FileHandle;
      const state = file.state;
      // Settled meanwhile (by the exit flush, or failed): it waits for nothing any more.
      if (state.kind !== "awaiting-turn") continue;
      file.state = { kind: "open", fd: state.fd };
      this.hooks.start(file);
    }
  }

  /** A write's callback came after the exit flush settled its file: the turn is only counted. */
  abandoned(): void {
    this.#inFlight--;
  }
}
