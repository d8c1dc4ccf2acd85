/** Short quotes of file content for problem reports. */

/** The start of a text, JSON-quoted so control characters show, cut at `max` characters. */
export function excerpt(text: string, max = 40): string {
  return text.length > max ? `${JSON.stringify(text.slice(0, max))}…` : JSON.stringify(text);
}
