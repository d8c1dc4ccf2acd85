/**
 * Hostile trees: huge files, a line of hundreds of megabytes, files and folders trajlog may
 * not read, names full of control characters. Every command reports, goes on, and exits with
 * a code that says so; none prints a stack trace or holds a huge line in memory.
 */
import { appendFile, chmod, mkdir, mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { iterationLine, metadataLine } from "../helpers/lines.js";
import { lastJson, runFixture } from "../helpers/processes.js";
import { runCli, spawnCli } from "./run-cli.js";

const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

const ITERATION = iterationLine();
const SUMMARY = { type: "summary", timestamp: "2026-02-19T14:30:05.000Z", reward: 1, total_steps: 1, total_iterations: 1 };

/** A whole, valid session file's text. */
function session(fields: Parameters<typeof metadataLine>[0] = {}): string {
  return `${[metadataLine(fields), ITERATION, SUMMARY].map((l) => JSON.stringify(l)).join("\n")}\n`;
}

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "trajlog-hostile-"));
  await chmod(root, 0o755);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Control characters anywhere in a text except the newlines that end its lines. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe("huge files and huge lines", () => {
  let logs: string;
  let huge: string;
  let noNewline: string;
  let longLine: string;
  const GIB2 = 2 * 1024 ** 3;
  // Over V8's longest string (~512 MiB): a file that was read whole and decoded could not be.
  const MB600 = 600_000_000;
  const MB300 = 300_000_000;

  beforeAll(async () => {
    logs = path.join(root, "huge");
    const step0 = path.join(logs, "e", "step_0");
    await mkdir(step0, { recursive: true });
    await writeFile(path.join(step0, "ok_20260219_143000_000000000001.jsonl"), session({ instance_id: "ok" }));
    // Sparse files: gigabytes of NUL bytes without a single newline, made in no time.
    huge = path.join(step0, "huge_20260219_143001_000000000002.jsonl");
    await writeFile(huge, "");
    await truncate(huge, GIB2);
    noNewline = path.join(step0, "noline_20260219_143002_000000000003.jsonl");
    await writeFile(noNewline, "");
    await truncate(noNewline, MB600);
    // A valid session with one 300 MB line in the middle.
    const step1 = path.join(root, "long", "e", "step_1");
    await mkdir(step1, { recursive: true });
    longLine = path.join(step1, "long_20260219_143003_000000000004.jsonl");
    const head = `${JSON.stringify(metadataLine({ instance_id: "long", training_step: 1 }))}\n`;
    await writeFile(longLine, head);
    await truncate(longLine, head.length + MB300);
    await appendFile(longLine, `\n${JSON.stringify(ITERATION)}\n${JSON.stringify(SUMMARY)}\n`);
  });

  const overLimit = (size: string, torn: boolean) =>
    `line of ${size} is over the 9 MiB limit${torn ? " (and has no newline at the end)" : ""}: skipped unread (raise the limit with --max-line-bytes)`;

  // Reading gigabytes of a fresh sparse file makes the kernel zero each page; on a busy machine
  // that alone takes tens of seconds, so validate is shown a 600 MB line (a 2 GiB one behaves
  // the same way: the file is streamed whatever its size).
  test("validate streams a 600 MB line without a newline: one problem, with file and line number", async () => {
    expect(await runCli(["validate", noNewline])).toEqual({
      code: 1,
      stdout: `${noNewline}:1: ${overLimit("572.2 MiB", true)}\n`,
      stderr: "1 session file checked: 1 problem in 1 file\n",
    });
  });

  test("ls, stats and export leave out files too large to hold, name them, count them, exit 1", async () => {
    const leftOut = [
      `error: ${huge}: too large to read whole: 2 GiB, over the limit of 512 MiB; left out`,
      `error: ${noNewline}: too large to read whole: 572.2 MiB, over the limit of 512 MiB; left out`,
    ].join("\n");
    const [ls, stats, exported] = await Promise.all([
      runCli(["ls", logs, "--json"]),
      runCli(["stats", logs, "--json"]),
      runCli(["export", logs, "--all", "--format", "messages"]),
    ]);
    expect(ls.code).toBe(1);
    expect(ls.stderr).toBe(`${leftOut}\nListed 1 session; left out 2 unreadable files (named above)\n`);
    expect(ls.stdout).toContain('"session_id":"ok_20260219_143000_000000000001"');
    expect(stats.code).toBe(1);
    expect(stats.stderr).toBe(`${leftOut}\nCounted 1 session; left out 2 unreadable files (named above)\n`);
    expect((JSON.parse(stats.stdout) as { step: number; sessions: number }[]).map((s) => [s.step, s.sessions])).toEqual([[0, 1]]);
    expect(exported.code).toBe(1);
    expect(exported.stderr.endsWith(`${leftOut}\nExported 1 session (1 iteration) to stdout; left out 2 unreadable files (named above)\n`)).toBe(true);
  });

  test("a 300 MB line is skipped with its line number; --max-file-bytes moves the size limit", async () => {
    const dir = path.join(root, "long");
    const ls = await runCli(["ls", dir]);
    expect(ls).toEqual({
      code: 0,
      stdout: [
        "e",
        "  step_1  (1 session)",
        "    SESSION                            INSTANCE  ITERATIONS  REWARD  STATE",
        "    long_20260219_143003_000000000004  long               1       1  completed (1 bad line)",
        "",
      ].join("\n"),
      stderr: "",
    });
    const exported = await runCli(["export", dir, "--all", "-q"]);
    expect(exported.stderr).toBe(
      `warning: e/step_1/long_20260219_143003_000000000004.jsonl: skipped 1 corrupt line (line 2: ${overLimit("286.1 MiB", false)})\n` +
        "Skipped 1 corrupt line in 1 session (trajlog validate lists them)\n",
    );
    expect(await runCli(["stats", dir, "--max-file-bytes", "100M", "-q"])).toEqual({
      code: 1,
      stdout: "",
      stderr: `error: ${longLine}: too large to read whole: 286.1 MiB, over the limit of 100 MiB; left out\nCounted 0 sessions; left out 1 unreadable file (named above)\n`,
    });
  });

  test("a 300 MB line costs no memory: peak RSS of ls, export and validate stays far below it", async () => {
    const dir = path.dirname(longLine);
    const result = await runFixture("cli-rss-child.mjs", [JSON.stringify([["ls", dir], ["export", dir, "--all", "-q"], ["validate", dir, "-q"]])]);
    const { codes, maxRssBytes } = lastJson<{ codes: number[]; maxRssBytes: number }>(result.stdout);
    expect(codes).toEqual([0, 0, 1]);
    // The process as a whole (Node, trajlog, an 8 MiB read buffer), well under half the line;
    // reading the file whole took twice the line (its bytes, then its text).
    expect(maxRssBytes).toBeLessThan(150 * 1024 * 1024);
  });
});

