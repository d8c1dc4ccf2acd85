/**
 * The `trajlog` process: {@link run} on the real argv and streams, its result as the exit
 * code, SIGINT/SIGTERM as the stop signal of long-running commands. Importing this module
 * runs nothing; `bin.ts` calls {@link main}.
 */
import { once } from "node:events";
import { run } from "./run.js";

/** Runs `trajlog` with this process's arguments and sets its exit code. */
export async function main(): Promise<void> {
  // A reader that went away (`trajlog ls logs | head`) is not an error: stop quietly.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
  });
  const waitForStop = async (): Promise<void> => {
    const signals = new AbortController();
    await Promise.race([once(process, "SIGINT", { signal: signals.signal }), once(process, "SIGTERM", { signal: signals.signal })]);
    signals.abort();
  };
  process.exitCode = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, waitForStop });
}
