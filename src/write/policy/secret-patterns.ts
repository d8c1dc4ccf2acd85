/**
 * The built-in secret patterns, applied to the serialized JSON text of a line.
 *
 * Working on the text instead of walking every string is what makes redaction cheap enough
 * for the hot path: a handful of native scans per line. It also covers object keys for free.
 * Every finder is written out by hand and costs linear time on any text (see secret-scan.ts).
 * The price is that every finder must respect JSON text:
 * - a secret's characters are ones JSON never escapes (letters, digits, `_-+/=.~`), so a
 *   match cannot run past a string's closing quote or take half of an escape;
 * - where a finder does step over escapes (PEM line breaks, passwords), it takes each
 *   escape whole (`\n`, `\"`, `\\`);
 * - markers contain no quote and no backslash, so a replaced line is still valid JSON;
 * - a left boundary accepts an escape such as `\n` before the secret, since in JSON text the
 *   `n` of `\n` sits right before it.
 */

import { PairFinder } from "./secret-pairs.js";
import {
  ALNUM,
  ALNUM_UNDERSCORE,
  BASE64,
  bearerEnd,
  DIGIT,
  inClass,
  leftBoundary,
  PEM_HEADER,
  PEM_LABEL,
  runEnd,
  runStart,
  SLACK,
  stopAt,
  stopBefore,
  UPPER_DIGIT,
  URL_STOP,
  WORD,
  WORD_NON_DIGIT,
} from "./secret-scan.js";

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

/** What a redaction scan reports besides its result (see {@link BuiltinRedactor.redact}). */
export interface RedactReport {
  /** Ascending offsets between JSON tokens, moved along with the text. */
  marks: number[];
  /** Set when some marker is longer than the secret it replaced. */
  grew: boolean;
}

/** The marker written in place of a secret of `kind`. */
export function redactionMarker(kind: string): string {
  return `[REDACTED:${kind}]`;
}

/** A replacement to make: `[start, end)` of the text becomes the marker of `kind`. */
export interface Edit {
  start: number;
  end: number;
  kind: BuiltinSecretKind;
}

/** The marker of each built-in kind, made once. */
const MARKERS = Object.fromEntries(BUILTIN_SECRET_KINDS.map((kind) => [kind, redactionMarker(kind)])) as Record<BuiltinSecretKind, string>;

/** Whether edits are sorted by start already (the usual case: one kind of finder found them all). */
function inOrder(edits: readonly Edit[]): boolean {
  for (let i = 1; i < edits.length; i++) if ((edits[i] as Edit).start < (edits[i - 1] as Edit).start) return false;
  return true;
}

/**
 * Edits sorted by start, made disjoint in place; returns how many are kept. Two finders may
 * report one secret (a key found by its shape and by its name: same start) or a secret inside
 * another (a key inside a password): the first found at the earliest start covers both, as one
 * redaction. But a secret that starts inside another and runs past its end is a second secret
 * written into the first (a bearer token that ran into a PEM key's `-----BEGIN`): the first is
 * cut where the second starts, and each is replaced and counted. Either way the edits cover
 * the same text as all of them together, so nothing of either is left.
 */
function disjoint(edits: Edit[]): number {
  let kept = 0;
  for (const edit of edits) {
    const prev = kept > 0 ? (edits[kept - 1] as Edit) : null;
    if (prev === null || edit.start >= prev.end) {
      edits[kept++] = edit;
    } else if (edit.end > prev.end) {
      if (edit.start === prev.start) {
        edits[kept - 1] = { start: prev.start, end: edit.end, kind: prev.kind };
      } else {
        edits[kept - 1] = { start: prev.start, end: edit.start, kind: prev.kind };
        edits[kept++] = edit;
      }
    }
  }
  return kept;
}