describe.skipIf(!isRoot)("files and folders trajlog may not read (a real EACCES, as uid 65534)", () => {
  let logs: string;
  let secret: string;
  let closed: string;

  beforeAll(async () => {
    logs = path.join(root, "eacces");
    const step0 = path.join(logs, "e", "step_0");
    closed = path.join(logs, "e", "step_1");
    await mkdir(step0, { recursive: true });
    await mkdir(closed, { recursive: true });
    await chmod(path.join(logs), 0o755);
    await chmod(path.join(logs, "e"), 0o755);
    await chmod(step0, 0o755);
    await writeFile(path.join(step0, "a_20260219_143000_000000000001.jsonl"), session({ instance_id: "a" }), { mode: 0o644 });
    secret = path.join(step0, "b_20260219_143001_000000000002.jsonl");
    await writeFile(secret, session({ instance_id: "b" }), { mode: 0o600 });
    await writeFile(path.join(step0, "c_20260219_143002_000000000003.jsonl"), `${session({ instance_id: "c" })}{oops\n`, { mode: 0o644 });
    await writeFile(path.join(closed, "d_20260219_143003_000000000004.jsonl"), session({ instance_id: "d", training_step: 1 }), { mode: 0o644 });
    await chmod(closed, 0o700);
  });

  test("ls, stats, export: each unreadable file and folder named, counted in the final line, exit 1", async () => {
    const named = `error: ${secret}: permission denied; left out\nerror: ${closed}${path.sep}: permission denied; left out\n`;
    const [ls, stats, exported] = await Promise.all([
      spawnCli(["ls", logs], { uid: NOBODY }),
      spawnCli(["stats", logs], { uid: NOBODY }),
      spawnCli(["export", logs, "--all", "-q"], { uid: NOBODY }),
    ]);
    expect({ code: ls.code, stderr: ls.stderr }).toEqual({ code: 1, stderr: `${named}Listed 2 sessions; left out 2 unreadable files (named above)\n` });
    expect(ls.stdout).toContain("a_20260219_143000_000000000001");
    expect({ code: stats.code, stderr: stats.stderr }).toEqual({ code: 1, stderr: `${named}Counted 2 sessions; left out 2 unreadable files (named above)\n` });
    expect(exported.code).toBe(1);
    // Problems come in reading order: the step_1 folder is listed after step_0's files are read.
    expect(exported.stderr).toBe(
      `error: ${secret}: permission denied; left out\n` +
        `warning: e/step_0/c_20260219_143002_000000000003.jsonl: skipped 1 corrupt line (line 4: not valid JSON: "{oops")\n` +
        `error: ${closed}${path.sep}: permission denied; left out\n` +
        "Skipped 1 corrupt line in 1 session (trajlog validate lists them)\n" +
        "Exported 2 sessions (2 iterations) to stdout; left out 2 unreadable files (named above)\n",
    );
  });

  test("validate goes on past an unreadable file and checks the rest", async () => {
    const run = await spawnCli(["validate", logs], { uid: NOBODY });
    expect(run).toEqual({
      code: 1,
      stdout: `${path.join(logs, "e/step_0/c_20260219_143002_000000000003.jsonl")}:4: not valid JSON: "{oops"\n`,
      stderr:
        `${path.join(logs, "e/step_0/b_20260219_143001_000000000002.jsonl")}: cannot read: permission denied\n` +
        `${closed}${path.sep}: cannot read: permission denied\n` +
        "3 session files checked: 1 problem in 1 file, 2 unreadable (named above)\n",
    });
  });
});

