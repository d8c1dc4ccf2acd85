/**
 * The create lane: session files created on a thread of their own, with the answers libuv's
 * pool would give, and libuv's pool taking over when the thread is gone.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDir } from "../helpers/processes.js";

// The thread runs compiled code: the lane comes from the build, as the writer uses it.
const { CreateLane } = (await import(new URL("../../dist/write/create-lane.js", import.meta.url).href)) as typeof import("../../src/write/create-lane.js");

let root: string;
beforeAll(() => {
  root = makeTempDir("trajlog-create-lane-");
});
afterAll(() => removeTempDir(root));

type Lane = NonNullable<ReturnType<typeof CreateLane.open>>;

/** One create through `lane`, as `{ fd }` or the error's code, syscall and path. */
function create(lane: Lane, dir: string, file: string, remakeDir = false): Promise<{ fd: number } | { code?: string; syscall?: string; path?: string }> {
  return new Promise((resolve) => {
    lane.create(dir, file, remakeDir, (err, fd) => resolve(err === null ? { fd } : { code: err.code, syscall: err.syscall, path: err.path }));
  });
}

/** The same create through libuv's pool (`fs.open` with "wx"), answered the same way. */
function openInPool(file: string): Promise<{ fd: number } | { code?: string; syscall?: string; path?: string }> {
  return new Promise((resolve) => {
    fs.open(file, "wx", 0o644, (err, fd) => resolve(err === null ? { fd } : { code: err.code, syscall: err.syscall, path: err.path }));
  });
}

/** Writes `text` through `fd`, closes it, and reads the file back. */
function writeAndRead(fd: number, file: string, text: string): string {
  fs.writeSync(fd, text);
  fs.closeSync(fd);
  return fs.readFileSync(file, "utf8");
}

describe("the create lane", () => {
  const lane = CreateLane.open() as Lane;
  afterAll(() => lane.terminate());

  it("runs from the build", () => {
    expect(lane).not.toBeNull();
  });

  it("makes missing directories and creates every file exclusively, each with a descriptor of its own", async () => {
    const dirs = [path.join(root, "exp", "step_0"), path.join(root, "exp", "step_1", "deeper")];
    const files = Array.from({ length: 200 }, (_, i) => path.join(dirs[i % 2] as string, `s${i}.jsonl`));
    const answered = lane.answered;
    const results = await Promise.all(files.map((file) => create(lane, path.dirname(file), file)));
    const fds = results.map((r) => ("fd" in r ? r.fd : -1));
    expect(fds.filter((fd) => fd < 0)).toEqual([]);
    expect(new Set(fds).size).toBe(files.length);
    expect(files.map((file, i) => writeAndRead(fds[i] as number, file, `line ${i}\n`))).toEqual(files.map((_, i) => `line ${i}\n`));
    expect(lane.answered - answered).toBe(files.length);
    expect(lane.pending).toBe(0);
    // Created with mode 0o644, less the umask, as `fs.open` creates them.
    const umask = process.umask();
    expect(fs.statSync(files[0] as string).mode & 0o777).toBe(0o644 & ~umask);
  });

  it("answers what libuv's pool would answer: EEXIST for a file that is there, ENOTDIR under a file", async () => {
    const dir = path.join(root, "answers");
    const taken = path.join(dir, "taken.jsonl");
    const first = await create(lane, dir, taken);
    expect(first).toHaveProperty("fd");
    fs.closeSync((first as { fd: number }).fd);
    const underFile = path.join(taken, "inner", "x.jsonl");
    const fromLane = [await create(lane, dir, taken), await create(lane, path.dirname(underFile), underFile)];
    expect(fromLane).toEqual([
      { code: "EEXIST", syscall: "open", path: taken },
      { code: "ENOTDIR", syscall: "mkdir", path: path.join(taken, "inner") },
    ]);
    // The pool's own answers for the same two, for the writer's error handling to read alike.
    expect((await openInPool(taken)) as object).toEqual(fromLane[0]);
    expect(((await openInPool(underFile)) as { code: string }).code).toBe("ENOTDIR");
    expect(fs.readdirSync(dir)).toEqual(["taken.jsonl"]);
  });

  it("makes a directory removed behind its back again, once it has said ENOENT", async () => {
    const dir = path.join(root, "removed", "step_0");
    const a = await create(lane, dir, path.join(dir, "a.jsonl"));
    fs.closeSync((a as { fd: number }).fd);
    fs.rmSync(path.join(root, "removed"), { recursive: true });
    // The thread remembers the directory as made: the open says it is gone, as the pool's would.
    expect(await create(lane, dir, path.join(dir, "b.jsonl"))).toEqual({ code: "ENOENT", syscall: "open", path: path.join(dir, "b.jsonl") });
    const again = await create(lane, dir, path.join(dir, "b.jsonl"), true);
    expect(again).toHaveProperty("fd");
    fs.closeSync((again as { fd: number }).fd);
    expect(fs.readdirSync(dir)).toEqual(["b.jsonl"]);
  });
});

