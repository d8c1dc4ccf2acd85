import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { isoTime } from "../../src/internal/iso-time.js";

/** Every millisecond of a second, then the same around edges (epoch, negative times, years past 9999). */
const EDGES = [0, -1, -999, -1000, -1001, 999, 1000, 1001, 253402300799999, 253402300800000, -62167219200000, -62167219200001, 8.64e15, -8.64e15];

describe("isoTime", () => {
  it("is toISOString for every millisecond of a second, in order and out of it, and at the edges", () => {
    const texts = (times: number[]) => times.map((t) => ({ t, text: isoTime(new Date(t)) }));
    const want = (times: number[]) => times.map((t) => ({ t, text: new Date(t).toISOString() }));
    const second = Array.from({ length: 1000 }, (_, ms) => 1_780_000_000_000 + ms);
    expect(texts(second)).toEqual(want(second));
    const backwards = [...second].reverse();
    expect(texts(backwards)).toEqual(want(backwards));
    // Each edge twice: once as a new second, once from the kept one.
    const edges = EDGES.flatMap((t) => [t, t]);
    expect(texts(edges)).toEqual(want(edges));
  });

  it("is toISOString over seeded random times, each near the one before or anywhere (seed printed)", () => {
    const seed = `iso-time-${Date.now()}`;
    const rng = seedrandom(seed);
    let t = 1_780_000_000_000;
    const got: string[] = [];
    const expected: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      t = rng() < 0.1 ? Math.floor((rng() - 0.5) * 2 * 8.64e15) : t + Math.floor(rng() * 1500);
      if (t > 8.64e15) t = 0;
      got.push(isoTime(new Date(t)));
      expected.push(new Date(t).toISOString());
    }
    expect({ seed, got }).toEqual({ seed, got: expected });
  });

  it("throws toISOString's RangeError for an invalid date, and is right again after", () => {
    isoTime(new Date(5000));
    expect(() => isoTime(new Date(Number.NaN))).toThrow(RangeError);
    expect(isoTime(new Date(5001))).toBe(new Date(5001).toISOString());
  });
});
