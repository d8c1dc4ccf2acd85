/**
 * Running `trajlog`: in-process through `run(argv, io)` (fast: most tests), or as the built
 * bin (dist/cli/bin.js) in a real child process, for what only a process shows (exit codes,
 * signals, EPIPE, another uid).
 */
import { spawn, type ChildProcessByStdio } from "node:child_process";
import { existsSync } from "node:fs";
import { Writable, type Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { run } from "../../src/cli/run.js";

/** The bin, as `npm run build` leaves it. */
export const CLI = fileURLToPath(new URL("../../dist/cli/bin.js", import.meta.url));

/** What a run printed and how it ended. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A stream that keeps what is written to it. */
class Collector extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** Runs `trajlog ...args` in this process. `stop` resolves to end a long-running command. */
export async function runCli(args: readonly string[], options: { stop?: Promise<void> } = {}): Promise<CliRun> {
  const stdout = new Collector();
  const stderr = new Collector();
  const stop = options.stop;
  const code = await run(args, { stdout, stderr, ...(stop === undefined ? {} : { waitForStop: () => stop }) });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** Runs `node dist/cli/bin.js ...args` as a child process; stdin is closed. */
export function spawnCli(args: readonly string[], options: { uid?: number } = {}): Promise<CliRun> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  const ids = options.uid === undefined ? {} : { uid: options.uid, gid: options.uid };
  return collect(spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"], ...ids }));
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