/**
 * The fixed-shape kind that must not continue a word and whose prefix starts at `s`, if any.
 * Used where another secret ends: there a key glued on (`-----END … KEY-----sk-ant-…`) does not
 * continue a word, though the character before it is a dash or a letter.
 */
function gluedKind(t: string, s: number): BuiltinSecretKind | null {
  switch (t.charCodeAt(s)) {
    case 115: // s
      return t.startsWith("sk-ant-", s) ? "anthropic_key" : t.startsWith("sk-", s) ? "openai_key" : null;
    case 120: // x
      return t.startsWith("xox", s) ? "slack_token" : null;
    case 65: // A
      if (t.startsWith("AIza", s)) return "google_api_key";
      return t.startsWith("KIA", s + 1) || t.startsWith("SIA", s + 1) || t.startsWith("BIA", s + 1) || t.startsWith("CCA", s + 1) ? "aws_key" : null;
    case 103: // g
      return t.startsWith("gh", s) ? "github_token" : null;
    case 104: // h
      return t.startsWith("hf_", s) ? "huggingface_token" : null;
    case 101: // e
      return t.startsWith("eyJ", s) ? "jwt" : null;
    default:
      return null;
  }
}

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
 * The end of a secret of a fixed shape that starts at `s` (for a bearer token, the token
 * after `Bearer `; for a URL password, the password), or -1 when there is none there.
 */
type ShapeEnd = (text: string, s: number) => number;

const SHAPES: Partial<Record<BuiltinSecretKind, ShapeEnd>> = {
  // -----BEGIN … PRIVATE KEY-----, the base64 body (line breaks are JSON escapes, possibly
  // indented, with more backslashes when the key sits in JSON serialized into a string, or
  // in a repr), encryption headers, -----END … PRIVATE KEY-----. Without an END line the
  // body still goes: the key may have been cut.
  private_key: (t, s) => {
    const bodyStart = pemLabelEnd(t, s + 10);
    if (bodyStart === -1) return -1;
    let i = bodyStart;
    for (;;) {
      const c = t.charCodeAt(i);
      if (c === 92) {
        // `\n`, `\r\n`, `\\n` …, then the next line's indentation.
        let k = i + 1;
        while (t.charCodeAt(k) === 92) k++;
        const d = t.charCodeAt(k);
        if (d !== 110 && d !== 114) break;
        i = k + 1;
        while (t.charCodeAt(i) === 32) i++;
      } else if ((c === 80 && t.startsWith("Proc-Type:", i)) || (c === 68 && t.startsWith("DEK-Info:", i))) {
        i += c === 80 ? 10 : 9;
        if (t.charCodeAt(i) === 32) i++;
        i = runEnd(t, i, PEM_HEADER);
      } else if (inClass(c, BASE64) || c === 61) {
        i++;
      } else {
        break;
      }
    }
    if (t.startsWith("-----END", i)) {
      const end = pemLabelEnd(t, i + 8);
      if (end !== -1) return end;
    }
    return i;
  },
  anthropic_key: (t, s) => atLeast(s + 7, runEnd(t, s + 7, WORD), 20),
  // A digit among the first 201 characters: real keys are random; `sk-learn-compatible-wrapper`
  // is not one.
  openai_key: (t, s) => {
    const body = s + 3;
    const firstNonLetter = runEnd(t, body, WORD_NON_DIGIT, body + 200);
    if (!inClass(t.charCodeAt(firstNonLetter), DIGIT)) return -1;
    return atLeast(body, runEnd(t, body, WORD), 20);
  },
  aws_key: (t, s) => (runEnd(t, s + 4, UPPER_DIGIT, s + 20) === s + 20 && !inClass(t.charCodeAt(s + 20), ALNUM) ? s + 20 : -1),
  github_token: (t, s) => {
    if (t.startsWith("github_pat_", s)) return atLeast(s + 11, runEnd(t, s + 11, ALNUM_UNDERSCORE), 22);
    if (!"pousr".includes(t[s + 2] ?? "!") || t.charCodeAt(s + 3) !== 95) return -1;
    return atLeast(s + 4, runEnd(t, s + 4, ALNUM), 36);
  },
  huggingface_token: (t, s) => atLeast(s + 3, runEnd(t, s + 3, ALNUM), 30),
  google_api_key: (t, s) => (runEnd(t, s + 4, WORD, s + 39) === s + 39 ? s + 39 : -1),
  slack_token: (t, s) => ("abposre".includes(t[s + 3] ?? "!") && t.charCodeAt(s + 4) === 45 ? atLeast(s + 5, runEnd(t, s + 5, SLACK), 10) : -1),
  // The team id (`T...`) is not secret; from the `B...` segment on, the URL is.
  slack_webhook: (t, s) => {
    const channel = runEnd(t, s + 1, ALNUM);
    if (channel - s < 7 || t.charCodeAt(channel) !== 47) return -1;
    const end = atLeast(channel + 1, runEnd(t, channel + 1, ALNUM), 12);
    if (end === -1) return -1;
    const team = runStart(t, s - 1, ALNUM);
    return s - 1 - team >= 6 && t.startsWith("hooks.slack.com/services/", team - 25) ? end : -1;
  },
  bearer_token: (t, s) => bearerEnd(t, s, 12),
  jwt: (t, s) => {
    const first = atLeast(s + 3, runEnd(t, s + 3, WORD), 8);
    if (first === -1 || t.charCodeAt(first) !== 46 || !t.startsWith("eyJ", first + 1)) return -1;
    const second = atLeast(first + 4, runEnd(t, first + 4, WORD), 8);
    if (second === -1 || t.charCodeAt(second) !== 46) return -1;
    return atLeast(second + 1, runEnd(t, second + 1, WORD), 8);
  },
  // Run from the password's start, right after the `:` of `scheme://user:`.
  url_password: (t, s) => {
    const at = stopAt(t, s, URL_STOP, s + 257);
    if (at === s || at - s > 256 || t.charCodeAt(at) !== 64) return -1;
    const user = stopBefore(t, s - 1, URL_STOP, Math.max(0, s - 258));
    return s - 1 - user >= 1 && s - 1 - user <= 256 && t.startsWith("://", user - 3) ? at : -1;
  },
};

