/**
 * flush(), close() and stats() keep their word: after flush() every line handed over is in
 * its file, after close() every descriptor is back, the counters are exact, and a logger
 * that samples nothing touches nothing.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { TrajectoryLogger } from "../src/index.js";
import { captureLogger } from "./helpers/diagnostics.js";
import { makeTempDir, removeTempDir } from "./helpers/processes.js";
import { listSessionFiles, readSession } from "./helpers/session-files.js";
import { statsWith } from "./helpers/stats.js";

let root: string;
beforeEach(() => {
  root = makeTempDir();
});
afterEach(() => {
  vi.restoreAllMocks();
  removeTempDir(root);
});

const totalSize = (files: string[]) => files.reduce((sum, file) => sum + fs.statSync(file).size, 0);

describe("flush()", () => {
  it("resolves once every line handed over is in its file", async () => {
    const logger = new TrajectoryLogger({ logDir: root, sampleRate: 1, maxOpenFiles: 3 });
    const sessions = Array.from({ length: 12 }, (_, i) => logger.startSession({ instanceId: `t${i}`, trainingStep: 0, modelName: "m" }));
    for (let i = 0; i < 25; i++) for (const session of sessions) session.logIteration({ prompt: "p", response: `${i}`.repeat(500) });
    await logger.flush();
    // Read synchronously, nothing else awaited: it is all there.
    for (const session of sessions) expect(readSession(session.path as string).iterations).toHaveLength(25);
    const files = listSessionFiles(root);
    const stats = logger.stats();
    // How many idle files still hold their descriptor depends on who wrote last.
    expect(stats.openFiles).toBeGreaterThanOrEqual(1);
    expect(stats.openFiles).toBeLessThanOrEqual(3);
    expect(stats).toEqual(
      statsWith({
        sessionsStarted: 12,
        sessionsLogged: 12,
        linesWritten: 12 * 26,
        bytesWritten: totalSize(files),
        bufferedBytes: 0,
        openFiles: stats.openFiles,
      }),
    );
    await logger.flush();
    await logger.close();
  });
});

describe("close()", () => {
  it("writes everything, releases every descriptor, leaves unfinished sessions without a summary", async () => {
    const { logger: diagnostics, records } = captureLogger();
    const logger = new TrajectoryLogger({ logDir: root, sampleRate: 1, logger: diagnostics });
    const finished = logger.startSession({ instanceId: "done", trainingStep: 1, modelName: "m" });
    const running = logger.startSession({ instanceId: "running", trainingStep: 1, modelName: "m" });
    for (let i = 0; i < 5; i++) {
      finished.logIteration({ prompt: "p", response: "r" });
      running.logIteration({ prompt: "p", response: "r" });
    }
    void finished.finalize({ reward: 1 });
    await logger.close();

    expect(readSession(finished.path as string).summary).toMatchObject({ reward: 1, total_iterations: 5 });
    const unfinished = readSession(running.path as string);
    expect(unfinished.iterations).toHaveLength(5);
    expect(unfinished.summary).toBeNull();
    const stats = statsWith({
      sessionsStarted: 2,
      sessionsLogged: 2,
      linesWritten: 13,
      bytesWritten: totalSize(listSessionFiles(root)),
      bufferedBytes: 0,
      openFiles: 0,
    });
    expect(logger.stats()).toEqual(stats);
    expect(records()).toEqual([]);

    // After close: lines are dropped and counted, new sessions are not logged; one warning each.
    const before = fs.readFileSync(running.path as string, "utf8");
    running.logIteration({ prompt: "p", response: "late" });
    running.logIteration({ prompt: "p", response: "late" });
    const late = logger.startSession({ instanceId: "late", trainingStep: 1, modelName: "m", force: true });
    expect(late.sampled).toBe(false);
    logger.startSession({ instanceId: "late", trainingStep: 1, modelName: "m" });
    await logger.flush();
    expect(fs.readFileSync(running.path as string, "utf8")).toBe(before);
    expect(logger.stats()).toEqual({ ...stats, sessionsStarted: 4, sessionsDropped: 2, linesDropped: 2 });
    expect(records().map((r) => r.msg)).toEqual([
      "trajlog: line logged after the logger was closed; dropped",
      "trajlog: startSession() after close(); the session is not logged",
    ]);
    await logger.close();
  });
});

describe("sample rate 0", () => {
  it("creates no directory and no file and opens nothing", async () => {
    const opens = [vi.spyOn(fs, "open"), vi.spyOn(fs, "openSync"), vi.spyOn(fs, "mkdir"), vi.spyOn(fs, "mkdirSync")];
    const logDir = path.join(root, "never");
    const logger = new TrajectoryLogger({ logDir, sampleRate: 0, seed: 1 });
    for (let i = 0; i < 200; i++) {
      const session = logger.startSession({ instanceId: `t${i}`, trainingStep: i % 4, modelName: "m" });
      session.logIteration({ prompt: "p", response: "r" });
      await session.finalize({ reward: 1 });
    }
    await logger.flush();
    await logger.close();
    expect(fs.existsSync(logDir)).toBe(false);
    for (const spy of opens) expect(spy).not.toHaveBeenCalled();
    expect(logger.stats()).toEqual(
      statsWith({ sessionsStarted: 200, sessionsLogged: 0, sessionsSampledOut: 200, linesWritten: 0, bytesWritten: 0, openFiles: 0 }),
    );
  });
});
