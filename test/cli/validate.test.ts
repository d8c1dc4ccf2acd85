import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { buildLogTree, TREE_SESSIONS } from "../fixtures/log-tree.js";
import { iterationLine, metadataLine } from "../helpers/lines.js";
import { runCli } from "./run-cli.js";

let logDir: string;
let bad: string;

const META = metadataLine({ training_step: 3, experiment_name: "exp-x" });
const ITER = iterationLine;
const SUMMARY = { type: "summary", timestamp: "2026-02-19T14:30:05.000Z", reward: 1, total_steps: 2, total_iterations: 2 };

beforeAll(async () => {
  logDir = await buildLogTree();
  bad = await mkdtemp(path.join(os.tmpdir(), "trajlog-validate-"));
});
afterAll(async () => {
  await rm(logDir, { recursive: true, force: true });
  await rm(bad, { recursive: true, force: true });
});

test("a tree written by the SDK is valid: exit 0", async () => {
  expect(await runCli(["validate", logDir])).toEqual({ code: 0, stdout: "", stderr: "7 session files checked: all valid\n" });
});

test("every problem with file and line; exit 1", async () => {
  const dir = path.join(bad, "exp-x", "step_3");
  await cp(path.join(logDir, "exp-a", "step_0", `${TREE_SESSIONS[0]}.jsonl`), path.join(dir, `${TREE_SESSIONS[0]}.jsonl`));
  const lines = (...values: unknown[]) => values.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join("\n");
  await writeFile(
    path.join(dir, "a_20260219_143000_000000000001.jsonl"),
    `${lines(ITER(1), META, ITER(2, { prompt: "text", iteration_time: -1 }), ITER(2), "{oops", SUMMARY, ITER(3), "")}\n`,
  );
  await writeFile(path.join(dir, "b_20260219_143001_000000000002.jsonl"), `${lines({ ...META, training_step: 4 }, ITER(1), '{"type":"summ')}`);
  const run = await runCli(["validate", path.join(bad, "exp-x")]);
  const a = path.join(bad, "exp-x", "step_3", "a_20260219_143000_000000000001.jsonl");
  const b = path.join(bad, "exp-x", "step_3", "b_20260219_143001_000000000002.jsonl");
  const d = path.join(bad, "exp-x", "step_3", `${TREE_SESSIONS[0]}.jsonl`);
  expect(run).toEqual({
    code: 1,
    stdout: [
      `${a}:1: line 1 must be the metadata line; found a iteration line`,
      `${a}:2: metadata line must be line 1 (and only line 1)`,
      `${a}:3: iteration line: /prompt: Expected array`,
      `${a}:3: iteration line: /iteration_time: Expected union value`,
      `${a}:4: iteration 2 does not follow iteration 2: numbers must increase`,
      `${a}:5: not valid JSON: "{oops"`,
      `${a}:6: summary says total_iterations 2, but the file has 4 iteration lines`,
      `${a}:7: line after the summary line (line 6); the summary must be last`,
      `${a}:8: blank line`,
      `${d}:1: training_step is 0 but the file is under step_3`,
      `${d}:1: experiment_name "exp-a" does not match its folder "exp-x"`,
      `${b}:1: training_step is 4 but the file is under step_3`,
      `${b}:3: torn last line (no newline at the end): not valid JSON: "{\\"type\\":\\"summ"`,
      "",
    ].join("\n"),
    stderr: "3 session files checked: 13 problems in 3 files\n",
  });
});

test("one file; --quiet leaves only the problems", async () => {
  const file = path.join(bad, "lone.jsonl");
  await writeFile(file, `${JSON.stringify(META)}\n${JSON.stringify(ITER(1))}\n`);
  expect(await runCli(["validate", file])).toEqual({ code: 0, stdout: "", stderr: "1 session file checked: all valid\n" });
  await writeFile(file, "");
  expect(await runCli(["validate", file, "-q"])).toEqual({
    code: 1,
    stdout: `${file}:1: empty file: line 1 must be the metadata line\n`,
    stderr: "",
  });
});

test("a missing path exits 2", async () => {
  expect(await runCli(["validate", path.join(bad, "nope")])).toEqual({
    code: 2,
    stdout: "",
    stderr: `trajlog validate: ${path.join(bad, "nope")}: no such file or directory\n`,
  });
});
