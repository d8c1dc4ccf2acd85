/**
 * The descriptor promises: 1,000 sessions open at once work in a process allowed 256
 * descriptors, `maxOpenFiles` caps what trajlog holds (counted in /proc/self/fd of the child),
 * and a cap above what the process may open neither loses lines nor starves the application.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { lastJson, makeTempDir, removeTempDir, runFixtureWithFdLimit } from "../helpers/processes.js";
import { listSessionFiles, readSession } from "../helpers/session-files.js";
import { statsWith } from "../helpers/stats.js";

const SESSIONS = 1000;
const LINES = 6;

let root: string;
beforeAll(() => {
  root = makeTempDir();
});
afterAll(() => removeTempDir(root));

interface Closed {
  peak: number;
  appOpens: boolean[];
  baselineAfterClose: number;
  stats: Record<string, number>;
}

/** All 1,000 files complete: metadata, 6 iterations, summary, and the exact stats. */
function expectAllComplete(logDir: string, out: Closed): void {
  const files = listSessionFiles(logDir);
  expect(files).toHaveLength(SESSIONS);
  const bytes = files.reduce((sum, file) => sum + fs.statSync(file).size, 0);
  const rewards = new Set<unknown>();
  for (const file of files) {
    const session = readSession(file);
    expect(session.iterations).toHaveLength(LINES);
    expect(session.summary).not.toBeNull();
    rewards.add(session.summary?.reward);
  }
  expect(rewards.size).toBe(SESSIONS);
  expect(out.stats).toEqual(
    statsWith({
      sessionsStarted: SESSIONS,
      sessionsLogged: SESSIONS,
      linesWritten: SESSIONS * (LINES + 2),
      bytesWritten: bytes,
      linesDropped: 0,
      linesFailed: 0,
      writeErrors: 0,
      openFiles: 0,
    }),
  );
  // close() gave every descriptor back.
  expect(out.baselineAfterClose).toBe(0);
}

describe("1,000 sessions under ulimit -n 256", () => {
  it("default maxOpenFiles: every file complete, at most 128 descriptors held", async () => {
    const logDir = path.join(root, "default");
    const result = await runFixtureWithFdLimit(256, "fd-child.mjs", [logDir, String(SESSIONS), "default", "close"]);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    const out = lastJson<Closed>(result.stdout);
    expectAllComplete(logDir, out);
    expect(out.peak).toBeGreaterThan(1);
    expect(out.peak).toBeLessThanOrEqual(128);
  });

  it("maxOpenFiles 16 is never exceeded", async () => {
    const logDir = path.join(root, "sixteen");
    const result = await runFixtureWithFdLimit(256, "fd-child.mjs", [logDir, String(SESSIONS), "16", "close"]);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    const out = lastJson<Closed>(result.stdout);
    expectAllComplete(logDir, out);
    expect(out.peak).toBeGreaterThan(1);
    expect(out.peak).toBeLessThanOrEqual(16);
  });

  it("maxOpenFiles 100 with libuv's io_uring turned on (UV_USE_IO_URING=1): the create lane's thread, holding more, still counted within it", async () => {
    const logDir = path.join(root, "io-uring");
    const env = { ...process.env, UV_USE_IO_URING: "1" };
    const result = await runFixtureWithFdLimit(256, "fd-child.mjs", [logDir, String(SESSIONS), "100", "close"], { env });
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    const out = lastJson<Closed>(result.stdout);
    expectAllComplete(logDir, out);
    expect(out.peak).toBeGreaterThan(64);
    expect(out.peak).toBeLessThanOrEqual(100);
  });

  it("maxOpenFiles 200 is lowered to half the process limit, 128", async () => {
    const logDir = path.join(root, "above");
    const result = await runFixtureWithFdLimit(256, "fd-child.mjs", [logDir, String(SESSIONS), "200", "close"]);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    const out = lastJson<Closed>(result.stdout);
    expectAllComplete(logDir, out);
    expect(out.peak).toBeGreaterThan(64);
    expect(out.peak).toBeLessThanOrEqual(128);
    expect(out.appOpens).toEqual([true, true, true, true, true, true]);
  });

  it("the application holds all descriptors but 40: trajlog makes do with fewer, loses nothing, leaves the app room", async () => {
    const logDir = path.join(root, "crowded");
    const result = await runFixtureWithFdLimit(256, "fd-child.mjs", [logDir, String(SESSIONS), "default", "crowded"]);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    const out = lastJson<Closed>(result.stdout);
    expectAllComplete(logDir, out);
    // Once trajlog has met EMFILE, it holds at most half of what it could get, even when idle.
    expect(out.appOpens).toEqual([true, true, true, true, true, true]);
  });

  it.each([
    ["default", "exit"],
    ["default", "exit-full"],
  ])("process.exit() with lines queued in 1,000 files (maxOpenFiles %s, %s): all on disk", async (maxOpen, end) => {
    const logDir = path.join(root, `${end}-${maxOpen}`);
    const result = await runFixtureWithFdLimit(256, "fd-child.mjs", [logDir, String(SESSIONS), maxOpen, end]);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    const handed = lastJson<{ paths: string[]; handed: number[] }>(result.stdout);
    expect(listSessionFiles(logDir)).toEqual([...handed.paths].sort());
    expect(handed.paths.map((file) => readSession(file).iterations.length)).toEqual(handed.handed);
  });

  it("out of descriptors after the create lane started: trajlog backs off, still opens files, loses nothing", async () => {
    const logDir = path.join(root, "emfile-after-lane");
    const result = await runFixtureWithFdLimit(256, "lane-emfile-child.mjs", [logDir, "8"]);
    const files = listSessionFiles(logDir);
    const bytes = files.reduce((sum, file) => sum + fs.statSync(file).size, 0);
    expect({ code: result.code, stderr: result.stderr, out: lastJson(result.stdout), files: files.length }).toEqual({
      code: 0,
      stderr: "",
      out: {
        laneAnswered: true,
        stats: statsWith({ sessionsStarted: 340, sessionsLogged: 340, linesWritten: 340 * 3, bytesWritten: bytes }),
        leftOpen: 0,
      },
      files: 340,
    });
  });
});
