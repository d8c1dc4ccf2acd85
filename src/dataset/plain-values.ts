/**
 * DuckDB result values as plain JSON data: integers as numbers while they are exact (else
 * decimal strings), lists as arrays, structs and string-keyed maps as objects, timestamps with
 * a time zone as ISO 8601 UTC strings, everything else (dates, decimals, intervals, UUIDs,
 * blobs) as DuckDB's own text for it.
 */
import type { DuckDBValue } from "@duckdb/node-api";

/** A JSON value. */
export type Plain = null | boolean | number | string | Plain[] | { [key: string]: Plain };

/** One DuckDB value as plain JSON data. */
export function plainValue(value: DuckDBValue): Plain {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  const v = value as unknown as { items?: DuckDBValue[]; entries?: unknown; micros?: bigint; constructor: { name: string } };
  if (Array.isArray(v.items)) return v.items.map(plainValue);
  if (Array.isArray(v.entries)) {
    const pairs = v.entries as { key: DuckDBValue; value: DuckDBValue }[];
    if (pairs.every((p) => typeof p.key === "string")) return Object.fromEntries(pairs.map((p) => [p.key as string, plainValue(p.value)]));
    return pairs.map((p) => ({ key: plainValue(p.key), value: plainValue(p.value) }));
  }
  if (typeof v.entries === "object" && v.entries !== null) {
    return Object.fromEntries(Object.entries(v.entries as Record<string, DuckDBValue>).map(([k, x]) => [k, plainValue(x)]));
  }
  if (v.constructor.name === "DuckDBTimestampTZValue" && typeof v.micros === "bigint") {
    const ms = Number(v.micros / 1000n);
    const date = new Date(ms);
    if (!Number.isNaN(date.getTime())) {
      const micros = Number(((v.micros % 1000n) + 1000n) % 1000n);
      const iso = date.toISOString();
      return micros === 0 ? iso : `${iso.slice(0, -1)}${String(micros).padStart(3, "0")}Z`;
    }
  }
  return String(value);
}
