/**
 * The built-in secret patterns, applied to the serialized JSON text of a line.
 *
 * Working on the text instead of walking every string is what makes redaction cheap enough
 * for the hot path: a handful of native scans per line. It also covers object keys for free.
 * The price is that every pattern must respect JSON text:
 * - a secret's characters are ones JSON never escapes (letters, digits, `_-+/=.~`), so a
 *   match cannot run past a string's closing quote or take half of an escape;
 * - where a pattern does step over escapes (PEM line breaks, quoted values), it takes each
 *   escape whole (`\n`, `\"`, `\\`);
 * - markers contain no quote and no backslash, so a replaced line is still valid JSON;
 * - a left boundary accepts an escape such as `\n` before the secret, since in JSON text the
 *   `n` of `\n` sits right before it.
 */

/** The kinds of secret trajlog recognises on its own; each is written as `[REDACTED:<kind>]`. */
export const BUILTIN_SECRET_KINDS = [
  "private_key",
  "anthropic_key",
  "openai_key",
  "aws_key",
  "aws_secret",
  "github_token",
  "huggingface_token",
  "google_api_key",
  "slack_token",
  "slack_webhook",
  "bearer_token",
  "basic_auth",
  "jwt",
  "url_password",
  "password",
  "token",
  "secret",
] as const;

/** A kind of secret trajlog recognises on its own. */
export type BuiltinSecretKind = (typeof BUILTIN_SECRET_KINDS)[number];

/** Redaction counters, updated in place so the hot path allocates nothing. */
export interface RedactionCounts {
  redactions: number;
  truncations: number;
  /** Redactions per kind. */
  byKind: Record<string, number>;
}

/** The marker written in place of a secret of `kind`. */
export function redactionMarker(kind: string): string {
  return `[REDACTED:${kind}]`;
}

const MARKER_PREFIX = "[REDACTED:";

/**
 * Secrets with a fixed shape, as sticky patterns. Capture group 1 is the secret; text of the
 * match around it (e.g. `Bearer `) is kept. They are not run over the line: see
 * `BuiltinRedactor.#findFixed` for how the places where one may start are found.
 */
const FIXED_PATTERNS: ReadonlyArray<{ kind: BuiltinSecretKind; source: string }> = [
  {
    // The BEGIN line, the base64 body (line breaks are JSON escapes, possibly indented, with
    // more backslashes when the key sits in JSON serialized into a string, or in a repr),
    // optional encryption headers, END.
    kind: "private_key",
    source: String.raw`(-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY-----(?:\\+[rn] *|[A-Za-z0-9+/=]|(?:Proc-Type|DEK-Info): ?[A-Za-z0-9,-]+)*(?:-----END[A-Z0-9 ]{0,40}PRIVATE KEY-----)?)`,
  },
  {
    kind: "anthropic_key",
    source: String.raw`(sk-ant-[A-Za-z0-9_-]{20,})`,
  },
  {
    // A digit is required: real keys are random; `sk-learn-compatible-wrapper` is not one.
    kind: "openai_key",
    source: String.raw`(sk-(?!ant-)(?=[A-Za-z_-]{0,200}[0-9])[A-Za-z0-9_-]{20,})`,
  },
  {
    kind: "aws_key",
    source: String.raw`((?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Za-z0-9]))`,
  },
  {
    kind: "github_token",
    source: String.raw`((?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}))`,
  },
  {
    kind: "huggingface_token",
    source: String.raw`(hf_[A-Za-z0-9]{30,})`,
  },
  {
    kind: "google_api_key",
    source: String.raw`(AIza[A-Za-z0-9_-]{35})`,
  },
  {
    kind: "slack_token",
    source: String.raw`(xox[abposre]-[A-Za-z0-9-]{10,})`,
  },
  {
    // The team id (`T...`) is not secret; from the `B...` segment on, the URL is.
    kind: "slack_webhook",
    source: String.raw`(?<=hooks\.slack\.com/services/[A-Za-z0-9]{6,}/)(B[A-Za-z0-9]{6,}/[A-Za-z0-9]{12,})`,
  },
  {
    kind: "bearer_token",
    source: String.raw`(?:Bearer|BEARER) +([A-Za-z0-9._~+/-]{12,}=*)`,
  },
  {
    kind: "basic_auth",
    source: String.raw`(?<=[Aa]uthorization: *)Basic +([A-Za-z0-9+/]{8,}=*)`,
  },
  {
    kind: "jwt",
    source: String.raw`(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})`,
  },
  {
    // Run from the password's start; the lookbehind checks the `scheme://user:` before it.
    kind: "url_password",
    source: String.raw`(?<=://[^\s/:@"\\]{1,256}:)([^\s/@"\\]{1,256})@`,
  },
];

