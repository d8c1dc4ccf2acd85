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
  let target = scratch;
  if (max > scratch.length) {
    target = Buffer.allocUnsafeSlow(max);
    if (max <= MAX_SCRATCH) scratch = target;
  }
  let n = 0;
  for (const line of lines) {
    if (typeof line === "string") {
      n += target.write(line, n, "utf8");
      continue;
    }
    for (const piece of line) n += typeof piece === "string" ? target.write(piece, n, "utf8") : piece.copy(target, n);
  }
  const out = Buffer.allocUnsafe(n);
  target.copy(out, 0, 0, n);
  return out;
}
