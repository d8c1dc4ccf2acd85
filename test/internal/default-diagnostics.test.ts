/**
 * trajlog's own warnings, without a caller's logger: one readable line each on a terminal
 * (a real pseudo-terminal, made by util-linux `script`), pino JSON records on a pipe; either
 * way on stderr the moment they happen, while the process still runs.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { humanLine } from "../../src/internal/default-diagnostics.js";
import { FIXTURES, tempDirs } from "../helpers/processes.js";

const dir = tempDirs();

const LATE = "trajlog: logIteration() called after finalize(); ignored (the file is complete)";
const FORSE = "trajlog: `forse` is not a field of startSession; did you mean `force`? (not written)";

/**
 * Runs the fixture and waits until `ready(output)` holds, with the child still running; then
 * lets it end. Returns what was read by then, and the whole output.
 */
async function whileRunning(
  child: ChildProcess,
  stream: NodeJS.ReadableStream,
  ready: (output: string) => boolean,
): Promise<{ before: string; code: number | null }> {
  let output = "";
  let exited = false;
  child.on("exit", () => (exited = true));
  const before = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out; output so far: ${JSON.stringify(output)}`)), 30_000);
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      output += chunk;
      if (ready(output)) {
        clearTimeout(timer);
        resolve(output);
      }
    });
  });
  expect(exited).toBe(false);
  child.stdin!.write("go\n");
  const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
  return { before, code };
}

describe("default diagnostics", () => {
  it.each([
    ["without colour (NO_COLOR)", { NO_COLOR: "1", TERM: "xterm-256color" }, "WARN"],
    ["with colour", { TERM: "xterm-256color" }, "\x1b[33mWARN\x1b[39m"],
  ])("on a terminal, writes each warning as one human line, at once (%s)", async (_name, env, tag) => {
    const logDir = dir();
    const command = `${process.execPath} ${path.join(FIXTURES, "diagnostics-child.mjs")} ${logDir}`;
    const child = spawn("script", ["-qfec", command, "/dev/null"], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...withoutColorSettings(process.env), ...env },
    });
    const { before, code } = await whileRunning(child, child.stdout!, (out) => out.includes("`force`? (not written)\r\n"));
    expect(code).toBe(0);
    const lines = before.split("\r\n");
    const sessionPath = lines.find((l) => l.startsWith("path="))!.slice("path=".length);
    expect(sessionPath.startsWith(path.join(logDir, "default", "step_3", "a_"))).toBe(true);
    const warnings = lines.filter((l) => l.includes("trajlog:"));
    // Context already in the message (method, key, suggestion) is not repeated after it.
    const time = "\\d\\d:\\d\\d:\\d\\d";
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(new RegExp(`^${time} ${escape(tag)} ${escape(`${LATE} path=${sessionPath}`)}$`));
    expect(warnings[1]).toMatch(new RegExp(`^${time} ${escape(tag)} ${escape(FORSE)}$`));
  });

  it("on a pipe, writes pino JSON records, at once", async () => {
    const logDir = dir();
    const child = spawn(process.execPath, [path.join(FIXTURES, "diagnostics-child.mjs"), logDir], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    const { before, code } = await whileRunning(child, child.stderr!, (out) => out.split("\n").length > 2);
    expect(code).toBe(0);
    const sessionPath = stdout.trim().slice("path=".length);
    const records = before
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const common = { level: 40, time: expect.any(Number), pid: child.pid, hostname: expect.any(String), name: "trajlog" };
    expect(records).toEqual([
      { ...common, path: sessionPath, method: "logIteration", msg: LATE },
      { ...common, method: "startSession", key: "forse", suggestion: "force", msg: FORSE },
    ]);
  });

  it("reports a TRAJLOG_LOG_LEVEL that is not a level, and uses warn", async () => {
    const child = spawn(process.execPath, [path.join(FIXTURES, "diagnostics-child.mjs"), dir()], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, TRAJLOG_LOG_LEVEL: "verbose" },
    });
    const { before } = await whileRunning(child, child.stderr!, (out) => out.split("\n").length > 3);
    const messages = before
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages).toEqual([
      'trajlog: TRAJLOG_LOG_LEVEL="verbose" is not a level (trace, debug, info, warn, error, fatal, silent); using "warn"',
      LATE,
      FORSE,
    ]);
  });
});

describe("humanLine", () => {
  it("keeps one line whatever the message holds, and quotes values with spaces", () => {
    const record = JSON.stringify({ level: 50, time: 0, pid: 1, hostname: "h", name: "trajlog", msg: "a\nb", file: "x y", n: 3, err: { message: "m" } });
    expect(humanLine(record)).toMatch(/^\d\d:\d\d:\d\d ERROR a b file="x y" n=3\n$/);
  });
});

/**
 * The environment without the variables that decide whether a terminal gets colour. `CI` is
 * one: Node gives a terminal no colour when it is set (as it is on a CI machine).
 */
function withoutColorSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NO_COLOR: _a, FORCE_COLOR: _b, NODE_DISABLE_COLORS: _c, CI: _d, TEAMCITY_VERSION: _e, ...rest } = env;
  return rest;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
