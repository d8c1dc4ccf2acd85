/**
 * Secrets found by the name before them rather than by their shape: `DB_PASSWORD=…` in an
 * environment dump, `?token=…` in a URL, `"api_key": "…"` in printed JSON, `X-Api-Key: …`,
 * `--password …` and `curl -u user:…` on a command line, and the credentials of an
 * `Authorization` header in any case (`authorization: bearer …`).
 *
 * Pairs are found separator first (`=` is rare in a line; `:` is cheap to check), then the
 * name before it is read. Like the fixed shapes, this works on the line's JSON text and costs
 * linear time on any text: a name is read back no further than the previous separator, and
 * a value's end, which a long value shares with every pair inside it (`token=token=token=…`),
 * is read once and remembered (see {@link ValueReader}).
 */
import type { BuiltinSecretKind, Edit } from "./secret-patterns.js";
import {
  BASE64,
  bearerEnd,
  COLON,
  DIGIT,
  IDENT,
  inClass,
  LETTER,
  leftBoundary,
  NextIndex,
  RANDOM,
  runEnd,
  TOKEN_STOP,
} from "./secret-scan.js";

const MARKER_PREFIX = "[REDACTED:";

/** The kinds found from a name. */
const PAIR_KINDS: readonly BuiltinSecretKind[] = ["password", "token", "secret", "aws_secret"];

/** What a name says its value is. */
type Family = "password" | "token" | "secret";

/**
 * Names that say their value is secret, matched at the end of a name, case-insensitively;
 * longest first, so that `secret_key` wins over `key`-less `secret`.
 */
const KEYWORDS: ReadonlyArray<readonly [string, Family]> = [
  ...(["password", "passwd", "passphrase"] as const).map((word) => [word, "password"] as const),
  ["token", "token"] as const,
  ["secret", "secret"] as const,
  ...["secret", "api", "access", "private"].flatMap((word) => ["_", "-", ""].map((join) => [`${word}${join}key`, "secret"] as const)),
].sort((x, y) => y[0].length - x[0].length);

/** The keywords by their last letter: a separator's name is checked against two or three. */
const KEYWORDS_BY_LAST = new Map<number, Array<readonly [string, Family]>>();
for (const entry of KEYWORDS) {
  const last = entry[0].charCodeAt(entry[0].length - 1);
  KEYWORDS_BY_LAST.set(last, [...(KEYWORDS_BY_LAST.get(last) ?? []), entry]);
}

/** The longest keyword ending right before `end`, or null. */
function keywordBefore(text: string, end: number): readonly [string, Family] | null {
  const candidates = KEYWORDS_BY_LAST.get(lower(text.charCodeAt(end - 1)));
  if (candidates === undefined) return null;
  for (const entry of candidates) {
    const word = entry[0];
    const from = end - word.length;
    if (from < 0) continue;
    let i = word.length - 2;
    while (i >= 0 && lower(text.charCodeAt(from + i)) === word.charCodeAt(i)) i--;
    if (i < 0) return entry;
  }
  return null;
}

function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

const AUTHORIZATION = "authorization";

/**
 * Whether `authorization`, in any case, ends right before `end`. Read in place: every JSON key
 * ending in `on` (`iteration`, `function`) asks, so no slice of the text is made for it.
 */
function endsWithAuthorization(text: string, end: number): boolean {
  const from = end - AUTHORIZATION.length;
  if (from < 0) return false;
  for (let i = 0; i < AUTHORIZATION.length; i++) if (lower(text.charCodeAt(from + i)) !== AUTHORIZATION.charCodeAt(i)) return false;
  return true;
}

/** Whether `[from, to)` is an environment variable's name: `[A-Z][A-Z0-9_]*`. */
function isEnvName(text: string, from: number, to: number): boolean {
  const first = text.charCodeAt(from);
  if (from >= to || first < 65 || first > 90) return false;
  for (let i = from + 1; i < to; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95)) return false;
  }
  return true;
}

/**
 * Whether the value `[from, to)` after the flag `[name, nameEnd)` is what argparse's usage
 * lines put there: the name in capitals (`--api-key API_KEY`, `[--password PASSWORD]`).
 */
