import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { Plain } from "../../src/dataset/plain-values.js";
import { ITERATION_COLUMNS, SESSION_COLUMNS } from "../../src/dataset/schema.js";
import { buildLogTree, TREE_SESSIONS } from "../fixtures/log-tree.js";
import { sqlRows } from "../helpers/sql.js";
import { runCli } from "./run-cli.js";

let logDir: string;
let dataset: string;
beforeAll(async () => {
  logDir = await buildLogTree();
  dataset = `${logDir}-dataset`;
  const run = await runCli(["export", logDir, "--all", "--format", "parquet", "-o", dataset, "-q"]);
  if (run.code !== 0) throw new Error(run.stderr);
});
afterAll(async () => {
  await rm(logDir, { recursive: true, force: true });
  await rm(dataset, { recursive: true, force: true });
});

/** In this process: the same views and values as `trajlog query --json`, without a process per query. */
const queryJson = sqlRows;

/** `trajlog stats --json`'s figures, in SQL over the views: forced sessions counted, left out of the sample figures. */
const STATS_SQL = `SELECT experiment, step, count(*) AS sessions,
    count(*) FILTER (WHERE state = 'completed') AS completed,
    count(*) FILTER (WHERE state = 'errored') AS errored,
    count(*) FILTER (WHERE state = 'incomplete') AS incomplete,
    count(*) FILTER (WHERE forced) AS forced,
    count(*) FILTER (WHERE NOT forced) AS sampled,
    count(reward) FILTER (WHERE NOT forced) AS rewarded,
    avg(reward) FILTER (WHERE NOT forced) AS rewardMean,
    min(reward) FILTER (WHERE NOT forced) AS rewardMin,
    max(reward) FILTER (WHERE NOT forced) AS rewardMax,
    avg(reward) FILTER (WHERE forced) AS forcedRewardMean,
    avg(iterations) FILTER (WHERE NOT forced) AS iterationsMean,
    (SELECT avg(iteration_time) FROM iterations i JOIN sessions t USING (session_id)
      WHERE i.experiment = s.experiment AND i.step = s.step AND NOT t.forced) AS iterationTimeMean,
    coalesce(sum(input_tokens) FILTER (WHERE NOT forced), 0) AS inputTokens,
    coalesce(sum(output_tokens) FILTER (WHERE NOT forced), 0) AS outputTokens
  FROM sessions s GROUP BY experiment, step ORDER BY experiment, step`;

/** The figures of `trajlog stats --json` that {@link STATS_SQL} computes. */
async function statsFigures(dir: string): Promise<Record<string, unknown>[]> {
  const run = await runCli(["stats", dir, "--json"]);
  if (run.code !== 0) throw new Error(run.stderr);
  const keys = ["experiment", "step", "sessions", "completed", "errored", "incomplete", "forced", "sampled", "rewarded", "rewardMean", "rewardMin", "rewardMax", "forcedRewardMean", "iterationsMean", "iterationTimeMean", "inputTokens", "outputTokens"];
  return (JSON.parse(run.stdout) as Record<string, unknown>[]).map((s) => Object.fromEntries(keys.map((k) => [k, s[k]])));
}

test("the raw-tree views give trajlog stats' figures exactly, and so does the dataset", async () => {
  const stats = await statsFigures(logDir);
  expect(stats.length).toBe(4);
  const cli = await runCli(["query", logDir, STATS_SQL, "--json"]);
  expect(JSON.parse(cli.stdout)).toEqual(stats);
  expect(await queryJson(dataset, STATS_SQL)).toEqual(stats);
  // One experiment's folder and one step's folder are trees too.
  expect(await queryJson(path.join(logDir, "exp-a"), STATS_SQL)).toEqual(stats.filter((s) => s.experiment === "exp-a"));
  expect(await queryJson(path.join(logDir, "exp-a", "step_2"), STATS_SQL)).toEqual(stats.filter((s) => s.experiment === "exp-a" && s.step === 2));
});

