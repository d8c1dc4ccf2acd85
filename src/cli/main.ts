#!/usr/bin/env node
/**
 * The `trajlog` command: parses `trajlog <command> [flags]` with node:util parseArgs and
 * dispatches to the command's module. The only place that touches process exit codes and the
 * real stdout/stderr; commands get them through {@link CommandIO}.
 * A new command is one module under `commands/` and one entry in {@link COMMANDS}.
 */
import { parseArgs } from "node:util";
import { VERSION } from "../version.js";
import { UsageError, type Command, type CommandIO } from "./command.js";

/** The commands, loaded only when run. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ command: Command }> }> = {
  ls: { summary: "list experiments, steps and sessions", load: () => import("./commands/ls.js") },
  stats: { summary: "per-step figures: sessions, rewards, iterations, time, tokens", load: () => import("./commands/stats.js") },
  validate: { summary: "check session files against the format (exit 1 on problems)", load: () => import("./commands/validate.js") },
  export: { summary: "export sessions: opentraces, atlas, messages, rlm", load: () => import("./commands/export.js") },
  view: { summary: "open a local web viewer of a log directory", load: () => import("./commands/view.js") },
  compact: {
    summary: "rewrite session files with delta prompts (much smaller for long rollouts)",
    load: async () => ({ command: (await import("./commands/convert.js")).compact }),
  },
  expand: {
    summary: "rewrite session files with whole prompts",
    load: async () => ({ command: (await import("./commands/convert.js")).expand }),
  },
};

function mainHelp(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((n) => n.length));
  return `Usage: trajlog <command> [options]

Reads trajectory logs written by the trajlog SDK.

Commands:
${names.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[n]?.summary ?? ""}`).join("\n")}

Run "trajlog <command> --help" for a command's options.
  -h, --help     show this help
  -v, --version  print the version`;
}

/** Runs one command line; resolves to the exit code. */
async function main(argv: readonly string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    (name === undefined ? io.stderr : io.stdout).write(`${mainHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === "-v" || name === "--version") {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const entry = COMMANDS[name];
  if (entry === undefined) {
    io.stderr.write(`trajlog: unknown command ${JSON.stringify(name)}; commands: ${Object.keys(COMMANDS).join(", ")}\n`);
    return 2;
  }
  const { command } = await entry.load();
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: [...rest],
        options: { ...command.options, help: { type: "boolean", short: "h" } },
        allowPositionals: true,
        strict: true,
      });
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    if (parsed.values.help === true) {
      io.stdout.write(`${command.help}\n`);
      return 0;
    }
    return await command.run(parsed, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`trajlog ${name}: ${error.message} (see trajlog ${name} --help)\n`);
      return 2;
    }
    const io_ = ioErrorMessage(error);
    if (io_ !== null) {
      io.stderr.write(`trajlog ${name}: ${io_}\n`);
      return 2;
    }
    io.stderr.write(`trajlog ${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

/** One line for a file-system error on a path the user named; null for anything else. */
function ioErrorMessage(error: unknown): string | null {
  const e = error as NodeJS.ErrnoException;
  if (typeof e?.code !== "string" || typeof e.path !== "string") return null;
  const what: Record<string, string> = {
    ENOENT: "no such file or directory",
    ENOTDIR: "not a directory",
    EACCES: "permission denied",
    EISDIR: "is a directory",
  };
  return `${e.path}: ${what[e.code] ?? e.message}`;
}

// A reader that went away (`trajlog ls logs | head`) is not an error: stop quietly.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
});
process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
