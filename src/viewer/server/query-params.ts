/**
 * Reading API query parameters. A bad value is a 400 whose message names the parameter, what
 * was expected and what was received, like the CLI's flags.
 */
import { HttpError } from "./http-response.js";

/** Typed access to one request's query string. */
export class QueryParams {
  readonly #params: URLSearchParams;

  constructor(params: URLSearchParams) {
    this.#params = params;
  }

  /** A string parameter; undefined when absent or empty. */
  string(name: string): string | undefined {
    const value = this.#params.get(name);
    return value === null || value === "" ? undefined : value;
  }

  /** A string parameter that must be there. */
  requiredString(name: string): string {
    const value = this.string(name);
    if (value === undefined) throw new HttpError(400, `query parameter "${name}" is required`);
    return value;
  }

  /** An integer in [min, max]; `fallback` when absent. */
  integer(name: string, fallback: number, min: number, max: number): number;
  integer(name: string, fallback: undefined, min: number, max: number): number | undefined;
  integer(name: string, fallback: number | undefined, min: number, max: number): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new HttpError(
        400,
        `query parameter "${name}" must be an integer from ${min} to ${max}; received ${JSON.stringify(raw)}`,
      );
    }
    return value;
  }

  /** A finite number; undefined when absent. */
  number(name: string): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value) || raw.trim() === "") {
      throw new HttpError(400, `query parameter "${name}" must be a number; received ${JSON.stringify(raw)}`);
    }
    return value;
  }

  /** A comma-separated list of values from `allowed`; undefined when absent. */
  list<T extends string>(name: string, allowed: readonly T[]): T[] | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const items = raw.split(",").map((item) => item.trim()).filter((item) => item !== "");
    for (const item of items) {
      if (!(allowed as readonly string[]).includes(item)) {
        throw new HttpError(
          400,
          `query parameter "${name}" must be a comma-separated list of ${allowed.map((a) => JSON.stringify(a)).join(", ")}; received ${JSON.stringify(raw)}`,
        );
      }
    }
    return items as T[];
  }

  /** One of `allowed`; `fallback` when absent. */
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T;
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: undefined): T | undefined;
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T | undefined): T | undefined {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      throw new HttpError(
        400,
        `query parameter "${name}" must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}; received ${JSON.stringify(raw)}`,
      );
    }
    return raw as T;
  }
}