test("the raw-tree views hold the same rows, column for column, as the exported dataset", async () => {
  for (const [table, columns] of [["sessions", SESSION_COLUMNS], ["iterations", ITERATION_COLUMNS]] as const) {
    const sql = `SELECT * FROM ${table} ORDER BY session_id${table === "iterations" ? ", iteration" : ""}`;
    const raw = await queryJson(logDir, sql);
    const exported = await queryJson(dataset, sql);
    expect(raw.length).toBe(table === "sessions" ? 7 : 10);
    expect(Object.keys(raw[0] ?? {})).toEqual(columns.map((c) => c.name));
    const parseMetadata = (rows: Record<string, Plain>[]) =>
      rows.map((r) => ("metadata" in r ? { ...r, metadata: JSON.parse(r.metadata as string) } : r));
    expect(parseMetadata(raw)).toEqual(parseMetadata(exported));
  }
  const types = async (dir: string, table: string) =>
    (await queryJson(dir, `SELECT column_name, column_type FROM (DESCRIBE ${table})`)).map((r) => `${r.column_name} ${r.column_type}`);
  expect(await types(logDir, "sessions")).toEqual(SESSION_COLUMNS.map((c) => `${c.name} ${c.type}`));
  expect(await types(logDir, "iterations")).toEqual(await types(dataset, "iterations"));
});

test("the default output is a text table; --csv quotes what it must; timestamps are UTC", async () => {
  const sql = "SELECT session_id, reward, error, started_at FROM sessions WHERE step = 0 ORDER BY started_at";
  expect(await runCli(["query", logDir, sql])).toEqual({
    code: 0,
    stderr: "(3 rows)\n",
    stdout: `session_id                                                 reward  error                          started_at
django__django-11099_20260219_143000_000000000001          1       NULL                           2026-02-19T14:30:00.000Z
sympy__sympy-20590_20260219_143010_000000000002            0       NULL                           2026-02-19T14:30:10.000Z
astropy_12907_weird-84966caa_20260219_143020_000000000003  NULL    SandboxError: sandbox crashed  2026-02-19T14:30:20.000Z
`,
  });
  expect(await runCli(["query", dataset, "SELECT session_id, response FROM iterations WHERE iteration = 2 AND session_id LIKE 'django%'", "--csv"])).toEqual({
    code: 0,
    stderr: "",
    stdout: `session_id,response\n${TREE_SESSIONS[0]},"Anchor with \\A and \\Z.\n\`\`\`repl\npatch()\n\`\`\`\nFINAL(patched)"\n`,
  });
});

test("the issue's questions: reward and tokens per step, Traceback with reward 1, one instance at every step", async () => {
  expect(await queryJson(logDir, "SELECT step, avg(reward) AS reward, sum(input_tokens + output_tokens) AS tokens FROM sessions WHERE experiment = 'exp-a' GROUP BY step ORDER BY step")).toEqual([
    { step: 0, reward: 0.5, tokens: 991 },
    { step: 2, reward: 0.5, tokens: 0 },
    { step: 10, reward: 1, tokens: 0 },
  ]);
  expect(
    await queryJson(dataset, "SELECT DISTINCT s.session_id FROM sessions s JOIN iterations i USING (session_id), unnest(i.code_blocks) AS b(block) WHERE block.stderr LIKE '%warning%' AND s.reward = 1"),
  ).toEqual([{ session_id: TREE_SESSIONS[0] }]);
  expect(await queryJson(logDir, "SELECT step, state, iterations FROM sessions WHERE instance_id = 'django__django-11099' ORDER BY step")).toEqual([
    { step: 0, state: "completed", iterations: 2 },
    { step: 2, state: "incomplete", iterations: 1 },
    { step: 10, state: "completed", iterations: 1 },
  ]);
});

