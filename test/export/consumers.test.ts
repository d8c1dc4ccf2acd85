/**
 * Each export format through an independent check of its consumer's rules (Python fixtures
 * that read the output as the consumer does), on a tree with errored, unfinished, forced and
 * unscored sessions, through the real CLI.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildLogTree, FORCED_TREE_SESSIONS, TREE_SESSIONS } from "../fixtures/log-tree.js";
import { jsonLines, runCli, runPython } from "../cli/run-cli.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
const PRIVACY = "trajlog export: session content is exported raw (prompts, responses, code, outputs, locals); review it before sharing.";
const ALL = [...TREE_SESSIONS, ...FORCED_TREE_SESSIONS];
const [FORCED, UNSCORED] = FORCED_TREE_SESSIONS;
const ERRORED = TREE_SESSIONS[2];
const UNFINISHED = TREE_SESSIONS[3];
const LEFT_OUT = "left out 3 sessions without a reward: 1 errored, 1 unfinished, 1 no reward given";
const FORCED_LINE = "1 exported session forced (logged whatever the sample rate, not part of the sample): marked forced: true";

let logDir: string;
let work: string;

beforeAll(async () => {
  logDir = await buildLogTree({ forced: true });
  work = await mkdtemp(path.join(os.tmpdir(), "trajlog-consumers-"));
});
afterAll(async () => {
  await rm(logDir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

/** Runs an export; progress lines (printed every 2 s, so only on a slow machine) are left out of stderr. */
async function exportTo(name: string, args: readonly string[]) {
  const out = path.join(work, name);
  const run = await runCli(["export", logDir, "--all", "-o", out, ...args]);
  return { out, run: { ...run, stderr: run.stderr.replace(/^exported \d+ sessions, \d+ iterations\.\.\.\n/gm, "") } };
}

async function pythonJson(script: string, args: readonly string[]) {
  const run = await runPython([path.join(FIXTURES, script), ...args]);
  return { ...run, json: run.code === 0 ? (JSON.parse(run.stdout) as Record<string, unknown>) : null };
}