/** Characters a URL password cannot contain (whitespace, `/`, `@`, `:`, quote, backslash). */
const URL_STOP = new Set([32, 47, 64, 58, 34, 92]);

/** Kinds whose match must not continue a longer word (e.g. base64 or an identifier). */
const NEEDS_LEFT_BOUNDARY = new Set<BuiltinSecretKind>([
  "anthropic_key",
  "openai_key",
  "aws_key",
  "github_token",
  "huggingface_token",
  "google_api_key",
  "slack_token",
  "jwt",
]);

/**
 * Names that say their value is secret; case-insensitive. Pairs are found separator first
 * (`=` is rare in a line; `:` is cheap to check), then the name before it is read.
 */
const PAIR_KEYWORDS = String.raw`passw(?:or)?d|passphrase|secret(?:[_-]?key)?|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key`;
/** A keyword ending the text before a separator. */
const KEYWORD_AT_END = new RegExp(String.raw`(?:${PAIR_KEYWORDS})$`, "i");
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
 * From the keyword on: either 1 the value of a JSON object member (`"name":"value"`), or
 * 2 the quote closing the name, 3 the separator, 4 the opening quote and 5 the value of a
 * pair written in text (`name=value`, `name: "value"`, `'name': 'value'`).
 */
const PAIR_SOURCE = String.raw`(?:${PAIR_KEYWORDS})(?:"\s*:\s*"([^"\\]*(?:\\.[^"\\]*)*)|(\\+"|')?(\s*[:=]\s*)(\\+"|')?([^\s"'\\&;,<>]+))`;
const PAIR_KINDS: readonly BuiltinSecretKind[] = ["password", "token", "secret", "aws_secret"];

const IDENT_CHAR = /[A-Za-z0-9_.-]/;
const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
const HEADER_NAME = /^[A-Za-z]+(?:-[A-Za-z]+)+$/;
const RANDOM_LOOKING = /^(?=(?:[^0-9]*[0-9]){2})(?=(?:[^A-Za-z]*[A-Za-z]){2})[A-Za-z0-9/+=_-]{16,}$/;
const AWS_SECRET_VALUE = /^[A-Za-z0-9/+]{40}$/;

/** One fixed-shape pattern, compiled. */
interface FixedPattern {
  kind: BuiltinSecretKind;
  /** Sticky, with match indices: run only where a match may begin. */
  re: RegExp;
  /** True when the match must not continue a word. */
  boundary: boolean;
}

/** A replacement to make: `[start, end)` of the text becomes the marker of `kind`. */
interface Edit {
  start: number;
  end: number;
  kind: BuiltinSecretKind;
}

/** A compiled set of built-in kinds, ready to scan JSON text. */
export class BuiltinRedactor {
  /** The kinds this redactor replaces. */
  readonly kinds: readonly BuiltinSecretKind[];
  readonly #enabled: ReadonlySet<BuiltinSecretKind>;
  /** Enabled fixed-shape patterns, by kind. */
  readonly #fixed: Partial<Record<BuiltinSecretKind, FixedPattern>> = {};
  readonly #pair: RegExp | null;

