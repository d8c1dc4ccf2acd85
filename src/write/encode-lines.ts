/**
 * Line encoding: text to UTF-8, through one reused scratch buffer.
 */
import type { LineText } from "./serialize/line-text.js";

/** Scratch space lines are encoded into; reused, grown on demand up to {@link MAX_SCRATCH}. */
let scratch = Buffer.allocUnsafeSlow(256 * 1024);
const MAX_SCRATCH = 16 * 1024 * 1024;

/** @internal The shared scratch buffer, for the synchronous writes that encode through it. */
export function scratchSpace(): Buffer {
  return scratch;
}

/**
 * @internal The UTF-8 bytes of `lines`, in order, in a buffer of exactly their size. `chars` is their
 * size as the queue counts it (UTF-16 units of text, bytes of Buffers).
 *
 * Each string is encoded once, straight into scratch space, then copied out: no joined
 * string and no separate length pass, which `Buffer.from(lines.join(""))` both cost. The
 * copy is a plain memcpy, several times cheaper than encoding, and keeps what a write holds
 * in memory at its true size.
 */
export function encodeLines(lines: ReadonlyArray<LineText>, chars: number): Buffer {
  // A UTF-16 code unit never takes more than 3 bytes of UTF-8 (bytes are counted as they are).
  const max = chars * 3;
  // Past the scratch space's largest size, a buffer would be made for these lines alone: made
  // at their exact size instead and encoded into, rather than copied out of one three times
  // their size (measuring the text is a fraction of copying it, and of touching new memory).
  if (max > MAX_SCRATCH) return encodeInto(Buffer.allocUnsafe(utf8Size(lines)), lines);
  let target = scratch;
  if (max > scratch.length) {
    target = Buffer.allocUnsafeSlow(max);
    scratch = target;
  }
  const n = encodeAt(target, lines);
  const out = Buffer.allocUnsafe(n);
  target.copy(out, 0, 0, n);
  return out;
}

/** `target`, with the UTF-8 of `lines` written at its start. */
function encodeInto(target: Buffer, lines: ReadonlyArray<LineText>): Buffer {
  encodeAt(target, lines);
  return target;
}

/** Writes the UTF-8 of `lines` at the start of `target` (room enough); returns its size. */
function encodeAt(target: Buffer, lines: ReadonlyArray<LineText>): number {
  let n = 0;
  for (const line of lines) {
    if (typeof line === "string") {
      n += target.write(line, n, "utf8");
      continue;
    }
    for (const piece of line) n += typeof piece === "string" ? target.write(piece, n, "utf8") : piece.copy(target, n);
  }
  return n;
}

/** The UTF-8 size of `lines`. */
function utf8Size(lines: ReadonlyArray<LineText>): number {
  let n = 0;
  for (const line of lines) {
    if (typeof line === "string") {
      n += Buffer.byteLength(line);
      continue;
    }
    for (const piece of line) n += typeof piece === "string" ? Buffer.byteLength(piece) : piece.length;
  }
  return n;
}
