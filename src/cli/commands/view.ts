/** `trajlog view <dir>`: a local, read-only web viewer of a log directory. */
import { stat } from "node:fs/promises";
import path from "node:path";
import type { Command } from "../command.js";
import { UsageError } from "../command.js";
import { intFlag } from "../flag-values.js";
import { oneDir } from "../positional.js";
import { DEFAULT_VIEWER_HOST, DEFAULT_VIEWER_PORT, startViewer } from "../../viewer/server.js";

/** The `view` command. */
export const command: Command = {
  summary: "open a local web viewer: rewards per step, sessions, trajectories, an instance across steps",
  help: `Usage: trajlog view <dir> [--port N] [--host ADDRESS]

Serves a read-only web viewer of the log directory <dir> and prints its URL. New sessions
and new lines show up as they are written. Stop it with Ctrl+C.

Options:
  -p, --port N        port to listen on; 0 picks a free one (default ${DEFAULT_VIEWER_PORT})
      --host ADDRESS  address to bind (default ${DEFAULT_VIEWER_HOST}: this machine only).
                      Any other address lets every machine that can reach it read the logs.
  -h, --help          show this help`,
  options: { port: { type: "string", short: "p" }, host: { type: "string" } },
  async run({ values, positionals }, io) {
    const dir = path.resolve(oneDir(positionals, "view"));
    const port = values.port === undefined ? DEFAULT_VIEWER_PORT : portFlag(String(values.port));
    const host = values.host === undefined ? DEFAULT_VIEWER_HOST : hostFlag(String(values.host));
    if (!(await stat(dir)).isDirectory()) {
      throw new UsageError(`<dir> must be a log directory; received the file ${JSON.stringify(dir)}`);
    }
    let viewer;
    try {
      viewer = await startViewer({
        logDir: dir,
        port,
        host,
        onError: (error) => io.stderr.write(`trajlog view: ${error instanceof Error ? error.message : String(error)}\n`),
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EADDRINUSE") {
        io.stderr.write(`trajlog view: port ${port} is in use on ${host}; pass --port with another port, or --port 0 for any free one\n`);
        return 1;
      }
      if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND" || code === "EACCES") {
        io.stderr.write(`trajlog view: cannot listen on ${host}:${port} (${code})\n`);
        return 1;
      }
      throw error;
    }
    io.stdout.write(`${viewer.url}\n`);
    io.stderr.write(`trajlog view: serving ${dir} (read-only); press Ctrl+C to stop\n`);
    if (!viewer.host.startsWith("127.") && viewer.host !== "::1") {
      io.stderr.write(`trajlog view: warning: bound to ${viewer.host}, so other machines can read these logs\n`);
    }
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await viewer.close();
    return 0;
  },
};

function portFlag(value: string): number {
  const port = intFlag("--port", value);
  if (port > 65535) throw new UsageError(`--port expects an integer from 0 to 65535; received ${JSON.stringify(value)}`);
  return port;
}

function hostFlag(value: string): string {
  if (value.trim() === "" || /\s/.test(value)) {
    throw new UsageError(`--host expects an address such as 127.0.0.1 or 0.0.0.0; received ${JSON.stringify(value)}`);
  }
  return value;
}
