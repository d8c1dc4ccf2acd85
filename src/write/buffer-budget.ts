/**
 * The bound on memory: everything queued or in flight, across files, against `maxBufferBytes`.
 */

/**
 * Text logged in one turn of the event loop and not yet encoded, across files, in UTF-16
 * units: past it, it is encoded at once rather than on the next turn. Encoding a string first
 * makes a flat copy of it (JSON text is built in pieces), so this bounds what the exit flush
 * can add to memory however much one turn logged.
 */
const MAX_UNENCODED_UNITS = 4 * 1024 * 1024;

/**
 * Text logged in one turn before the line just logged, not yet encoded: past it, it is
 * encoded at once too. Text still waiting is alive for every young-generation collection that
 * runs meanwhile, which copies it: encoded soon after it is built, it dies young, and its
 * Buffer is outside the JavaScript heap. The line just logged is left out, so that one long
 * line on its own is still encoded on the next turn, outside the call, up to the bound above.
 */
const MAX_EARLIER_UNITS = 1024 * 1024;

/** @internal What the writer holds in memory, as the cap counts it. Shared by every file's queue. */
export class BufferBudget {
  /** Size of every line queued or in flight: UTF-16 units until encoded, then bytes. */
  buffered = 0;
  /** UTF-16 units of lines queued as logged, not yet encoded. */
  unencoded = 0;

  constructor(readonly max: number) {}

  /** Lines counted `chars` are written, or lost: they no longer take memory. */
  release(chars: number): void {
    this.buffered -= chars;
  }

  /** True when a line of `size` may be queued. */
  fits(size: number): boolean {
    return this.buffered + size <= this.max;
  }

  /** True when the cap is reached: a line of any size would be refused. */
  get full(): boolean {
    return this.buffered >= this.max;
  }

  /** True past half the cap: every file writes what it holds rather than gathering more. */
  get pressed(): boolean {
    return this.buffered * 2 >= this.max;
  }

  /** True when so much text waits unencoded, a line of `size` just logged included, that it should be encoded now. */
  tooMuchUnencoded(size: number): boolean {
    return this.unencoded > MAX_UNENCODED_UNITS || this.unencoded - size > MAX_EARLIER_UNITS;
  }
}
