/**
 * The exit promise: whatever way the process ends, every line already handed over is in its
 * file, and the process still ends the way it would have without trajlog.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { finished, lastJson, makeTempDir, removeTempDir, runFixture, startFixture } from "../helpers/processes.js";
import { listSessionFiles, readSession } from "../helpers/session-files.js";

interface Handed {
  path: string;
  instance: string;
  s: number;
  iterations: number;
  finalized: boolean;
}

let root: string;
beforeAll(() => {
  root = makeTempDir();
});
afterAll(() => removeTempDir(root));

/** Every handed-over line is on disk, in order, and nothing else is there. */
function expectAllOnDisk(logDir: string, handed: Handed[]): void {
  expect(handed).toHaveLength(12);
  expect(listSessionFiles(logDir)).toEqual(handed.map((h) => h.path).sort());
  for (const h of handed) {
    const session = readSession(h.path);
    expect({
      instance: session.metadata.instance_id,
      s: session.metadata.s,
      iterations: session.iterations.length,
      finalized: session.summary !== null,
    }).toEqual({ instance: h.instance, s: h.s, iterations: h.iterations, finalized: h.finalized });
    // Every line of the file belongs to this session.
    expect(new Set(session.iterations.map((line) => line.s))).toEqual(new Set([h.s]));
    if (session.summary !== null) {
      expect(session.summary).toMatchObject({ total_iterations: h.iterations, total_steps: h.iterations });
    }
  }
}

async function run(mode: string) {
  const logDir = path.join(root, mode);
  const result = await runFixture("exit-child.mjs", [logDir, mode]);
  return { logDir, result, handed: lastJson<Handed[]>(result.stdout) };
}

describe("process end", () => {
  it("normal end: the loop drains and every file is complete", async () => {
    const { logDir, result, handed } = await run("normal");
    expect({ code: result.code, signal: result.signal, stderr: result.stderr }).toEqual({ code: 0, signal: null, stderr: "" });
    expectAllOnDisk(logDir, handed);
  });

  it("process.exit() right after logIteration writes out the queued and in-flight lines", async () => {
    const { logDir, result, handed } = await run("exit");
    expect({ code: result.code, signal: result.signal, stderr: result.stderr }).toEqual({ code: 0, signal: null, stderr: "" });
    expectAllOnDisk(logDir, handed);
  });

  it("an uncaught exception: lines are written and the process still fails with the error", async () => {
    const { logDir, result, handed } = await run("uncaught");
    expect({ code: result.code, signal: result.signal }).toEqual({ code: 1, signal: null });
    expect(result.stderr).toContain("boom from the rollout loop");
    expectAllOnDisk(logDir, handed);
  });

  it("an unhandled rejection: lines are written and the process still fails", async () => {
    const { logDir, result, handed } = await run("rejection");
    expect({ code: result.code, signal: result.signal }).toEqual({ code: 1, signal: null });
    expect(result.stderr).toContain("rejected in the rollout loop");
    expectAllOnDisk(logDir, handed);
  });

  it.each(["SIGINT", "SIGTERM"])("%s with no handler of the app: lines are written, the process dies by the signal", async (sig) => {
    const { logDir, result, handed } = await run(sig);
    expect({ code: result.code, signal: result.signal, stderr: result.stderr }).toEqual({ code: null, signal: sig, stderr: "" });
    expectAllOnDisk(logDir, handed);
  });

  it("SIGTERM with the app's own handler: the app decides, and exits later with everything written", async () => {
    const { logDir, result, handed } = await run("handler");
    expect({ code: result.code, signal: result.signal, stderr: result.stderr }).toEqual({ code: 7, signal: null, stderr: "" });
    // The handler logged one more line into every unfinished session just before exiting.
    expect(handed.filter((h) => !h.finalized).every((h) => h.iterations === 41)).toBe(true);
    expectAllOnDisk(logDir, handed);
  });

  it("lines logged by the app's own 'exit' listener are written too", async () => {
    const { logDir, result, handed } = await run("exit-listener");
    expect({ code: result.code, signal: result.signal, stderr: result.stderr }).toEqual({ code: 0, signal: null, stderr: "" });
    expect(handed.every((h) => h.finalized)).toBe(true);
    expect(handed.map((h) => h.iterations).sort()).toEqual([...Array(6).fill(40), ...Array(6).fill(41)].sort());
    expectAllOnDisk(logDir, handed);
  });
});

describe("a name taken by another file when the process exits", () => {
  it.each(["before-open", "open-pending"])("%s: the other file is left alone, the session gets a fresh name", async (mode) => {
    const logDir = path.join(root, `collision-${mode}`);
    const result = await runFixture("collision-child.mjs", [logDir, mode]);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    const { first } = lastJson<{ first: string }>(result.stdout);
    expect(fs.readFileSync(first, "utf8")).toBe("another session's line\n");
    const files = listSessionFiles(logDir);
    expect(files).toHaveLength(2);
    const own = files.find((file) => file !== first) as string;
    expect(path.dirname(own)).toBe(path.dirname(first));
    const session = readSession(own);
    expect(session.iterations.map((line) => line.response)).toEqual(["0", "1", "2", "3", "4"]);
    expect(session.summary).toMatchObject({ reward: 1, total_iterations: 5 });
  });
});

describe("a directory that can never be made (under /proc, where Node's recursive mkdir never returns)", () => {
  it.each([
    ["exit", { code: 0, signal: null }],
    ["SIGTERM", { code: null, signal: "SIGTERM" }],
  ])("%s ends the process at once; the other file is written", async (mode, ended) => {
    const logDir = path.join(root, `pseudo-fs-${mode}`);
    const child = startFixture("pseudo-fs-child.mjs", [logDir, mode]);
    // Before, the exit flush made the directory synchronously and never returned.
    const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const result = await finished(child);
    clearTimeout(killer);
    expect({ code: result.code, signal: result.signal, stderr: result.stderr }).toEqual({ ...ended, stderr: "" });
    const { ok } = lastJson<{ ok: string }>(result.stdout);
    expect(fs.readFileSync(ok, "utf8")).toBe('{"type":"metadata"}\n{"type":"iteration","iteration":1}\n');
  });
});
