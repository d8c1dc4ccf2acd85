import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSession, readSession } from "../../src/read/reader.js";
import { type SessionRef } from "../../src/read/scan.js";
import {
  iterationAnswer,
  iterationFacts,
  lastFinalAnswer,
  measureIterations,
  measureRecord,
  sessionInstanceId,
  sessionTimes,
} from "../../src/read/session-facts.js";
import { sessionRow } from "../../src/dataset/rows.js";
import { toAtlas } from "../../src/export/atlas.js";
import { readSessionRow, WHOLE_READ_BYTES } from "../../src/viewer/server/session-row.js";
import { SessionLines } from "../../src/viewer/server/session-lines.js";
import type { IterationLine } from "../../src/format.js";
import { iterationLine, metadataLine } from "../helpers/lines.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "trajlog-facts-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const block = (result: Record<string, unknown>) => ({
  code: "x",
  result: { stdout: "", stderr: "", locals: {}, execution_time: 0.25, rlm_calls: [], final_answer: null, ...result },
});
const call = { root_model: "s", prompt: "p", response: "r", prompt_tokens: 5, completion_tokens: 2, execution_time: 0.1 };

describe("iterationFacts", () => {
  it("counts blocks, errors and sub-calls; falls back to the blocks' time; sees a code block's answer", () => {
    const iteration = iterationLine(3, {
      iteration_time: null,
      usage: { prompt_tokens: 10, completion_tokens: 4 },
      code_blocks: [block({ stderr: "boom", rlm_calls: [call, call] }), block({ stderr: "  \n", final_answer: "from code" })],
    }) as IterationLine;
    expect(iterationFacts(iteration)).toEqual({
      seconds: 0.5,
      codeBlocks: 2,
      errors: 1,
      subCalls: 2,
      promptTokens: 10,
      completionTokens: 4,
      final: true,
      promptMessages: 1,
    });
    expect(iterationAnswer(iteration)).toBe("from code");
    expect(iterationFacts(iterationLine(1) as IterationLine)).toEqual({
      seconds: 1, codeBlocks: 0, errors: 0, subCalls: 0, promptTokens: null, completionTokens: null, final: false, promptMessages: 1,
    });
  });
});

describe("one final answer for every reader", () => {
  // The answer is in iteration 2; iteration 3 gives none; a code block's answer is not the session's.
  const lines = [
    metadataLine({ timestamp: "2026-01-01T00:00:00.000Z", instance_id: "inst" }),
    iterationLine(1, { timestamp: "2026-01-01T00:00:01.000Z" }),
    iterationLine(2, { timestamp: "2026-01-01T00:00:02.000Z", final_answer: ["label", "the answer"] }),
    iterationLine(3, { timestamp: "2026-01-01T00:00:03.000Z", code_blocks: [block({ final_answer: "not this" })], response: "r".repeat(1000) }),
    { type: "summary", timestamp: "2026-01-01T00:00:04.000Z", reward: 1, total_steps: 3, total_iterations: 3 },
  ];

  it("the viewer's row (whole and streamed), the dataset row and the atlas export agree", async () => {
    const text = lines.map((line) => `${JSON.stringify(line)}\n`).join("");
    // Padding in the first prompt makes the second file large enough to be read by its edges.
    const big = lines.map((line, i) => `${JSON.stringify(i === 1 ? { ...line, prompt: [{ role: "user", content: "p".repeat(WHOLE_READ_BYTES) }] } : line)}\n`).join("");
    const rows = [];
    for (const [name, content] of [["small.jsonl", text], ["big.jsonl", big]] as const) {
      const file = path.join(dir, name);
      await writeFile(file, content);
      const info = await stat(file);
      const ref: SessionRef = { path: file, relPath: name, sessionId: name.replace(".jsonl", ""), experiment: "e", trainingStep: 0, startedAt: null };
      rows.push(await readSessionRow(ref, info.size, info.mtimeMs));
    }
    expect(rows[1]?.sizeBytes).toBeGreaterThan(WHOLE_READ_BYTES);
    const record = await readSession(path.join(dir, "small.jsonl"));
    expect({
      viewerWhole: rows[0]?.finalAnswer,
      viewerStreamed: rows[1]?.finalAnswer,
      dataset: sessionRow(record).final_answer,
      atlas: toAtlas(record).final_answer,
      facts: lastFinalAnswer(record.iterations),
      measured: measureIterations(record.iterations).finalAnswer,
    }).toEqual({
      viewerWhole: "the answer",
      viewerStreamed: "the answer",
      dataset: "the answer",
      atlas: "the answer",
      facts: "the answer",
      measured: "the answer",
    });
    const times = sessionTimes(record);
    expect(times).toEqual({ startedAt: "2026-01-01T00:00:00.000Z", endedAt: "2026-01-01T00:00:04.000Z", durationSeconds: 4 });
    for (const row of rows) {
      expect({ startedAt: row?.startedAt, endedAt: row?.endedAt, durationSeconds: row?.durationSeconds }).toEqual(times);
    }
  });

  it("the viewer's outline is the facts of each iteration", async () => {
    const file = path.join(dir, "small.jsonl");
    const index = new SessionLines(file);
    await index.update();
    const record = await readSession(file);
    expect(index.outline.map(({ line: _line, iteration: _n, timestamp: _t, promptKept: _k, ...facts }) => facts)).toEqual(
      record.iterations.map(iterationFacts),
    );
  });
});

describe("measureRecord", () => {
  it("takes the instance, reward and forced flag from the facts", () => {
    const record = parseSession(
      "/x/s.jsonl",
      Buffer.from(
        [
          metadataLine({ instance_id: "inst", sampling: { rate: 0.5, by: "rollout", forced: true } }),
          iterationLine(1, { usage: { prompt_tokens: 7, completion_tokens: 3 } }),
          { type: "summary", timestamp: "2026-01-01T00:00:04.000Z", reward: 0.5, total_steps: 1, total_iterations: 1 },
        ]
          .map((line) => `${JSON.stringify(line)}\n`)
          .join(""),
      ),
    );
    expect(measureRecord(record, false)).toEqual({
      experiment: "e",
      trainingStep: 0,
      instanceId: "inst",
      state: "completed",
      live: false,
      forced: true,
      reward: 0.5,
      iterations: 1,
      iterationSeconds: 1,
      timedIterations: 1,
      inputTokens: 7,
      outputTokens: 3,
    });
    expect(sessionInstanceId({ metadata: null, sessionId: "s", ref: { instance: "from-name" } })).toBe("from-name");
    expect(sessionInstanceId({ metadata: null, sessionId: "s" })).toBe("s");
  });
});
