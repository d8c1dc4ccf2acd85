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
    stdout: `EXPERIMENT       STEP  SESSIONS  COMPLETED  ERRORED  INCOMPLETE  REWARD MEAN  MIN  MAX  ITERS MEAN  ITER TIME (s)  TOKENS IN  TOKENS OUT  FORCED  FORCED MEAN
exp-a               0         3          2        1           0          0.5    0    1           2          1.217        910          81       0            -
exp-a       2 partial         2          1        0           1          0.5  0.5  0.5           1              3          0           0       0            -
exp-a              10         1          1        0           0            1    1    1           1              1          0           0       0            -
exp-b               1         1          1        0           0            0    0    0           1            0.7          0           0       0            -
`,
  });
});

test("stats --json: the step statistics, exact", async () => {
  const run = await runCli(["stats", path.join(logDir, "exp-a"), "--json"]);
  expect(run.code).toBe(0);
  const base = {
    experiment: "exp-a", errored: 0, incomplete: 0, live: 0, partial: false, forced: 0, forcedRewardMean: null, errorRate: 0,
    rewardStd: null, inputTokens: 0, outputTokens: 0, inputTokensMean: 0, outputTokensMean: 0, groups: 0, zeroVarianceGroups: 0, zeroVarianceShare: null,
  };
  const only = (r: number) => ({ rewardMean: r, rewardMin: r, rewardMax: r, rewardQuantiles: { p10: r, p25: r, p50: r, p75: r, p90: r } });
  expect(JSON.parse(run.stdout)).toEqual([
    {
      ...base, step: 0, sessions: 3, sampled: 3, completed: 2, errored: 1, errorRate: 1 / 3, rewarded: 2, rewardMean: 0.5, rewardMin: 0, rewardMax: 1,
      rewardStd: Math.SQRT1_2, rewardQuantiles: { p10: 0.1, p25: 0.25, p50: 0.5, p75: 0.75, p90: 0.9 },
      iterationsMean: 2, iterationTimeMean: (1.5 + 2 + 1 + 1 + 1 + 0.8) / 6, inputTokens: 910, outputTokens: 81, inputTokensMean: 910 / 3, outputTokensMean: 27,
    },
    // The incomplete session was written a moment ago: live, so the step is partial.
    { ...base, step: 2, sessions: 2, sampled: 2, completed: 1, incomplete: 1, live: 1, partial: true, rewarded: 1, ...only(0.5), iterationsMean: 1, iterationTimeMean: 3 },
    { ...base, step: 10, sessions: 1, sampled: 1, completed: 1, rewarded: 1, ...only(1), iterationsMean: 1, iterationTimeMean: 1 },
  ]);
});

test("stats: an empty directory says so on stderr, exit 0", async () => {
  const empty = await mkdtemp(path.join(os.tmpdir(), "trajlog-stats-"));
  try {
    expect(await runCli(["stats", empty])).toEqual({ code: 0, stdout: "", stderr: `No sessions under ${empty}\n` });
    expect(await runCli(["stats", empty, "--json", "-q"])).toEqual({ code: 0, stdout: "[]\n", stderr: "" });
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});

test("stats: the selection flags narrow the figures", async () => {
  const run = await runCli(["stats", logDir, "--experiment", "exp-a", "--steps", "1-2", "--json"]);
  expect(run.code).toBe(0);
  expect((JSON.parse(run.stdout) as { experiment: string; step: number; sessions: number }[]).map((s) => [s.experiment, s.step, s.sessions])).toEqual([["exp-a", 2, 2]]);
});