describe.concurrent("atlas: the trainers' loader with the reward rule", () => {
  test("by default only sessions with a reward, counted with reasons; the forced one marked", async () => {
    const { out, run } = await exportTo("atlas.jsonl", ["--format", "atlas"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      `${PRIVACY}\n${LEFT_OUT} (--include-unrewarded writes them, marked with score null and missing_reward)\n${FORCED_LINE}\nExported 6 sessions (10 iterations) to ${out}\n`,
    );
    const loaded = await pythonJson("atlas_loader.py", [out]);
    expect(loaded.stderr).toBe("");
    const rows = loaded.json?.rows as { session_id: string; reward: number | null; forced: boolean }[];
    expect(new Set(rows.map((r) => r.session_id))).toEqual(new Set([TREE_SESSIONS[0], TREE_SESSIONS[1], TREE_SESSIONS[4], TREE_SESSIONS[5], TREE_SESSIONS[6], FORCED]));
    expect(rows.every((r) => typeof r.reward === "number")).toBe(true);
    expect(rows.filter((r) => r.forced).map((r) => [r.session_id, r.reward])).toEqual([
      [FORCED, 1],
      [FORCED, 1],
    ]);
  });

  test("--include-unrewarded: the loader reads null scores and the reasons; a 0.0 in their place is refused", async () => {
    const { out, run } = await exportTo("atlas-all.jsonl", ["--format", "atlas", "--include-unrewarded", "-q"]);
    expect(run).toEqual({ code: 0, stdout: "", stderr: "" });
    const loaded = await pythonJson("atlas_loader.py", [out]);
    expect(loaded.stderr).toBe("");
    const rows = loaded.json?.rows as { session_id: string; reward: number | null }[];
    expect(rows.filter((r) => r.reward === null).map((r) => r.session_id)).toEqual([ERRORED, UNFINISHED, UNSCORED]);
    const traces = jsonLines(await readFile(out, "utf8")) as { session_metadata: { session_id: string; missing_reward?: string } }[];
    expect(traces.filter((t) => t.session_metadata.missing_reward !== undefined).map((t) => [t.session_metadata.session_id, t.session_metadata.missing_reward])).toEqual([
      [ERRORED, "errored"],
      [UNFINISHED, "unfinished"],
      [UNSCORED, "no reward given"],
    ]);
    // The old export's invented reward: the rule catches it.
    const invented = path.join(work, "atlas-invented.jsonl");
    await writeFile(invented, (await readFile(out, "utf8")).replaceAll('"score":null', '"score":0.0'));
    const refused = await runPython([path.join(FIXTURES, "atlas_loader.py"), invented]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/reward\.score must be null without a session reward; got 0\.0, a reward nobody measured/);
  });
});

describe.concurrent("messages", () => {
  test("sessions with a reward only, unless asked; forced marked", async () => {
    const { out, run } = await exportTo("messages.jsonl", ["--format", "messages"]);
    expect(run.stderr).toBe(
      `${PRIVACY}\n${LEFT_OUT} (--include-unrewarded writes them, marked with "reward": null and missing_reward)\n${FORCED_LINE}\nExported 6 sessions (10 iterations) to ${out}\n`,
    );
    const records = jsonLines(await readFile(out, "utf8")) as { session_id: string; reward: unknown; forced: boolean }[];
    expect(records.every((r) => typeof r.reward === "number")).toBe(true);
    expect(records.filter((r) => r.forced).map((r) => r.session_id)).toEqual([FORCED]);

    const all = await exportTo("messages-all.jsonl", ["--format", "messages", "--include-unrewarded", "-q"]);
    const marked = jsonLines(await readFile(all.out, "utf8")) as { session_id: string; reward: unknown; missing_reward?: string }[];
    expect(marked.filter((r) => r.reward === null).map((r) => [r.session_id, r.missing_reward])).toEqual([
      [ERRORED, "errored"],
      [UNFINISHED, "unfinished"],
      [UNSCORED, "no reward given"],
    ]);
  });
});

describe.concurrent("opentraces: the strict 0.3.0 checker", () => {
  test("every session: no dropped keys, alternation, final answers, sub-model prompts and times, signal source; cost null without prices", async () => {
    const { out, run } = await exportTo("opentraces.jsonl", []);
    expect(run.stderr).toBe(
      `${PRIVACY}\nestimated_cost_usd left null: no price table given (--prices FILE)\n${FORCED_LINE}\nExported 9 sessions (13 iterations) to ${out}\n`,
    );
    const checked = await pythonJson("opentraces_check.py", [out, logDir]);
    expect(checked.stderr).toBe("");
    expect(checked.json).toMatchObject({ records: 9, user_steps: 13, subagent_steps: 2, final_answers: 6 });
    const records = jsonLines(await readFile(out, "utf8")) as { session_id: string; metadata: { forced: boolean } }[];
    expect(records.map((r) => r.session_id)).toEqual(ALL);
    expect(records.filter((r) => r.metadata.forced).map((r) => r.session_id)).toEqual([FORCED]);
  });

  test("--prices: the cost the checker computes; a model without a price leaves it null, said on stderr", async () => {
    const prices = path.join(work, "prices.json");
    const table = { "qwen2.5-coder-32b": { input_usd_per_mtok: 0.4, output_usd_per_mtok: 1.2 }, "qwen2.5-7b": { input_usd_per_mtok: 0.1, output_usd_per_mtok: 0.3 } };
    await writeFile(prices, JSON.stringify(table));
    const { out, run } = await exportTo("opentraces-priced.jsonl", ["--prices", prices, "-q"]);
    expect(run.stderr).toBe("");
    const checked = await pythonJson("opentraces_check.py", [out, logDir, prices]);
    expect(checked.stderr).toBe("");
    const costs = checked.json?.costs as Record<string, number | null>;
    expect(costs[TREE_SESSIONS[0]]).toBeCloseTo((790 * 0.4 + 72 * 1.2 + 120 * 0.1 + 9 * 0.3) / 1e6, 15);
    expect(costs[TREE_SESSIONS[3]]).toBe(0); // no token counts: nothing to pay

    const partial = path.join(work, "prices-partial.json");
    await writeFile(partial, JSON.stringify({ "qwen2.5-coder-32b": table["qwen2.5-coder-32b"] }));
    const second = await exportTo("opentraces-partial.jsonl", ["--prices", partial]);
    expect(second.run.stderr).toBe(
      `${PRIVACY}\nestimated_cost_usd left null in 2 sessions: the --prices table has no price for qwen2.5-7b\n${FORCED_LINE}\nExported 9 sessions (13 iterations) to ${second.out}\n`,
    );
    expect((await pythonJson("opentraces_check.py", [second.out, logDir, partial])).stderr).toBe("");
  });

  test("a bad price table is refused before anything is written, naming the model and field", async () => {
    const bad = path.join(work, "prices-bad.json");
    await writeFile(bad, JSON.stringify({ m: { input_usd_per_mtok: "0.4", output_usd_per_mtok: 1 } }));
    const run = await runCli(["export", logDir, "--prices", bad]);
    expect(run).toEqual({
      code: 2,
      stdout: "",
      stderr: `trajlog export: --prices ${bad}: model "m": input_usd_per_mtok must be a number >= 0 (USD per million tokens); received "0.4" (string) (see trajlog export --help)\n`,
    });
  });

  test("the checker refuses a key the schema would drop and a missing final answer", async () => {
    const { out } = await exportTo("opentraces-tampered-src.jsonl", ["-q", "-s", TREE_SESSIONS[0]]);
    const [record] = jsonLines(await readFile(out, "utf8")) as { steps: Record<string, unknown>[] }[];
    const dropped = path.join(work, "opentraces-dropped.jsonl");
    await writeFile(dropped, `${JSON.stringify({ ...record, steps: record!.steps.map((s, i) => (i === 1 ? { ...s, iteration_time: 1.5 } : s)) })}\n`);
    const a = await runPython([path.join(FIXTURES, "opentraces_check.py"), dropped, logDir]);
    expect(a.code).toBe(1);
    expect(a.stderr).toContain("key 'iteration_time' is not in schema 0.3.0: the models would drop it");
    const noAnswer = path.join(work, "opentraces-no-answer.jsonl");
    await writeFile(noAnswer, `${JSON.stringify({ ...record, steps: record!.steps.slice(0, -1), metrics: { total_steps: record!.steps.length - 1 } })}\n`);
    const b = await runPython([path.join(FIXTURES, "opentraces_check.py"), noAnswer, logDir]);
    expect(b.code).toBe(1);
    expect(b.stderr).toContain("the last step must be the final answer");
  });
});

describe.concurrent("hf-traces: the Hub's documented session trace fields", () => {
  test("one file per session, header then messages, every tool call answered", async () => {
    const { out, run } = await exportTo("hf", ["--format", "hf-traces"]);
    expect(run.stderr).toBe(`${PRIVACY}\n${FORCED_LINE}\nExported 9 sessions (13 iterations) to ${out}\n`);
    const checked = await pythonJson("hf_traces_check.py", [out]);
    expect(checked.stderr).toBe("");
    expect(checked.json).toMatchObject({ files: 9, tool_calls: 8, roles: { system: 9, user: 13, assistant: 19, tool: 8 } });
    const sessions = checked.json?.sessions as Record<string, Record<string, unknown>>;
    expect(Object.keys(sessions).sort()).toEqual([...ALL].sort());
    expect(sessions[FORCED]).toMatchObject({ harness: "trajlog", forced: true, reward: 1, state: "completed" });
    expect(sessions[ERRORED]).toMatchObject({ state: "errored", reward: null, missing_reward: "errored", error: "SandboxError: sandbox crashed" });
    const file = await readFile(path.join(out, "exp-c", "step_3", `${FORCED}.jsonl`), "utf8");
    expect(jsonLines(file).slice(1)).toEqual([
      { type: "message", message: { role: "system", content: "You are an engineer working in a Python REPL. Call FINAL(answer) when done.", timestamp: Date.parse("2026-02-19T17:00:00.000Z") } },
      { type: "message", message: { role: "user", content: "Add hostname and timestamp to the JUnit XML report.", timestamp: Date.parse("2026-02-19T17:00:00.000Z") } },
      {
        type: "message",
        message: {
          role: "assistant",
          content: "```repl\nnotes = llm_query('Where is the testsuite element written?')\nprint(notes)\n```",
          toolCalls: [{ id: "i1_repl1", function: { name: "repl", arguments: JSON.stringify({ code: "notes = llm_query('Where is the testsuite element written?')\nprint(notes)" }) } }],
          timestamp: Date.parse("2026-02-19T17:00:02.000Z"),
          model: "qwen2.5-coder-32b",
        },
      },
      {
        type: "message",
        message: {
          role: "tool",
          toolCallId: "i1_repl1",
          content:
            'In pytest_sessionfinish.\n[sub-model call 1: qwen2.5-7b, 40 prompt + 6 completion tokens, 0.8 s]\nprompt:\n{"question":"Where is the testsuite element written?"}\nresponse:\nIn pytest_sessionfinish.',
          timestamp: Date.parse("2026-02-19T17:00:02.000Z"),
        },
      },
      { type: "message", message: { role: "user", content: "In pytest_sessionfinish.", timestamp: Date.parse("2026-02-19T17:00:02.000Z") } },
      { type: "message", message: { role: "assistant", content: "Patched pytest_sessionfinish. FINAL(added hostname and timestamp)", timestamp: Date.parse("2026-02-19T17:00:03.500Z"), model: "qwen2.5-coder-32b" } },
      { type: "message", message: { role: "assistant", content: "added hostname and timestamp", timestamp: Date.parse("2026-02-19T17:00:03.500Z") } },
    ]);
  });

  test("the checker refuses an undocumented message field", async () => {
    const dir = await mkdtemp(path.join(work, "hf-bad-"));
    await writeFile(path.join(dir, "s.jsonl"), '{"type":"session","harness":"trajlog","id":"s"}\n{"type":"message","message":{"role":"assistant","content":"x","tool_calls":[]}}\n');
    const run = await runPython([path.join(FIXTURES, "hf_traces_check.py"), dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("undocumented message fields ['tool_calls']");
  });
});
