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
