/**
 * Reading a file's lines as a stream, with a cap on the length of one line: a line over the
 * cap is passed over (its bytes counted, never kept), so memory stays at about one chunk plus
 * one line however large the file or its lines are.
 */
import { open, type FileHandle } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import type { RawLine } from "./split-lines.js";

/** A line longer than the cap, passed over unread. */
export interface OverlongLine {
  /** 1-based line number. */
  line: number;
  /** Its length in bytes, without the `\n`. */
  overlong: number;
  /** True when it is the last line and has no `\n`. */
  torn: boolean;
}

/**
 * Bytes read at a time, at most (a small file gets a buffer of its own size). Large reads
 * matter when passing over a huge line: each read is a trip through the thread pool.
 */
const DEFAULT_CHUNK_BYTES = 8 << 20;
const NEWLINE = 0x0a;
/** Bytes read at a time when looking for the end of a file's first line. */
const FIRST_LINE_CHUNK = 64 * 1024;

/** The UTF-8 length of `text`, computed only when its UTF-16 length leaves it in doubt. */
function overCap(text: string, cap: number): boolean {
  if (text.length > cap) return true;
  if (text.length * 3 <= cap) return false;
  return Buffer.byteLength(text, "utf8") > cap;
}

/**
 * The lines of `file`, a chunk's worth at a time, in order. Lines are decoded as UTF-8 (a
 * whole run of lines per decode, which is much faster than one decode per line). Rejects
 * when the file cannot be opened or read, or with what `onSize` throws: it is given the
 * file's size once it is open, before anything is read (one stat for both, on the open file).
 * `chunkBytes` is for tests of chunk boundaries.
 */
export async function* readFileLines(
  file: string,
  maxLineBytes: number,
  chunkBytes = DEFAULT_CHUNK_BYTES,
  onSize?: (size: number) => void,
): AsyncGenerator<(RawLine | OverlongLine)[]> {
  const handle = await open(file, "r");
  try {
    const stats = await handle.stat();
    const { size } = stats;
    onSize?.(size);
    // One byte more than the file, so that a file read whole is known to be at its end.
    const chunk = Buffer.allocUnsafe(Math.max(1, Math.min(chunkBytes, size + 1)));
    /** A short read of a regular file is its end: no second read to be told so. */
    const regular = stats.isFile();
    /** The start of a line that continues into the next chunk (copied: the chunk is reused). */
    let head: Buffer[] = [];
    let headBytes = 0;
    /** Bytes of a line over the cap, being passed over; -1 when not passing one over. */
    let skipping = -1;
    let line = 0;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      const atEnd = regular && bytesRead < chunk.length;
      const data = chunk.subarray(0, bytesRead);
      const out: (RawLine | OverlongLine)[] = [];
      let start = 0;
      const first = data.indexOf(NEWLINE);
      if (skipping >= 0 || headBytes > 0) {
        // The line that began in an earlier chunk.
        const end = first === -1 ? bytesRead : first;
        if (skipping >= 0) skipping += end;
        else if (headBytes + end > maxLineBytes) (skipping = headBytes + end), (head = []), (headBytes = 0);
        else if (first === -1) head.push(Buffer.from(data)), (headBytes += bytesRead);
        if (first === -1) {
          if (atEnd) break;
          continue;
        }
        line++;
        if (skipping >= 0) out.push({ line, overlong: skipping, torn: false });
        else out.push({ line, text: Buffer.concat([...head, data.subarray(0, first)]).toString("utf8"), torn: false });
        skipping = -1;
        head = [];
        headBytes = 0;
        start = first + 1;
      }
      const last = data.lastIndexOf(NEWLINE);
      if (last >= start) {
        // Whole lines, all shorter than a chunk: one decode, then split.
        const decoded = data.toString("utf8", start, last);
        let from = 0;
        for (;;) {
          const nl = decoded.indexOf("\n", from);
          const text = decoded.slice(from, nl === -1 ? decoded.length : nl);
          line++;
          if (overCap(text, maxLineBytes)) out.push({ line, overlong: Buffer.byteLength(text, "utf8"), torn: false });
          else out.push({ line, text, torn: false });
          if (nl === -1) break;
          from = nl + 1;
        }
        start = last + 1;
      }
      if (start < bytesRead) {
        const rest = bytesRead - start;
        if (rest > maxLineBytes) skipping = rest;
        else head.push(Buffer.from(data.subarray(start))), (headBytes = rest);
      }
      if (out.length > 0) yield out;
      if (atEnd) break;
    }
    if (skipping >= 0) yield [{ line: line + 1, overlong: skipping, torn: true }];
    else if (headBytes > 0) {
      const decoder = new StringDecoder("utf8");
      const text = decoder.write(Buffer.concat(head)) + decoder.end();
      yield [overCap(text, maxLineBytes) ? { line: line + 1, overlong: headBytes, torn: true } : { line: line + 1, text, torn: true }];
    }
  } finally {
    await handle.close();
  }
}

/** `n` bytes in a short human form (`12.5 MiB`). */
export function formatBytes(n: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) (value /= 1024), unit++;
  return unit === 0 ? `${n} bytes` : `${Number(value.toFixed(1))} ${units[unit]}`;
}

/**
 * The first line of an open file, without its `\n`, read in chunks of at most 64 KiB: null
 * when the file has no newline within its first `maxBytes` (a line longer than that is not
 * looked at). `wholeFile` says the file ended first, so that a file of one line without its
 * newline can still be taken whole when the caller allows it.
 */
export async function readFirstLine(handle: FileHandle, maxBytes: number, wholeFile = false): Promise<Buffer | null> {
  const parts: Buffer[] = [];
  let position = 0;
  while (position < maxBytes) {
    const buffer = Buffer.allocUnsafe(Math.min(FIRST_LINE_CHUNK, maxBytes - position));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
    if (bytesRead === 0) return wholeFile && position > 0 ? Buffer.concat(parts) : null;
    const chunk = buffer.subarray(0, bytesRead);
    const end = chunk.indexOf(NEWLINE);
    if (end !== -1) {
      parts.push(chunk.subarray(0, end));
      return Buffer.concat(parts);
    }
    parts.push(chunk);
    position += bytesRead;
  }
  return null;
}
