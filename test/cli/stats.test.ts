import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { buildLogTree } from "../fixtures/log-tree.js";
import { runCli } from "./run-cli.js";

let logDir: string;
beforeAll(async () => {
  logDir = await buildLogTree();
});
afterAll(async () => {
  await rm(logDir, { recursive: true, force: true });
});

test("stats: a table per training step", async () => {
  expect(await runCli(["stats", logDir])).toEqual({
    code: 0,
    stderr: "",
    stdout: `EXPERIMENT  STEP  SESSIONS  COMPLETED  ERRORED  INCOMPLETE  REWARD MEAN  MIN  MAX  ITERS MEAN  ITER TIME (s)  TOKENS IN  TOKENS OUT
exp-a          0         3          2        1           0          0.5    0    1           2          1.217        910          81
exp-a          2         2          1        0           1          0.5  0.5  0.5           1              3          0           0
exp-a         10         1          1        0           0            1    1    1           1              1          0           0
exp-b          1         1          1        0           0            0    0    0           1            0.7          0           0
`,
  });
});

test("stats --json: exact figures", async () => {
  const run = await runCli(["stats", path.join(logDir, "exp-a"), "--json"]);
  expect(run.code).toBe(0);
  const base = { experiment: "exp-a", errored: 0, incomplete: 0, input_tokens: 0, output_tokens: 0 };
  expect(JSON.parse(run.stdout)).toEqual([
    { ...base, training_step: 0, sessions: 3, completed: 2, errored: 1, reward_mean: 0.5, reward_min: 0, reward_max: 1, iterations_mean: 2, iteration_time_mean: (1.5 + 2 + 1 + 1 + 1 + 0.8) / 6, input_tokens: 910, output_tokens: 81 },
    { ...base, training_step: 2, sessions: 2, completed: 1, incomplete: 1, reward_mean: 0.5, reward_min: 0.5, reward_max: 0.5, iterations_mean: 1, iteration_time_mean: 3 },
    { ...base, training_step: 10, sessions: 1, completed: 1, reward_mean: 1, reward_min: 1, reward_max: 1, iterations_mean: 1, iteration_time_mean: 1 },
  ]);
});

test("stats: an empty directory says so on stderr, exit 0", async () => {
  const empty = await mkdtemp(path.join(os.tmpdir(), "trajlog-stats-"));
  try {
    expect(await runCli(["stats", empty])).toEqual({ code: 0, stdout: "", stderr: `No sessions under ${empty}\n` });
    expect(await runCli(["stats", empty, "--json"])).toEqual({ code: 0, stdout: "[]\n", stderr: "" });
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});

test("stats: an unknown flag exits 2", async () => {
  const run = await runCli(["stats", logDir, "--steps", "1-2"]);
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/^trajlog stats: Unknown option '--steps'/);
});
