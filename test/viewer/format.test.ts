import { expect, test } from "vitest";

// The browser's formatting module, plain JavaScript served as is.
const { fmtSeconds } = (await import(new URL("../../src/viewer/app/lib/format.js", import.meta.url).href)) as { fmtSeconds: (s: number | null) => string };

test("fmtSeconds rounds once, then splits: never 60 of a smaller unit", () => {
  const cases: [number | null, string][] = [
    [null, "—"],
    [0.85, "850 ms"],
    [0.9996, "1.0 s"],
    [4.24, "4.2 s"],
    [9.96, "10 s"],
    [59.4, "59 s"],
    [59.6, "1 m 00 s"],
    [119.6, "2 m 00 s"],
    [185, "3 m 05 s"],
    [3599.6, "1 h 00 m"],
    [7440, "2 h 04 m"],
    [7199.9, "2 h 00 m"],
  ];
  expect(cases.map(([s]) => fmtSeconds(s))).toEqual(cases.map(([, shown]) => shown));
});
