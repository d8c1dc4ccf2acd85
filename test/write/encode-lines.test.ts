import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { encodeLines } from "../../src/write/encode-lines.js";
import type { LineText } from "../../src/write/serialize/line-text.js";
import { lineSize } from "../../src/write/line-queue.js";

const MiB = 1024 * 1024;
const SEED = "encode-lines";

/** What the lines' UTF-8 is, joined the plain way. */
function expected(lines: readonly LineText[]): Buffer {
  return Buffer.concat(lines.flatMap((line) => (typeof line === "string" ? [Buffer.from(line)] : line.map((p) => (typeof p === "string" ? Buffer.from(p) : p)))));
}

describe("encodeLines", () => {
  it(`gives the lines' UTF-8 in a buffer of exactly their size, past the scratch space's largest size or not (seed ${SEED})`, () => {
    const rng = seedrandom(SEED);
    const units = ["a", "é", "€", "🎉", "\n", "x"];
    const text = (n: number): string => {
      // A run of one unit, then a few mixed: sizes with every width, cheap to make large.
      const u = units[Math.floor(rng() * units.length)] as string;
      let s = u.repeat(Math.floor(n / u.length));
      for (let i = 0; i < 8; i++) s += units[Math.floor(rng() * units.length)] as string;
      return s;
    };
    for (const total of [1000, 300 * 1024, 3 * MiB, 7 * MiB]) {
      const lines: LineText[] = [
        text(total / 4),
        [text(total / 8), Buffer.from(text(total / 8)), "\n"],
        text(total / 4),
        [Buffer.from(text(total / 4)), text(16)],
      ];
      const chars = lines.reduce((n, line) => n + lineSize(line), 0);
      const out = encodeLines(lines, chars);
      const want = expected(lines);
      expect({ size: out.length, same: out.equals(want) }, `seed ${SEED}, ${total} units`).toEqual({ size: want.length, same: true });
    }
  });
});
