import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { asyncBufferFromFile, parquetMetadataAsync } from "hyparquet";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ITERATION_COLUMNS, SESSION_COLUMNS } from "../../src/dataset/schema.js";
import { buildLogTree, TREE_SESSIONS } from "../fixtures/log-tree.js";
import { runCli } from "../cli/run-cli.js";
import { readDatasetTable, relativeFiles } from "../helpers/parquet.js";
import { sqlRows } from "../helpers/sql.js";

let logDir: string;
let out: string;
beforeAll(async () => {
  logDir = await buildLogTree();
  out = path.join(logDir, "..", `${path.basename(logDir)}-dataset`);
});
afterAll(async () => {
  await rm(logDir, { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
});

/** What the JSONL files say, parsed line by line here rather than by trajlog's reader. */
async function jsonlFacts(dir: string): Promise<Map<string, { reward: number | null; iterations: number; input: number; output: number }>> {
  const facts = new Map<string, { reward: number | null; iterations: number; input: number; output: number }>();
  for (const file of (relativeFiles(dir)).filter((f) => f.endsWith(".jsonl"))) {
    const fact = { reward: null as number | null, iterations: 0, input: 0, output: 0 };
    for (const text of (await readFile(path.join(dir, file), "utf8")).split("\n")) {
      if (text === "") continue;
      const line = JSON.parse(text) as Record<string, any>;
      if (line.type === "summary") fact.reward = line.reward;
      if (line.type !== "iteration") continue;
      fact.iterations++;
      fact.input += line.usage?.prompt_tokens ?? 0;
      fact.output += line.usage?.completion_tokens ?? 0;
      for (const block of line.code_blocks) {
        for (const call of block.result.rlm_calls) (fact.input += call.prompt_tokens), (fact.output += call.completion_tokens);
      }
    }
    facts.set(path.basename(file, ".jsonl"), fact);
  }
  return facts;
}

test("export --format parquet: Hive partitions of both tables, zstd, and a dataset card", async () => {
  const run = await runCli(["export", logDir, "--all", "--format", "parquet", "-o", out]);
  expect(run.code).toBe(0);
  expect(run.stderr).toContain("Exported 7 sessions (10 iterations) to");
  expect(run.stderr).toContain("Wrote 4 partitions; the dataset now holds 7 sessions, 10 iterations in 4 partitions");
  const partitions = ["experiment=exp-a/step=0", "experiment=exp-a/step=10", "experiment=exp-a/step=2", "experiment=exp-b/step=1"];
  expect(relativeFiles(out)).toEqual([
    "README.md",
    ...partitions.map((p) => `iterations/${p}/part-0.parquet`),
    ...partitions.map((p) => `sessions/${p}/part-0.parquet`),
  ].sort());

  const file = await asyncBufferFromFile(path.join(out, "sessions/experiment=exp-a/step=0/part-0.parquet"));
  const metadata = await parquetMetadataAsync(file);
  expect(metadata.schema.slice(1).map((s) => s.name)).toEqual(SESSION_COLUMNS.map((c) => c.name));
  expect(new Set(metadata.row_groups.flatMap((g) => g.columns.map((c) => c.meta_data?.codec)))).toEqual(new Set(["ZSTD"]));
  expect(Object.fromEntries((metadata.key_value_metadata ?? []).filter((kv) => kv.key.startsWith("trajlog_table") || kv.key === "trajlog_schema_version").map((kv) => [kv.key, kv.value]))).toEqual({ trajlog_table: "sessions", trajlog_schema_version: "1" });

  const card = await readFile(path.join(out, "README.md"), "utf8");
  expect(card.slice(0, card.indexOf("\n# "))).toBe(`---
configs:
- config_name: sessions
  default: true
  data_files:
  - split: train
    path: sessions/*/*/*.parquet
- config_name: iterations
  data_files:
  - split: train
    path: iterations/*/*/*.parquet
tags:
- trajlog
- reinforcement-learning
- trajectories
---
`);
  expect(card).toContain("7 sessions and 10 iterations, from 2 experiments and 4 (experiment, step) partitions");
  for (const c of [...SESSION_COLUMNS, ...ITERATION_COLUMNS]) expect(card).toContain(`| \`${c.name}\` | \`${c.type}\` |`);
});

test("hyparquet reads back the JSONL's sessions, rewards, iterations and token totals", async () => {
  const facts = await jsonlFacts(logDir);
  const sessions = await readDatasetTable(out, "sessions");
  const iterations = await readDatasetTable(out, "iterations");
  expect(sessions.map((s) => s.session_id).sort()).toEqual([...TREE_SESSIONS].sort());
  expect(iterations.length).toBe([...facts.values()].reduce((n, f) => n + f.iterations, 0));
  for (const s of sessions) {
    const fact = facts.get(s.session_id as string);
    const tokens = (n: unknown) => Number(n); // BIGINT columns read as bigint
    expect({ reward: s.reward, iterations: s.iterations, input: tokens(s.input_tokens), output: tokens(s.output_tokens) }).toEqual(fact);
    expect(iterations.filter((i) => i.session_id === s.session_id).length).toBe(fact?.iterations);
  }
  const django = sessions.find((s) => s.session_id === TREE_SESSIONS[0]);
  expect(django).toMatchObject({
    experiment: "exp-a",
    step: 0n,
    instance_id: "django__django-11099",
    model: "qwen2.5-coder-32b",
    state: "completed",
    forced: false,
    sampling_rate: 1,
    total_steps: 2,
    final_answer: "patched",
    error: null,
    dropped_lines: 0,
    path: `exp-a/step_0/${TREE_SESSIONS[0]}.jsonl`,
    duration_s: 4,
  });
  expect((django?.started_at as Date).toISOString()).toBe("2026-02-19T14:30:00.000Z");
  expect(JSON.parse(django?.metadata as string)).toMatchObject({ type: "metadata", task: "Make UsernameValidator reject trailing newlines." });
  expect(sessions.find((s) => s.session_id === TREE_SESSIONS[2])).toMatchObject({ state: "errored", error: "SandboxError: sandbox crashed", reward: null });
  expect(sessions.find((s) => s.session_id === TREE_SESSIONS[3])).toMatchObject({ state: "incomplete", total_steps: null });

  // The second iteration of django repeats the first prompt's two messages and adds two.
  const second = iterations.find((i) => i.session_id === TREE_SESSIONS[0] && i.iteration === 2);
  expect(second).toMatchObject({
    prompt_kept: 2,
    prompt_messages: 4,
    prompt_new: [
      { role: "assistant", content: "Let me find the validator." },
      { role: "user", content: "stdout: validators.py:9" },
    ],
    final_answer: "patched",
    prompt_tokens: 480n,
    completion_tokens: 30n,
    iteration_time: 2,
  });
  expect(second?.code_blocks).toEqual([
    { code: "patch()", stdout: "ok\n", stderr: "", locals: "{}", execution_time: 0.1, final_answer: null, rlm_calls: [] },
    { code: "run_tests()", stdout: "2 passed\n", stderr: "warning: slow\n", locals: "{}", execution_time: 1.2, final_answer: "patched", rlm_calls: [] },
  ]);
  const flask = iterations.find((i) => i.session_id === TREE_SESSIONS[4]);
  expect(flask).toMatchObject({ final_answer: "42", prompt_kept: 0, prompt_messages: 2 });
});

test("DuckDB reads the dataset back with the same counts, rewards and tokens", async () => {
  const run = await runCli([
    "query",
    out,
    "SELECT count(*) AS sessions, sum(iterations) AS iterations, sum(reward) AS reward, sum(input_tokens) AS input, sum(output_tokens) AS output, (SELECT count(*) FROM iterations) AS iteration_rows FROM sessions",
    "--json",
  ]);
  expect(run.code).toBe(0);
  const facts = [...(await jsonlFacts(logDir)).values()];
  const sum = (f: (x: (typeof facts)[number]) => number) => facts.reduce((n, x) => n + f(x), 0);
  expect(JSON.parse(run.stdout)).toEqual([
    { sessions: 7, iterations: sum((f) => f.iterations), reward: sum((f) => f.reward ?? 0), input: sum((f) => f.input), output: sum((f) => f.output), iteration_rows: sum((f) => f.iterations) },
  ]);
});

test("exporting again replaces the sessions exported again and keeps the others: never a duplicate", async () => {
  const again = path.join(out, "..", `${path.basename(out)}-again`);
  try {
    const count = () =>
      sqlRows(again, "SELECT step, count(*) AS n, count(DISTINCT session_id) AS distinct_ids, (SELECT count(*) FROM iterations i WHERE i.step = s.step) AS its FROM sessions s GROUP BY step ORDER BY step");
    // Step 0 alone first, then everything: step 0's three sessions are replaced, not added.
    expect((await runCli(["export", logDir, "--step", "0", "--format", "parquet", "-o", again])).code).toBe(0);
    expect(await count()).toEqual([{ step: 0, n: 3, distinct_ids: 3, its: 6 }]);
    const all = await runCli(["export", logDir, "--all", "--format", "parquet", "-o", again]);
    expect(all.stderr).toContain("replacing 3 sessions already in the dataset; the dataset now holds 7 sessions");
    const full = [
      { step: 0, n: 3, distinct_ids: 3, its: 6 },
      { step: 1, n: 1, distinct_ids: 1, its: 1 },
      { step: 2, n: 2, distinct_ids: 2, its: 2 },
      { step: 10, n: 1, distinct_ids: 1, its: 1 },
    ];
    expect(await count()).toEqual(full);
    // One instance only: its sessions are replaced, the other sessions of the same partitions stay.
    const one = await runCli(["export", logDir, "--instance", "django__django-11099", "--format", "parquet", "-o", again]);
    expect(one.stderr).toContain("replacing 3 sessions already in the dataset; the dataset now holds 7 sessions, 10 iterations");
    expect(await count()).toEqual(full);
    expect((relativeFiles(again)).filter((f) => !f.endsWith("part-0.parquet"))).toEqual(["README.md"]);
  } finally {
    await rm(again, { recursive: true, force: true });
  }
});

test("a second export into a folder being written is refused, naming the lock", async () => {
  const locked = path.join(out, "..", `${path.basename(out)}-locked`);
  try {
    const { mkdir, writeFile } = await import("node:fs/promises");
    await mkdir(locked, { recursive: true });
    // A live process of this host holds it: this test's own.
    await writeFile(path.join(locked, ".trajlog-export.lock"), JSON.stringify({ pid: process.pid, host: (await import("node:os")).hostname(), started: "2026-01-01T00:00:00.000Z" }));
    const run = await runCli(["export", logDir, "--all", "--format", "parquet", "-o", locked]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`is being written by process ${process.pid}`);
    expect(run.stderr).toContain(".trajlog-export.lock if that export is no longer running");
    // A lock whose process is gone is taken over.
    await writeFile(path.join(locked, ".trajlog-export.lock"), JSON.stringify({ pid: 2 ** 22 + 7, host: (await import("node:os")).hostname(), started: "2026-01-01T00:00:00.000Z" }));
    expect((await runCli(["export", logDir, "--all", "--format", "parquet", "-o", locked])).code).toBe(0);
    expect(relativeFiles(locked)).not.toContain(".trajlog-export.lock");
  } finally {
    await rm(locked, { recursive: true, force: true });
  }
});

test("--format parquet needs -o DIR and refuses flags it cannot honour", async () => {
  const noOut = await runCli(["export", logDir, "--all", "--format", "parquet"]);
  expect(noOut).toMatchObject({ code: 2, stdout: "" });
  expect(noOut.stderr).toContain("--format parquet writes files: give the output directory with -o DIR");
  const limit = await runCli(["export", logDir, "--all", "--format", "parquet", "-o", out, "--trajectory-limit", "2"]);
  expect(limit.code).toBe(2);
  expect(limit.stderr).toContain("--trajectory-limit does not apply to --format parquet");
});

test("the README documents every column of the schema with its type", async () => {
  const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
  for (const c of [...SESSION_COLUMNS, ...ITERATION_COLUMNS]) expect(readme).toContain(`| \`${c.name}\` | \`${c.type}\` | ${c.description.replaceAll("|", "\\|")} |`);
});