describe("control characters from the tree are printed escaped, never raw", () => {
  const EVIL_ID = "evil\u001b[2J\u001b]0;pwned\u0007\r\nfake row\u202e";
  const SHOWN_ID = "evil\\e[2J\\e]0;pwned\\x07\\r\\nfake row\\u202e";
  let logs: string;
  let file: string;

  beforeAll(async () => {
    logs = path.join(root, "control");
    const step = path.join(logs, "exp\u001b[31m", "step_0");
    await mkdir(step, { recursive: true });
    file = path.join(step, "bad\u001b[1m_20260219_143000_000000000001.jsonl");
    await writeFile(file, `${session({ instance_id: EVIL_ID, experiment_name: "exp\u001b[31m" })}{"junk\u001b[2J\n`);
  });

  test("ls, stats, validate, export and error messages", async () => {
    const runs = await Promise.all([
      runCli(["ls", logs]),
      runCli(["stats", logs]),
      runCli(["validate", logs]),
      runCli(["export", logs, "--all", "--format", "messages", "-o", path.join(root, "control.jsonl")]),
      runCli(["ls", path.join(logs, "no\u001b[2Jsuch")]),
      runCli(["ls", logs, "--instance", "x\u001b[2J"]),
    ]);
    for (const run of runs) {
      for (const line of `${run.stdout}${run.stderr}`.split("\n")) expect(line).not.toMatch(RAW_CONTROL);
    }
    const [ls, stats, validate, exported, missing, unmatched] = runs;
    expect(ls?.stdout).toContain(`exp\\e[31m\n  step_0  (1 session)\n`);
    expect(ls?.stdout).toContain(`bad\\e[1m_20260219_143000_000000000001  ${SHOWN_ID}           1       1  completed (1 bad line)\n`);
    expect(stats?.stdout).toMatch(/\nexp\\e\[31m +0 /);
    const shown = `${logs}/exp\\e[31m/step_0/bad\\e[1m_20260219_143000_000000000001.jsonl`;
    expect(validate?.stdout).toBe(
      // The folder's name is not what the logger makes of the experiment name (it never writes control characters).
      `${shown}:1: experiment_name "exp\\u001b[31m" does not match its folder "exp\\u001b[31m"\n${shown}:4: not valid JSON: "{\\"junk\\u001b[2J"\n`,
    );
    expect(exported?.stderr).toContain(`warning: exp\\e[31m/step_0/bad\\e[1m_20260219_143000_000000000001.jsonl: skipped 1 corrupt line`);
    expect(missing?.stderr).toBe(`trajlog ls: ${logs}/no\\e[2Jsuch: no such file or directory\n`);
    expect(unmatched?.stderr).toBe(`No sessions under ${logs} match --instance "x\\u001b[2J"\n`);
  });
});
