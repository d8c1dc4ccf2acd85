import { rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { buildLogTree, TREE_SESSIONS } from "../fixtures/log-tree.js";
import { jsonLines, runCli } from "./run-cli.js";

let logDir: string;
beforeAll(async () => {
  logDir = await buildLogTree();
});
afterAll(async () => {
  await rm(logDir, { recursive: true, force: true });
});

test("ls: experiments, steps, sessions with instance, iterations, reward, state", async () => {
  const run = await runCli(["ls", logDir]);
  expect(run).toEqual({
    code: 0,
    stderr: "",
    stdout: `exp-a
  step_0  (3 sessions)
    SESSION                                                    INSTANCE              ITERATIONS  REWARD  STATE
    django__django-11099_20260219_143000_000000000001          django__django-11099           2       1  completed
    sympy__sympy-20590_20260219_143010_000000000002            sympy__sympy-20590             3       0  completed
    astropy_12907_weird-84966caa_20260219_143020_000000000003  astropy/12907 weird            1       -  errored
  step_2  (2 sessions)
    SESSION                                            INSTANCE              ITERATIONS  REWARD  STATE
    django__django-11099_20260219_150000_000000000004  django__django-11099           1       -  incomplete
    flask__flask-4045_20260219_150005_000000000005     flask__flask-4045              1     0.5  completed
  step_10  (1 session)
    SESSION                                            INSTANCE              ITERATIONS  REWARD  STATE
    django__django-11099_20260219_160000_000000000006  django__django-11099           1       1  completed

exp-b
  step_1  (1 session)
    SESSION                                               INSTANCE                 ITERATIONS  REWARD  STATE
    requests__requests-2317_20260219_143000_000000000007  requests__requests-2317           1       0  completed
`,
  });
});

test("ls --json: one object per session", async () => {
  const run = await runCli(["ls", path.join(logDir, "exp-a", "step_2"), "--json"]);
  expect(run.code).toBe(0);
  expect(jsonLines(run.stdout)).toEqual([
    { experiment: "exp-a", training_step: 2, session_id: TREE_SESSIONS[3], instance_id: "django__django-11099", iterations: 1, reward: null, state: "incomplete", skipped_lines: 0, path: `${TREE_SESSIONS[3]}.jsonl` },
    { experiment: "exp-a", training_step: 2, session_id: TREE_SESSIONS[4], instance_id: "flask__flask-4045", iterations: 1, reward: 0.5, state: "completed", skipped_lines: 0, path: `${TREE_SESSIONS[4]}.jsonl` },
  ]);
});

test("ls: a missing directory exits 2 with one line", async () => {
  expect(await runCli(["ls", path.join(logDir, "missing")])).toEqual({
    code: 2,
    stdout: "",
    stderr: `trajlog ls: ${path.join(logDir, "missing")}: no such file or directory\n`,
  });
});

test("ls --help", async () => {
  const run = await runCli(["ls", "--help"]);
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/^Usage: trajlog ls <dir> \[selection\] \[--json\]\n/);
});