  constructor(kinds: readonly BuiltinSecretKind[]) {
    this.kinds = BUILTIN_SECRET_KINDS.filter((k) => kinds.includes(k));
    this.#enabled = new Set(this.kinds);
    for (const p of FIXED_PATTERNS) {
      if (!this.#enabled.has(p.kind)) continue;
      this.#fixed[p.kind] = { kind: p.kind, re: new RegExp(p.source, "yd"), boundary: NEEDS_LEFT_BOUNDARY.has(p.kind) };
    }
    const pairs = PAIR_KINDS.some((k) => this.#enabled.has(k));
    this.#pair = pairs ? new RegExp(PAIR_SOURCE, "iyd") : null;
  }

  /** Replaces every secret in `text` (serialized JSON) by its marker; counts into `counts`. */
  redact(text: string, counts: RedactionCounts): string {
    const edits: Edit[] = [];
    this.#findFixed(text, edits);
    if (this.#pair !== null) {
      this.#findPairs(text, "=", edits);
      this.#findPairs(text, ":", edits);
    }
    if (edits.length === 0) return text;
    // Overlaps (a key found both by its shape and by its name): the earliest start names the
    // marker, and at the same start the shape, found first (the sort is stable). The marker
    // covers the union, so no tail of a longer overlapping match is left.
    if (edits.length > 1) edits.sort((a, b) => a.start - b.start);
    const parts: string[] = [];
    let last = 0;
    for (const edit of edits) {
      if (edit.start < last) {
        last = Math.max(last, edit.end);
        continue;
      }
      parts.push(text.slice(last, edit.start), redactionMarker(edit.kind));
      last = edit.end;
      counts.redactions++;
      counts.byKind[edit.kind] = (counts.byKind[edit.kind] ?? 0) + 1;
    }
    parts.push(text.slice(last));
    return parts.join("");
  }

  /**
   * Finds fixed-shape secrets. Running their patterns over the whole line would cost far more
   * than the rest of logging, so each kind is located from one character of it that is rare in
   * ordinary text, with native `indexOf`, and at each occurrence a few neighbouring characters
   * decide whether its pattern runs there. `-` checked for a preceding `sk` is much cheaper
   * than searching for `sk-`, since `s` is so frequent. The checks are written out per
   * character, without callbacks: this runs for every line, on the training loop's path.
   */
  #findFixed(text: string, edits: Edit[]): void {
    const f = this.#fixed;
    // `-`: sk-ant-… and sk-… keys, xox?-… Slack tokens.
    if (f.anthropic_key !== undefined || f.openai_key !== undefined || f.slack_token !== undefined) {
      for (let at = text.indexOf("-"); at !== -1; at = text.indexOf("-", at + 1)) {
        if (text.charCodeAt(at - 1) === 107 && text.charCodeAt(at - 2) === 115) {
          at = this.#run(text, at - 2, text.startsWith("ant-", at + 1) ? f.anthropic_key : f.openai_key, edits, at);
        } else if (text.charCodeAt(at - 4) === 120 && text.charCodeAt(at - 3) === 111 && text.charCodeAt(at - 2) === 120) {
          at = this.#run(text, at - 4, f.slack_token, edits, at);
        }
      }
    }
    // `A`: AKIA, ASIA, ABIA, ACCA key ids; AIza Google keys.
    if (f.aws_key !== undefined || f.google_api_key !== undefined) {
      for (let at = text.indexOf("A"); at !== -1; at = text.indexOf("A", at + 1)) {
        const b = text.charCodeAt(at + 1);
        const c = text.charCodeAt(at + 2);
        const d = text.charCodeAt(at + 3);
        if (((b === 75 || b === 83 || b === 66) && c === 73 && d === 65) || (b === 67 && c === 67 && d === 65)) {
          at = this.#run(text, at, f.aws_key, edits, at);
        } else if (b === 73 && c === 122 && d === 97) {
          at = this.#run(text, at, f.google_api_key, edits, at);
        }
      }
    }
    // `_`: gh?_ and github_pat_ GitHub tokens, hf_ Hugging Face tokens.
    if (f.github_token !== undefined || f.huggingface_token !== undefined) {
      for (let at = text.indexOf("_"); at !== -1; at = text.indexOf("_", at + 1)) {
        const p1 = text.charCodeAt(at - 1);
        const p2 = text.charCodeAt(at - 2);
        if (p2 === 104 && text.charCodeAt(at - 3) === 103) at = this.#run(text, at - 3, f.github_token, edits, at);
        else if (p1 === 102 && p2 === 104) at = this.#run(text, at - 2, f.huggingface_token, edits, at);
        else if (p1 === 98 && text.startsWith("github", at - 6)) at = this.#run(text, at - 6, f.github_token, edits, at);
      }
    }
    // `B`: -----BEGIN private keys, /B… Slack webhook paths, Bearer and Basic credentials.
    if (f.private_key !== undefined || f.slack_webhook !== undefined || f.bearer_token !== undefined || f.basic_auth !== undefined) {
      for (let at = text.indexOf("B"); at !== -1; at = text.indexOf("B", at + 1)) {
        const next = text.charCodeAt(at + 1);
        if (next === 69 && text.startsWith("-----BEGIN", at - 5)) at = this.#run(text, at - 5, f.private_key, edits, at);
        else if (text.charCodeAt(at - 1) === 47) at = this.#run(text, at, f.slack_webhook, edits, at);
        else if (text.startsWith("Bearer ", at) || text.startsWith("BEARER ", at)) at = this.#run(text, at, f.bearer_token, edits, at);
        else if (next === 97 && text.startsWith("Basic ", at)) at = this.#run(text, at, f.basic_auth, edits, at);
      }
    }
    // `J`: eyJ… JSON Web Tokens.
    if (f.jwt !== undefined) {
      for (let at = text.indexOf("J"); at !== -1; at = text.indexOf("J", at + 1)) {
        if (text.charCodeAt(at - 1) === 121 && text.charCodeAt(at - 2) === 101) at = this.#run(text, at - 2, f.jwt, edits, at);
      }
    }
    // `@`: the password of scheme://user:password@host, found by reading back to the `:`.
    if (f.url_password !== undefined) {
      for (let at = text.indexOf("@"); at !== -1; at = text.indexOf("@", at + 1)) {
        let i = at - 1;
        while (i >= 0 && at - i <= 256 && !URL_STOP.has(text.charCodeAt(i))) i--;
        if (text.charCodeAt(i) === 58 && i + 1 < at) at = this.#run(text, i + 1, f.url_password, edits, at);
      }
    }
  }

  /**
   * Runs `pattern` at `start` and records its secret. Returns where the scan for the anchor
   * at `at` goes on: past the match, or right after the anchor.
   */
  #run(text: string, start: number, pattern: FixedPattern | undefined, edits: Edit[], at: number): number {
    if (pattern === undefined || start < 0 || (pattern.boundary && !leftBoundary(text, start))) return at;
    pattern.re.lastIndex = start;
    const match = pattern.re.exec(text);
    if (match === null) return at;
    const [s, e] = (match.indices as RegExpIndicesArray)[1] as [number, number];
    edits.push({ start: s, end: e, kind: pattern.kind });
    return Math.max(at, e - 1);
  }

