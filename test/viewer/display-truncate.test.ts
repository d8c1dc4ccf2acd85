import { describe, expect, it } from "vitest";
import { resolvePointer, truncateForDisplay } from "../../src/viewer/server/display-truncate.js";

describe("truncateForDisplay", () => {
  it("cuts long strings anywhere in the value and lists their full length by JSON pointer", () => {
    const value = { a: "x".repeat(30), list: ["short", "y".repeat(25)], "we/ird~key": "z".repeat(21), n: 3, nil: null };
    expect(truncateForDisplay(value, { maxString: 20 })).toEqual({
      value: { a: "x".repeat(20), list: ["short", "y".repeat(20)], "we/ird~key": "z".repeat(20), n: 3, nil: null },
      truncated: { "/a": 30, "/list/1": 25, "/we~1ird~0key": 21 },
    });
  });

  it("cuts harder once the budget of one answer is spent", () => {
    const value = ["a".repeat(100), "b".repeat(100), "c".repeat(100)];
    expect(truncateForDisplay(value, { maxString: 100, budget: 150, minString: 10 })).toEqual({
      value: ["a".repeat(100), "b".repeat(50), "c".repeat(10)],
      truncated: { "/1": 100, "/2": 100 },
    });
  });
});

describe("resolvePointer", () => {
  const doc = { a: [{ "b/c": "found", "d~e": 1 }], o: { constructor: 5 } };
  it.each([
    ["", doc],
    ["/a/0/b~1c", "found"],
    ["/a/0/d~0e", 1],
    ["/a/1", undefined],
    ["/a/01", undefined],
    ["/a/x", undefined],
    ["/o/constructor", 5],
    ["/toString", undefined],
    ["a", undefined],
  ])("%s", (pointer, expected) => {
    expect(resolvePointer(doc, pointer)).toEqual(expected);
  });
});