/** `end` when the run `[from, end)` is at least `min` long, else -1. */
function atLeast(from: number, end: number, min: number): number {
  return end - from >= min ? end : -1;
}

/**
 * After `-----BEGIN` or `-----END` (at `from`): the end of ` … PRIVATE KEY-----`, or -1.
 * The label's characters include those of `PRIVATE KEY`, which must end them, right before
 * the dashes: so only the label's run is read, at most 51 characters.
 */
function pemLabelEnd(t: string, from: number): number {
  const label = runEnd(t, from, PEM_LABEL, from + 52);
  if (label - from < 11 || label - from > 51 || !t.startsWith("PRIVATE KEY-----", label - 11)) return -1;
  return label + 5;
}


/** A fixed-shape kind, enabled. */
interface Shape {
  kind: BuiltinSecretKind;
  end: ShapeEnd;
  /** True when the match must not continue a word. */
  boundary: boolean;
}

/** A compiled set of built-in kinds, ready to scan JSON text. */
export class BuiltinRedactor {
  /** The kinds this redactor replaces. */
  readonly kinds: readonly BuiltinSecretKind[];
  /** Enabled fixed-shape kinds. */
  readonly #shapes: Partial<Record<BuiltinSecretKind, Shape>> = {};
  readonly #pairs: PairFinder | null;

  constructor(kinds: readonly BuiltinSecretKind[]) {
    this.kinds = BUILTIN_SECRET_KINDS.filter((k) => kinds.includes(k));
    for (const kind of this.kinds) {
      const end = SHAPES[kind];
      if (end !== undefined) this.#shapes[kind] = { kind, end, boundary: NEEDS_LEFT_BOUNDARY.has(kind) };
    }
    this.#pairs = PairFinder.for(new Set(this.kinds));
  }