  /** Finds `name<sep>value` pairs whose name ends with a keyword. */
  #findPairs(text: string, sep: "=" | ":", edits: Edit[]): void {
    const re = this.#pair as RegExp;
    for (let at = text.indexOf(sep); at !== -1; at = text.indexOf(sep, at + 1)) {
      // Back over spaces and a closing quote (`"`, `\"` or `'`) to the name's last letter.
      let j = at - 1;
      while (j >= 0 && text.charCodeAt(j) === 32) j--;
      const q = text.charCodeAt(j);
      if (q === 34 || q === 39) {
        j--;
        // `\"`, or `\\\"` when the pair is in JSON serialized into a string.
        if (q === 34) while (text.charCodeAt(j) === 92) j--;
      }
      if (j < 1 || !keywordEnding(text.charCodeAt(j - 1) | 0x20, text.charCodeAt(j) | 0x20)) continue;
      const keyword = KEYWORD_AT_END.exec(text.slice(Math.max(0, j - 15), j + 1));
      if (keyword === null) continue;
      const keywordStart = j + 1 - keyword[0].length;
      re.lastIndex = keywordStart;
      const match = re.exec(text);
      if (match === null) continue;
      const edit = this.#pairEdit(text, match, keywordStart, keyword[0]);
      if (edit !== null) {
        edits.push(edit);
        at = edit.end - 1;
      }
    }
  }

  #pairEdit(text: string, match: RegExpExecArray, offset: number, keyword: string): Edit | null {
    const memberValue = match[1];
    const separator = match[3] ?? "";
    const openQuote = match[4];
    const value = memberValue ?? match[5] ?? "";
    const group = memberValue !== undefined ? 1 : 5;
    if (value.length === 0 || value.startsWith(MARKER_PREFIX)) return null;
    let start = offset;
    // Back to the start of the name; the letter of an escape (`\nDB_PASSWORD`) is not part of it.
    while (start > 0 && IDENT_CHAR.test(text[start - 1] as string) && !(start > 1 && text.charCodeAt(start - 2) === 92)) start--;
    const written = text.slice(start, offset) + keyword;
    const flag = /^--?[A-Za-z]/.test(written);
    const name = written.replace(/^-+/, "");
    const kind = pairKind(name, keyword, value);
    if (!this.#enabled.has(kind)) return null;
    // Short values under `token` are words (a tokenizer's output), not credentials.
    if (kind !== "password" && kind !== "aws_secret" && value.length < 8) return null;
    if (memberValue !== undefined) {
      if (kind !== "password" && /\s/.test(value)) return null;
    } else {
      // A pair written in text: quoted values always count; bare ones only where code is
      // unlikely (env dumps, URL queries, command-line flags, `X-Api-Key:` headers) or when
      // the value looks random. Otherwise Python's `token=token` would be redacted.
      const before = text[start - 1] ?? "";
      const trusted =
        openQuote !== undefined ||
        kind === "aws_secret" ||
        (separator === "=" && (ENV_NAME.test(name) || before === "?" || before === "&" || before === ";" || flag)) ||
        (separator.trim() === ":" && HEADER_NAME.test(name)) ||
        RANDOM_LOOKING.test(value);
      if (!trusted) return null;
    }
    const [s, e] = (match.indices as RegExpIndicesArray)[group] as [number, number];
    // A pair written in text must lie inside one string: a quote ending the string (an even
    // run of backslashes before it) means the match ran into the JSON structure.
    if (memberValue === undefined && !insideOneString(text, offset, e)) return null;
    return { start: s, end: e, kind };
  }
}

