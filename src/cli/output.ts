/**
 * Where a command's data goes: a file (`-o FILE`) or stdout, written with backpressure so
 * that a slow reader never makes the export hold its output in memory.
 */
import { createWriteStream } from "node:fs";
import { once } from "node:events";

/** A text sink with backpressure. */
export class TextOutput {
  /** `stdout` when writing to stdout, else the file's path. */
  readonly label: string;
  readonly #stream: NodeJS.WritableStream;
  readonly #ownsStream: boolean;
  #error: Error | null = null;
  /** Set when the reader of stdout went away (e.g. `| head`): further writes are dropped. */
  closedByReader = false;

  private constructor(stream: NodeJS.WritableStream, label: string, owns: boolean) {
    this.#stream = stream;
    this.label = label;
    this.#ownsStream = owns;
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") this.closedByReader = true;
      else this.#error = error;
    });
  }

  /** Opens `file` for writing (replacing it), or wraps `stdout` when `file` is undefined or `-`. */
  static async open(file: string | undefined, stdout: NodeJS.WritableStream): Promise<TextOutput> {
    if (file === undefined || file === "-") return new TextOutput(stdout, "stdout", false);
    const stream = createWriteStream(file, { highWaterMark: 1 << 20 });
    await once(stream, "open");
    return new TextOutput(stream, file, true);
  }

  /** Writes text; waits when the destination is behind. Rejects on a write error. */
  async write(text: string): Promise<void> {
    if (this.#error !== null) throw this.#error;
    if (this.closedByReader) return;
    if (!this.#stream.write(text)) {
      await Promise.race([once(this.#stream, "drain"), once(this.#stream, "close")]);
    }
    if (this.#error !== null) throw this.#error;
  }

  /** Finishes the file (stdout is left open). Rejects on a write error. */
  async close(): Promise<void> {
    if (this.#ownsStream) {
      this.#stream.end();
      await Promise.race([once(this.#stream, "finish"), once(this.#stream, "error")]);
    }
    if (this.#error !== null) throw this.#error;
  }
}
