import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendFile, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { readSessionRow, WHOLE_READ_BYTES, type SessionRow } from "../../src/viewer/server/session-row.js";
import type { SessionRef } from "../../src/read/scan.js";
import { metadataLine } from "../helpers/lines.js";

// Files over WHOLE_READ_BYTES are read by their first and last lines only: the row must come
// out the same as from a whole read.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "trajlog-row-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const META = metadataLine({ timestamp: "2026-01-01T00:00:00.000Z", instance_id: "inst/1", training_step: 2, experiment_name: "e" });
const iteration = (n: number, extra: object = {}) => ({
  type: "iteration", iteration: n, timestamp: `2026-01-01T00:00:${String(n).padStart(2, "0")}.000Z`,
  prompt: [{ role: "user", content: "p".repeat(60_000) }], response: "r", code_blocks: [], final_answer: null, iteration_time: 1, ...extra,
});

async function rowOf(name: string, text: string, previous?: SessionRow): Promise<SessionRow> {
  const file = path.join(dir, name);
  if (previous === undefined) await writeFile(file, text);
  else await appendFile(file, text);
  const info = await stat(file);
  const ref: SessionRef = { path: file, relPath: `e/step_2/${name}`, sessionId: name.replace(/\.jsonl$/, ""), experiment: "e", trainingStep: 2, startedAt: null };
  return readSessionRow(ref, info.size, info.mtimeMs, previous);
}

const lines = (values: object[]) => values.map((v) => `${JSON.stringify(v)}\n`).join("");

describe("readSessionRow on a large file", () => {
  it("takes the summary and the last iteration's answer from the end", async () => {
    const its = Array.from({ length: 30 }, (_, i) => iteration(i + 1));
    its.push(iteration(31, { final_answer: ["label", "the answer"] }));
    const text = lines([META, ...its, { type: "summary", timestamp: "2026-01-01T00:01:00.000Z", reward: 0.5, total_steps: 31, total_iterations: 31, error: "boom" }]);
    expect(text.length).toBeGreaterThan(WHOLE_READ_BYTES);
    expect(await rowOf("done.jsonl", text)).toEqual({
      relPath: "e/step_2/done.jsonl", sessionId: "done", experiment: "e", trainingStep: 2, instanceId: "inst/1", model: "m",
      iterations: 31, reward: 0.5, state: "errored", forced: false, inputTokens: 0, outputTokens: 0, iterationSeconds: 31, timedIterations: 31, startedAt: "2026-01-01T00:00:00.000Z", endedAt: "2026-01-01T00:01:00.000Z",
      durationSeconds: 60, finalAnswer: "the answer", error: "boom", sizeBytes: Buffer.byteLength(text), mtimeMs: expect.any(Number),
    });
  });

  it("ignores a line still being written at the end", async () => {
    const its = Array.from({ length: 25 }, (_, i) => iteration(i + 1));
    const text = `${lines([META, ...its])}{"type":"iteration","itera`;
    expect(text.length).toBeGreaterThan(WHOLE_READ_BYTES);
    expect(await rowOf("live.jsonl", text)).toEqual({
      relPath: "e/step_2/live.jsonl", sessionId: "live", experiment: "e", trainingStep: 2, instanceId: "inst/1", model: "m",
      iterations: 25, reward: null, state: "incomplete", forced: false, inputTokens: 0, outputTokens: 0, iterationSeconds: 25, timedIterations: 25, startedAt: "2026-01-01T00:00:00.000Z", endedAt: "2026-01-01T00:00:25.000Z",
      durationSeconds: 25, finalAnswer: null, error: null, sizeBytes: Buffer.byteLength(text), mtimeMs: expect.any(Number),
    });
  });

  it("gives the same row as a whole read for a small file", async () => {
    const small = lines([META, iteration(1), iteration(2, { final_answer: "x" }), { type: "summary", timestamp: "2026-01-01T00:00:03.000Z", reward: 1, total_steps: 2, total_iterations: 2 }])
      .replace(/p{60000}/g, "p");
    const big = lines([META, iteration(1), iteration(2, { final_answer: "x" }), { type: "summary", timestamp: "2026-01-01T00:00:03.000Z", reward: 1, total_steps: 2, total_iterations: 2 }])
      .replace(/p{60000}/g, "p".repeat(600_000));
    expect(big.length).toBeGreaterThan(WHOLE_READ_BYTES);
    const strip = ({ relPath, sessionId, sizeBytes, mtimeMs, ...rest }: SessionRow) => rest;
    expect(strip(await rowOf("big.jsonl", big))).toEqual(strip(await rowOf("small.jsonl", small)));
  });

  it("measures a growing file from where it stopped: tokens, time and forced as a whole read gives them", async () => {
    const usage = (n: number) => ({ usage: { prompt_tokens: 100 * n, completion_tokens: n } });
    const forcedMeta = { ...META, sampling: { rate: 0.1, by: "rollout", forced: true } };
    const first = lines([forcedMeta, ...Array.from({ length: 20 }, (_, i) => iteration(i + 1, usage(i + 1)))]);
    const torn = '{"type":"iteration","iteration":21,';
    const before = await rowOf("grow.jsonl", first + torn);
    expect([before.iterations, before.inputTokens, before.outputTokens, before.forced]).toEqual([20, 21_000, 210, true]);
    const rest = `${lines([iteration(21, usage(21)), iteration(22, { ...usage(22), iteration_time: null })]).slice(torn.length)}${lines([
      { type: "summary", timestamp: "2026-01-01T00:01:00.000Z", reward: 1, total_steps: 22, total_iterations: 22 },
    ])}`;
    const after = await rowOf("grow.jsonl", rest, before);
    const whole = await rowOf("grow-whole.jsonl", first + torn + rest);
    const strip = ({ relPath, sessionId, mtimeMs, ...r }: SessionRow) => r;
    expect(strip(after)).toEqual(strip(whole));
    expect([after.iterations, after.inputTokens, after.outputTokens, after.iterationSeconds, after.timedIterations]).toEqual([22, 25_300, 253, 21, 21]);
  });
});