function isMetavar(text: string, name: number, nameEnd: number, from: number, to: number): boolean {
  const length = nameEnd - name;
  if (to - from < length || to - from > length + 2) return false;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(name + i);
    const expected = c === 45 ? 95 : c >= 97 && c <= 122 ? c - 32 : c;
    if (text.charCodeAt(from + i) !== expected) return false;
  }
  // What may follow it in a usage line: `]`, `)`, `,`.
  for (let i = from + length; i < to; i++) if (!"]),".includes(text[i] as string)) return false;
  return true;
}

/** Whether `[from, to)` is an HTTP header's name: words of letters joined by single `-` (`X-Api-Key`). */
function isHeaderName(text: string, from: number, to: number): boolean {
  let dashes = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 45) {
      if (i === from || i === to - 1 || text.charCodeAt(i - 1) === 45) return false;
      dashes++;
    } else if (!inClass(c, LETTER)) {
      return false;
    }
  }
  return dashes > 0;
}

/**
 * Whether two lowercase letters end a keyword (`rd`, `wd`, `se`, `et`, `en`, `ey`): the cheap
 * first check at every separator.
 */
function keywordEnding(a: number, b: number): boolean {
  switch (b) {
    case 100: // d: password, passwd
      return a === 114 || a === 119;
    case 101: // e: passphrase
      return a === 115;
    case 116: // t: secret
      return a === 101;
    case 110: // n: token
      return a === 101;
    case 121: // y: ...key
      return a === 101;
    default:
      return false;
  }
}

/**
 * How a value ends. A token's value is made of the characters tokens are made of. A password
 * may hold anything: a bare one ends at a space, a line break or the end of the string (and,
 * after a name that follows `?`/`&`, `;` or `'`, at the delimiter of that context); a quoted
 * one at its closing quote or a line break. Escapes are taken whole.
 */
const TOKEN = 0;
/** A bare password: one of 8 modes, this plus the flags below. */
const PASSWORD = 1;
/** Flag of a bare password after `?name=` or `&name=`: `&` and `#` end it. */
const AMP = 2;
/** Flag of a bare password after `;name=` (a connection string): `;` ends it. */
const SEMI = 4;
/** Flag of a bare password after `'name=`: `'` ends it. */
const APOS = 8;
/** A password in single quotes. */
const QUOTED_APOS = 16;
/** The value of a JSON object member: the whole string. */
const STRING = 17;
/**
 * A password in double quotes, `\"` in JSON text, or `\\\"` when the quote is in JSON
 * serialized into a string: the mode is this plus the opening quote's backslashes, and only
 * a quote with as many backslashes or fewer ends the value (one with more is escaped there).
 */
const QUOTED_QUOTE = 32;

/**
 * Where the value that starts at `from` ends, read in `mode`. A run of backslashes is read
 * whole with the character after it: in JSON serialized into a string, a line break is `\\n`
 * and a quote `\\\"`, so the run's length alone cannot tell a backslash in a password from
 * an escape of a deeper string. A run before `n`, `r` or a quote (and, bare, `t`, `b`, `f`,
 * `u`) is taken for that escape and ends the value; before anything else it is backslashes.
 */
function scanValue(text: string, from: number, mode: number): number {
  const n = text.length;
  let i = from;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 92) {
      if (mode === TOKEN) break;
      if (mode === STRING) {
        i += 2;
        continue;
      }
      let k = i + 1;
      while (text.charCodeAt(k) === 92) k++;
      const d = text.charCodeAt(k);
      if (d === 34) {
        // In single quotes, an escaped `"` is part of the value; an unescaped one ends the string.
        if (mode < QUOTED_APOS || (mode === QUOTED_APOS && (k - i) % 2 === 0)) break;
        // An even run leaves the quote unescaped: the string ends there, whatever the mode.
        if (mode >= QUOTED_QUOTE && ((k - i) % 2 === 0 || k - i <= mode - QUOTED_QUOTE)) break;
      }
      if (d === 110 || d === 114 || (mode < QUOTED_APOS && (d === 116 || d === 98 || d === 102 || d === 117))) break;
      i = d === 34 ? k + 1 : k;
      continue;
    }
    // An unescaped quote ends the JSON string, and with it any value.
    if (c === 34) break;
    if (mode === TOKEN) {
      if (inClass(c, TOKEN_STOP)) break;
    } else if (mode < QUOTED_APOS) {
      if (c === 32) break;
      if ((mode & AMP) !== 0 && (c === 38 || c === 35)) break;
      if ((mode & SEMI) !== 0 && c === 59) break;
      if ((mode & APOS) !== 0 && c === 39) break;
    } else if (mode === QUOTED_APOS && c === 39) {
      break;
    }
    i++;
  }
  return Math.min(i, n);
}

