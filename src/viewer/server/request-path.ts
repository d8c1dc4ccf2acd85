/**
 * Path checks. The viewer serves only what is under the log directory: a request path or a
 * session path parameter that tries to climb out, in any encoding, is answered 404 before
 * anything is looked up.
 */

/** How many rounds of percent-decoding are undone when looking for a hidden `..`. */
const DECODE_ROUNDS = 4;

/**
 * True when a raw request path hides a way out: a `..` or `.` segment, a
 * backslash, a NUL or an overlong UTF-8 dot, plain or percent-encoded any number of times.
 */
export function isTraversalAttempt(rawTarget: string): boolean {
  let text = rawTarget;
  for (let round = 0; round <= DECODE_ROUNDS; round++) {
    if (hasEscape(text)) return true;
    const decoded = decodeOnce(text);
    if (decoded === text) return false;
    text = decoded;
  }
  // Still changing after many rounds: nobody encodes a legitimate path like that.
  return true;
}

/**
 * A session's path relative to the log directory, as the API takes it (`exp/step_3/x.jsonl`),
 * checked to be a plain relative path to a `.jsonl` file; null when it is anything else.
 */
export function checkRelativeSessionPath(rel: string): string | null {
  if (rel.length === 0 || rel.length > 4096 || !rel.endsWith(".jsonl")) return null;
  if (rel.startsWith("/") || hasEscape(rel) || /^[A-Za-z]:/.test(rel)) return null;
  return rel;
}

function hasEscape(text: string): boolean {
  if (text.includes("\\") || text.includes("\0")) return true;
  // Overlong and fullwidth encodings of `.` and `/` that some decoders turn into the real thing.
  if (/%c0%ae|%c0%af|%e0%80%ae|%c1%9c|\uff0e|\uff0f|\u2024/i.test(text)) return true;
  return text.split(/[/?&=#]/).some((segment) => segment === ".." || segment === ".");
}

function decodeOnce(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    // Invalid escapes: decode what can be decoded, so `%2e%2e%zz` still shows its `..`.
    return text.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}
