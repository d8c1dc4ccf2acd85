import { appendFile, chmod, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { prepareSession } from "../../src/dataset/prepared-session.js";
import { readSession } from "../../src/read/reader.js";
import { scanSessions, type SessionRef } from "../../src/read/scan.js";
import { buildLogTree, TREE_SESSIONS } from "../fixtures/log-tree.js";
import { runCli, spawnCli } from "../cli/run-cli.js";
import { readDatasetTable } from "../helpers/parquet.js";

// The worker threads run compiled code: the pool comes from the build, as the CLI uses it.
const { ReadPool } = (await import(new URL("../../dist/dataset/read-pool.js", import.meta.url).href)) as typeof import("../../src/dataset/read-pool.js");

let logDir: string;
let work: string;
beforeAll(async () => {
  logDir = await buildLogTree();
  work = `${logDir}-read-pool`;
  await mkdir(work, { recursive: true });
  // A corrupt line, reported the same way whichever thread reads it.
  await appendFile(path.join(logDir, "exp-a", "step_0", `${TREE_SESSIONS[0]}.jsonl`), "{not json\n");
});
afterAll(async () => {
  await rm(logDir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

async function refs(dir: string): Promise<SessionRef[]> {
  const out: SessionRef[] = [];
  for await (const ref of scanSessions(dir)) out.push(ref);
  return out;
}

test("the read pool's workers make the same rows as reading on this thread, and report what cannot be read", async () => {
  const pool = ReadPool.open({ redact: false }, 2);
  expect(pool).not.toBeNull();
  try {
    const found = await refs(logDir);
    expect(found.length).toBe(TREE_SESSIONS.length);
    const records = await Promise.all(found.map((ref) => pool!.readFile(ref)));
    for (const [i, record] of records.entries()) {
      const ref = found[i] as SessionRef;
      const local = await readSession(ref.path);
      local.ref = ref;
      // The record keeps what selection reads; its iterations travel as rows.
      expect(record).toEqual({ ...local, iterations: [] });
      expect(pool!.take(record)).toEqual(prepareSession(local));
      expect(pool!.take(record)).toBeUndefined();
    }
    const missing = { ...(found[0] as SessionRef), path: path.join(work, "gone.jsonl") };
    await expect(pool!.readFile(missing)).rejects.toMatchObject({ code: "ENOENT" });
  } finally {
    await pool!.close();
  }
});

test("export --format parquet writes the same dataset from the built CLI (worker threads) as in-process (one thread)", async () => {
  const unreadable = path.join(logDir, "exp-a", "step_0", "locked_20260219_143000_abc.jsonl");
  await writeFile(unreadable, "{}\n");
  await chmod(unreadable, 0o000);
  const canRead = await readSession(unreadable).then(() => true, () => false); // root reads anything
  try {
    for (const args of [["--all", "--redact"], ["--only-completed", "--offset", "1", "--limit", "2"]]) {
      const inProcess = path.join(work, `in-${args[0]}`);
      const threads = path.join(work, `bin-${args[0]}`);
      const a = await runCli(["export", logDir, ...args, "--format", "parquet", "-o", inProcess]);
      const b = await spawnCli(["export", logDir, ...args, "--format", "parquet", "-o", threads]);
      expect({ code: b.code, stderr: b.stderr.replaceAll(threads, "OUT") }).toEqual({ code: a.code, stderr: a.stderr.replaceAll(inProcess, "OUT") });
      if (args[0] === "--all") {
        expect(a.stderr).toContain("skipped 1 corrupt line");
        // Unreadable for a user other than root; a line without a type when root reads it.
        expect(a.stderr).toContain(canRead ? "locked_20260219_143000_abc.jsonl: skipped 1 corrupt line" : "locked_20260219_143000_abc.jsonl");
      }
      for (const table of ["sessions", "iterations"] as const) {
        const order = (rows: Record<string, unknown>[]) =>
          rows.sort((x, y) => `${x.session_id}:${x.iteration ?? ""}`.localeCompare(`${y.session_id}:${y.iteration ?? ""}`));
        expect(order(await readDatasetTable(threads, table))).toEqual(order(await readDatasetTable(inProcess, table)));
      }
    }
  } finally {
    await rm(unreadable, { force: true });
  }
});
