/** Bounded excerpts of long texts, measured in UTF-8 bytes, never splitting a character. */

/** A text cut to its start and its end, with what was cut. */
export interface Excerpt {
  text: string;
  /** UTF-8 bytes left out; 0 when the text was kept whole. */
  bytesCut: number;
}

/**
 * The text itself when it takes at most `maxBytes` UTF-8 bytes; else its first and last bytes
 * (three quarters of the room to the start, where outputs say what they are, one quarter to the
 * end, where errors and results land) around `marker(bytesCut)`. The excerpt, marker included,
 * stays within `maxBytes` unless the marker alone is longer.
 */
export function headTailExcerpt(text: string, maxBytes: number, marker: (bytesCut: number) => string): Excerpt {
  // A UTF-16 unit is at most 3 UTF-8 bytes: short texts need no encoding to be known to fit.
  if (text.length * 3 <= maxBytes) return { text, bytesCut: 0 };
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= maxBytes) return { text, bytesCut: 0 };
  // The marker's length depends on the count only through its digits: size it for the worst case.
  const room = Math.max(0, maxBytes - Buffer.byteLength(marker(bytes.length)));
  const head = charBoundary(bytes, Math.floor((room * 3) / 4), -1);
  let tail = charBoundary(bytes, bytes.length - (room - head), 1);
  if (tail < head) tail = head;
  const bytesCut = tail - head;
  return { text: bytes.toString("utf8", 0, head) + marker(bytesCut) + bytes.toString("utf8", tail), bytesCut };
}

/** The nearest index at or before (`direction` -1) or after (+1) `index` that starts a character. */
function charBoundary(bytes: Buffer, index: number, direction: -1 | 1): number {
  let i = Math.min(Math.max(index, 0), bytes.length);
  while (i > 0 && i < bytes.length && ((bytes[i] as number) & 0xc0) === 0x80) i += direction;
  return i;
}
