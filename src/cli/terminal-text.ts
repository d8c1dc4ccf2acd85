/**
 * Text from log files (instance ids, experiment names, paths, messages) made safe to print:
 * a terminal must never receive a control character from a file it was asked to list.
 */

/**
 * C0 and C1 controls, DEL, the Unicode line and paragraph separators, and the bidirectional
 * overrides and isolates (which can make a table row read as something it is not).
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\u001b": "\\e" };

/**
 * `text` with every control character shown as an escape (`\n`, `\r`, `\t`, `\e`, `\x07`,
 * `\u202e`). Backslashes are left alone, so escaping twice changes nothing.
 */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    const named = NAMED[c];
    if (named !== undefined) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}