function pairKind(name: string, keyword: string, value: string): BuiltinSecretKind {
  const lower = name.toLowerCase();
  if (lower.includes("aws") && lower.includes("secret") && AWS_SECRET_VALUE.test(value)) return "aws_secret";
  const k = keyword.toLowerCase();
  if (k.startsWith("pass")) return "password";
  if (k === "token") return "token";
  return "secret";
}

/** True when the match at `offset` does not continue a word (an escape like `\n` is not a word). */
function leftBoundary(text: string, offset: number): boolean {
  if (offset === 0) return true;
  const prev = text.charCodeAt(offset - 1);
  const wordy =
    (prev >= 48 && prev <= 57) || (prev >= 65 && prev <= 90) || (prev >= 97 && prev <= 122) || prev === 95 || prev === 45;
  if (!wordy) return true;
  // `\n`, `\t`, `\u0001`: the letter or digit ends an escape, so a new word starts here.
  if (offset >= 2 && text.charCodeAt(offset - 2) === 92 && "nrtbf".includes(text[offset - 1] as string)) return true;
  return offset >= 6 && text.charCodeAt(offset - 6) === 92 && text.charCodeAt(offset - 5) === 117;
}

/** Start of a GitHub token whose `_` is at `at`: `ghp_` and the like, or `github_pat_`. */
function githubStart(text: string, at: number): number {
  if (at >= 3 && text.charCodeAt(at - 3) === 103 && text.charCodeAt(at - 2) === 104) return at - 3;
  if (at >= 6 && text.startsWith("github_pat_", at - 6)) return at - 6;
  return -1;
}

/** True when no unescaped `"` lies in `text[from, to)`. */
function insideOneString(text: string, from: number, to: number): boolean {
  for (let q = text.indexOf('"', from); q !== -1 && q < to; q = text.indexOf('"', q + 1)) {
    let n = 0;
    for (let k = q - 1; text.charCodeAt(k) === 92; k--) n++;
    if (n % 2 === 0) return false;
  }
  return true;
}
