/**
 * One session file as the writer sees it: its path, its queue, and where it is in its life,
 * as one state.
 */
import path from "node:path";
import type { BufferBudget } from "./buffer-budget.js";
import { LineQueue, type TakenLines } from "./line-queue.js";

/** @internal A write in flight: its bytes, and where they go. */
export interface Chunk extends TakenLines {
  /** Offset in the file where it goes. */
  readonly pos: number;
}

/**
 * @internal A chunk's write, in flight until it comes back: `outcome` is then null (written) or
 * the error. A file has at most two: its tail may follow a write in flight when someone waits
 * for the file (positional writes to distinct offsets do not interfere).
 */
export interface Flight {
  readonly chunk: Chunk;
  outcome: NodeJS.ErrnoException | null | undefined;
}

/**
 * @internal Where a file is in its life. Only the states that hold a descriptor carry one, so that
 * holding a descriptor and being in a state that has one cannot disagree.
 *
 * - `closed`: no descriptor, nothing in flight (the file may exist: see {@link FileHandle.created}).
 * - `awaiting-descriptor`: queued in the descriptor pool for a free descriptor.
 * - `opening`: its directory is being made or the file opened.
 * - `open`: a descriptor held, nothing in flight (the only state in which it may be taken away).
 * - `writing`: one write in flight, or two (see {@link Flight}), in file order.
 * - `done`: finished, or settled by the exit flush; nothing may touch the file again.
 * - `failed`: an I/O error lost its lines; later ones are counted as failed.
 */
export type HandleState =
  | { readonly kind: "closed" }
  | { readonly kind: "awaiting-descriptor" }
  | { readonly kind: "opening" }
  | { readonly kind: "open"; readonly fd: number }
  | { readonly kind: "writing"; readonly fd: number; readonly flights: Flight[] }
  | { readonly kind: "done" }
  | { readonly kind: "failed" };

/** @internal The states without data, shared. */
export const CLOSED: HandleState = Object.freeze({ kind: "closed" });
/** @internal */
export const AWAITING_DESCRIPTOR: HandleState = Object.freeze({ kind: "awaiting-descriptor" });
/** @internal */
export const OPENING: HandleState = Object.freeze({ kind: "opening" });
/** @internal */
export const DONE: HandleState = Object.freeze({ kind: "done" });
/** @internal */
export const FAILED: HandleState = Object.freeze({ kind: "failed" });

/** @internal The descriptor a state holds, or -1. */
export function heldFd(state: HandleState): number {
  return state.kind === "open" || state.kind === "writing" ? state.fd : -1;
}

/** Someone waiting for the lines queued up to `seq` to settle. */
interface Waiter {
  readonly seq: number;
  readonly resolve: () => void;
}

/** @internal One session file. Created by `Writer.createFile`. */
export class FileHandle {
  /** Absolute path; changes only if the first choice already existed. */
  path: string;
  readonly dir: string;
  state: HandleState = CLOSED;
  readonly queue: LineQueue;
  /** The file exists on disk (our exclusive create succeeded): later opens reopen it. */
  created = false;
  /** End of the last write known complete: where the next one goes. */
  pos = 0;
  /** Fresh names tried after a collision. */
  renames = 0;
  /** The directory was made again after an open found it gone (once per file). */
  remadeDir = false;
  /** The create lane's job making this file, while it is under way (see `Writer.#open`). */
  laneJob: number | undefined;
  /** Lines of this file refused by the buffer cap. */
  dropped = 0;
  /** Lines queued, ever. */
  enqueued = 0;
  /** Lines written or lost, ever. */
  settled = 0;
  /**
   * What this file's next batch is scaled by, between 0.5 and 1.5 (1 on average): a new value
   * after each write, from a low-discrepancy sequence, so that files logging in step drift
   * apart and their writes spread over turns instead of all landing in one.
   */
  batchScale = nextScale();
  #waiters: Waiter[] = [];
  /** Null until the file is asked to end; then who waits for it to be complete. */
  #endWaiters: Array<() => void> | null = null;

  constructor(
    filePath: string,
    /** A fresh path, for when this one is taken. */
    readonly rename: () => string,
    budget: BufferBudget,
  ) {
    this.path = filePath;
    this.dir = path.dirname(filePath);
    this.queue = new LineQueue(budget);
  }

  /** Done or failed: nothing more will be written. */
  get finished(): boolean {
    return this.state.kind === "done" || this.state.kind === "failed";
  }

  /** Asked to end: once its lines are out, its descriptor is closed. */
  get ending(): boolean {
    return this.#endWaiters !== null;
  }

  /**
   * Someone waits for this file's lines: it is ending, or a `flush()` waits for it. Its writes
   * go before those of files that are only logging.
   */
  get urgent(): boolean {
    return this.#endWaiters !== null || this.#waiters.length > 0;
  }

  /** Asks the file to end; resolves once it is complete (or lost). */
  whenEnded(): Promise<void> {
    const waiters = (this.#endWaiters ??= []);
    return new Promise<void>((resolve) => waiters.push(resolve));
  }

  /** The file is complete, or lost: everyone waiting for its end goes on. */
  resolveEnded(): void {
    const waiters = this.#endWaiters;
    if (waiters === null) return;
    this.#endWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Its lines are taken for a write: the batch after them gets a scale of its own. */
  nextBatch(): void {
    this.batchScale = nextScale();
  }

  /** Resolves once every line queued so far is settled; null when they all are. */
  whenSettled(): Promise<void> | null {
    if (this.settled >= this.enqueued) return null;
    const seq = this.enqueued;
    return new Promise<void>((resolve) => this.#waiters.push({ seq, resolve }));
  }

  /** `lines` more lines are written or lost (all of them when omitted). */
  settle(lines: number = this.enqueued - this.settled): void {
    this.settled += lines;
    if (this.#waiters.length === 0) return;
    const still: Waiter[] = [];
    for (const waiter of this.#waiters) {
      if (waiter.seq <= this.settled) waiter.resolve();
      else still.push(waiter);
    }
    this.#waiters = still;
  }
}

/** Position in the sequence {@link nextScale} walks, shared by all files. */
let scaleStep = 0;
/** The golden ratio's fractional part: its multiples modulo 1 spread evenly over [0, 1). */
const GOLDEN = 0.6180339887498949;

/** The next batch scale, in [0.5, 1.5): deterministic, and evenly spread however many are taken. */
function nextScale(): number {
  scaleStep = (scaleStep + GOLDEN) % 1;
  return 0.5 + scaleStep;
}