  /**
   * Replaces every secret in `text` (serialized JSON) by its marker; counts into `counts`.
   * With `report`, its `marks` (ascending offsets of `text` outside any secret, such as the
   * quotes of string literals) are moved to the same places in the result, and `grew` is set
   * when a marker is longer than what it replaced (a string may then have outgrown a cap).
   */
  redact(text: string, counts: RedactionCounts, report?: RedactReport): string {
    const edits: Edit[] = [];
    this.#findShapes(text, edits);
    this.#pairs?.find(text, edits);
    if (edits.length === 0) return text;
    this.#findGlued(text, edits);
    // At the same start the shape names the marker: it was found first, and the sort is stable.
    if (!inOrder(edits)) edits.sort((a, b) => a.start - b.start);
    edits.length = disjoint(edits);
    const marks = report?.marks ?? [];
    let m = 0;
    let out = "";
    let last = 0;
    for (const edit of edits) {
      // Marks before this edit move by what the edits before them changed.
      for (; m < marks.length && (marks[m] as number) < edit.start; m++) marks[m] = (marks[m] as number) + out.length - last;
      const marker = MARKERS[edit.kind];
      if (report !== undefined && marker.length > edit.end - edit.start) report.grew = true;
      out += text.slice(last, edit.start) + marker;
      last = edit.end;
      counts.redactions++;
      counts.byKind[edit.kind] = (counts.byKind[edit.kind] ?? 0) + 1;
    }
    for (; m < marks.length; m++) marks[m] = (marks[m] as number) + out.length - last;
    return out + text.slice(last);
  }

