import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { valueText } from "../../../src/write/serialize/json-text.js";

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
});
