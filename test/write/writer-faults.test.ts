/**
 * Disk faults never reach the rollout loop: a failing file is counted (`writeErrors`,
 * `linesFailed`), reported once through pino with its path, left without half a line, and
 * every other session goes on. Faults are real: a full tmpfs (ENOSPC), a read-only mount
 * (EROFS), a file where a directory should be (ENOTDIR), an unprivileged process facing a
 * directory it may not write (EACCES), a process out of descriptors (EMFILE).
 *
 * /dev/full is not used: trajlog only ever creates new files (O_EXCL), so no session path
 * can lead to it; the full tmpfs gives the same ENOSPC on a real file.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { TrajectoryLogger, type TrajectoryLoggerStats } from "../../src/index.js";
import { captureLogger } from "../helpers/diagnostics.js";
import { lastJson, makeTempDir, removeTempDir, runFixture, runFixtureWithFdLimit } from "../helpers/processes.js";
import { listSessionFiles, readSession } from "../helpers/session-files.js";
import { statsWith } from "../helpers/stats.js";

const isRoot = process.getuid?.() === 0;
let root: string;
const mounts: string[] = [];

function mountTmpfs(dir: string, options: string): void {
  fs.mkdirSync(dir, { recursive: true });
  execFileSync("mount", ["-t", "tmpfs", "-o", options, "tmpfs", dir]);
  mounts.push(dir);
}

beforeAll(() => {
  root = makeTempDir();
  fs.chmodSync(root, 0o755);
});
afterAll(() => {
  for (const dir of mounts.reverse()) execFileSync("umount", [dir]);
  removeTempDir(root);
});

/** Lines on disk in a file, counting only complete ones. */
function linesIn(file: string): number {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").length - 1 : 0;
}

