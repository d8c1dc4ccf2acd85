import { expect, test } from "vitest";
import { atlasJson, toAtlas } from "../../src/export/atlas.js";
import type { TrajectoryRecord } from "../../src/index.js";

const record: TrajectoryRecord = {
  path: "/logs/e/step_0/i_20260219_143000_000000000001.jsonl",
  sessionId: "i_20260219_143000_000000000001",
  metadata: null,
  iterations: [],
  summary: { type: "summary", timestamp: "2026-02-19T14:30:05.000Z", reward: 2, total_steps: 0, total_iterations: 0 },
  complete: true,
  problems: [],
};

test("atlas: scores are written as floats", () => {
  const trace = toAtlas({ ...record, metadata: null });
  const line = atlasJson(trace);
  expect(line).toBe(
    '{"task":"","final_answer":"","plan":{"steps":[]},"steps":[],"session_metadata":{"session_id":"i_20260219_143000_000000000001","status":"succeeded","created_at":null,"completed_at":"2026-02-19T14:30:05.000Z","reward":2,"total_steps":0,"total_iterations":0},"session_reward":{"score":2.0}}',
  );
  const fractional = atlasJson(toAtlas({ ...record, summary: { ...record.summary!, reward: 0.25 } }));
  expect(JSON.parse(fractional).session_reward).toEqual({ score: 0.25 });
  expect(fractional).toContain('"session_reward":{"score":0.25}');
});
