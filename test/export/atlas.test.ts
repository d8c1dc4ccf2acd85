import { expect, test } from "vitest";
import {
  ATLAS_DESCRIPTION_MAX_CHARS,
  ATLAS_PRIOR_RESULT_MAX_BYTES,
  ATLAS_PRIOR_RESULTS_MAX_BYTES,
  atlasJson,
  stepDescription,
  toAtlas,
} from "../../src/export/atlas.js";
import type { IterationLine, TrajectoryRecord } from "../../src/index.js";

const record: TrajectoryRecord = {
  path: "/logs/e/step_0/i_20260219_143000_000000000001.jsonl",
  sessionId: "i_20260219_143000_000000000001",
  metadata: null,
  iterations: [],
  summary: { type: "summary", timestamp: "2026-02-19T14:30:05.000Z", reward: 2, total_steps: 0, total_iterations: 0 },
  complete: true,
  problems: [],
};

function iteration(n: number, response: string, stdout: string, code = `run(${n})`): IterationLine {
  return {
    type: "iteration",
    iteration: n,
    timestamp: "2026-02-19T14:30:01.000Z",
    prompt: [{ role: "user", content: "task" }],
    response,
    code_blocks: code === "" ? [] : [{ code, result: { stdout, stderr: "", locals: {}, execution_time: 0.1, rlm_calls: [], final_answer: null } }],
    final_answer: null,
    iteration_time: 1,
  };
}

test("atlas: scores are written as floats", () => {
  const trace = toAtlas({ ...record, metadata: null });
  const line = atlasJson(trace);
  expect(line).toBe(
    '{"task":"","final_answer":"","plan":{"steps":[]},"steps":[],"session_metadata":{"session_id":"i_20260219_143000_000000000001","status":"succeeded","created_at":null,"completed_at":"2026-02-19T14:30:05.000Z","reward":2,"forced":false,"total_steps":0,"total_iterations":0},"session_reward":{"score":2.0}}',
  );
  const fractional = atlasJson(toAtlas({ ...record, summary: { ...record.summary!, reward: 0.25 } }));
  expect(JSON.parse(fractional).session_reward).toEqual({ score: 0.25 });
  expect(fractional).toContain('"session_reward":{"score":0.25}');
});

test("atlas: no reward is never a score of 0.0: a null score and the reason, on every step", () => {
  const cases = [
    [{ ...record, summary: null, complete: false }, "unfinished"],
    [{ ...record, summary: { ...record.summary!, reward: null, error: { name: "E", message: "boom" } } }, "errored"],
    [{ ...record, summary: { ...record.summary!, reward: null } }, "no reward given"],
  ] as const;
  for (const [session, reason] of cases) {
    const trace = toAtlas({ ...session, iterations: [iteration(1, "go", "out"), iteration(2, "again", "out")] });
    expect(trace.session_reward).toBeUndefined();
    expect(trace.session_metadata).toMatchObject({ reward: null, missing_reward: reason });
    for (const step of trace.steps) {
      expect(step.reward).toEqual({
        score: null,
        rationale: `no reward: ${reason}`,
        judges: [],
        raw: { source: "trajlog", session_reward: null, missing_reward: reason },
      });
    }
    const line = atlasJson(trace);
    expect(line).not.toContain('"score":0');
    expect(JSON.parse(line).steps[1].reward.score).toBe(null);
  }
});

test("atlas: prior_results holds a bounded, marked excerpt of each earlier step; the output stays near the input's size", () => {
  const big = `${"a".repeat(600_000)}é${"z".repeat(500_000)}`; // 1.1 MB, a two-byte character in the middle
  const iterations = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((n) => iteration(n, `Step ${n}.`, n === 1 ? big : `small ${n}`));
  const trace = toAtlas({ ...record, iterations });
  const last = trace.steps[11]!;
  const prior = last.context.prior_results;
  expect(Object.keys(prior)).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11"]);
  for (const value of Object.values(prior)) expect(Buffer.byteLength(value)).toBeLessThanOrEqual(ATLAS_PRIOR_RESULT_MAX_BYTES);
  const excerpt = /^(a+)\n\[\.\.\. (\d+) bytes cut: step 1's output has them \.\.\.\]\n(z+)$/.exec(prior["1"]!);
  expect(excerpt).not.toBe(null);
  const [, head, cut, tail] = excerpt!;
  expect(head!.length + Number(cut) + tail!.length).toBe(Buffer.byteLength(big)); // the marker counts what is missing
  expect(trace.steps[0]!.output).toBe(big); // the step's own output stays whole
  expect(prior["11"]).toBe("small 11");
  const total = Object.values(prior).reduce((n, v) => n + Buffer.byteLength(v), 0);
  expect(total).toBeLessThanOrEqual(ATLAS_PRIOR_RESULTS_MAX_BYTES);
  const inputBytes = iterations.reduce((n, it) => n + Buffer.byteLength(JSON.stringify(it)), 0);
  expect(Buffer.byteLength(atlasJson(trace)) / inputBytes).toBeLessThan(1.1);
});

test("atlas: once the context budget is spent, older steps keep only a marker with their size", () => {
  const iterations = Array.from({ length: 12 }, (_, i) => iteration(i + 1, `Step ${i + 1}.`, "x".repeat(3000)));
  const prior = toAtlas({ ...record, iterations }).steps[11]!.context.prior_results;
  const excerpts = Object.entries(prior).filter(([, v]) => v.length > 200);
  expect(excerpts.map(([k]) => k)).toEqual(["4", "5", "6", "7", "8", "9", "10", "11"]);
  expect(prior["1"]).toBe("[... 3000 bytes omitted: step 1's output has them ...]");
});

test("atlas: every step has a one-line description from its response, else its code", () => {
  expect(stepDescription(iteration(1, "\n  Let me look.  \n```repl\nls()\n```", ""))).toBe("Let me look.");
  expect(stepDescription(iteration(2, "```repl\nwhile True: pass\n```", ""))).toBe("while True: pass");
  expect(stepDescription(iteration(3, "", "", "\n\nimport os\nprint(1)"))).toBe("import os");
  expect(stepDescription(iteration(4, "", "", ""))).toBe("iteration 4: no response text and no code");
  const long = stepDescription(iteration(5, "é".repeat(500), ""));
  expect(Array.from(long)).toHaveLength(ATLAS_DESCRIPTION_MAX_CHARS);
  expect(long.endsWith("…")).toBe(true);
  const trace = toAtlas({ ...record, iterations: [iteration(1, "Find it.\n```repl\nfind()\n```", "found")] });
  expect(trace.steps[0]!.description).toBe("Find it.");
  expect(trace.plan.steps[0]!.description).toBe("Find it.");
});