/**
 * Reads values of one scan over a text, whose pairs come left to right. A value's end holds
 * for every start inside it (a start is never in the middle of an escape), so each mode's
 * last answer is kept and reused: the values of `token=token=token=…` are read once in all,
 * not once per `=`. The same goes for the searches that tell a random-looking value.
 */
class ValueReader {
  readonly #text: string;
  /** Per mode, the last value read: its start and end. */
  readonly #last = new Map<number, { from: number; end: number }>();
  #random: { other: NextIndex; digit: NextIndex; digit2: NextIndex; letter: NextIndex; letter2: NextIndex } | null = null;
  #colon: NextIndex | null = null;

  constructor(text: string) {
    this.#text = text;
  }

  /** The end of the value that starts at `from`, read in `mode`. */
  end(mode: number, from: number): number {
    const last = this.#last.get(mode);
    if (last !== undefined && from >= last.from && from < last.end) return last.end;
    const end = scanValue(this.#text, from, mode);
    this.#last.set(mode, { from, end });
    return end;
  }

  /**
   * Whether `[from, to)` looks like a generated credential: 16 or more of `[A-Za-z0-9/+=_-]`,
   * at least two of them digits and two letters.
   */
  randomLooking(from: number, to: number): boolean {
    if (to - from < 16) return false;
    const text = this.#text;
    this.#random ??= {
      other: new NextIndex(text, RANDOM, true),
      digit: new NextIndex(text, DIGIT),
      digit2: new NextIndex(text, DIGIT),
      letter: new NextIndex(text, LETTER),
      letter2: new NextIndex(text, LETTER),
    };
    const r = this.#random;
    if (r.other.at(from) < to) return false;
    const digit = r.digit.at(from);
    if (digit >= to || r.digit2.at(digit + 1) >= to) return false;
    const letter = r.letter.at(from);
    return letter < to && r.letter2.at(letter + 1) < to;
  }

  /** The first `:` at or after `from`. */
  colon(from: number): number {
    this.#colon ??= new NextIndex(this.#text, COLON);
    return this.#colon.at(from);
  }
}

/** What opens a value after a separator: where the value starts, whether quoted, its mode if a password. */
interface Opening {
  start: number;
  quoted: boolean;
  mode: number;
}

/**
 * The value's opening quote at `p`, if any: `'`, or `"` escaped by an odd run of backslashes
 * (`\"`, `\\\"` in JSON serialized into a string). Null when an unescaped quote is there:
 * the string ends, and there is no value.
 */
function opening(text: string, p: number): Opening | null {
  const c = text.charCodeAt(p);
  if (c === 39) return { start: p + 1, quoted: true, mode: QUOTED_APOS };
  if (c === 34) return null;
  if (c === 92) {
    let k = p;
    while (text.charCodeAt(k) === 92) k++;
    if (text.charCodeAt(k) === 34) {
      return (k - p) % 2 === 1 ? { start: k + 1, quoted: true, mode: QUOTED_QUOTE + (k - p) } : null;
    }
  }
  return { start: p, quoted: false, mode: PASSWORD };
}

/** Finds secrets by their name, for the enabled kinds. */
export class PairFinder {
  readonly #enabled: ReadonlySet<BuiltinSecretKind>;
  readonly #pairs: boolean;
  readonly #header: boolean;