describe.skipIf(!isRoot)("faults on mounts (needs root to mount tmpfs)", () => {
  it("ENOSPC and EROFS fail their own sessions only, counted exactly, reported once each", async () => {
    const logDir = path.join(root, "mounted");
    mountTmpfs(path.join(logDir, "faults", "step_1"), "size=64k");
    mountTmpfs(path.join(logDir, "faults", "step_2"), "ro,size=1m");
    const { logger: diagnostics, records } = captureLogger();
    const logger = new TrajectoryLogger({ logDir, experimentName: "faults", sampleRate: 1, logger: diagnostics });
    const ok = Array.from({ length: 3 }, (_, i) => logger.startSession({ instanceId: `ok-${i}`, trainingStep: 0, modelName: "m" }));
    const full = logger.startSession({ instanceId: "full", trainingStep: 1, modelName: "m" });
    const readOnly = logger.startSession({ instanceId: "ro", trainingStep: 2, modelName: "m" });
    const all = [...ok, full, readOnly];
    // 40 lines of 4 kB each: 5 reach the 64 kB disk first, the rest fill it up part way.
    for (let i = 0; i < 40; i++) {
      for (const session of all) {
        expect(() => session.logIteration({ prompt: "p", response: `${i}:`.padEnd(4000, "z") })).not.toThrow();
      }
      if (i === 4) await logger.flush();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(all.map((s) => s.finalize({ reward: 1 })));
    await logger.close();

    for (const session of ok) {
      const file = readSession(session.path as string);
      expect(file.iterations).toHaveLength(40);
      expect(file.summary).not.toBeNull();
    }
    // The full disk kept what fitted, in whole lines: no torn line at the end.
    const fullFile = readSession(full.path as string);
    expect(fullFile.iterations.length).toBeGreaterThanOrEqual(5);
    expect(fullFile.iterations.length).toBeLessThan(40);
    expect(fullFile.summary).toBeNull();
    expect(fs.existsSync(readOnly.path as string)).toBe(false);

    const onDisk = [...ok, full].map((s) => linesIn(s.path as string)).reduce((a, b) => a + b, 0);
    expect(logger.stats()).toEqual(
      statsWith({
        sessionsStarted: 5,
        sessionsLogged: 5,
        linesWritten: onDisk,
        bytesWritten: [...ok, full].reduce((sum, s) => sum + fs.statSync(s.path as string).size, 0),
        linesDropped: 0,
        linesFailed: 5 * 42 - onDisk,
        writeErrors: 2,
        openFiles: 0,
      }),
    );
    const warnings = records().map((r) => ({ code: r.code, op: r.op, path: r.path, level: r.level }));
    expect(warnings.sort((a, b) => String(a.code).localeCompare(String(b.code)))).toEqual([
      { code: "ENOSPC", op: "write", path: full.path, level: 40 },
      { code: "EROFS", op: "open", path: readOnly.path, level: 40 },
    ]);
  });

  it("ENOSPC at exit: the file keeps whole lines only, the error goes to stderr, the exit code stays", async () => {
    const logDir = path.join(root, "full-at-exit");
    mountTmpfs(path.join(logDir, "faults", "step_1"), "size=64k");
    const result = await runFixture("fault-child.mjs", [logDir, "enospc-exit"]);
    expect(result.code).toBe(0);
    const { path: file } = lastJson<{ path: string }>(result.stdout);
    const warning = JSON.parse(result.stderr) as Record<string, unknown>;
    expect({ code: warning.code, op: warning.op, path: warning.path, level: warning.level }).toEqual({
      code: "ENOSPC",
      op: "write",
      path: file,
      level: 40,
    });
    // The file is cut back to what was written before: no half line.
    const session = readSession(file);
    expect(session.iterations).toHaveLength(10);
    expect(session.summary).toBeNull();
  });
});

/** Stats of the two-session fixtures: one session of 7 lines lost, one written. */
function oneLostOneKept(okFile: string): TrajectoryLoggerStats {
  return statsWith({
    sessionsStarted: 2,
    sessionsLogged: 2,
    linesWritten: 7,
    bytesWritten: fs.statSync(okFile).size,
    linesDropped: 0,
    linesFailed: 7,
    writeErrors: 1,
    openFiles: 0,
  });
}

/**
 * A two-session fault fixture ended well: exit 0 and a quiet stderr, the good session's file
 * complete and alone on disk, exact stats, and one warning naming the lost session's path.
 */
function expectOneLostOneKept(
  logDir: string,
  result: { code: number | null; stderr: string; stdout: string },
  code: string,
  lostKey: string,
): void {
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
  const out = lastJson<{ paths: Record<string, string>; stats: Record<string, number>; warnings: Array<Record<string, unknown>> }>(result.stdout);
  expect(readSession(out.paths.ok as string).iterations).toHaveLength(5);
  expect(listSessionFiles(logDir)).toEqual([out.paths.ok]);
  expect(out.stats).toEqual(oneLostOneKept(out.paths.ok as string));
  expect(out.warnings.map((w) => ({ code: w.code, op: w.op, path: w.path }))).toEqual([
    { code, op: "open", path: out.paths[lostKey] },
  ]);
}

describe("faults without mounts", () => {
  it("ENOTDIR: a file where the log directory should be fails every session quietly, once reported", async () => {
    const blocker = path.join(root, "not-a-dir");
    fs.writeFileSync(blocker, "");
    const { logger: diagnostics, records } = captureLogger();
    const logger = new TrajectoryLogger({ logDir: path.join(blocker, "logs"), sampleRate: 1, logger: diagnostics });
    const sessions = Array.from({ length: 3 }, (_, i) => logger.startSession({ instanceId: `t${i}`, trainingStep: 0, modelName: "m" }));
    for (const session of sessions) for (let i = 0; i < 4; i++) session.logIteration({ prompt: "p", response: "r" });
    await Promise.all(sessions.map((s) => s.finalize()));
    await logger.close();
    expect(logger.stats()).toEqual(
      statsWith({ sessionsStarted: 3, sessionsLogged: 3, linesWritten: 0, bytesWritten: 0, linesFailed: 3 * 6, writeErrors: 3, openFiles: 0 }),
    );
    expect(records().map((r) => ({ code: r.code, op: r.op, path: r.path }))).toEqual([
      { code: "ENOTDIR", op: "open", path: sessions[0]?.path },
    ]);
  });

  it("a directory removed mid-run is made again: later sessions of its steps are written", async () => {
    const logDir = path.join(root, "removed");
    const { logger: diagnostics, records } = captureLogger();
    const logger = new TrajectoryLogger({ logDir, experimentName: "gone", sampleRate: 1, logger: diagnostics });
    const written: string[] = [];
    const rollout = async (instanceId: string, trainingStep: number): Promise<void> => {
      const session = logger.startSession({ instanceId, trainingStep, modelName: "m" });
      for (let i = 0; i < 3; i++) session.logIteration({ prompt: "p", response: `${instanceId}:${i}` });
      await session.finalize({ reward: 1 });
      written.push(session.path as string);
    };
    await rollout("before", 1);
    // Removed twice, with its step directories cached as made: each time, the next sessions
    // of step 1 (cached) and step 2 (new) find it gone.
    let removedBytes = 0;
    for (const round of ["a", "b"]) {
      for (const file of listSessionFiles(logDir)) removedBytes += fs.statSync(file).size;
      fs.rmSync(path.join(logDir, "gone"), { recursive: true });
      await Promise.all([rollout(`${round}-1`, 1), rollout(`${round}-2`, 1), rollout(`${round}-3`, 2)]);
    }
    await logger.close();
    expect(records()).toEqual([]);
    expect(listSessionFiles(logDir)).toEqual(written.slice(4).sort());
    for (const file of written.slice(4)) {
      const session = readSession(file);
      expect({ iterations: session.iterations.length, reward: session.summary?.reward }).toEqual({ iterations: 3, reward: 1 });
    }
    const bytes = written.slice(4).reduce((sum, file) => sum + fs.statSync(file).size, 0);
    expect(logger.stats()).toEqual(
      statsWith({ sessionsStarted: 7, sessionsLogged: 7, linesWritten: 7 * 5, bytesWritten: bytes + removedBytes }),
    );
  });

  it.skipIf(!isRoot)("EACCES: an unprivileged process loses only the session it may not write", async () => {
    const logDir = path.join(root, "eacces");
    fs.mkdirSync(path.join(logDir, "faults", "step_1"), { recursive: true });
    fs.chownSync(path.join(logDir, "faults"), 65534, 65534);
    const result = await runFixture("fault-child.mjs", [logDir, "eacces"], { uid: 65534 });
    expectOneLostOneKept(logDir, result, "EACCES", "denied");
  });

  it("EMFILE with no descriptor to be had: that session is counted lost, later sessions work", async () => {
    const logDir = path.join(root, "emfile");
    const result = await runFixtureWithFdLimit(256, "fault-child.mjs", [logDir, "emfile"]);
    expectOneLostOneKept(logDir, result, "EMFILE", "starved");
  });
});
