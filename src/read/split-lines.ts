/** Splitting a session file's bytes into lines, shared by the reader and `trajlog validate`. */

/** One line of a file, without its `\n`. */
export interface RawLine {
  /** 1-based line number. */
  line: number;
  text: string;
  /** True for a last line that has no `\n`: a write cut short, when it is not valid JSON. */
  torn: boolean;
}

/**
 * The lines of `bytes`, decoded as UTF-8, one at a time. The whole file is decoded at once:
 * one large decode is much faster than one per line, and a session is held in memory anyway.
 */
export function* splitLines(bytes: Uint8Array): Generator<RawLine> {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  let start = 0;
  let line = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    const torn = end === -1;
    if (torn) end = text.length;
    line++;
    yield { line, text: text.slice(start, end), torn };
    start = end + 1;
  }
}