  private constructor(enabled: ReadonlySet<BuiltinSecretKind>) {
    this.#enabled = enabled;
    this.#pairs = PAIR_KINDS.some((k) => enabled.has(k));
    this.#header = enabled.has("bearer_token") || enabled.has("basic_auth");
  }

  /** A finder for the `enabled` kinds, or null when none of them is found by name. */
  static for(enabled: ReadonlySet<BuiltinSecretKind>): PairFinder | null {
    const finder = new PairFinder(enabled);
    return finder.#pairs || finder.#header ? finder : null;
  }

  /** Adds an edit for every secret found by its name in `text` (serialized JSON). */
  find(text: string, edits: Edit[]): void {
    if (this.#pairs) this.#separators(text, "=", edits);
    this.#separators(text, ":", edits);
    if (this.#pairs) this.#flags(text, edits);
  }

  /** Finds `name<sep>value` pairs whose name ends with a keyword, and `Authorization:` headers. */
  #separators(text: string, sep: "=" | ":", edits: Edit[]): void {
    let reader: ValueReader | null = null;
    for (let at = text.indexOf(sep); at !== -1; at = text.indexOf(sep, at + 1)) {
      // Back over spaces and a closing quote (`"`, `\"`, `\\\"` or `'`) to the name's last letter.
      let j = at - 1;
      while (text.charCodeAt(j) === 32) j--;
      const nameEnd = j;
      let quote: "none" | "'" | "escaped" | "key" = "none";
      const q = text.charCodeAt(j);
      if (q === 39) {
        quote = "'";
        j--;
      } else if (q === 34) {
        let k = j - 1;
        while (text.charCodeAt(k) === 92) k--;
        const backslashes = j - 1 - k;
        // An even run of backslashes before a quote that ends a string: JSON structure follows.
        if (backslashes > 0 && backslashes % 2 === 0) continue;
        quote = backslashes === 0 ? "key" : "escaped";
        j = k;
      }
      if (j < 1) continue;
      const a = text.charCodeAt(j - 1) | 0x20;
      const b = text.charCodeAt(j) | 0x20;
      if (this.#pairs && keywordEnding(a, b)) {
        const keyword = keywordBefore(text, j + 1);
        if (keyword === null) continue;
        reader ??= new ValueReader(text);
        // The search goes on at the next separator, inside this value too: a pair written
        // into a value may run past it (`TOKEN=abc_password=x;tail`: the token stops at `;`,
        // the password does not). Values are read once all the same (see ValueReader), and a
        // name is read back no further than the separator before it.
        const edit = this.#pair(text, reader, at, j + 1 - keyword[0].length, j + 1, keyword[1], quote, nameEnd);
        if (edit !== null) edits.push(edit);
      } else if (this.#header && sep === ":" && a === 111 && b === 110 && endsWithAuthorization(text, j + 1)) {
        const edit = this.#authorization(text, at, quote);
        if (edit !== null) {
          edits.push(edit);
          at = edit.end - 1;
        }
      }
    }
  }

  /**
   * The edit for a pair whose keyword spans `[keywordStart, keywordEnd)`, its separator at
   * `at`; or null when it holds no secret.
   */
  #pair(
    text: string,
    reader: ValueReader,
    at: number,
    keywordStart: number,
    keywordEnd: number,
    family: Family,
    quote: "none" | "'" | "escaped" | "key",
    nameEnd: number,
  ): Edit | null {
    let start = keywordStart;
    // Back to the start of the name; the letter of an escape (`\nDB_PASSWORD`) is not part of it.
    while (start > 0 && inClass(text.charCodeAt(start - 1), IDENT) && !(start > 1 && text.charCodeAt(start - 2) === 92)) start--;
    // The name without the dashes of a command-line flag.
    let name = start;
    while (name < start + 2 && text.charCodeAt(name) === 45) name++;
    const flag = name > start && inClass(text.charCodeAt(name), LETTER);
    let p = at + 1;
    while (text.charCodeAt(p) === 32) p++;

    if (quote === "key") {
      // A JSON object member, `"name":"value"`: the whole string is the value.
      if (text.charCodeAt(at) !== 58 || text.charCodeAt(p) !== 34) return null;
      const from = p + 1;
      const end = reader.end(STRING, from);
      const kind = this.#kind(text, name, keywordEnd, family, from, end);
      if (kind === null || end === from || text.startsWith(MARKER_PREFIX, from)) return null;
      if (kind !== "password" && kind !== "aws_secret" && end - from < 8) return null;
      if (kind !== "password" && /\s/.test(text.slice(from, end))) return null;
      return { start: from, end, kind };
    }

    // A pair written in text: `name=value`, `name: "value"`, `'name': 'value'`.
    const open = opening(text, p);
    if (open === null) return null;
    const before = text[start - 1] ?? "";
    let end: number;
    if (family === "password") {
      let mode = open.mode;
      if (!open.quoted) {
        if (before === "?" || before === "&") mode |= AMP;
        else if (before === ";") mode |= SEMI;
        if (before === "'" || quote === "'") mode |= APOS;
      }
      end = reader.end(mode, open.start);
    } else {
      end = reader.end(TOKEN, open.start);
    }
    const from = open.start;
    const kind = this.#kind(text, name, keywordEnd, family, from, end);
    if (kind === null || end === from || text.startsWith(MARKER_PREFIX, from)) return null;
    // Short values under `token` are words (a tokenizer's output), not credentials.
    if (kind !== "password" && kind !== "aws_secret" && end - from < 8) return null;
    // Quoted values always count; bare ones only where code is unlikely (env dumps, URL
    // queries, command-line flags, `X-Api-Key:` headers) or when the value looks random.
    // Otherwise Python's `token=token` would be redacted.
    const exact = nameEnd === at - 1 && p === at + 1;
    const sep = text[at];
    const trusted =
      open.quoted ||
      kind === "aws_secret" ||
      (sep === "=" && exact && (before === "?" || before === "&" || before === ";" || flag || isEnvName(text, name, keywordEnd))) ||
      (sep === ":" && isHeaderName(text, name, keywordEnd)) ||
      reader.randomLooking(from, end);
    return trusted ? { start: from, end, kind } : null;
  }

