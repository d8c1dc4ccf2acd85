/**
 * One file's lines waiting for the disk, counted against the shared {@link BufferBudget}.
 */
import type { BufferBudget } from "./buffer-budget.js";
import { encodeLines } from "./encode-lines.js";
import type { LineText } from "./serialize/line-text.js";

/** @internal Lines taken from a queue to be written at once, with what they counted. */
export interface TakenLines {
  /** Their UTF-8, in order: one Buffer per turn of the event loop they were logged in. */
  readonly buffers: readonly Buffer[];
  /** Bytes in all of `buffers`. */
  readonly size: number;
  readonly lines: number;
  /** What they count against the budget until written or lost. */
  readonly chars: number;
}

/**
 * @internal Size of a line as the buffer cap counts it: UTF-16 units of text (never more than
 * their UTF-8 size, so the count is cheap and errs low only until the line is encoded), bytes
 * of Buffers.
 */
export function lineSize(line: LineText): number {
  if (typeof line === "string") return line.length;
  let size = 0;
  for (const piece of line) size += piece.length;
  return size;
}

/** @internal A file's queue. Every change to its size goes through here, and so to the budget. */
export class LineQueue {
  /**
   * Lines in order: as logged, and Buffers holding the UTF-8 of earlier ones (lines as logged
   * are only after the last Buffer).
   */
  #items: Array<LineText | Buffer> = [];
  #chars = 0;
  #lines = 0;
  #unencoded = 0;
  /** When the oldest line still queued was queued (`performance.now()`); meaningless when empty. */
  since = 0;

  constructor(readonly budget: BufferBudget) {}

  /** The queued lines, in order, for a synchronous write. */
  get items(): ReadonlyArray<LineText | Buffer> {
    return this.#items;
  }

  /** Size counted against the cap. */
  get chars(): number {
    return this.#chars;
  }

  /** Lines queued. */
  get lines(): number {
    return this.#lines;
  }

  get empty(): boolean {
    return this.#items.length === 0;
  }

  /** Queues one line of `size` (see `lineSize`). */
  push(line: LineText, size: number): void {
    if (this.#items.length === 0) this.since = performance.now();
    this.#items.push(line);
    this.#chars += size;
    this.#lines++;
    this.#unencoded += size;
    this.budget.buffered += size;
    this.budget.unencoded += size;
  }

  /**
   * Encodes the lines at the end of the queue into one Buffer, and counts its true size:
   * what waits in memory is held as UTF-8, which is what the cap counts, rather than as strings
   * of up to 2 bytes a unit.
   */
  encode(): void {
    const items = this.#items;
    let first = items.length;
    let chars = 0;
    for (let line = items[first - 1]; first > 0 && !Buffer.isBuffer(line); line = items[first - 1]) {
      first--;
      chars += lineSize(line as LineText);
    }
    if (first === items.length) return;
    const buf = encodeLines((first === 0 ? items : items.slice(first)) as LineText[], chars);
    items.length = first;
    items.push(buf);
    this.#chars += buf.length - chars;
    this.budget.buffered += buf.length - chars;
    this.#unencoded -= chars;
    this.budget.unencoded -= chars;
  }

  /**
   * Takes the whole queue as UTF-8 Buffers, for one gathering write (`writev`): not joined
   * into one, which would copy every byte once more and hold them twice meanwhile. What they
   * count stays counted until released.
   */
  take(): TakenLines {
    this.encode();
    const taken = { buffers: this.#items as Buffer[], size: this.#chars, lines: this.#lines, chars: this.#chars };
    this.clear();
    return taken;
  }

  /**
   * Empties the queue once its lines are written, or lost. What they counted against the
   * budget is left to the caller, which releases it once they are.
   */
  clear(): void {
    this.#items = [];
    this.#chars = 0;
    this.#lines = 0;
    this.budget.unencoded -= this.#unencoded;
    this.#unencoded = 0;
  }
}
