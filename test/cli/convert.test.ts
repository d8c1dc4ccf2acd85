import { cpSync, readFileSync, utimesSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { buildLogTree, TREE_SESSIONS } from "../fixtures/log-tree.js";
import { listSessionFiles } from "../helpers/session-files.js";
import { makeTempDir, removeTempDir } from "../helpers/processes.js";
import { runCli } from "./run-cli.js";

let golden: string;
let deltaTree: string;
let work: string;

beforeAll(async () => {
  golden = await buildLogTree();
  deltaTree = await buildLogTree({ prompts: "delta" });
  work = makeTempDir("trajlog-cli-convert-");
});
afterAll(async () => {
  await rm(golden, { recursive: true, force: true });
  await rm(deltaTree, { recursive: true, force: true });
  removeTempDir(work);
});

/** A copy of the golden tree whose files look long finished (except where `recent` says). */
function copyTree(name: string): string {
  const dir = path.join(work, name);
  cpSync(golden, dir, { recursive: true });
  const old = new Date(Date.now() - 3_600_000);
  for (const file of listSessionFiles(dir)) utimesSync(file, old, old);
  return dir;
}

const relFiles = (dir: string): string[] => listSessionFiles(dir).map((file) => path.relative(dir, file));

test("compact writes the files a delta logger writes; expand gives back the whole-prompt files, byte for byte", async () => {
  const dir = copyTree("roundtrip");
  const compact = await runCli(["compact", dir]);
  expect(compact.code).toBe(0);
  expect(compact.stdout).toBe("");
  // Every session file has iterations except none: all 7 are rewritten.
  expect(compact.stderr.trim().split("\n").at(-1)).toMatch(/^rewrote 7 files \(\d+\.\d KB -> \d+\.\d KB\); 0 already had delta prompts; 0 left alone; 0 failed$/);
  for (const file of relFiles(dir)) {
    expect(readFileSync(path.join(dir, file), "utf8"), file).toBe(readFileSync(path.join(deltaTree, file), "utf8"));
  }
  expect((await runCli(["validate", dir])).code).toBe(0);
  const again = await runCli(["compact", dir, "-q"]);
  expect(again).toEqual({ code: 0, stdout: "", stderr: "" });
  const expand = await runCli(["expand", dir]);
  expect(expand.code).toBe(0);
  for (const file of relFiles(dir)) {
    expect(readFileSync(path.join(dir, file), "utf8"), file).toBe(readFileSync(path.join(golden, file), "utf8"));
  }
});

test("a session that may still be written to is left alone and named, unless --force; --dry-run writes nothing", async () => {
  const dir = copyTree("live");
  const unfinished = listSessionFiles(dir).find((file) => file.includes(TREE_SESSIONS[3])) as string;
  const now = new Date();
  utimesSync(unfinished, now, now);
  const before = readFileSync(unfinished, "utf8");
  const dry = await runCli(["compact", dir, "--dry-run"]);
  expect(dry.code).toBe(0);
  expect(dry.stderr).toContain(`${path.join(dir, path.relative(dir, unfinished))}: left alone: no summary line and modified in the last five minutes (--force to rewrite)\n`);
  expect(dry.stderr.trim().split("\n").at(-1)).toMatch(/^would rewrite 6 files .*; 1 left alone; 0 failed$/);
  expect(relFiles(dir).every((file) => readFileSync(path.join(dir, file), "utf8") === readFileSync(path.join(golden, file), "utf8"))).toBe(true);
  expect((await runCli(["compact", dir])).code).toBe(0);
  expect(readFileSync(unfinished, "utf8")).toBe(before);
  const forced = await runCli(["compact", dir, "--force"]);
  expect(forced.stderr.trim().split("\n").at(-1)).toMatch(/^rewrote 1 file .*; 6 already had delta prompts; 0 left alone; 0 failed$/);
  expect(readFileSync(unfinished, "utf8")).toBe(readFileSync(path.join(deltaTree, path.relative(dir, unfinished)), "utf8"));
});

test("a bad flag or a missing directory exits 2 with one line", async () => {
  expect(await runCli(["compact", path.join(work, "nope")])).toEqual({ code: 2, stdout: "", stderr: `trajlog compact: ${path.join(work, "nope")}: no such file or directory\n` });
  const bad = await runCli(["expand", work, "--nope"]);
  expect(bad.code).toBe(2);
  expect(bad.stderr.split("\n").filter(Boolean)).toHaveLength(1);
});

test("ls, stats and every export format print the same from a delta tree as from the whole-prompt tree", async () => {
  const same = async (args: string[]): Promise<void> => {
    const a = await runCli([args[0] as string, golden, ...args.slice(1)]);
    const b = await runCli([args[0] as string, deltaTree, ...args.slice(1)]);
    expect(a.code, args.join(" ")).toBe(0);
    expect(b.stdout.split(deltaTree).join("<dir>"), args.join(" ")).toBe(a.stdout.split(golden).join("<dir>"));
  };
  await same(["ls"]);
  await same(["ls", "--json"]);
  await same(["stats", "--json"]);
  for (const format of ["opentraces", "atlas", "messages"]) await same(["export", "--all", "-q", "--format", format]);
});