  /**
   * The kind of the value `[from, end)` under the name `[name, nameEnd)`, if enabled: an AWS
   * secret key, or the keyword's family.
   */
  #kind(text: string, name: number, nameEnd: number, family: Family, from: number, end: number): BuiltinSecretKind | null {
    let kind: BuiltinSecretKind = family;
    if (end - from === 40 && runEnd(text, from, BASE64, end) === end) {
      const lowered = text.slice(name, nameEnd).toLowerCase();
      if (lowered.includes("aws") && lowered.includes("secret")) kind = "aws_secret";
    }
    return this.#enabled.has(kind) ? kind : null;
  }

  /** The credentials of `Authorization: Bearer …` or `… Basic …`, the header's name and scheme in any case. */
  #authorization(text: string, at: number, quote: "none" | "'" | "escaped" | "key"): Edit | null {
    let p = at + 1;
    while (text.charCodeAt(p) === 32) p++;
    if (quote === "key") {
      if (text.charCodeAt(p) !== 34) return null;
      p++;
    } else {
      const open = opening(text, p);
      if (open === null) return null;
      p = open.start;
    }
    const scheme = text.slice(p, p + 6).toLowerCase();
    const bearer = scheme === "bearer";
    if (!bearer && !scheme.startsWith("basic")) return null;
    let from = p + (bearer ? 6 : 5);
    if (text.charCodeAt(from) !== 32) return null;
    while (text.charCodeAt(from) === 32) from++;
    const kind: BuiltinSecretKind = bearer ? "bearer_token" : "basic_auth";
    if (!this.#enabled.has(kind)) return null;
    let end: number;
    if (bearer) {
      end = bearerEnd(text, from, 8);
    } else {
      end = runEnd(text, from, BASE64);
      if (end - from < 8) return null;
      while (text.charCodeAt(end) === 61) end++;
    }
    return end === -1 || text.startsWith(MARKER_PREFIX, from) ? null : { start: from, end, kind };
  }

  /**
   * Finds values of command-line flags written with a space (`--password hunter2`,
   * `--api-key "…"`) and the password of `curl -u user:password` / `curl --user …`.
   */
  #flags(text: string, edits: Edit[]): void {
    let reader: ValueReader | null = null;
    /** Made at the first flag that asks (most texts have none). */
    let curl: CurlLine | null = null;
    for (let at = text.indexOf("-"); at !== -1; at = text.indexOf("-", at + 1)) {
      if (!leftBoundary(text, at)) continue;
      const next = text.charCodeAt(at + 1);
      let edit: Edit | null = null;
      if (next === 45 && inClass(text.charCodeAt(at + 2), LETTER)) {
        const nameEnd = runEnd(text, at + 2, IDENT);
        reader ??= new ValueReader(text);
        if (nameEnd - at === 6 && text.startsWith("user", at + 2)) {
          const sep = text.charCodeAt(nameEnd);
          if ((sep === 32 || sep === 61) && (curl ??= new CurlLine(text)).onLine(at)) edit = this.#curlPassword(text, reader, nameEnd + 1);
        } else if (text.charCodeAt(nameEnd) === 32) {
          edit = this.#flag(text, reader, at + 2, nameEnd);
        }
        at = Math.max(at, nameEnd - 1);
      } else if (next === 117 && text.charCodeAt(at + 2) === 32 && (curl ??= new CurlLine(text)).onLine(at)) {
        reader ??= new ValueReader(text);
        edit = this.#curlPassword(text, reader, at + 2);
      }
      if (edit !== null) {
        edits.push(edit);
        at = Math.max(at, edit.end - 1);
      }
    }
  }

  /** The value of `--<name> <value>` when the name ends with a keyword. */
  #flag(text: string, reader: ValueReader, name: number, nameEnd: number): Edit | null {
    const keyword = keywordBefore(text, nameEnd);
    if (keyword === null) return null;
    let p = nameEnd;
    while (text.charCodeAt(p) === 32) p++;
    const open = opening(text, p);
    if (open === null) return null;
    const from = open.start;
    // Another flag, or a placeholder of a usage line (`--password <password>`).
    const first = text.charCodeAt(from);
    if (first === 45 || first === 60 || first === 91) return null;
    const family = keyword[1];
    const end = family === "password" ? reader.end(open.mode, open.start) : reader.end(TOKEN, from);
    const kind = this.#kind(text, name, nameEnd, family, from, end);
    if (kind === null || end === from || text.startsWith(MARKER_PREFIX, from)) return null;
    if (kind !== "password" && kind !== "aws_secret" && end - from < 8) return null;
    if (isMetavar(text, name, nameEnd, from, end)) return null;
    return { start: from, end, kind };
  }

  /** The password of `user:password` after curl's `-u` or `--user` (separator at `p`). */
  #curlPassword(text: string, reader: ValueReader, p: number): Edit | null {
    if (!this.#enabled.has("password")) return null;
    while (text.charCodeAt(p) === 32) p++;
    const open = opening(text, p);
    if (open === null || text.charCodeAt(open.start) === 45) return null;
    const end = reader.end(open.mode, open.start);
    const colon = reader.colon(open.start);
    if (colon <= open.start || colon + 1 >= end || text.startsWith(MARKER_PREFIX, colon + 1)) return null;
    return { start: colon + 1, end, kind: "password" };
  }
}

/**
 * Whether a position is on a `curl` command line: a `curl` earlier on the same line (no line
 * break or string end between). Positions are asked left to right, so the line is read once.
 */
class CurlLine {
  readonly #text: string;
  #read = 0;
  #curl = -1;
  #lineStart = 0;

  constructor(text: string) {
    this.#text = text;
  }

  onLine(at: number): boolean {
    const text = this.#text;
    let i = this.#read;
    while (i < at) {
      const c = text.charCodeAt(i);
      if (c === 92) {
        const d = text.charCodeAt(i + 1);
        if (d === 110 || d === 114) this.#lineStart = i + 2;
        i += 2;
      } else {
        if (c === 34) this.#lineStart = i + 1;
        else if (c === 99 && text.startsWith("curl", i)) this.#curl = i;
        i++;
      }
    }
    this.#read = i;
    return this.#curl >= this.#lineStart;
  }
}
