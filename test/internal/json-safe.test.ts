import { describe, expect, it } from "vitest";
import { asText, stringifySafe, toJsonSafe, toJsonSafeCopy } from "../../src/internal/json-safe.js";

describe("toJsonSafe", () => {
  it("returns plain JSON data as the very same object (nothing copied)", () => {
    const value = { a: [1, "x", true, null, { b: 2.5 }], c: { d: "e" } };
    expect(toJsonSafe(value)).toBe(value);
  });

  it("makes every awkward value kind readable", () => {
    const circular: Record<string, unknown> = { name: "loop" };
    circular.self = circular;
    const shared = { s: 1 };
    const err = new RangeError("bad range", { cause: new Error("root") });
    (err as unknown as { code: string }).code = "E_RANGE";
    function namedFn(): void {}
    const value = {
      circular,
      twice: [shared, shared],
      big: 12345678901234567890n,
      err,
      map: new Map<string, unknown>([["a", 1], ["b", new Set([1, 2])]]),
      objMap: new Map<unknown, unknown>([[{ k: 1 }, "v"]]),
      set: new Set(["x", "y"]),
      date: new Date("2026-02-19T14:30:00.123Z"),
      badDate: new Date(Number.NaN),
      buf: Buffer.from("hello"),
      u8: new Uint8Array([1, 2, 3]),
      f64: new Float64Array([1.5, Number.NaN]),
      i64: new BigInt64Array([5n]),
      ab: new Uint8Array([255]).buffer,
      fn: namedFn,
      arrow: [() => 1],
      sym: Symbol("tag"),
      nan: Number.NaN,
      inf: [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
      undef: undefined,
      holes: [undefined, 1],
      re: /ab+c/gi,
      boxed: new String("boxed"),
      withToJSON: { toJSON: () => ({ custom: 1n }) },
    };
    const out = toJsonSafe(value) as Record<string, unknown>;
    expect(out).toEqual({
      circular: { name: "loop", self: "[Circular]" },
      twice: [{ s: 1 }, { s: 1 }],
      big: "12345678901234567890",
      err: {
        name: "RangeError",
        message: "bad range",
        stack: err.stack,
        code: "E_RANGE",
        cause: { name: "Error", message: "root", stack: (err.cause as Error).stack },
      },
      map: { a: 1, b: [1, 2] },
      objMap: [[{ k: 1 }, "v"]],
      set: ["x", "y"],
      date: "2026-02-19T14:30:00.123Z",
      badDate: null,
      buf: { type: "Buffer", base64: "aGVsbG8=" },
      u8: [1, 2, 3],
      f64: [1.5, null],
      i64: ["5"],
      ab: { type: "ArrayBuffer", base64: "/w==" },
      fn: "[Function: namedFn]",
      arrow: ["[Function: anonymous]"],
      sym: "Symbol(tag)",
      nan: null,
      inf: [null, null],
      holes: [null, 1],
      re: "/ab+c/gi",
      boxed: "boxed",
      withToJSON: { custom: "1" },
    });
    expect("undef" in out).toBe(false);
    // The input is untouched.
    expect(value.nan).toBeNaN();
    expect(value.circular.self).toBe(circular);
  });

  it("survives getters that throw and cuts very deep nesting", () => {
    const tricky = {
      get boom(): never {
        throw new Error("no access");
      },
      ok: 1,
    };
    expect(toJsonSafe(tricky)).toEqual({ boom: "[Unreadable: no access]", ok: 1 });
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 10_000; i++) deep = { next: deep };
    expect(() => JSON.stringify(toJsonSafe(deep))).not.toThrow();
    expect(JSON.stringify(toJsonSafe(deep))).toContain('"[Too deep]"');
  });

  it("copy mode builds fresh objects even for plain data", () => {
    const value = { a: { b: [1] } };
    const out = toJsonSafeCopy(value) as typeof value;
    expect(out).toEqual(value);
    expect(out).not.toBe(value);
    expect(out.a).not.toBe(value.a);
  });
});

describe("stringifySafe", () => {
  it("never throws and writes valid UTF-8 JSON for lone surrogates", () => {
    const text = stringifySafe({ s: "a\ud800b\udfffc", n: 1n });
    expect(text).toBe('{"s":"a\\ud800b\\udfffc","n":"1"}');
    expect(Buffer.from(text, "utf8").toString("utf8")).toBe(text);
  });

  it("falls back to a fresh copy when a getter answers differently the next time", () => {
    let reads = 0;
    const flaky = {
      get v(): unknown {
        reads++;
        return reads === 1 ? "fine" : 10n;
      },
    };
    // First read passes the check, JSON.stringify's read gets a BigInt and throws, the copy reads again.
    expect(stringifySafe(flaky)).toBe('{"v":"10"}');
    expect(reads).toBe(3);
  });
});

describe("asText", () => {
  it("keeps strings and renders anything else as JSON text", () => {
    expect(asText("x")).toBe("x");
    expect(asText(undefined)).toBe("");
    expect(asText(null)).toBe("");
    expect(asText({ a: 1n })).toBe('{"a":"1"}');
    expect(asText(3)).toBe("3");
  });
});
