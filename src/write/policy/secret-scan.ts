/**
 * Scanning primitives for the secret finders: character classes as bit masks, runs of a
 * class, and "next index where ..." searches that remember their answer.
 *
 * The finders are written out by hand instead of as regular expressions so that each costs
 * linear time on any input: a regular expression with an unbounded quantifier, run at every
 * place a secret may start, reads the same run again and again (and V8 gives up with a stack
 * overflow on a run of a few MiB). Every loop here reads a stretch of text that no other
 * start reads again, or has a bound, or reuses an answer through {@link NextIndex}.
 */

/** `[A-Za-z0-9]` */
export const ALNUM = 1 << 0;
/** `[A-Za-z0-9_-]`: key bodies (OpenAI, Anthropic, Google, JWT segments). */
export const WORD = 1 << 1;
/** `[A-Za-z0-9-]`: Slack token bodies. */
export const SLACK = 1 << 2;
/** `[A-Za-z0-9_]`: fine-grained GitHub token bodies. */
export const ALNUM_UNDERSCORE = 1 << 3;
/** `[A-Za-z0-9._~+/-]`: bearer tokens. */
export const BEARER = 1 << 4;
/** `[A-Za-z0-9+/]`: base64 without padding. */
export const BASE64 = 1 << 5;
/** `[A-Z0-9]`: AWS key id bodies. */
export const UPPER_DIGIT = 1 << 6;
/** `[A-Z0-9 ]`: the label of a PEM BEGIN or END line. */
export const PEM_LABEL = 1 << 7;
/** `[A-Za-z0-9,-]`: the value of a PEM header (`Proc-Type`, `DEK-Info`). */
export const PEM_HEADER = 1 << 8;
/** `[A-Za-z0-9/+=_-]`: what a random-looking credential is made of. */
export const RANDOM = 1 << 9;
/** `[A-Za-z0-9_.-]`: the characters of a name (`DB_PASSWORD`, `X-Api-Key`, `cfg.token`). */
export const IDENT = 1 << 10;
/** `[A-Za-z_-]`: key characters other than digits. */
export const WORD_NON_DIGIT = 1 << 11;
/** `[0-9]` */
export const DIGIT = 1 << 12;
/** `[A-Za-z]` */
export const LETTER = 1 << 13;
/** Space, `/`, `@`, `:`, `"`, `\`: what ends the user or password of a URL. */
export const URL_STOP = 1 << 14;
/** Space, `"`, `'`, `\`, `&`, `;`, `,`, `<`, `>`: what ends a token's value. */
export const TOKEN_STOP = 1 << 15;
/** `:` */
export const COLON = 1 << 16;

const CLASSES = new Uint32Array(128);
function add(chars: string, mask: number): void {
  for (const c of chars) CLASSES[c.charCodeAt(0)] = (CLASSES[c.charCodeAt(0)] as number) | mask;
}
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";
add(UPPER + LOWER, ALNUM | WORD | SLACK | ALNUM_UNDERSCORE | BEARER | BASE64 | PEM_HEADER | RANDOM | IDENT | WORD_NON_DIGIT | LETTER);
add(DIGITS, ALNUM | WORD | SLACK | ALNUM_UNDERSCORE | BEARER | BASE64 | PEM_HEADER | RANDOM | IDENT | DIGIT);
add(UPPER + DIGITS, UPPER_DIGIT | PEM_LABEL);
add(" ", PEM_LABEL | URL_STOP | TOKEN_STOP);
add("_", WORD | ALNUM_UNDERSCORE | BEARER | RANDOM | IDENT | WORD_NON_DIGIT);
add("-", WORD | SLACK | BEARER | PEM_HEADER | RANDOM | IDENT | WORD_NON_DIGIT);
add(".", BEARER | IDENT);
add("~", BEARER);
add("+", BEARER | BASE64 | RANDOM);
add("/", BEARER | BASE64 | RANDOM | URL_STOP);
add("=", RANDOM);
add(",", PEM_HEADER | TOKEN_STOP);
add("@", URL_STOP);
add(":", URL_STOP | COLON);
add('"\\', URL_STOP | TOKEN_STOP);
add("'&;<>", TOKEN_STOP);

