/**
 * Finding values in JSON text as `JSON.stringify` writes it (no whitespace), without parsing
 * it: where a string literal closes, where any value ends, an object's members and an array's
 * elements one by one.
 *
 * The caps work on a line's text. Parsing a line of megabytes to find a few of its values
 * builds an object per value of it, and writing it again costs as much once more; these read
 * the text where it is, and jump over string literals with `indexOf`.
 */

/** The index of the quote that closes the string literal opened at `open`; -1 when none does. */
export function closingQuote(text: string, open: number): number {
  let end = text.indexOf('"', open + 1);
  while (end !== -1 && isEscaped(text, end)) end = text.indexOf('"', end + 1);
  return end;
}

/** True when the character at `at` is escaped (an odd run of backslashes before it). */
export function isEscaped(text: string, at: number): boolean {
  let n = 0;
  for (let j = at - 1; text.charCodeAt(j) === 92; j--) n++;
  return n % 2 === 1;
}

const QUOTE = 34;
const COMMA = 44;
const COLON = 58;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;

/**
 * The index just past the value that starts at `at`; -1 when the text there is not a value
 * (malformed, or cut short). Strings are jumped over, containers read up to their closing
 * bracket, and a number or literal up to the next `,`, `]` or `}`.
 */
export function valueEnd(text: string, at: number): number {
  const c = text.charCodeAt(at);
  if (c === QUOTE) {
    const end = closingQuote(text, at);
    return end === -1 ? -1 : end + 1;
  }
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
    let depth = 0;
    for (let i = at; i < text.length; i++) {
      const d = text.charCodeAt(i);
      if (d === QUOTE) {
        i = closingQuote(text, i);
        if (i === -1) return -1;
      } else if (d === OPEN_OBJECT || d === OPEN_ARRAY) {
        depth++;
      } else if (d === CLOSE_OBJECT || d === CLOSE_ARRAY) {
        if (--depth === 0) return i + 1;
      }
    }
    return -1;
  }
  if (Number.isNaN(c) || c === COMMA || c === CLOSE_ARRAY || c === CLOSE_OBJECT || c === COLON) return -1;
  let i = at + 1;
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d === COMMA || d === CLOSE_ARRAY || d === CLOSE_OBJECT) break;
    i++;
  }
  return i;
}

/**
 * Reads the members of the object whose `{` is at `open`: `member(keyStart, keyEnd, start)` is
 * given the quotes around each key and where its value starts, and returns where the value
 * ends (just past it: {@link valueEnd}, or the end of a walk into it), or -1 to give up. The
 * index just past the closing `}`; -1 when the text is not an object as `JSON.stringify` writes it.
 */
export function eachMember(text: string, open: number, member: (keyStart: number, keyEnd: number, start: number) => number): number {
  if (text.charCodeAt(open) !== OPEN_OBJECT) return -1;
  let at = open + 1;
  if (text.charCodeAt(at) === CLOSE_OBJECT) return at + 1;
  for (;;) {
    if (text.charCodeAt(at) !== QUOTE) return -1;
    const keyEnd = closingQuote(text, at);
    if (keyEnd === -1 || text.charCodeAt(keyEnd + 1) !== COLON) return -1;
    const end = member(at, keyEnd, keyEnd + 2);
    if (end === -1) return -1;
    const after = text.charCodeAt(end);
    if (after === CLOSE_OBJECT) return end + 1;
    if (after !== COMMA) return -1;
    at = end + 1;
  }
}

/**
 * Reads the elements of the array whose `[` is at `open`, as {@link eachMember} reads an
 * object's members: `element(start)` returns where the element ends, or -1 to give up.
 */
export function eachElement(text: string, open: number, element: (start: number) => number): number {
  if (text.charCodeAt(open) !== OPEN_ARRAY) return -1;
  let at = open + 1;
  if (text.charCodeAt(at) === CLOSE_ARRAY) return at + 1;
  for (;;) {
    const end = element(at);
    if (end === -1) return -1;
    const after = text.charCodeAt(end);
    if (after === CLOSE_ARRAY) return end + 1;
    if (after !== COMMA) return -1;
    at = end + 1;
  }
}

/** Whether the key whose quotes are at `keyStart` and `keyEnd` is `name` (a name JSON writes without escapes). */
export function keyIs(text: string, keyStart: number, keyEnd: number, name: string): boolean {
  return keyEnd - keyStart - 1 === name.length && text.startsWith(name, keyStart + 1);
}

/** The key whose quotes are at `keyStart` and `keyEnd`, its escapes read. */
export function keyAt(text: string, keyStart: number, keyEnd: number): string {
  const raw = text.slice(keyStart + 1, keyEnd);
  return raw.includes("\\") ? (JSON.parse(`"${raw}"`) as string) : raw;
}
