/**
 * Cutting log content down for display. Model prompts, outputs and locals can be megabytes;
 * the page gets the start of each long string and a note of where the whole one is, which it
 * fetches on demand through `/api/text`.
 */

/** Limits of {@link truncateForDisplay}. */
export interface DisplayLimits {
  /** Longest string kept whole, in UTF-16 code units. @default 20000 */
  maxString?: number;
  /** Total string length kept in one value; past it every string is cut to `minString`. @default 1000000 */
  budget?: number;
  /** What a string is cut to once the budget is spent. @default 500 */
  minString?: number;
}

/** A value cut for display, and the full length of each string that was cut, by JSON pointer. */
export interface Truncated<T> {
  value: T;
  truncated: Record<string, number>;
}

/** Copies `value` with long strings cut; `pointer` is where `value` sits in its line. */
export function truncateForDisplay<T>(value: T, limits: DisplayLimits = {}, pointer = ""): Truncated<T> {
  const maxString = limits.maxString ?? 20_000;
  const minString = limits.minString ?? 500;
  let budget = limits.budget ?? 1_000_000;
  const truncated: Record<string, number> = {};
  const walk = (node: unknown, at: string): unknown => {
    if (typeof node === "string") {
      const keep = Math.min(maxString, Math.max(minString, budget));
      budget -= Math.min(node.length, keep);
      if (node.length <= keep) return node;
      truncated[at] = node.length;
      return node.slice(0, keep);
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, `${at}/${i}`));
    if (typeof node === "object" && node !== null) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(node)) out[key] = walk(item, `${at}/${escapePointer(key)}`);
      return out;
    }
    return node;
  };
  return { value: walk(value, pointer) as T, truncated };
}

/** The value at a JSON pointer (RFC 6901); undefined when there is none. */
export function resolvePointer(root: unknown, pointer: string): unknown {
  if (pointer === "") return root;
  if (!pointer.startsWith("/")) return undefined;
  let node: unknown = root;
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) {
      if (!/^(0|[1-9]\d*)$/.test(key)) return undefined;
      node = node[Number(key)];
    } else if (typeof node === "object" && node !== null && Object.hasOwn(node, key)) {
      node = (node as Record<string, unknown>)[key];
    } else {
      return undefined;
    }
  }
  return node;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}
