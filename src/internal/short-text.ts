/** One-line summaries of texts, for titles and step descriptions. */

/** The first line of `text` that is not blank (trimmed) and that `keep` accepts; null when none is. */
export function firstLine(text: string, keep: (line: string) => boolean = () => true): string | null {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end).trim();
    if (line !== "" && keep(line)) return line;
    start = end + 1;
  }
  return null;
}

/** `text` cut to at most `max` characters (code points), ending with `…` when cut. */
export function cutChars(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}
