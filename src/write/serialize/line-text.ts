/**
 * Serialization: a line object → its JSON text under the content policy, `\n` included.
 *
 * The policy's steps (transform.ts) are applied to the line's text here; this module decides
 * what goes through them. A metadata line's identity does not: it is serialized apart and put
 * back between the other members, in its place. An iteration line's prompt may come from the
 * session's prompt cache instead (prompt-cache.ts).
 */
import type { PreCut } from "../policy/caps.js";
import { closingQuote } from "../policy/json-scan.js";
import { redactionMarker, type RedactReport, type RedactionCounts } from "../policy/secret-patterns.js";
import type { PolicyTransform } from "../policy/transform.js";
import { stringifyLine } from "../../lines.js";
import { toJsonSafeCopy } from "../../internal/json-safe.js";
import { valueText, type ValueText } from "./json-text.js";
import { lineKeepUnits } from "./line-budget.js";

/**
 * One line in pieces, to be written one after the other: text, and bytes that already are
 * UTF-8 (a prompt kept by the prompt cache), so that they are copied rather than encoded again.
 */
export type LinePieces = readonly (string | Buffer)[];

/** A serialized line, `\n` included: one string, or pieces. */
export type LineText = string | LinePieces;

/** Metadata keys that identify the session and are written as given. */
const IDENTITY_KEYS: readonly string[] = ["instance_id", "experiment_name"];

/**
 * The line's JSON text with the policy applied, `\n` included. Never throws on what the line
 * holds: if the policy itself fails, every string but the line's type, timestamp and roles is
 * replaced, since writing the line unredacted is not an option.
 */
export function lineText(line: object, policy: PolicyTransform, counts: RedactionCounts): string {
  return `${lineBody(line, policy, counts)}\n`;
}

/** {@link lineText} as the writer takes it: a long line's text and its `\n` as two pieces (see {@link withNewline}). */
export function lineTextPieces(line: object, policy: PolicyTransform, counts: RedactionCounts): LineText {
  return withNewline(lineBody(line, policy, counts));
}

/** {@link lineText} without its `\n`. */
function lineBody(line: object, policy: PolicyTransform, counts: RedactionCounts): string {
  try {
    if ((line as { type?: unknown }).type === "metadata") {
      const text = metadataText(line as Record<string, unknown>, policy, counts);
      if (text !== null) return text;
    }
    return policyText(line, policy, counts);
  } catch {
    counts.redactions++;
    counts.byKind.policy_error = (counts.byKind.policy_error ?? 0) + 1;
    return stringifyLine(blankStrings(line) as object);
  }
}

/**
 * Longest text, in UTF-16 units, that is joined with what follows it into one string before
 * it is written. A line's text is usually a string made of parts (a slice of the redacted
 * text, a cut, the serializer's pieces); adding its `\n` makes one more, and the writer's
 * encoding then has to copy all of it into a new flat string first: up to 2 bytes a unit,
 * freshly allocated, whose pages a virtual machine faults in one at a time. For a 4.7 MB line
 * that copy took 1 to 2.5 ns a unit, more than encoding it (0.4 to 1.2). Past this length
 * the parts stay pieces, each encoded where it lies; below it a piece more costs more than
 * the copy it saves.
 * @internal
 */
export const JOIN_MAX_UNITS = 64 * 1024;

/** @internal `text` and a `\n`: one string when short, two pieces past {@link JOIN_MAX_UNITS}. */
export function withNewline(text: string): LineText {
  return text.length > JOIN_MAX_UNITS ? [text, "\n"] : `${text}\n`;
}

/**
 * The JSON text of `value` with every step of the policy applied: caller patterns on its
 * strings, serialization (long strings cut to what the field cap, or the line cap, may keep
 * first: see line-budget.ts), built-in redaction, the field cap, and the line cap (leaving
 * `reserve` bytes of it for what the line holds besides; `null`: no line cap, for a part of a
 * line). `json`: see {@link valueText}; used only when no caller pattern changed the value.
 * `cuts`, with no line cap: the strings the field cap cut are listed there (see `capFields`),
 * for a line cap applied later to a line this text is part of.
 */
