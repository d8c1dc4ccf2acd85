import { describe, expect, it } from "vitest";
import { KeyedHash } from "../../src/internal/keyed-hash.js";

/**
 * Pearson's chi-square statistic of `values` (in [0, RANGE)) over `bins` equal bins. With 19
 * degrees of freedom (20 bins), the statistic exceeds 43.8 with probability 0.001.
 */
function chiSquare(values: number[], bins: number): number {
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.floor((v / KeyedHash.RANGE) * bins)]! += 1;
  const expected = values.length / bins;
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
}
const CHI2_19_P001 = 43.8;

describe("KeyedHash", () => {
  const hash = new KeyedHash(["r", "seed-1", "grpo"]);

  it("gives integers in [0, 2^53), the same for the same input", () => {
    for (let i = 0; i < 1000; i++) {
      const v = hash.ofIdentity(i, `inst-${i % 7}`, String(i % 4));
      expect(Number.isSafeInteger(v) && v >= 0 && v < KeyedHash.RANGE).toBe(true);
      expect(hash.ofIdentity(i, `inst-${i % 7}`, String(i % 4))).toBe(v);
    }
  });

  // The fixed inputs below are the seed of these statistical checks; each fails by chance
  // with probability about 0.001.
  it("is uniform along each part of a rollout's identity", () => {
    const n = 20_000;
    const along = {
      "rollout id": Array.from({ length: n }, (_, i) => hash.ofIdentity(3, "repo__pkg-1", String(i))),
      "training step": Array.from({ length: n }, (_, i) => hash.ofIdentity(i, "repo__pkg-1", "0")),
      "instance id": Array.from({ length: n }, (_, i) => hash.ofIdentity(3, `repo__pkg-${i}`, "0")),
      "large steps": Array.from({ length: n }, (_, i) => hash.ofIdentity(2 ** 40 + i * 2 ** 32, "x", "0")),
      "key (seed)": Array.from({ length: n }, (_, i) => new KeyedHash(["r", String(i), "grpo"]).ofIdentity(3, "x", "0")),
    };
    for (const [name, values] of Object.entries(along)) {
      expect(chiSquare(values, 20), name).toBeLessThan(CHI2_19_P001);
      // The low bits too: a threshold compares all 53.
      expect(chiSquare(values.map((v) => (v % 2 ** 20) * 2 ** 33), 20), `${name}, low bits`).toBeLessThan(CHI2_19_P001);
    }
  });

  it("gives independent values to neighbouring identities", () => {
    // Decisions at rate 0.1 of the same rollout at consecutive steps, and of consecutive rollout
    // ids: both logged about 1% of the time if independent (200 of 20,000; sd 14.1).
    const n = 20_000;
    const below = (v: number) => v < 0.1 * KeyedHash.RANGE;
    let steps = 0;
    let ids = 0;
    for (let i = 0; i < n; i++) {
      if (below(hash.ofIdentity(i, "inst", "7")) && below(hash.ofIdentity(i + 1, "inst", "7"))) steps++;
      if (below(hash.ofIdentity(5, "inst", String(i))) && below(hash.ofIdentity(5, "inst", String(i + 1)))) ids++;
    }
    for (const count of [steps, ids]) {
      expect(count).toBeGreaterThan(200 - 5 * 14.1);
      expect(count).toBeLessThan(200 + 5 * 14.1);
    }
  });

  it("keeps the parts apart: moving characters between them changes the hash", () => {
    expect(hash.ofIdentity(1, "ab", "c")).not.toBe(hash.ofIdentity(1, "a", "bc"));
    expect(new KeyedHash(["r", "ab", "c"]).ofString("x")).not.toBe(new KeyedHash(["r", "a", "bc"]).ofString("x"));
    expect(hash.ofIdentity(1, "12", "3")).not.toBe(hash.ofIdentity(11, "2", "3"));
  });

  it("gives the same values in every version (decisions of a seeded run never change silently)", () => {
    expect([
      hash.ofIdentity(0, "repo__pkg-1000", "0"),
      hash.ofIdentity(12, "django__django-11099", "3"),
      new KeyedHash(["i", "", "default"]).ofString("astropy__astropy-12907"),
    ]).toEqual(PINNED);
  });
});

const PINNED = [2029240682832191, 8740353772750250, 2366668354756150];