  /**
   * Finds the keys glued to the end of a secret found (`-----END … KEY-----sk-ant-…`, a Google
   * key's 39 characters right before another key). The shapes' search skips them: the
   * character before them continues a word. Each end is looked at once, keys found here
   * included (keys glued one after another), and a key is read from there as its finder would.
   */
  #findGlued(text: string, edits: Edit[]): void {
    for (let i = 0; i < edits.length; i++) {
      const end = (edits[i] as Edit).end;
      if (!inClass(text.charCodeAt(end - 1), WORD)) continue;
      const kind = gluedKind(text, end);
      const shape = kind === null ? undefined : this.#shapes[kind];
      if (shape === undefined) continue;
      const keyEnd = shape.end(text, end);
      if (keyEnd !== -1) edits.push({ start: end, end: keyEnd, kind: shape.kind });
    }
  }

  /**
   * Finds fixed-shape secrets. Running a search for each kind over the whole line would cost
   * far more than the rest of logging, so each kind is located from one character of it that
   * is rare in ordinary text, with native `indexOf`, and at each occurrence a few neighbouring
   * characters decide whether its shape is read there. `-` checked for a preceding `sk` is much
   * cheaper than searching for `sk-`, since `s` is so frequent. The checks are written out per
   * character, without callbacks: this runs for every line, on the training loop's path.
   * A match moves the search past its end, so no stretch of text is read twice (but for the
   * `B` search, whose kinds may run into one another: see there).
   */
  #findShapes(text: string, edits: Edit[]): void {
    const f = this.#shapes;
    // `-`: sk-ant-… and sk-… keys, xox?-… Slack tokens.
    if (f.anthropic_key !== undefined || f.openai_key !== undefined || f.slack_token !== undefined) {
      for (let at = text.indexOf("-"); at !== -1; at = text.indexOf("-", at + 1)) {
        if (text.charCodeAt(at - 1) === 107 && text.charCodeAt(at - 2) === 115) {
          at = found(text, at - 2, text.startsWith("ant-", at + 1) ? f.anthropic_key : f.openai_key, edits, at);
        } else if (text.charCodeAt(at - 4) === 120 && text.charCodeAt(at - 3) === 111 && text.charCodeAt(at - 2) === 120) {
          at = found(text, at - 4, f.slack_token, edits, at);
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
          at = found(text, at, f.aws_key, edits, at);
        } else if (b === 73 && c === 122 && d === 97) {
          at = found(text, at, f.google_api_key, edits, at);
        }
      }
    }
    // `_`: gh?_ and github_pat_ GitHub tokens, hf_ Hugging Face tokens.
    if (f.github_token !== undefined || f.huggingface_token !== undefined) {
      for (let at = text.indexOf("_"); at !== -1; at = text.indexOf("_", at + 1)) {
        const p1 = text.charCodeAt(at - 1);
        const p2 = text.charCodeAt(at - 2);
        if (p2 === 104 && text.charCodeAt(at - 3) === 103) at = found(text, at - 3, f.github_token, edits, at);
        else if (p1 === 102 && p2 === 104) at = found(text, at - 2, f.huggingface_token, edits, at);
        else if (p1 === 98 && text.startsWith("github", at - 6)) at = found(text, at - 6, f.github_token, edits, at);
      }
    }
    // `B`: -----BEGIN private keys, /B… Slack webhook paths, Bearer tokens. Here the search
    // goes on right after the anchor, not past the match: each of these kinds may run into
    // another's anchor (a bearer token into a key's `-----BEGIN`, a key without its END line
    // into a `Bearer` header below it), and skipping would hide that secret. It stays linear:
    // none of them holds another anchor of its own kind (`Bearer ` and a PEM label hold a
    // space, which ends a token; a key's body holds no dash), and a webhook reads only the
    // runs next to its `/B`.
    if (f.private_key !== undefined || f.slack_webhook !== undefined || f.bearer_token !== undefined) {
      for (let at = text.indexOf("B"); at !== -1; at = text.indexOf("B", at + 1)) {
        if (text.charCodeAt(at + 1) === 69 && text.startsWith("-----BEGIN", at - 5)) {
          found(text, at - 5, f.private_key, edits, at);
        } else if (text.charCodeAt(at - 1) === 47) {
          found(text, at, f.slack_webhook, edits, at);
        } else if (text.startsWith("Bearer ", at) || text.startsWith("BEARER ", at)) {
          let token = at + 7;
          while (text.charCodeAt(token) === 32) token++;
          found(text, token, f.bearer_token, edits, at);
        }
      }
    }
    // `J`: eyJ… JSON Web Tokens.
    if (f.jwt !== undefined) {
      for (let at = text.indexOf("J"); at !== -1; at = text.indexOf("J", at + 1)) {
        if (text.charCodeAt(at - 1) === 121 && text.charCodeAt(at - 2) === 101) at = found(text, at - 2, f.jwt, edits, at);
      }
    }
    // `@`: the password of scheme://user:password@host, found by reading back to the `:`.
    // Each `@` reads back at most 256 characters, and never past the previous `@`.
    if (f.url_password !== undefined) {
      for (let at = text.indexOf("@"); at !== -1; at = text.indexOf("@", at + 1)) {
        const colon = stopBefore(text, at, URL_STOP, Math.max(0, at - 257)) - 1;
        if (text.charCodeAt(colon) === 58 && colon + 1 < at) at = found(text, colon + 1, f.url_password, edits, at);
      }
    }
  }
}

/**
 * Reads `shape` at `start` and records its secret. Returns where the search for the anchor
 * at `at` goes on: past the match, or right after the anchor.
 */
function found(text: string, start: number, shape: Shape | undefined, edits: Edit[], at: number): number {
  if (shape === undefined || start < 0 || (shape.boundary && !leftBoundary(text, start))) return at;
  const end = shape.end(text, start);
  if (end === -1) return at;
  edits.push({ start, end, kind: shape.kind });
  return Math.max(at, end - 1);
}
