/**
 * Many sessions started at once have their files created on the create lane
 * (`src/write/create-lane.ts`): every line still reaches its own file, whether the loop drains
 * or the process exits while creates are under way.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURES, finished, lastJson, makeTempDir, removeTempDir, runFixture, startFixture } from "../helpers/processes.js";
import { listSessionFiles, readSession } from "../helpers/session-files.js";

interface Report {
  handed: Array<{ path: string; instance: string; s: number; iterations: number; finalized: boolean }>;
  answered: number | null;
  laneKept?: boolean;
}

const SESSIONS = 600;

let root: string;
beforeAll(() => {
  root = makeTempDir();
});
afterAll(() => removeTempDir(root));

async function run(mode: string): Promise<{ logDir: string; report: Report }> {
  const logDir = path.join(root, mode);
  const result = await runFixture("create-lane-child.mjs", [logDir, mode, String(SESSIONS)]);
  expect({ code: result.code, signal: result.signal, stderr: result.stderr }).toEqual({ code: 0, signal: null, stderr: "" });
  return { logDir, report: lastJson<Report>(result.stdout) };
}

/** Exactly the handed files are on disk, each holding its own session's lines, all of them. */
function expectAllOnDisk(logDir: string, handed: Report["handed"]): void {
  expect(handed).toHaveLength(SESSIONS);
  expect(listSessionFiles(logDir)).toEqual(handed.map((h) => h.path).sort());
  const found = handed.map((h) => {
    const session = readSession(h.path);
    return {
      path: h.path,
      instance: session.metadata.instance_id,
      s: new Set(session.iterations.map((line) => line.s)),
      iterations: session.iterations.length,
      finalized: session.summary !== null,
    };
  });
  expect(found).toEqual(handed.map((h) => ({ path: h.path, instance: h.instance, s: new Set([h.s]), iterations: h.iterations, finalized: h.finalized })));
}

describe("files created on the create lane", () => {
  it(`${SESSIONS} sessions started in one turn: the lane creates files, and every line is in its own file`, async () => {
    const { logDir, report } = await run("normal");
    expect(report.answered).toBeGreaterThan(0);
    expectAllOnDisk(logDir, report.handed);
  });

  it("process.exit() while the lane is still creating files: every handed line is on disk, in its own file", async () => {
    const { logDir, report } = await run("exit");
    expect(report.answered).toBeGreaterThan(0);
    expectAllOnDisk(logDir, report.handed);
  });

  it("another logger closed twice at once lets go of the lane once: it goes on for the logger still using it", async () => {
    const { logDir, report } = await run("close-twice");
    expect({ laneKept: report.laneKept, answered: (report.answered ?? 0) > 0 }).toEqual({ laneKept: true, answered: true });
    expectAllOnDisk(logDir, report.handed);
  });

  it("under Node.js's permission model, a log directory the process may not write gets no file, from the lane either", async () => {
    const logDir = path.join(root, "not-permitted");
    const permission = process.allowedNodeEnvironmentFlags.has("--permission") ? "--permission" : "--experimental-permission";
    const allowed = path.join(root, "permitted", "*");
    const env = { ...process.env, NODE_OPTIONS: `${permission} --allow-fs-read=* --allow-fs-write=${allowed} --allow-worker` };
    const result = await runFixture("create-lane-child.mjs", [logDir, "normal", String(SESSIONS)], { env });
    const report = lastJson<Report>(result.stdout);
    expect({
      code: result.code,
      denied: result.stderr.includes("cannot open session file (ERR_ACCESS_DENIED)"),
      files: fs.existsSync(logDir) ? listSessionFiles(logDir) : [],
      answered: report.answered,
    }).toEqual({ code: 0, denied: true, files: [], answered: null });
  });

  it("the lane's thread runs none of the application's preloads (NODE_OPTIONS=--require)", async () => {
    const logDir = path.join(root, "preload");
    const env = { ...process.env, NODE_OPTIONS: `--require ${path.join(FIXTURES, "thread-preload.cjs")}` };
    const child = startFixture("create-lane-child.mjs", [logDir, "normal", String(SESSIONS)], { env });
    const mark = path.join(os.tmpdir(), `trajlog-preload-${child.pid}`);
    try {
      const result = await finished(child);
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
      const report = lastJson<Report>(result.stdout);
      expect(report.answered).toBeGreaterThan(0);
      expect(fs.readFileSync(mark, "utf8")).toBe("main\n");
    } finally {
      fs.rmSync(mark, { force: true });
    }
  });
});
