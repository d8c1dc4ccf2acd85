/**
 * Running fixture scripts as real child processes, and temporary directories that are
 * always removed. Fixtures import the built package (`dist/`), as an application would.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach } from "vitest";

export const FIXTURES = fileURLToPath(new URL("../fixtures/", import.meta.url));

/** How a child ended and what it printed. */
export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Waits for a child to end, collecting its output. */
export function finished(child: ChildProcess): Promise<ChildResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Starts `node test/fixtures/<script> ...args`. */
export function startFixture(script: string, args: string[], options: { uid?: number; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  return spawn(process.execPath, [path.join(FIXTURES, script), ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: options.env ?? process.env,
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
  });
}

/** Runs a fixture to its end. */
export function runFixture(script: string, args: string[], options: { uid?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ChildResult> {
  return finished(startFixture(script, args, options));
}

/** Runs a fixture under `ulimit -n <limit>` (the soft and hard descriptor limit of the child). */
export function runFixtureWithFdLimit(limit: number, script: string, args: string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<ChildResult> {
  const quoted = [process.execPath, path.join(FIXTURES, script), ...args].map(shellQuote).join(" ");
  return finished(
    spawn("bash", ["-c", `ulimit -n ${limit} && exec ${quoted}`], { stdio: ["ignore", "pipe", "pipe"], env: options.env ?? process.env }),
  );
}

function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** A fresh directory under the OS temp dir; remove it with {@link removeTempDir}. */
export function makeTempDir(prefix = "trajlog-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * For a test file: a function making fresh temp dirs, each removed after the test that made
 * it. Call at the top level of the file (it registers an `afterEach`).
 */
export function tempDirs(prefix?: string): () => string {
  const made: string[] = [];
  afterEach(() => made.splice(0).forEach(removeTempDir));
  return () => {
    const dir = makeTempDir(prefix);
    made.push(dir);
    return dir;
  };
}

/** Removes a temp dir made by {@link makeTempDir}. */
export function removeTempDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** The JSON a fixture printed as its last stdout line. */
export function lastJson<T>(stdout: string): T {
  const lines = stdout.trim().split("\n");
  return JSON.parse(lines.at(-1) ?? "null") as T;
}