test("a torn last line and a forced session: the views count them as the reader and trajlog stats do", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "trajlog-query-torn-"));
  try {
    const step = path.join(dir, "exp", "step_3");
    await mkdir(step, { recursive: true });
    const meta = { type: "metadata", timestamp: "2026-02-19T14:30:00.000Z", root_model: "m", max_depth: 2, max_iterations: 15, backend: "local", backend_kwargs: null, environment_type: "local_repl", environment_kwargs: null, other_backends: null, instance_id: "i", training_step: 3, experiment_name: "exp" };
    const iteration = { type: "iteration", iteration: 1, timestamp: "2026-02-19T14:30:01.000Z", prompt: [{ role: "user", content: "q" }], response: "r", code_blocks: [], final_answer: null, iteration_time: 1, usage: { prompt_tokens: 5, completion_tokens: 2 } };
    await writeFile(path.join(step, "i_20260219_143000_abc.jsonl"), `${JSON.stringify(meta)}\n${JSON.stringify(iteration)}\n{"type":"iteration","iteration":2,"timest`);
    const forced = { ...meta, instance_id: "j", sampling: { rate: 0.1, by: "rollout", forced: true } };
    const summary = { type: "summary", timestamp: "2026-02-19T14:30:03.000Z", reward: 1, total_steps: 1, total_iterations: 1 };
    await writeFile(path.join(step, "j_20260219_143002_def.jsonl"), [forced, { ...iteration, usage: { prompt_tokens: 100, completion_tokens: 50 } }, summary].map((l) => `${JSON.stringify(l)}\n`).join(""));
    const stats = await statsFigures(dir);
    expect(await queryJson(dir, STATS_SQL)).toEqual(stats);
    expect(stats).toEqual([expect.objectContaining({ sessions: 2, incomplete: 1, forced: 1, sampled: 1, forcedRewardMean: 1, inputTokens: 5, outputTokens: 2 })]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("empty trees and empty datasets have the views, with no rows", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "trajlog-query-empty-"));
  try {
    expect(await queryJson(dir, "SELECT count(*) AS n FROM sessions, iterations")).toEqual([{ n: 0 }]);
    const empty = path.join(dir, "dataset");
    expect((await runCli(["export", dir, "--all", "--format", "parquet", "-o", empty, "-q"])).code).toBe(0);
    expect(await queryJson(empty, "SELECT (SELECT count(*) FROM sessions) AS s, (SELECT count(*) FROM iterations) AS i")).toEqual([{ s: 0, i: 0 }]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("bad SQL prints DuckDB's message and exits 1; bad arguments exit 2", async () => {
  const bad = await runCli(["query", logDir, "SELECT nope FROM sessions"]);
  expect(bad.code).toBe(1);
  expect(bad.stdout).toBe("");
  expect(bad.stderr).toMatch(/^trajlog query: Binder Error: Referenced column "nope" not found/);
  expect(bad.stderr).not.toMatch(/\n\s+at /);
  expect(await runCli(["query", logDir])).toMatchObject({ code: 2, stderr: expect.stringContaining('expected <dir> and "SQL"; received 1 argument') });
  expect(await runCli(["query", logDir, "SELECT 1", "--json", "--csv"])).toMatchObject({ code: 2, stderr: expect.stringContaining("--json and --csv cannot be combined") });
  expect(await runCli(["query", path.join(logDir, "missing"), "SELECT 1"])).toMatchObject({ code: 2, stderr: expect.stringContaining("no such file or directory") });
});

test("over a tree written with delta prompts the views give the same rows as over the whole-prompt tree", async () => {
  const deltaDir = await buildLogTree({ prompts: "delta" });
  try {
    const iterations = `SELECT * EXCLUDE (timestamp) FROM iterations ORDER BY session_id, iteration`;
    const sessions = `SELECT * EXCLUDE (metadata, path) FROM sessions ORDER BY session_id`;
    const [a, b] = [await queryJson(logDir, iterations), await queryJson(deltaDir, iterations)];
    expect(b.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
    expect(await queryJson(deltaDir, sessions)).toEqual(await queryJson(logDir, sessions));
  } finally {
    await rm(deltaDir, { recursive: true, force: true });
  }
});
