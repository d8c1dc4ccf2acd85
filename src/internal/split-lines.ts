/** Splitting a session file's bytes into lines, shared by the reader and `trajlog validate`. */

/** One line of a file, without its `\n`. */
export interface RawLine {
  /** 1-based line number. */
  line: number;
  text: string;
  /** True for a last line that has no `\n`: a write cut short, when it is not valid JSON. */
  torn: boolean;
}

const NEWLINE = 0x0a;

/** The lines of `bytes`, decoded as UTF-8, one at a time. */
export function* splitLines(bytes: Buffer): Generator<RawLine> {
  let start = 0;
  let line = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(NEWLINE, start);
    const torn = end === -1;
    if (torn) end = bytes.length;
    line++;
    yield { line, text: bytes.toString("utf8", start, end), torn };
    start = end + 1;
  }
}
