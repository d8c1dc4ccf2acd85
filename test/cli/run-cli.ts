/** Runs the built `trajlog` bin (dist/cli/main.js) as a real child process. */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { existsSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";

/** The bin, as `npm run build` leaves it. */
export const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

/** What a run printed and how it ended. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/cli/main.js ...args`; stdin is closed. */
export function runCli(args: readonly string[], options: { cwd?: string } = {}): Promise<CliRun> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  return collect(spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] }));
}

/** Runs python3 on a script with arguments; resolves to its exit code and output. */
export function runPython(args: readonly string[], input?: string): Promise<CliRun> {
  const child = spawn("python3", [...args], { stdio: ["pipe", "pipe", "pipe"] });
  child.stdin.end(input ?? "");
  return collect(child);
}

/** A child's exit code and whole output. */
function collect(child: ChildProcessByStdio<Writable | null, Readable, Readable>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The lines of a JSONL text, parsed. */
export function jsonLines(text: string): unknown[] {
  return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as unknown);
}
