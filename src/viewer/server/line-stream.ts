/**
 * Reading a byte range of a session file one complete line at a time, with one line in
 * memory at most: what the index's measuring of large files and the search both need.
 */
import { constants } from "node:fs";
import { open } from "node:fs/promises";

const NEWLINE = 0x0a;
const CHUNK = 64 * 1024;

/** One complete line: its bytes (the newline included) and the offset just after it. */
export interface StreamedLine {
  bytes: Buffer;
  end: number;
}

/**
 * The complete lines of bytes [from, to). A last line without its newline is still being
 * written and is not given; a line longer than `maxLine` bytes is skipped without being held.
 * Stops early when `signal` aborts.
 */
export async function* streamLines(
  file: string,
  from: number,
  to: number,
  maxLine: number,
  signal?: AbortSignal,
): AsyncGenerator<StreamedLine> {
  if (to <= from) return;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let position = from;
  // A file replaced by a symbolic link since it was indexed is not followed out of the log directory.
  const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  const stream = handle.createReadStream({ start: from, end: to - 1, highWaterMark: CHUNK });
  try {
    for await (const chunk of stream) {
      if (signal?.aborted === true) return;
      const bytes = chunk as Buffer;
      let at = 0;
      for (let nl = bytes.indexOf(NEWLINE); nl !== -1; nl = bytes.indexOf(NEWLINE, at)) {
        if (pendingBytes + nl - at <= maxLine) {
          pending.push(bytes.subarray(at, nl + 1));
          yield { bytes: pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending), end: position + nl + 1 };
        }
        pending = [];
        pendingBytes = 0;
        at = nl + 1;
      }
      if (at < bytes.length && pendingBytes <= maxLine) {
        pending.push(bytes.subarray(at));
        pendingBytes += bytes.length - at;
      }
      position += bytes.length;
    }
  } finally {
    stream.destroy();
    await handle.close().catch(() => undefined);
  }
}
