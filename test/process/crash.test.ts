/**
 * The crash promise: after SIGKILL at an arbitrary moment, every line of every file is
 * complete JSON except at most the last line of a file (a write cut short), and each file
 * still holds one session in order. After SIGTERM at an arbitrary moment, nothing is torn.
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { finished, makeTempDir, removeTempDir, startFixture } from "../helpers/processes.js";
import { listSessionFiles, parseFile, readSession } from "../helpers/session-files.js";

import { killMoments } from "../helpers/kill-moments.js";

/** A random moment while the child is writing, in ms, from a seed printed if the test fails. */
const killDelay = killMoments();

let root: string;
beforeAll(() => {
  root = makeTempDir();
});
afterAll(() => removeTempDir(root));

describe("SIGKILL mid-run", () => {
  it.each([0, 1, 2])("run %i: every line but a file's last is complete JSON", async (run) => {
    const logDir = path.join(root, `run-${run}`);
    const child = startFixture("crash-child.mjs", [logDir]);
    const ended = finished(child);
    await new Promise<void>((resolve) => child.stdout?.once("data", () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, killDelay()));
    child.kill("SIGKILL");
    const result = await ended;
    expect(result.signal).toBe("SIGKILL");

    const files = listSessionFiles(logDir);
    expect(files.length).toBeGreaterThan(20);
    let finishedSessions = 0;
    for (const file of files) {
      // Killed before the first line was complete: empty, or half a metadata line.
      if (parseFile(file).lines.length === 0) continue;
      // Throws on a non-JSON complete line, a line out of order, or a second session.
      const session = readSession(file, { allowTornTail: true });
      expect(session.metadata.instance_id).toMatch(/^task-\d$/);
      if (session.summary !== null) finishedSessions++;
    }
    expect(finishedSessions).toBeGreaterThanOrEqual(20);
  });
});

describe("SIGTERM mid-run (from outside, no handler of the app)", () => {
  it("every file ends with a whole line, and the process dies by SIGTERM", async () => {
    const logDir = path.join(root, "sigterm");
    const child = startFixture("crash-child.mjs", [logDir]);
    const ended = finished(child);
    await new Promise<void>((resolve) => child.stdout?.once("data", () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, killDelay()));
    child.kill("SIGTERM");
    const result = await ended;
    expect({ signal: result.signal, stderr: result.stderr }).toEqual({ signal: "SIGTERM", stderr: "" });
    const files = listSessionFiles(logDir);
    expect(files.length).toBeGreaterThan(20);
    // Strict: no half line anywhere, every session in order, and every file has its metadata.
    for (const file of files) readSession(file);
  });
});
