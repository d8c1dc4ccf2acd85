/**
 * Synchronous positional writes, for the only places that may block: process exit, and
 * worker threads (see `Writer`).
 */
import fs from "node:fs";
import { scratchSpace } from "./encode-lines.js";
import type { LineText } from "./serialize/line-text.js";

const utf8 = new TextEncoder();

/**
 * @internal Writes queued lines, in order, from `position`, without ever holding them all in one piece:
 * text is encoded into the scratch space and written a scratch-full at a time, and encoded
 * Buffers are written as they are (small ones packed in with the text). Used at exit, when the
 * buffer may be full: joining 64 MiB of lines, or encoding them all at once, would double or
 * triple the process's memory just as it ends, and a memory-limited container would kill it
 * there with nothing written. Returns the bytes written.
 */
export function writeLinesSync(fd: number, lines: ReadonlyArray<LineText | Buffer>, position: number): number {
  const out = scratchSpace();
  let used = 0;
  let total = 0;
  const writeOut = (): void => {
    writeAllSync(fd, out, position + total, used);
    total += used;
    used = 0;
  };
  const putBytes = (bytes: Buffer): void => {
    if (bytes.length <= out.length - used) {
      used += bytes.copy(out, used);
      return;
    }
    if (used > 0) writeOut();
    writeAllSync(fd, bytes, position + total);
    total += bytes.length;
  };
  const putText = (text: string): void => {
    for (let from = 0; ; ) {
      const { read, written } = utf8.encodeInto(from === 0 ? text : text.slice(from), out.subarray(used));
      used += written;
      from += read;
      if (from >= text.length) return;
      writeOut();
    }
  };
  for (const line of lines) {
    if (typeof line === "string") putText(line);
    else if (Buffer.isBuffer(line)) putBytes(line);
    else for (const piece of line) typeof piece === "string" ? putText(piece) : putBytes(piece);
  }
  if (used > 0) writeOut();
  return total;
}

/** @internal Writes `length` bytes of `buf` at `position`, however many calls it takes. */
export function writeAllSync(fd: number, buf: Buffer, position: number, length: number = buf.length): void {
  let offset = 0;
  while (offset < length) {
    const n = fs.writeSync(fd, buf, offset, length - offset, position + offset);
    if (n <= 0) throw Object.assign(new Error("write made no progress"), { code: "EIO" });
    offset += n;
  }
}
