/**
 * A file's batch scale: files that log in step must not reach their batch in the same turn,
 * so each write draws a new scale, spread evenly over [0.5, 1.5).
 */
import { describe, expect, it } from "vitest";
import { BufferBudget } from "../../src/write/buffer-budget.js";
import { FileHandle } from "../../src/write/file-handle.js";

describe("FileHandle.batchScale", () => {
  it("stays in [0.5, 1.5) and spreads evenly, across files and across one file's writes", () => {
    const budget = new BufferBudget(1024);
    const files = Array.from({ length: 500 }, (_, i) => new FileHandle(`/tmp/x/${i}.jsonl`, () => "/tmp/x/y.jsonl", budget));
    const scales = files.map((file) => file.batchScale);
    const one = files[0] as FileHandle;
    for (let i = 0; i < 500; i++) {
      one.nextBatch();
      scales.push(one.batchScale);
    }
    // Ten equal bins over [0.5, 1.5): each holds a tenth of the 1,000 scales, give or take 2 %.
    const bins = new Array<number>(10).fill(0);
    for (const scale of scales) {
      expect(scale >= 0.5 && scale < 1.5).toBe(true);
      const bin = Math.floor((scale - 0.5) * 10);
      bins[bin] = (bins[bin] ?? 0) + 1;
    }
    for (const count of bins) expect(Math.abs(count - 100)).toBeLessThanOrEqual(2);
  });
});
