/**
 * Many sessions at once never share a file: 1,000 sessions of one instance started together
 * in one process, and 4 processes with the same seed writing into one directory. Every file
 * is complete and holds exactly one session (each session's token is on each of its lines).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import path from "node:path";
import { TrajectoryLogger } from "../../src/index.js";
import { lastJson, makeTempDir, removeTempDir, runFixture } from "../helpers/processes.js";
import { listSessionFiles, readSession } from "../helpers/session-files.js";

let root: string;
beforeAll(() => {
  root = makeTempDir();
});
afterAll(() => removeTempDir(root));

/** The one token every line of a complete, single-session file carries. */
function tokenOf(file: string): string {
  const session = readSession(file);
  if (session.summary === null) throw new Error(`${file}: no summary`);
  const tokens = new Set([session.metadata.token, ...session.iterations.map((line) => line.token)]);
  if (tokens.size !== 1) throw new Error(`${file}: lines of several sessions: ${[...tokens].join(", ")}`);
  return String(session.metadata.token);
}

describe("sessions started together", () => {
  it("1,000 sessions of one instance in one process: 1,000 files, one session each", async () => {
    const logDir = path.join(root, "one-process");
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1 });
    const sessions = Array.from({ length: 1000 }, (_, n) =>
      logger.startSession({ instanceId: "same-task", trainingStep: 7, modelName: "m", configMetadata: { token: `${n}` } }),
    );
    for (let i = 0; i < 3; i++) {
      sessions.forEach((session, n) => session.logIteration({ prompt: "p", response: `${i}`, extra: { token: `${n}` } }));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(sessions.map((s) => s.finalize({ reward: 0 })));
    await logger.close();

    const files = listSessionFiles(logDir);
    expect(files).toHaveLength(1000);
    expect(new Set(sessions.map((s) => s.path)).size).toBe(1000);
    expect(files).toEqual(sessions.map((s) => s.path as string).sort());
    expect(new Set(files.map(tokenOf))).toEqual(new Set(sessions.map((_, n) => `${n}`)));
    expect(logger.stats()).toMatchObject({ linesWritten: 5000, linesDropped: 0, linesFailed: 0, writeErrors: 0 });
  });

  it("4 processes with the same seed in one directory: no shared file, same sampling decisions", async () => {
    const logDir = path.join(root, "four-processes");
    const results = await Promise.all([0, 1, 2, 3].map((child) => runFixture("concurrent-child.mjs", [logDir, "seed-42", `${child}`])));
    for (const result of results) expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    const logged = results.map((result) => lastJson<Array<{ token: string; decision: string; path: string }>>(result.stdout));

    // The same seed picks the same rollouts in every process: about half of 100.
    const decisions = logged.map((list) => list.map((entry) => entry.decision).sort());
    expect(decisions[0]?.length).toBeGreaterThan(20);
    expect(decisions[0]?.length).toBeLessThan(80);
    for (const list of decisions) expect(list).toEqual(decisions[0]);

    // Same instance ids, same second, four processes: still one file per session.
    const all = logged.flat();
    const files = listSessionFiles(logDir);
    expect(files).toEqual(all.map((entry) => entry.path).sort());
    expect(new Set(files).size).toBe(all.length);
    for (const entry of all) expect(tokenOf(entry.path)).toBe(entry.token);
  });
});
