import { expect, test } from "vitest";
import { toMessages } from "../../src/export/messages.js";
import type { TrajectoryRecord } from "../../src/index.js";

const iteration = (n: number, content: string, response: string) => ({
  type: "iteration" as const,
  iteration: n,
  timestamp: "2026-02-19T14:30:01.000Z",
  prompt: [{ role: "system", content: "sys" }, { role: "user", content, name: "extra keys are dropped" }],
  response,
  code_blocks: [],
  final_answer: null,
  iteration_time: 1,
});

const record: TrajectoryRecord = {
  path: "/logs/e/step_0/i_20260219_143000_000000000001.jsonl",
  sessionId: "i_20260219_143000_000000000001",
  metadata: null,
  iterations: [iteration(1, "first", "r1"), iteration(2, "second", "r2")],
  summary: null,
  complete: false,
  problems: [],
};

test("the last prompt and the last response, with the reward beside them", () => {
  expect(toMessages(record)).toEqual({
    messages: [
      { role: "system", content: "sys" },
      { role: "user", content: "second" },
      { role: "assistant", content: "r2" },
    ],
    reward: null,
    missing_reward: "unfinished",
    forced: false,
    session_id: "i_20260219_143000_000000000001",
  });
  expect(toMessages(record, { trajectoryLimit: 1 })?.messages.at(-1)).toEqual({ role: "assistant", content: "r1" });
});

test("a session without iterations has no record", () => {
  expect(toMessages({ ...record, iterations: [] })).toBe(null);
});

test("a forced session is marked; a finite reward has no missing_reward", () => {
  const metadata = { sampling: { rate: 0, by: "rollout", forced: true } } as unknown as NonNullable<TrajectoryRecord["metadata"]>;
  const summary = { type: "summary" as const, timestamp: "2026-02-19T14:30:05.000Z", reward: 0.5, total_steps: 2, total_iterations: 2 };
  expect(toMessages({ ...record, metadata, summary, complete: true })).toMatchObject({ reward: 0.5, forced: true });
  expect(toMessages({ ...record, metadata, summary, complete: true })).not.toHaveProperty("missing_reward");
});
