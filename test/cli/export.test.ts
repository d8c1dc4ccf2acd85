import { appendFile, cp, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TraceRecordSchema } from "../../src/export/opentraces-schema.js";
import { buildLogTree, TREE_SESSIONS } from "../fixtures/log-tree.js";
import { parseLikeVisualizer } from "../fixtures/rlm-visualizer.js";
import { jsonLines, runCli, runPython } from "./run-cli.js";

const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));
const PRIVACY = "trajlog export: session content is exported raw (prompts, responses, code, outputs, locals); review it before sharing.";
const NO_PRICES = "estimated_cost_usd left null: no price table given (--prices FILE)";

let logDir: string;
let work: string;
const validateTrace = new Ajv({ allErrors: true, strict: false }).compile(TraceRecordSchema);

beforeAll(async () => {
  logDir = await buildLogTree();
  work = await mkdtemp(path.join(os.tmpdir(), "trajlog-export-"));
});
afterAll(async () => {
  await rm(logDir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

/** Session ids of an opentraces export. */
async function exportedIds(args: readonly string[]): Promise<string[]> {
  const run = await runCli(["export", logDir, "-q", ...args]);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return jsonLines(run.stdout).map((r) => (r as { session_id: string }).session_id);
}

function pythonReads(text: string) {
  return runPython([path.join(FIXTURES, "json_lines_check.py")], text);
}

describe("golden files", () => {
  test("opentraces: every session, each line valid against schema 0.3.0 and read by Python", async () => {
    const run = await runCli(["export", logDir, "--all"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(`${PRIVACY}\n${NO_PRICES}\nExported 7 sessions (10 iterations) to stdout\n`);
    await expect(run.stdout).toMatchFileSnapshot("../fixtures/golden/opentraces.jsonl");
    const records = jsonLines(run.stdout);
    expect(records.map((r) => (r as { session_id: string }).session_id)).toEqual([...TREE_SESSIONS]);
    for (const record of records) {
      expect(validateTrace(record), JSON.stringify(validateTrace.errors)).toBe(true);
    }
    expect(await pythonReads(run.stdout)).toEqual({ code: 0, stdout: "7\n", stderr: "" });
  });

  test("atlas: golden, and the trainers' loader rules accept it; sessions without a reward are left out", async () => {
    const out = path.join(work, "atlas.jsonl");
    const run = await runCli(["export", logDir, "--all", "--format", "atlas", "-o", out]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      `${PRIVACY}\nleft out 2 sessions without a reward: 1 errored, 1 unfinished (--include-unrewarded writes them, marked with score null and missing_reward)\nExported 5 sessions (8 iterations) to ${out}\n`,
    );
    const text = await readFile(out, "utf8");
    await expect(text).toMatchFileSnapshot("../fixtures/golden/atlas.jsonl");
    expect(await pythonReads(text)).toEqual({ code: 0, stdout: "5\n", stderr: "" });
    const loaded = await runPython([path.join(FIXTURES, "atlas_loader.py"), out]);
    expect(loaded.stderr).toBe("");
    const row = (session: number, step_id: number, tool: string | null, reward: number, prior: number, task: string) => ({
      session_id: TREE_SESSIONS[session],
      task,
      step_id,
      tool,
      reward,
      prior_steps: prior,
      forced: false,
    });
    const django = "Make UsernameValidator reject trailing newlines.";
    const sympy = "Why does Symbol have __dict__?";
    expect(JSON.parse(loaded.stdout)).toEqual({
      sessions: 5,
      rows: [
        row(0, 1, "repl", 1, 0, django),
        row(0, 2, "repl", 1, 1, django),
        row(1, 1, "repl", 0, 0, sympy),
        row(1, 2, "repl", 0, 1, sympy),
        row(1, 3, "repl", 0, 2, sympy),
        row(4, 1, "repl", 0.5, 0, "Blueprint names may not contain dots.\nRaise an error."),
        row(5, 1, null, 1, 0, "Fix it again."),
        row(6, 1, null, 0, 0, "Is the method a bytes object?"),
      ],
      max_prompt_chars: expect.any(Number),
    });
  });

  test("messages: golden, sessions without a reward left out; --min-reward 1 gives the behaviour-cloning set", async () => {
    const all = await runCli(["export", logDir, "--all", "--format", "messages"]);
    expect(all.code).toBe(0);
    expect(all.stderr).toBe(
      `${PRIVACY}\nleft out 2 sessions without a reward: 1 errored, 1 unfinished (--include-unrewarded writes them, marked with "reward": null and missing_reward)\nExported 5 sessions (8 iterations) to stdout\n`,
    );
    await expect(all.stdout).toMatchFileSnapshot("../fixtures/golden/messages.jsonl");
    expect(await pythonReads(all.stdout)).toEqual({ code: 0, stdout: "5\n", stderr: "" });

    const best = await runCli(["export", logDir, "--min-reward", "1", "--format", "messages", "-q"]);
    expect(best.code).toBe(0);
    expect(jsonLines(best.stdout)).toEqual([
      {
        messages: [
          { role: "system", content: "You are an engineer working in a Python REPL. Call FINAL(answer) when done." },
          { role: "user", content: "Fix django__django-11099." },
          { role: "assistant", content: "Let me find the validator." },
          { role: "user", content: "stdout: validators.py:9" },
          { role: "assistant", content: "Anchor with \\A and \\Z.\n```repl\npatch()\n```\nFINAL(patched)" },
        ],
        reward: 1,
        forced: false,
        session_id: TREE_SESSIONS[0],
      },
      {
        messages: [
          { role: "system", content: "You are an engineer working in a Python REPL. Call FINAL(answer) when done." },
          { role: "user", content: "Fix it again." },
          { role: "assistant", content: "FINAL(done)" },
        ],
        reward: 1,
        forced: false,
        session_id: TREE_SESSIONS[5],
      },
    ]);
  });

  test("rlm: mirrored tree without summary lines; every copy loads by the visualizer's rules", async () => {
    const out = path.join(work, "rlm");
    const run = await runCli(["export", logDir, "--all", "--format", "rlm", "-o", out]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(`${PRIVACY}\nExported 7 sessions (10 iterations) to ${out}\n`);
    const files = (await readdir(out, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => path.relative(out, path.join(e.parentPath, e.name)))
      .sort();
    expect(files).toEqual([
      `exp-a/step_0/${TREE_SESSIONS[2]}.jsonl`,
      `exp-a/step_0/${TREE_SESSIONS[0]}.jsonl`,
      `exp-a/step_0/${TREE_SESSIONS[1]}.jsonl`,
      `exp-a/step_10/${TREE_SESSIONS[5]}.jsonl`,
      `exp-a/step_2/${TREE_SESSIONS[3]}.jsonl`,
      `exp-a/step_2/${TREE_SESSIONS[4]}.jsonl`,
      `exp-b/step_1/${TREE_SESSIONS[6]}.jsonl`,
    ]);
    let golden = "";
    for (const file of files) {
      const text = await readFile(path.join(out, file), "utf8");
      golden += `=== ${file}\n${text}`;
      expect(() => parseLikeVisualizer(text)).not.toThrow();
      // The original, with its summary line, is what the visualizer cannot load.
      const original = await readFile(path.join(logDir, file), "utf8");
      if (original.includes('"type":"summary"')) {
        expect(() => parseLikeVisualizer(original)).toThrow(TypeError);
      }
    }
    await expect(golden).toMatchFileSnapshot("../fixtures/golden/rlm.txt");
    const copies = golden.split("\n").filter((l) => l !== "" && !l.startsWith("=== ")).join("\n");
    expect(await pythonReads(copies)).toEqual({ code: 0, stdout: "17\n", stderr: "" });
    const django = parseLikeVisualizer(await readFile(path.join(out, files[1] as string), "utf8"));
    expect(django).toEqual({
      config: {
        root_model: "qwen2.5-coder-32b",
        max_depth: 2,
        max_iterations: 4,
        backend: "local",
        backend_kwargs: null,
        environment_type: "local_repl",
        environment_kwargs: null,
        other_backends: null,
      },
      iterations: [
        { response: "Let me find the validator.\n```repl\nprint(grep('UsernameValidator'))\n```", promptMessages: 2, finalAnswer: null, hasError: false, rlmCalls: 1 },
        { response: "Anchor with \\A and \\Z.\n```repl\npatch()\n```\nFINAL(patched)", promptMessages: 4, finalAnswer: "patched", hasError: true, rlmCalls: 0 },
      ],
      totalTime: 3.5,
    });
  });
});

describe.concurrent("selection", () => {
  test("default: the latest session only", async () => {
    expect(await exportedIds([])).toEqual([TREE_SESSIONS[5]]);
  });

  test("--all, in the reader's order", async () => {
    expect(await exportedIds(["--all"])).toEqual([...TREE_SESSIONS]);
  });

  test("--session is repeatable and wins over the other selection flags", async () => {
    const run = await runCli(["export", logDir, "-s", TREE_SESSIONS[6], "--session", TREE_SESSIONS[1], "--step", "3", "--limit", "0"]);
    expect(run.code).toBe(0);
    expect(jsonLines(run.stdout).map((r) => (r as { session_id: string }).session_id)).toEqual([TREE_SESSIONS[1], TREE_SESSIONS[6]]);
    expect(run.stderr).toBe(
      `${PRIVACY}\ntrajlog export: --session given; ignoring --step, --limit\n${NO_PRICES}\nExported 2 sessions (4 iterations) to stdout\n`,
    );
  });

  test("a value of --session, --experiment or --instance that matches nothing: one warning each, in one wording", async () => {
    const run = await runCli(["export", logDir, "-s", "nope_20260219_143000_000000000000", "-s", TREE_SESSIONS[6]]);
    expect(run.code).toBe(0);
    expect(jsonLines(run.stdout).map((r) => (r as { session_id: string }).session_id)).toEqual([TREE_SESSIONS[6]]);
    expect(run.stderr).toBe(
      `${PRIVACY}\nwarning: --session "nope_20260219_143000_000000000000" matches no session under ${logDir}\n${NO_PRICES}\nExported 1 session (1 iteration) to stdout\n`,
    );
    const some = await runCli(["export", logDir, "-q", "--experiment", "exp-b", "--experiment", "exp-z", "--instance", "requests__requests-2317", "--instance", "nope"]);
    expect(some).toEqual({
      code: 0,
      stdout: expect.stringContaining(TREE_SESSIONS[6]),
      stderr: `warning: --experiment "exp-z" matches no session under ${logDir}\nwarning: --instance "nope" matches no session under ${logDir}\n`,
    });
  });

  test("--experiment, --step, --steps", async () => {
    expect(await exportedIds(["--experiment", "exp-b"])).toEqual([TREE_SESSIONS[6]]);
    expect(await exportedIds(["--step", "2"])).toEqual([TREE_SESSIONS[3], TREE_SESSIONS[4]]);
    expect(await exportedIds(["--steps", "1-2"])).toEqual([TREE_SESSIONS[3], TREE_SESSIONS[4], TREE_SESSIONS[6]]);
    expect(await exportedIds(["--experiment", "exp-a", "--steps", "2-10"])).toEqual([TREE_SESSIONS[3], TREE_SESSIONS[4], TREE_SESSIONS[5]]);
  });

  test("--instance takes the original id, repeatable", async () => {
    expect(await exportedIds(["--instance", "django__django-11099", "--step", "0"])).toEqual([TREE_SESSIONS[0]]);
    expect(await exportedIds(["--instance", "astropy/12907 weird", "--instance", "flask__flask-4045"])).toEqual([
      TREE_SESSIONS[2],
      TREE_SESSIONS[4],
    ]);
  });

  test("--since / --until on the session start, exact to the millisecond", async () => {
    expect(await exportedIds(["--since", "2026-02-19T15:00:00Z"])).toEqual([TREE_SESSIONS[3], TREE_SESSIONS[4], TREE_SESSIONS[5]]);
    expect(await exportedIds(["--since", "2026-02-19T15:00:00.001Z", "--until", "2026-02-19T15:30:00+00:00"])).toEqual([
      TREE_SESSIONS[4],
    ]);
    expect(await exportedIds(["--until", "2026-02-19T14:30:00"])).toEqual([TREE_SESSIONS[0], TREE_SESSIONS[6]]);
  });

  test("--only-completed / --only-errored / --only-incomplete", async () => {
    expect(await exportedIds(["--only-completed"])).toEqual([
      TREE_SESSIONS[0],
      TREE_SESSIONS[1],
      TREE_SESSIONS[4],
      TREE_SESSIONS[5],
      TREE_SESSIONS[6],
    ]);
    expect(await exportedIds(["--only-errored"])).toEqual([TREE_SESSIONS[2]]);
    expect(await exportedIds(["--only-incomplete"])).toEqual([TREE_SESSIONS[3]]);
  });

  test("--min-reward", async () => {
    expect(await exportedIds(["--min-reward", "0.5"])).toEqual([TREE_SESSIONS[0], TREE_SESSIONS[4], TREE_SESSIONS[5]]);
  });

  test("--limit / --offset page after the filters", async () => {
    expect(await exportedIds(["--all", "--limit", "2"])).toEqual([TREE_SESSIONS[0], TREE_SESSIONS[1]]);
    expect(await exportedIds(["--all", "--limit", "2", "--offset", "2"])).toEqual([TREE_SESSIONS[2], TREE_SESSIONS[3]]);
    expect(await exportedIds(["--only-completed", "--offset", "3"])).toEqual([TREE_SESSIONS[5], TREE_SESSIONS[6]]);
  });

  test("--trajectory-limit caps iterations and records how many were left out", async () => {
    const run = await runCli(["export", logDir, "-s", TREE_SESSIONS[1], "--trajectory-limit", "1"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(`${PRIVACY}\n${NO_PRICES}\nExported 1 session (1 iteration) to stdout\n`);
    const [record] = jsonLines(run.stdout) as { steps: { step_index: number; content: string }[]; metadata: Record<string, unknown> }[];
    expect(record?.steps.map((s) => [s.step_index, s.content])).toEqual([
      [1, "Why does Symbol have __dict__?"],
      [2, "Attempt 1.\n```repl\ncheck(1)\n```"],
    ]);
    expect(record?.metadata.truncated_iterations).toBe(2);
  });

  test("an empty selection is an empty export, exit 0, said the same way for every flag", async () => {
    const out = path.join(work, "empty.jsonl");
    const run = await runCli(["export", logDir, "--experiment", "nope", "-o", out]);
    expect(run).toEqual({
      code: 0,
      stdout: "",
      stderr: `${PRIVACY}\nNo sessions under ${logDir} match --experiment nope\nExported 0 sessions (0 iterations) to ${out}\n`,
    });
    expect(await readFile(out, "utf8")).toBe("");
    const cases: [string[], string][] = [
      [["--session", "nope"], "--session nope"],
      [["--instance", "nope nope"], '--instance "nope nope"'],
      [["--step", "99"], "--step 99"],
      [["--steps", "50-60"], "--steps 50-60"],
      [["--since", "2030-01-01"], "--since 2030-01-01T00:00:00.000Z"],
      [["--until", "2020-01-01"], "--until 2020-01-01T00:00:00.000Z"],
      [["--min-reward", "2"], "--min-reward 2"],
      [["--max-reward", "-1"], "--max-reward -1"],
      [["--forced"], "--forced"],
      [["--experiment", "exp-b", "--only-errored"], "--experiment exp-b --only-errored"],
    ];
    for (const [flags, said] of cases) {
      for (const command of ["export", "ls", "stats"]) {
        const empty = await runCli([command, logDir, ...flags]);
        expect(empty.code).toBe(0);
        expect(empty.stdout).toBe(command === "stats" ? "" : "");
        expect(empty.stderr).toContain(`No sessions under ${logDir} match ${said}\n`);
      }
    }
  });

  test("--success-threshold moves outcome.success", async () => {
    const outcome = async (args: string[]) => {
      const run = await runCli(["export", logDir, "-s", TREE_SESSIONS[4], ...args]);
      return (jsonLines(run.stdout)[0] as { outcome: { success: boolean; terminal_state: string | null } }).outcome;
    };
    expect(await outcome([])).toMatchObject({ success: true, terminal_state: "goal_reached" });
    expect(await outcome(["--success-threshold", "0.5"])).toMatchObject({ success: false, terminal_state: null });
  });
});

describe.concurrent("errors: one line on stderr, exit 2", () => {
  const cases: [string, string[], string][] = [
    ["missing directory", ["export", "/nonexistent/trajlog-logs"], "trajlog export: /nonexistent/trajlog-logs: no such file or directory\n"],
    ["unparsable date", ["export", "LOGS", "--since", "yesterday"], 'trajlog export: --since expects an ISO 8601 date or datetime (e.g. 2026-02-19 or 2026-02-19T14:30:00Z); received "yesterday" (see trajlog export --help)\n'],
    ["two state flags", ["export", "LOGS", "--only-completed", "--only-errored"], "trajlog export: --only-completed, --only-errored and --only-incomplete are mutually exclusive; use one (see trajlog export --help)\n"],
    ["--step with --steps", ["export", "LOGS", "--step", "1", "--steps", "1-2"], "trajlog export: --step and --steps cannot be combined; use one (see trajlog export --help)\n"],
    ["bad range", ["export", "LOGS", "--steps", "5-2"], 'trajlog export: --steps expects a range A-B with A <= B (e.g. 3-7); received "5-2" (see trajlog export --help)\n'],
    ["bad step", ["export", "LOGS", "--step", "two"], 'trajlog export: --step expects an integer >= 0; received "two" (see trajlog export --help)\n'],
    ["bad number", ["export", "LOGS", "--min-reward", "high"], 'trajlog export: --min-reward expects a number; received "high" (see trajlog export --help)\n'],
    ["bad limit", ["export", "LOGS", "--limit", "2.5"], 'trajlog export: --limit expects an integer >= 0; received "2.5" (see trajlog export --help)\n'],
    ["unknown format", ["export", "LOGS", "--format", "csv"], 'trajlog export: --format expects one of opentraces, atlas, messages, rlm, hf-traces, parquet; received "csv" (see trajlog export --help)\n'],
    ["rlm without -o", ["export", "LOGS", "--format", "rlm"], "trajlog export: --format rlm writes one file per session: give the output directory with -o DIR (see trajlog export --help)\n"],
    ["hf-traces without -o", ["export", "LOGS", "--format", "hf-traces", "-o", "-"], "trajlog export: --format hf-traces writes one file per session: give the output directory with -o DIR (see trajlog export --help)\n"],
    ["--include-unrewarded where every session is written", ["export", "LOGS", "--include-unrewarded"], "trajlog export: --include-unrewarded applies to the formats that need a reward (atlas, messages); --format opentraces writes every session (see trajlog export --help)\n"],
    ["--prices for atlas", ["export", "LOGS", "--format", "atlas", "--prices", "p.json"], "trajlog export: --prices applies to --format opentraces (metrics.estimated_cost_usd); received --format atlas (see trajlog export --help)\n"],
    ["since after until", ["export", "LOGS", "--since", "2026-03-01", "--until", "2026-02-01"], "trajlog export: --since (2026-03-01T00:00:00.000Z) is after --until (2026-02-01T00:00:00.000Z) (see trajlog export --help)\n"],
    ["no directory", ["export"], "trajlog export: missing <dir>: trajlog export <dir> (see trajlog export --help)\n"],
    ["unknown command", ["frobnicate"], 'trajlog: unknown command "frobnicate"; commands: ls, stats, validate, export, query, view, compact, expand\n'],
  ];
  test.each(cases)("%s", async (_name, args, stderr) => {
    const run = await runCli(args.map((a) => (a === "LOGS" ? logDir : a)));
    expect(run).toEqual({ code: 2, stdout: "", stderr });
  });
});



const TORN_LINE = '{"type":"iteration","iteration":2,"timestamp":"2026-02-19T15:00:02.000Z","prompt":[{"ro';

describe("corrupt files", () => {
  test("a torn last line is skipped, counted and reported; the session is still exported", async () => {
    const torn = await mkdtemp(path.join(os.tmpdir(), "trajlog-torn-"));
    try {
      await cp(path.join(logDir, "exp-a", "step_2"), path.join(torn, "step_2"), { recursive: true });
      const file = path.join(torn, "step_2", `${TREE_SESSIONS[3]}.jsonl`);
      await appendFile(file, TORN_LINE);
      await writeFile(path.join(torn, "step_2", "garbage_20260219_150010_aaaaaaaaaaaa.jsonl"), "\u0000\u0000\u0000\n{not json}\n");
      const run = await runCli(["export", path.join(torn, "step_2"), "--all"]);
      expect(run.code).toBe(0);
      expect(run.stderr).toBe(
        [
          PRIVACY,
          `warning: ${TREE_SESSIONS[3]}.jsonl: skipped 1 corrupt line (line 3: torn last line (no newline at the end): not valid JSON: ${JSON.stringify(TORN_LINE.slice(0, 40))}…)`,
          'warning: garbage_20260219_150010_aaaaaaaaaaaa.jsonl: skipped 2 corrupt lines (line 1: not valid JSON: "\\u0000\\u0000\\u0000")',
          "Skipped 3 corrupt lines in 2 sessions (trajlog validate lists them)",
          NO_PRICES,
          "Exported 3 sessions (2 iterations) to stdout",
          "",
        ].join("\n"),
      );
      const records = jsonLines(run.stdout) as { session_id: string; steps: unknown[]; lifecycle: string; metadata: Record<string, unknown> }[];
      expect(records.map((r) => [r.session_id, r.steps.length, r.lifecycle, r.metadata.skipped_lines])).toEqual([
        [TREE_SESSIONS[3], 2, "provisional", 1], // user, agent
        [TREE_SESSIONS[4], 3, "final", undefined], // user, agent, final answer
        ["garbage_20260219_150010_aaaaaaaaaaaa", 0, "provisional", 2],
      ]);
      for (const record of records) expect(validateTrace(record), JSON.stringify(validateTrace.errors)).toBe(true);
    } finally {
      await rm(torn, { recursive: true, force: true });
    }
  });
});

test("--help", async () => {
  const run = await runCli(["export", "--help"]);
  expect(run.code).toBe(0);
  expect(run.stderr).toBe("");
  expect(run.stdout).toContain("Usage: trajlog export <dir> [selection] [--format F] [-o PATH] [options]");
  for (const flag of ["--all", "--session", "--experiment", "--step N", "--steps A-B", "--instance", "--since", "--until", "--only-completed", "--only-errored", "--only-incomplete", "--min-reward", "--limit", "--offset", "--trajectory-limit", "--success-threshold", "--quiet", "--format rlm"]) {
    expect(run.stdout).toContain(flag);
  }
});
