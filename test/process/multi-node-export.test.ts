import path from "node:path";
import { afterAll, expect, test } from "vitest";
import { runCli } from "../cli/run-cli.js";
import { readDatasetTable } from "../helpers/parquet.js";
import { lastJson, makeTempDir, removeTempDir, runFixture } from "../helpers/processes.js";
import { listSessionFiles } from "../helpers/session-files.js";

const root = makeTempDir("trajlog-multi-node-");
afterAll(() => removeTempDir(root));

test("4 processes writing one tree: the Parquet export holds every session exactly once, also when exported again", async () => {
  const logDir = path.join(root, "logs");
  const results = await Promise.all([0, 1, 2, 3].map((node) => runFixture("node-child.mjs", [logDir, String(node)])));
  for (const r of results) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
  const written = results.flatMap((r) => lastJson<{ path: string; iterations: number }[]>(r.stdout));
  expect(written.length).toBe(4 * 3 * 12);
  expect(listSessionFiles(logDir)).toEqual(written.map((w) => w.path).sort());

  const out = path.join(root, "dataset");
  for (let round = 0; round < 2; round++) {
    const run = await runCli(["export", logDir, "--all", "--format", "parquet", "-o", out, "-q"]);
    expect({ code: run.code, stderr: run.stderr.split("\n").filter((l) => !l.startsWith("trajlog export: session content")).join("\n") }).toEqual({ code: 0, stderr: "" });
    const sessions = await readDatasetTable(out, "sessions");
    const ids = sessions.map((s) => s.session_id as string).sort();
    expect(ids).toEqual(written.map((w) => path.basename(w.path, ".jsonl")).sort());
    expect(new Set(ids).size).toBe(ids.length);
    const iterations = await readDatasetTable(out, "iterations");
    expect(iterations.length).toBe(written.reduce((n, w) => n + w.iterations, 0));
    const keys = iterations.map((i) => `${i.session_id as string}#${i.iteration as number}`);
    expect(new Set(keys).size).toBe(keys.length);
  }
});
