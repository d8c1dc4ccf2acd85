/**
 * Redaction never holds the process hostage: SIGTERM sent while the loop logs 1 MiB outputs
 * built to make redaction slow ends it, as it would without trajlog, with every line whole.
 * (A signal is handled between turns of the event loop; a logIteration that took minutes
 * kept it waiting that long.)
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADVERSARIAL_INPUTS } from "../../bench/lib/adversarial-text.mjs";
import { finished, makeTempDir, removeTempDir, startFixture } from "../helpers/processes.js";
import { listSessionFiles, parseFile } from "../helpers/session-files.js";

let root: string;
beforeAll(() => {
  root = makeTempDir();
});
afterAll(() => removeTempDir(root));

describe("SIGTERM during redaction of adversarial output", () => {
  it("ends the process by the signal, the line being logged on disk whole", { timeout: 60_000 }, async () => {
    const logDir = path.join(root, "logs");
    const child = startFixture("redact-child.mjs", [logDir]);
    const done = finished(child);
    await new Promise<void>((resolve) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("logging")) resolve();
      });
    });
    child.kill("SIGTERM");
    const result = await done;
    expect({ code: result.code, signal: result.signal, stderr: result.stderr }).toEqual({ code: null, signal: "SIGTERM", stderr: "" });
    const [file, ...others] = listSessionFiles(logDir);
    expect(others).toEqual([]);
    const { lines, tail } = parseFile(file as string);
    expect(tail).toBe("");
    expect(lines.map((line) => line.type).slice(0, 2)).toEqual(["metadata", "iteration"]);
    // The first output is `password=` repeated: none of it is a secret under the rules (a
    // lowercase name, a bare value that is not random-looking), so it is written as it was.
    const first = lines[1] as { code_blocks: Array<{ result: { stdout: string } }> };
    expect(first.code_blocks[0]?.result.stdout).toBe(ADVERSARIAL_INPUTS[0]?.build(1024 * 1024));
  });
});