describe("the create lane once its thread is gone", () => {
  it("starts its thread on the turn after it is made, never in the call that asks for a file, and sends what was asked meanwhile", async () => {
    const own = CreateLane.open() as Lane;
    const dir = path.join(root, "start");
    const asked = create(own, dir, path.join(dir, "first.jsonl"));
    expect({ started: own.started, pending: own.pending }).toEqual({ started: false, pending: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(own.started).toBe(true);
    const first = await asked;
    expect(first).toHaveProperty("fd");
    fs.closeSync((first as { fd: number }).fd);
    await own.terminate();
  });

  it("stopped before its thread started: what was asked is created in libuv's pool, and no thread starts", async () => {
    const own = CreateLane.open() as Lane;
    const dir = path.join(root, "never-started");
    const files = Array.from({ length: 20 }, (_, i) => path.join(dir, `s${i}.jsonl`));
    const asked = files.map((file) => create(own, dir, file));
    await own.terminate();
    const results = await Promise.all(asked);
    expect(results.map((r) => ("fd" in r ? "fd" : r.code))).toEqual(files.map(() => "fd"));
    for (const r of results) fs.closeSync((r as { fd: number }).fd);
    await new Promise((resolve) => setImmediate(resolve));
    expect({ started: own.started, pending: own.pending, answered: own.answered }).toEqual({ started: false, pending: 0, answered: 0 });
    expect(fs.readdirSync(dir).sort()).toEqual(files.map((f) => path.basename(f)).sort());
  });

  it("creates a file someone waits for (hurry) ahead of the files asked before it", async () => {
    const own = CreateLane.open() as Lane;
    const dir = path.join(root, "hurry");
    const files = Array.from({ length: 2000 }, (_, i) => path.join(dir, `s${i}.jsonl`));
    const order: number[] = [];
    const all = files.map(
      (file, i) =>
        new Promise<void>((resolve) => {
          own.create(dir, file, false, (err, fd) => {
            order.push(i);
            if (err === null) fs.closeSync(fd);
            resolve();
          });
        }),
    );
    // The thread is under way (its first answers are back) when the last file becomes urgent.
    while (order.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const last = files.length - 1;
    own.hurry(last);
    own.hurry(-1); // unknown: nothing happens
    await Promise.all(all);
    expect(order.length - new Set(order).size).toBe(0);
    expect(fs.readdirSync(dir)).toHaveLength(files.length);
    // Answered before the files asked just before it, which were still waiting.
    expect(order.indexOf(last)).toBeLessThan(order.indexOf(last - 1));
    expect(order.indexOf(last)).toBeLessThan(files.length - 100);
    // A job done already is left as it is.
    own.hurry(0);
    await own.terminate();
  });

  it("leaves the descriptors it opened open, for the writer to go on writing through", async () => {
    const lane = CreateLane.open() as Lane;
    const dir = path.join(root, "kept");
    const files = Array.from({ length: 5 }, (_, i) => path.join(dir, `s${i}.jsonl`));
    const fds = (await Promise.all(files.map((file) => create(lane, dir, file)))).map((r) => (r as { fd: number }).fd);
    await lane.terminate();
    expect(files.map((file, i) => writeAndRead(fds[i] as number, file, `after the thread ${i}\n`))).toEqual(files.map((_, i) => `after the thread ${i}\n`));
  });

  it("hands its unanswered jobs, and every later one, to libuv's pool", async () => {
    const lane = CreateLane.open() as Lane;
    const dir = path.join(root, "after-thread");
    const before = Array.from({ length: 50 }, (_, i) => path.join(dir, `before-${i}.jsonl`));
    const pending = before.map((file) => create(lane, dir, file));
    await lane.terminate();
    const after = Array.from({ length: 10 }, (_, i) => path.join(dir, `after-${i}.jsonl`));
    const results = await Promise.all([...pending, ...after.map((file) => create(lane, dir, file))]);
    // Every file exists exactly once. A job the thread did but could not answer is found
    // there by the pool (EEXIST): the writer then picks a fresh name.
    const codes = results.map((r) => ("fd" in r ? "fd" : r.code));
    expect(codes.filter((c) => c !== "fd" && c !== "EEXIST")).toEqual([]);
    expect(codes.slice(before.length)).toEqual(after.map(() => "fd"));
    for (const r of results) if ("fd" in r) fs.closeSync(r.fd);
    expect(fs.readdirSync(dir).sort()).toEqual([...before, ...after].map((f) => path.basename(f)).sort());
    expect(lane.pending).toBe(0);
  });
});
