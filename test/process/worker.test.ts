/**
 * A logger inside a worker thread. A worker can be stopped at any moment by
 * `worker.terminate()` or by the main thread's `process.exit()`, with no exit hook run in it,
 * so trajlog writes each line before `logIteration` / `finalize` returns there: every line
 * handed over is on disk, whichever way the worker ends.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import path from "node:path";
import { lastJson, makeTempDir, removeTempDir, runFixture } from "../helpers/processes.js";
import { listSessionFiles, readSession } from "../helpers/session-files.js";

interface Handed {
  path: string;
  iterations: number;
  finalized: boolean;
}

let root: string;
beforeAll(() => {
  root = makeTempDir();
});
afterAll(() => removeTempDir(root));

describe("a logger in a worker thread, the worker busy when it is ended", () => {
  it.each(["exit", "terminate"])("main thread %s: every line handed over in the worker is on disk", async (mode) => {
    const logDir = path.join(root, mode);
    const result = await runFixture("worker-child.mjs", [logDir, mode]);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
    const handed = lastJson<Handed[]>(result.stdout);
    expect(handed.reduce((sum, h) => sum + h.iterations, 0)).toBe(1800);
    expect(listSessionFiles(logDir)).toEqual(handed.map((h) => h.path).sort());
    for (const h of handed) {
      const session = readSession(h.path);
      expect({ iterations: session.iterations.length, finalized: session.summary !== null }).toEqual({
        iterations: h.iterations,
        finalized: h.finalized,
      });
    }
  });
});
