/**
 * The kinds of flag value, each with the words its error message and help use for what it
 * expects. A parser returns undefined for text it cannot accept; `flags.ts` turns that into
 * "--flag expects <what>; received <text>".
 */
import type { ValueParser } from "./flags.js";

export type { ValueParser };

/** An integer in `[min, max]`. */
export function integer(min = 0, max = Number.MAX_SAFE_INTEGER): ValueParser<number> {
  return {
    expects: max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`,
    parse(text) {
      const t = text.trim();
      if (!/^-?\d+$/.test(t)) return undefined;
      const n = Number(t);
      return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
    },
  };
}

/** A finite number. */
export const number: ValueParser<number> = {
  expects: "a number",
  parse(text) {
    const n = text.trim() === "" ? Number.NaN : Number(text);
    return Number.isFinite(n) ? n : undefined;
  },
};

/** Any non-empty text. */
export function text(expects: string): ValueParser<string> {
  return { expects, parse: (value) => (value === "" ? undefined : value) };
}

/** One of a fixed list of words. */
export function oneOf<const T extends string>(choices: readonly T[]): ValueParser<T> {
  return {
    expects: `one of ${choices.join(", ")}`,
    parse: (value) => (choices as readonly string[]).includes(value) ? (value as T) : undefined,
  };
}

/** An inclusive range `A-B` of training steps. */
export const stepRange: ValueParser<{ from: number; to: number }> = {
  expects: "a range A-B with A <= B (e.g. 3-7)",
  parse(value) {
    const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(value);
    if (m === null || Number(m[1]) > Number(m[2])) return undefined;
    return { from: Number(m[1]), to: Number(m[2]) };
  },
};

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** An ISO 8601 date or datetime; UTC unless it carries an offset. */
export const isoDate: ValueParser<Date> = {
  expects: "an ISO 8601 date or datetime (e.g. 2026-02-19 or 2026-02-19T14:30:00Z)",
  parse(value) {
    const t = value.trim();
    let iso: string | null = null;
    if (ISO_DATE.test(t)) iso = `${t}T00:00:00Z`;
    else if (ISO_DATETIME.test(t)) iso = /(Z|[+-]\d{2}:?\d{2})$/i.test(t) ? t : `${t}Z`;
    const date = iso === null ? null : new Date(iso.replace(" ", "T"));
    return date === null || Number.isNaN(date.getTime()) ? undefined : date;
  },
};

const UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** A size in bytes: a whole number, optionally with K, M or G (powers of 1024). */
export const byteSize: ValueParser<number> = {
  expects: "a size in bytes, with an optional K, M or G (e.g. 16M)",
  parse(value) {
    const m = /^\s*(\d+)\s*([kmg]?)(?:i?b)?\s*$/i.exec(value);
    if (m === null) return undefined;
    const n = Number(m[1]) * (UNITS[(m[2] as string).toLowerCase()] as number);
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  },
};
