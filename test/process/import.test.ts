/**
 * Loading the package under a small descriptor limit. Some clusters run jobs under
 * `ulimit -n 64`; Node's ES module loader opens a module graph's files all at once, so a
 * graph of hundreds of files failed to load there with EMFILE before any code ran.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { finished, lastJson, makeTempDir, removeTempDir, runFixtureWithFdLimit } from "../helpers/processes.js";
import { listSessionFiles, readSession } from "../helpers/session-files.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

let root: string;
beforeAll(() => {
  root = makeTempDir();
});
afterAll(() => removeTempDir(root));

describe("ulimit -n 64", () => {
  it('import "trajlog" and "trajlog/viewer" load, and a session is written', async () => {
    const logDir = path.join(root, "logs");
    const result = await runFixtureWithFdLimit(64, "import-child.mjs", [logDir]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const out = lastJson<{ path: string; schemas: string[]; viewer: string; stats: Record<string, number> }>(result.stdout);
    expect(out.schemas).toEqual(["metadata", "iteration", "summary"]);
    expect(out.viewer).toBe("function");
    expect(listSessionFiles(logDir)).toEqual([out.path]);
    expect(readSession(out.path).iterations).toHaveLength(1);
  });

  it("the trajlog command runs", async () => {
    const cli = path.join(ROOT, "dist/cli/main.js");
    const result = await finished(
      spawn("bash", ["-c", `ulimit -n 64 && exec "${process.execPath}" "${cli}" validate "${root}"`], {
        stdio: ["ignore", "pipe", "pipe"],
      }),
    );
    expect(result.stderr).not.toContain("EMFILE");
    expect(result.code).toBe(0);
  });
});