/** Whether the character code `c` is in every class of `mask` (codes past ASCII are in none). */
export function inClass(c: number, mask: number): boolean {
  return c < 128 && ((CLASSES[c] as number) & mask) !== 0;
}

/** The end of the run of `mask` characters from `from`, reading no further than `limit`. */
export function runEnd(text: string, from: number, mask: number, limit = text.length): number {
  const end = Math.min(limit, text.length);
  let i = from;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c >= 128 || ((CLASSES[c] as number) & mask) === 0) break;
    i++;
  }
  return i;
}

/** The start of the run of `mask` characters that ends right before `to`, reading back no further than `limit`. */
export function runStart(text: string, to: number, mask: number, limit = 0): number {
  let i = to;
  while (i > limit) {
    const c = text.charCodeAt(i - 1);
    if (c >= 128 || ((CLASSES[c] as number) & mask) === 0) break;
    i--;
  }
  return i;
}

/**
 * The first index from `from` (before `limit`) whose character is in `stops`. The opposite of
 * {@link runEnd}: characters past ASCII never stop it.
 */
export function stopAt(text: string, from: number, stops: number, limit = text.length): number {
  const end = Math.min(limit, text.length);
  let i = from;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c < 128 && ((CLASSES[c] as number) & stops) !== 0) break;
    i++;
  }
  return i;
}

/** The start of the run before `to` of characters not in `stops`, reading back no further than `limit`. */
export function stopBefore(text: string, to: number, stops: number, limit = 0): number {
  let i = to;
  while (i > limit) {
    const c = text.charCodeAt(i - 1);
    if (c < 128 && ((CLASSES[c] as number) & stops) !== 0) break;
    i--;
  }
  return i;
}

/**
 * The first index at or after a position where a character test holds (or the text's
 * length). It remembers its last answer, which holds for every position up to it: queries
 * that rise, as a left-to-right scan makes them, read the text once in all.
 */
export class NextIndex {
  readonly #text: string;
  readonly #mask: number;
  readonly #negate: boolean;
  #from = 0;
  #found = -1;

  /** Finds characters in `mask`, or, with `negate`, characters not in it. */
  constructor(text: string, mask: number, negate = false) {
    this.#text = text;
    this.#mask = mask;
    this.#negate = negate;
  }

  /** The first index `>= from` whose character passes the test. */
  at(from: number): number {
    if (from >= this.#from && from <= this.#found) return this.#found;
    const text = this.#text;
    const n = text.length;
    let i = from;
    while (i < n && inClass(text.charCodeAt(i), this.#mask) === this.#negate) i++;
    this.#from = from;
    this.#found = i;
    return i;
  }
}

/**
 * True when a secret starting at `offset` does not continue a word: what comes before is not
 * a letter, digit, `_` or `-`, or is the letter of a JSON escape such as `\n` or `\u0001`.
 */
export function leftBoundary(text: string, offset: number): boolean {
  if (offset === 0) return true;
  const prev = text.charCodeAt(offset - 1);
  if (!inClass(prev, WORD)) return true;
  if (offset >= 2 && text.charCodeAt(offset - 2) === 92 && (prev === 110 || prev === 114 || prev === 116 || prev === 98 || prev === 102)) {
    return true;
  }
  return offset >= 6 && text.charCodeAt(offset - 6) === 92 && text.charCodeAt(offset - 5) === 117;
}

/**
 * The end of a bearer token of at least `min` characters starting at `s`, `=` padding
 * included, or -1. Shared by `Bearer …` anywhere and `Authorization: bearer …` in any case.
 */
export function bearerEnd(t: string, s: number, min: number): number {
  let end = runEnd(t, s, BEARER);
  if (end - s < min) return -1;
  while (t.charCodeAt(end) === 61) end++;
  return end;
}
