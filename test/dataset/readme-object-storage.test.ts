import { readFile, rm } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, expect, test } from "vitest";
import { buildLogTree } from "../fixtures/log-tree.js";
import { runCli } from "../cli/run-cli.js";

let logDir: string;
let out: string;
beforeAll(async () => {
  logDir = await buildLogTree();
  out = `${logDir}-dataset`;
  expect((await runCli(["export", logDir, "--all", "--format", "parquet", "-o", out, "-q"])).code).toBe(0);
});
afterAll(async () => {
  await rm(logDir, { recursive: true, force: true });
  await rm(out, { recursive: true, force: true });
});

/** The README's DuckDB statement for a dataset on object storage: the SELECT of the block that starts "-- DuckDB". */
async function readmeDuckdbSelect(): Promise<string> {
  const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
  const block = /```sql\n-- DuckDB[^\n]*\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block).toBeDefined();
  const select = /SELECT[\s\S]*?;/.exec(block ?? "")?.[0];
  expect(select).toContain("s3://bucket/runs/grpo/");
  return select as string;
}

test("the README's DuckDB statement for object storage runs as written on a file:// copy of an export, with the JSONL's figures", async () => {
  // The bucket's prefix becomes the local dataset's URL; nothing else in the statement changes.
  const sql = (await readmeDuckdbSelect()).replace("s3://bucket/runs/grpo/", `${pathToFileURL(out).href}/`);
  const run = await runCli(["query", out, sql, "--json"]);
  expect(run.stderr).toBe("");
  const rows = JSON.parse(run.stdout) as { step: number; reward: number | null; tokens: number }[];
  // The same figures straight from the JSONL files (the raw-tree views, held to trajlog stats elsewhere).
  const raw = await runCli(["query", logDir, "SELECT step, avg(reward) AS reward, sum(input_tokens + output_tokens) AS tokens FROM sessions GROUP BY step ORDER BY step", "--json"]);
  expect(rows).toEqual(JSON.parse(raw.stdout));
  expect(rows.map((r) => r.step)).toEqual([0, 1, 2, 10]);
});
