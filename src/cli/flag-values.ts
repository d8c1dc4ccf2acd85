/** Parsing flag values; each parser names the flag, what it expects and what it got. */
import { UsageError } from "./command.js";

/** A non-negative integer (or positive when `min` is 1). */
export function intFlag(flag: string, value: string, min = 0): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < min || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`${flag} expects an integer >= ${min}; received ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/** A finite number. */
export function numberFlag(flag: string, value: string): number {
  const n = value.trim() === "" ? Number.NaN : Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`${flag} expects a number; received ${JSON.stringify(value)}`);
  return n;
}

/** An inclusive range `A-B` of training steps. */
export function rangeFlag(flag: string, value: string): { from: number; to: number } {
  const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(value);
  if (m === null || Number(m[1]) > Number(m[2])) {
    throw new UsageError(`${flag} expects a range A-B with A <= B (e.g. 3-7); received ${JSON.stringify(value)}`);
  }
  return { from: Number(m[1]), to: Number(m[2]) };
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** An ISO 8601 date or datetime; UTC unless it carries an offset. */
export function dateFlag(flag: string, value: string): Date {
  const text = value.trim();
  let iso: string | null = null;
  if (ISO_DATE.test(text)) iso = `${text}T00:00:00Z`;
  else if (ISO_DATETIME.test(text)) iso = /(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : `${text}Z`;
  const date = iso === null ? null : new Date(iso.replace(" ", "T"));
  if (date === null || Number.isNaN(date.getTime())) {
    throw new UsageError(
      `${flag} expects an ISO 8601 date or datetime (e.g. 2026-02-19 or 2026-02-19T14:30:00Z); received ${JSON.stringify(value)}`,
    );
  }
  return date;
}

/** The values of a repeatable string flag. */
export function listFlag(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}
