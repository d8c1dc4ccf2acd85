/**
 * Applying a string transform to every string of JSON data, object keys included.
 *
 * Copy-on-write, like the JSON-safe walk: an unchanged subtree comes back as the very same
 * object, and the caller's objects (which a line may share, e.g. locals) are never mutated.
 */

/** Returns `value` with `fn` applied to every string and key in it; unchanged parts are shared. */
export function mapStrings(value: unknown, fn: (text: string) => string): unknown {
  if (typeof value === "string") return fn(value);
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const mapped = mapStrings(item, fn);
      if (out === null && mapped !== item) out = value.slice(0, i);
      if (out !== null) out.push(mapped);
    }
    return out ?? value;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  let out: Record<string, unknown> | null = null;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const item = obj[key];
    const newKey = fn(key);
    const mapped = mapStrings(item, fn);
    if (out === null && (newKey !== key || mapped !== item)) {
      out = {};
      for (let j = 0; j < i; j++) {
        const k = keys[j] as string;
        setOwn(out, k, obj[k]);
      }
    }
    if (out !== null) setOwn(out, newKey, mapped);
  }
  return out ?? obj;
}

/** `obj[key] = value`, except that a `__proto__` key stays an own property as JSON has it. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
