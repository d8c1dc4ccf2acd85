/** Error-message helpers: name what was received, briefly. */

/** A short description of a received value for error messages: `"abc" (string)`. */
export function describe(value: unknown): string {
  if (typeof value === "string") return `${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)} (string)`;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return `${String(value)} (${typeof value})`;
  }
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : typeof value;
}
