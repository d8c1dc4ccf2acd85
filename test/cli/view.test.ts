import { spawn } from "node:child_process";
import { rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { buildLogTree } from "../fixtures/log-tree.js";
import { CLI, runCli } from "./run-cli.js";

let logDir: string;
beforeAll(async () => {
  logDir = await buildLogTree();
});
afterAll(async () => {
  await rm(logDir, { recursive: true, force: true });
});

test("view: prints the URL, serves the log directory, stops cleanly on SIGTERM", async () => {
  const child = spawn(process.execPath, [CLI, "view", logDir, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let stdout = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        stdout += d;
        if (stdout.includes("\n")) resolve(stdout.trim());
      });
      child.on("close", () => reject(new Error(`exited before printing its URL: ${stderr}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    // It listens before the directory is indexed: wait for the index to be full.
    await expect.poll(async () => ((await (await fetch(new URL("/api/version", url))).json()) as { indexing: unknown }).indexing).toBe(null);
    const overview = (await (await fetch(new URL("/api/overview", url))).json()) as { sessions: number };
    expect(overview.sessions).toBe(7);
  } finally {
    child.kill("SIGTERM");
  }
  expect(await closed).toBe(0);
  expect(stderr).toBe(`trajlog view: serving ${path.resolve(logDir)} (read-only); press Ctrl+C to stop\n`);
});

test("view: bad flags and arguments exit 2 naming what was wrong", async () => {
  const file = path.join(logDir, "not-a-dir.txt");
  await writeFile(file, "x");
  const runs = await Promise.all([
    runCli(["view", logDir, "--port", "http"]),
    runCli(["view", logDir, "--port", "65536"]),
    runCli(["view", logDir, "--host", ""]),
    runCli(["view"]),
    runCli(["view", file]),
    runCli(["view", path.join(logDir, "missing")]),
  ]);
  expect(runs).toEqual([
    { code: 2, stdout: "", stderr: 'trajlog view: --port expects an integer from 0 to 65535; received "http" (see trajlog view --help)\n' },
    { code: 2, stdout: "", stderr: 'trajlog view: --port expects an integer from 0 to 65535; received "65536" (see trajlog view --help)\n' },
    { code: 2, stdout: "", stderr: 'trajlog view: --host expects an address such as 127.0.0.1 or 0.0.0.0; received "" (see trajlog view --help)\n' },
    { code: 2, stdout: "", stderr: "trajlog view: missing <dir>: trajlog view <dir> (see trajlog view --help)\n" },
    { code: 2, stdout: "", stderr: `trajlog view: <dir> must be a log directory; received the file ${JSON.stringify(file)} (see trajlog view --help)\n` },
    { code: 2, stdout: "", stderr: `trajlog view: ${path.join(logDir, "missing")}: no such file or directory\n` },
  ]);
});

test("view: a port in use is reported, not thrown", async () => {
  const child = spawn(process.execPath, [CLI, "view", logDir, "--port", "0"], { stdio: ["ignore", "pipe", "ignore"] });
  const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
  try {
    const url = await new Promise<string>((resolve) => {
      let stdout = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        stdout += d;
        if (stdout.includes("\n")) resolve(stdout.trim());
      });
    });
    const port = new URL(url).port;
    expect(await runCli(["view", logDir, "--port", port])).toEqual({
      code: 1,
      stdout: "",
      stderr: `trajlog view: port ${port} is in use on 127.0.0.1; pass --port with another port, or --port 0 for any free one\n`,
    });
  } finally {
    child.kill("SIGTERM");
  }
  expect(await closed).toBe(0);
});
