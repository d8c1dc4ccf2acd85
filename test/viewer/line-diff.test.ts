import { describe, expect, it } from "vitest";
import { diffLines, MAX_DIFF_LINES } from "../../src/viewer/server/line-diff.js";

describe("diffLines", () => {
  it("keeps common lines and marks the rest removed or added, in order", () => {
    expect(diffLines("a\nb\nc\nd", "a\nc\nd\ne")).toEqual({
      lines: [
        { op: "same", text: "a" },
        { op: "del", text: "b" },
        { op: "same", text: "c" },
        { op: "same", text: "d" },
        { op: "add", text: "e" },
      ],
      clipped: false,
    });
  });

  it("handles empty sides", () => {
    expect(diffLines("", "")).toEqual({ lines: [], clipped: false });
    expect(diffLines("x", "")).toEqual({ lines: [{ op: "del", text: "x" }], clipped: false });
    expect(diffLines("", "y\nz")).toEqual({ lines: [{ op: "add", text: "y" }, { op: "add", text: "z" }], clipped: false });
  });

  it("finds a shortest edit: one changed line among many equal ones", () => {
    const a = Array.from({ length: 50 }, (_, i) => `line ${i}`);
    const b = [...a];
    b[25] = "changed";
    const { lines } = diffLines(a.join("\n"), b.join("\n"));
    expect(lines.filter((l) => l.op !== "same")).toEqual([
      { op: "del", text: "line 25" },
      { op: "add", text: "changed" },
    ]);
    expect(lines).toHaveLength(51);
  });

  it("clips very long texts and says so", () => {
    const long = Array.from({ length: MAX_DIFF_LINES + 10 }, (_, i) => String(i)).join("\n");
    const { lines, clipped } = diffLines(long, long);
    expect({ count: lines.length, clipped, allSame: lines.every((l) => l.op === "same") }).toEqual({
      count: MAX_DIFF_LINES,
      clipped: true,
      allSame: true,
    });
  });

  it("shows texts too different to align as a replacement", () => {
    const a = Array.from({ length: 1500 }, (_, i) => `a${i}`).join("\n");
    const b = Array.from({ length: 1500 }, (_, i) => `b${i}`).join("\n");
    const { lines } = diffLines(a, b);
    expect([lines.length, lines[0], lines[1500]]).toEqual([3000, { op: "del", text: "a0" }, { op: "add", text: "b0" }]);
  });
});
