import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { closingQuote } from "../../../src/write/policy/json-scan.js";
import { valueText, type ValueText } from "../../../src/write/serialize/json-text.js";

const SEED = process.env.TRAJLOG_TEST_SEED ?? "json-text";

/** A long string of escapes, multi-byte characters and surrogate pairs, some at piece boundaries. */
function longString(rng: () => number, units: number): string {
  const alphabet = ["a", "é", "日", "🎉", '"', "\\", "\n", "\t", "\u0001", " ", "x", "\ud800"];
  const parts: string[] = [];
  let n = 0;
  while (n < units) {
    const c = alphabet[Math.floor(rng() * alphabet.length)] as string;
    const run = c.repeat(1 + Math.floor(rng() * 2000));
    parts.push(run);
    n += run.length;
  }
  return parts.join("");
}

describe("valueText", () => {
  it(`writes exactly what JSON.stringify writes, long strings included (seed ${SEED})`, () => {
    const rng = seedrandom(SEED);
    for (let round = 0; round < 4; round++) {
      const big = longString(rng, 200_000 + Math.floor(rng() * 900_000));
      // A pair split exactly where a piece of 512 Ki units ends.
      const edge = `${"a".repeat(512 * 1024 - 1)}🎉${"b".repeat(1000)}`;
      const value = {
        type: "iteration",
        prompt: [{ role: "user", content: big }],
        response: edge,
        code_blocks: [{ code: "x", result: { stdout: big.slice(0, 150_000), locals: { f: undefined, g: () => 1, d: new Date(0), n: [undefined, 1] } } }],
        [`k${"y".repeat(140_000)}`]: 1,
        extra: null,
      };
      const out = valueText(value, Infinity);
      expect(out.text).toBe(JSON.stringify(value));
      for (const { at, cutBytes } of out.long) {
        expect(out.text[at]).toBe('"');
        expect(cutBytes).toBe(0);
      }
      expect(out.long).toHaveLength(3);
    }
  });

  it("cuts a string over keepUnits before serializing it, never between the halves of a pair, and says how many bytes it left out", () => {
    const head = `${"é".repeat(199_999)}🎉`; // 200,001 units, a pair at the end
    const tail = "€".repeat(300_000);
    const value = { a: "short", s: head + tail };
    const out = valueText(value, 200_000);
    const [long] = out.long;
    expect(out.long).toHaveLength(1);
    expect(long?.cutBytes).toBe(Buffer.byteLength(`🎉${tail}`));
    const parsed = JSON.parse(out.text) as { a: string; s: string };
    expect(parsed).toEqual({ a: "short", s: "é".repeat(199_999) });
    expect(out.text.indexOf('"s":') + 4).toBe(long?.at);
  });

  it("stops serializing a string once its text reaches keepText, at a piece's end, and says how many bytes it left out", () => {
    const value = { s: "\u0001".repeat(300_000), t: "x".repeat(300_000) };
    const out = valueText(value, 250_000, 100_000);
    const parsed = JSON.parse(out.text) as { s: string; t: string };
    // Six units of text per control character: about a sixth of keepText in units, a piece past it.
    expect(parsed.s.length * 6).toBeGreaterThanOrEqual(100_000);
    expect(parsed.s.length * 6).toBeLessThan(100_000 + 6 * 16 * 1024);
    expect(parsed.t).toBe("x".repeat(parsed.t.length));
    expect(parsed.t.length).toBeGreaterThanOrEqual(100_000);
    expect(out.long.map((l) => l.cutBytes)).toEqual([300_000 - parsed.s.length, 300_000 - parsed.t.length]);
    expect(out.long.map((l) => out.text.slice(l.at, l.at + 2))).toEqual(['"\\', '"x']);
  });

  it("leaves values without a long string to JSON.stringify", () => {
    const value = { a: [1, "two", { three: null }], b: "x".repeat(1000) };
    const text = JSON.stringify(value);
    expect(valueText(value, Infinity)).toEqual({ text, long: [], shortLongest: text.length });
  });

  describe("a value that answers differently from one read to the next", () => {
    const LONG = "y".repeat(300_000);
    /** An object whose `v` answers "short" on its first `shortReads` reads and `LONG` after. */
    const changing = (shortReads: number): object => {
      let reads = 0;
      return Object.defineProperty({}, "v", { get: () => (++reads <= shortReads ? "short" : LONG), enumerable: true });
    };
    /** Every string of `text` (keys included) but those listed as long, and the longest of them. */
    const longestShort = (out: ValueText): number => {
      const listed = new Set(out.long.map((l) => l.at));
      let longest = 0;
      for (let at = out.text.indexOf('"'); at !== -1; ) {
        const end = closingQuote(out.text, at);
        if (!listed.has(at)) longest = Math.max(longest, (JSON.parse(out.text.slice(at, end + 1)) as string).length);
        at = out.text.indexOf('"', end + 1);
      }
      return longest;
    };

    it("bounds the strings by the text written, not by the walk: without a long string seen", () => {
      const value = { a: 1, locals: changing(1) };
      const out = valueText(value, Infinity);
      expect(out.text).toBe(`{"a":1,"locals":{"v":"${LONG}"}}`);
      expect(out.long).toEqual([]);
      expect(out.shortLongest).toBeGreaterThanOrEqual(LONG.length);
      expect(out.shortLongest).toBe(out.text.length);
    });

    it("bounds the strings by the text written, not by the walk: beside a long string, in a part serialized whole", () => {
      const other = "z".repeat(200_000);
      // Read once by findHolders (hasLong stops at `other`), then serialized whole beside it.
      const value = { other, locals: changing(1) };
      const out = valueText(value, Infinity);
      expect(JSON.parse(out.text)).toEqual({ other, locals: { v: LONG } });
      expect(out.long.map((l) => out.text.slice(l.at, l.at + 3))).toEqual(['"zz']);
      expect(longestShort(out)).toBe(LONG.length);
      expect(out.shortLongest).toBeGreaterThanOrEqual(LONG.length);
    });

    it("bounds the strings by the text written, not by the walk: a key listed long only when serialized", () => {
      const key = `k${"q".repeat(200_000)}`;
      let lists = 0;
      const target: Record<string, unknown> = { s: "x".repeat(200_000), [key]: 1 };
      // A proxy whose key listing holds the long key only from its third listing on.
      const value = new Proxy(target, {
        ownKeys: () => (++lists <= 2 ? ["s"] : ["s", key]),
        getOwnPropertyDescriptor: (t, k) => Reflect.getOwnPropertyDescriptor(t, k),
      });
      const out = valueText({ value }, Infinity);
      expect(JSON.parse(out.text)).toEqual({ value: target });
      expect(longestShort(out)).toBe(key.length);
      expect(out.shortLongest).toBeGreaterThanOrEqual(key.length);
    });

    it("keeps the walk's bound when what is written is what it saw", () => {
      const value = { other: "z".repeat(200_000), locals: { a: "b".repeat(1000) }, n: [1, 2] };
      const out = valueText(value, Infinity);
      expect(out.text).toBe(JSON.stringify(value));
      expect(out.shortLongest).toBe(128 * 1024);
    });
  });
});