export function policyText(
  value: object,
  policy: PolicyTransform,
  counts: RedactionCounts,
  reserve: number | null = 0,
  json?: () => string | undefined,
  cuts?: PreCut[],
): string {
  const mapped = policy.mapCustom(value, counts) as object;
  const lineKeep = reserve === null ? Infinity : lineKeepUnits(mapped, policy.maxFieldBytes, Math.max(1, policy.maxLineBytes - reserve));
  const forLine = lineKeep < policy.keepUnits;
  // Cut for the line cap, a string's text need not be longer than the units it may keep: the
  // line cap measures what it keeps on the text, a byte per unit at least.
  const v = forLine
    ? serialized(mapped, lineKeep, lineKeep)
    : serialized(mapped, policy.keepUnits, Infinity, mapped === value ? json : undefined);
  const report: RedactReport = { marks: v.long.map((l) => l.at), grew: false };
  const redacted = policy.redactText(v.text, counts, report);
  // Unchanged by redaction (the very same string): a literal serialized whole is its string's.
  const same = redacted === v.text;
  const long: PreCut[] = v.long.map((l, i) => {
    const pre: PreCut = { at: report.marks[i] as number, cutBytes: l.cutBytes, line: forLine };
    if (same && l.value !== undefined) pre.value = l.value;
    return pre;
  });
  const pending: PreCut[] = reserve === null && cuts !== undefined ? cuts : [];
  const text = policy.capFields(redacted, counts, long, report.grew || v.shortLongest * 3 > policy.maxFieldBytes, pending);
  return reserve === null ? text : policy.capLine(text, counts, reserve, pending, -1, mapped);
}

/** `valueText`, or, when reading the value threw, the text of a plain copy of it. */
export function serialized(value: object, keepUnits: number, keepText = Infinity, json?: () => string | undefined): ValueText {
  try {
    return valueText(value, keepUnits, keepText, json);
  } catch {
    // A getter or proxy answered differently on the second read: serialize a plain copy.
    return valueText(toJsonSafeCopy(value) as object, keepUnits, keepText);
  }
}

/**
 * A metadata line keeps the session's identity as given: the format promises the original
 * instance id, readers group sessions by it, and the file's path spells it anyway, so
 * redacting it there would hide nothing. The other members go through the policy together,
 * as one object, and the identity members are put back where they were. Null when there is
 * no identity to keep, or the policy's text does not have the members it was given (a caller
 * function that renames keys): then the identity is redacted like the rest.
 */
function metadataText(line: Record<string, unknown>, policy: PolicyTransform, counts: RedactionCounts): string | null {
  const rest: Record<string, unknown> = {};
  /** Identity members, each with the number of other members before it. */
  const kept: Array<{ before: number; text: string }> = [];
  let members = 0;
  let reserve = 0;
  for (const key of Object.keys(line)) {
    const value = line[key];
    if (IDENTITY_KEYS.includes(key) && typeof value === "string") {
      const text = `${JSON.stringify(key)}:${JSON.stringify(value)}`;
      kept.push({ before: members, text });
      reserve += Buffer.byteLength(text) + 1;
    } else if (value !== undefined && typeof value !== "function" && typeof value !== "symbol") {
      setOwn(rest, key, value);
      members++;
    }
  }
  if (kept.length === 0) return null;
  const scratch: RedactionCounts = { redactions: 0, truncations: 0, byKind: {} };
  const text = policyText(rest, policy, scratch, reserve);
  const starts = memberStarts(text);
  if (starts.length !== members) return null;
  const parts: string[] = [];
  let next = 0;
  for (let i = 0; i <= members; i++) {
    while (next < kept.length && (kept[next] as { before: number }).before === i) parts.push((kept[next++] as { text: string }).text);
    if (i < members) parts.push(text.slice(starts[i], i + 1 < members ? (starts[i + 1] as number) - 1 : text.length - 1));
  }
  counts.redactions += scratch.redactions;
  counts.truncations += scratch.truncations;
  for (const [kind, n] of Object.entries(scratch.byKind)) counts.byKind[kind] = (counts.byKind[kind] ?? 0) + n;
  return `{${parts.join(",")}}`;
}

/** Where each top-level member of `text` (an object's JSON text, as serialized) starts. */
function memberStarts(text: string): number[] {
  const starts: number[] = [];
  if (text.length <= 2) return starts;
  starts.push(1);
  let depth = 0;
  for (let i = 1; i < text.length - 1; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) i = closingQuote(text, i);
    else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) depth--;
    else if (c === 44 && depth === 0) starts.push(i + 1);
  }
  return starts;
}

/** `obj[key] = value`, except that a `__proto__` key stays an own property as JSON has it. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** The fallback line: same shape, every string replaced but the few that say what the line is. */
function blankStrings(value: unknown, key?: string): unknown {
  if (typeof value === "string") {
    return key === "type" || key === "timestamp" || key === "role" ? value : redactionMarker("policy_error");
  }
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => blankStrings(item));
  const out: Record<string, unknown> = {};
  let i = 0;
  for (const [k, item] of Object.entries(value)) {
    // Keys can hold secrets too; only plain lowercase names (the format's own) are kept.
    const safeKey = /^[a-z_]{1,32}$/.test(k) && k !== "__proto__" ? k : `${redactionMarker("policy_error")}${i}`;
    out[safeKey] = blankStrings(item, k);
    i++;
  }
  return out;
}
