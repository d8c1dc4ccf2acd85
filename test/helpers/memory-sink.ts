/**
 * An in-memory {@link SessionSink}: a session's lines kept as text, for tests of session
 * behaviour that need no disk. It refuses lines the way the writer does: iteration lines when
 * told the buffer is full, every line after `end()`.
 */
import type { LineText } from "../../src/write/serialize/line-text.js";
import type { SessionSink } from "../../src/write/sink.js";

export class MemorySink implements SessionSink {
  readonly path: string;
  dropped = 0;
  /** Every line kept, as text. */
  readonly lines: string[] = [];
  /** Lines offered after `end()`. */
  late = 0;
  /** Acts as a full buffer: iteration lines are refused (metadata and summary are not). */
  full = false;
  /** Refuses the next this many iteration lines, as a full buffer would refuse a large one. */
  refuseNext = 0;
  ended = false;

  constructor(file = "/memory/exp/step_0/a_1.jsonl") {
    this.path = file;
  }

  append(line: LineText, essential: boolean): boolean {
    if (this.ended) {
      this.late++;
      return false;
    }
    if (!essential && (this.full || this.refuseNext > 0)) {
      if (this.refuseNext > 0) this.refuseNext--;
      this.dropped++;
      return false;
    }
    this.lines.push(typeof line === "string" ? line : line.map((piece) => piece.toString()).join(""));
    return true;
  }

  refuseIfFull(): boolean {
    if (!this.full || this.ended) return false;
    this.dropped++;
    return true;
  }

  end(): Promise<void> {
    this.ended = true;
    return Promise.resolve();
  }

  /** The lines kept, parsed. */
  parsed(): Array<Record<string, unknown>> {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** The lines kept, as a file's bytes. */
  bytes(): Buffer {
    return Buffer.from(this.lines.join(""));
  }
}
