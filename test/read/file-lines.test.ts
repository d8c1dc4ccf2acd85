import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import { readFileLines } from "../../src/read/file-lines.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "trajlog-file-lines-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** What the stream must give: the whole file split at once, lines over the cap as lengths. */
function expected(bytes: Buffer, cap: number) {
  const out: unknown[] = [];
  let start = 0;
  let line = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    const torn = end === -1;
    if (torn) end = bytes.length;
    line++;
    const length = end - start;
    out.push(length > cap ? { line, overlong: length, torn } : { line, text: bytes.toString("utf8", start, end), torn });
    start = end + 1;
  }
  return out;
}

async function streamed(file: string, cap: number, chunk: number) {
  const out: unknown[] = [];
  for await (const batch of readFileLines(file, cap, chunk)) out.push(...batch);
  return out;
}

test("any content, any cap, any chunk size: the same lines as splitting the whole file", async () => {
  const file = path.join(dir, "random.jsonl");
  const piece = fc.oneof(fc.constant("\n"), fc.string({ unit: "grapheme", maxLength: 12 }), fc.constant("é€😀"), fc.constant("x".repeat(40)));
  await fc.assert(
    fc.asyncProperty(fc.array(piece, { maxLength: 40 }), fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 48 }), async (pieces, cap, chunk) => {
      const bytes = Buffer.from(pieces.join(""), "utf8");
      await writeFile(file, bytes);
      expect(await streamed(file, cap, chunk)).toEqual(expected(bytes, cap));
    }),
    { numRuns: 300, seed: 0x7a11 },
  );
});

test("a line over the cap that spans many chunks is counted, not kept", async () => {
  const file = path.join(dir, "long.jsonl");
  const long = "y".repeat(5000);
  await writeFile(file, `{"a":1}\n${long}\n{"b":2}\n${long}`);
  expect(await streamed(file, 100, 64)).toEqual([
    { line: 1, text: '{"a":1}', torn: false },
    { line: 2, overlong: 5000, torn: false },
    { line: 3, text: '{"b":2}', torn: false },
    { line: 4, overlong: 5000, torn: true },
  ]);
});
