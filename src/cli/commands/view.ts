/** `trajlog view <dir>`: a local, read-only web viewer of a log directory. */
import { stat } from "node:fs/promises";
import path from "node:path";
import { UsageError, defineCommand } from "../command.js";
import { integer, type ValueParser } from "../flag-values.js";
import { valueFlag } from "../flags.js";
import { oneDir } from "../positional.js";
import { DEFAULT_VIEWER_HOST, DEFAULT_VIEWER_PORT, startViewer } from "../../viewer/server/server.js";

/** An address to bind: no blanks, nothing empty. */
const address: ValueParser<string> = {
  expects: "an address such as 127.0.0.1 or 0.0.0.0",
  parse: (value) => (value.trim() === "" || /\s/.test(value) ? undefined : value),
};

/** The `view` command. */
export const command = defineCommand({
  name: "view",
  summary: "open a local web viewer: rewards per step, sessions, trajectories, an instance across steps",
  usage: "<dir> [--port N] [--host ADDRESS]",
  description: `Serves a read-only web viewer of the log directory <dir> and prints its URL. New sessions
and new lines show up as they are written. Stop it with Ctrl+C. The viewer shows the whole directory and
takes no selection flags.`,
  flags: {
    port: valueFlag("N", integer(0, 65535), "port to listen on; 0 picks a free one", { short: "p", default: DEFAULT_VIEWER_PORT }),
    host: valueFlag(
      "ADDRESS",
      address,
      `address to bind (${DEFAULT_VIEWER_HOST}: this machine only). Any other address lets\nevery machine that can reach it read the logs.`,
      { default: DEFAULT_VIEWER_HOST },
    ),
  },
  async run({ flags, positionals, io, report }) {
    const dir = path.resolve(oneDir(positionals, "view"));
    const { port, host } = flags;
    if (!(await stat(dir)).isDirectory()) {
      throw new UsageError(`<dir> must be a log directory; received the file ${JSON.stringify(dir)}`);
    }
    let viewer;
    try {
      viewer = await startViewer({
        logDir: dir,
        port,
        host,
        onError: (error) => report.problem(`trajlog view: ${error instanceof Error ? error.message : String(error)}`),
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EADDRINUSE") {
        report.problem(`trajlog view: port ${port} is in use on ${host}; pass --port with another port, or --port 0 for any free one`);
        return 1;
      }
      if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND" || code === "EACCES") {
        report.problem(`trajlog view: cannot listen on ${host}:${port} (${code})`);
        return 1;
      }
      throw error;
    }
    // Listen for the stop signal before saying where the viewer is: whoever reads the URL may
    // stop the viewer at once, and a signal with no listener yet would kill the process unclosed.
    const stopped = io.waitForStop?.() ?? new Promise<void>(() => undefined);
    io.stdout.write(`${viewer.url}\n`);
    report.note(`trajlog view: serving ${dir} (read-only); press Ctrl+C to stop`);
    if (!viewer.host.startsWith("127.") && viewer.host !== "::1") {
      report.problem(`trajlog view: warning: bound to ${viewer.host}, so other machines can read these logs`);
    }
    await stopped;
    await viewer.close();
    return 0;
  },
});
