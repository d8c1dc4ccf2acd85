/**
 * `trajlog <command> [flags]` as a function: parses, dispatches to the command's module and
 * resolves to the exit code, writing only to the streams it is given. Tests and embedders
 * call it in-process; `main.ts` wires it to the real process.
 * A new command is one module under `commands/` and one entry in {@link COMMANDS}.
 */
import { VERSION } from "../version.js";
import { UsageError, type Command, type CommandIO } from "./command.js";
import { escapeControl } from "./terminal-text.js";

/** The commands, each loaded only when needed. */
const COMMANDS: Record<string, () => Promise<{ command: Command }>> = {
  ls: () => import("./commands/ls.js"),
  stats: () => import("./commands/stats.js"),
  validate: () => import("./commands/validate.js"),
  export: () => import("./commands/export.js"),
  query: () => import("./commands/query.js"),
  view: () => import("./commands/view.js"),
  compact: async () => ({ command: (await import("./commands/convert.js")).compact }),
  expand: async () => ({ command: (await import("./commands/convert.js")).expand }),
};

/** The names of the commands, in help order. */
export const COMMAND_NAMES = Object.keys(COMMANDS);

async function mainHelp(): Promise<string> {
  const commands = await Promise.all(COMMAND_NAMES.map(async (name) => (await (COMMANDS[name] as () => Promise<{ command: Command }>)()).command));
  const width = Math.max(...COMMAND_NAMES.map((n) => n.length));
  return `Usage: trajlog <command> [options]

Reads trajectory logs written by the trajlog SDK.

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

Run "trajlog <command> --help" for a command's options.
  -h, --help     show this help
  -v, --version  print the version`;
}

/** Runs one command line (without `node` and the script); resolves to the exit code. */
export async function run(argv: readonly string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    (name === undefined ? io.stderr : io.stdout).write(`${await mainHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === "-v" || name === "--version") {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (load === undefined) {
    io.stderr.write(`trajlog: unknown command ${escapeControl(JSON.stringify(name))}; commands: ${COMMAND_NAMES.join(", ")}\n`);
    return 2;
  }
  const { command } = await load();
  try {
    return await command.execute(rest, io);
  } catch (error) {
    io.stderr.write(`${escapeControl(`trajlog ${name}: ${failureMessage(name, error)}`)}\n`);
    return error instanceof UsageError || isPathError(error) ? 2 : 1;
  }
}

/** One line for anything a command threw; never a stack trace. */
function failureMessage(name: string, error: unknown): string {
  if (error instanceof UsageError) return `${error.message} (see trajlog ${name} --help)`;
  if (isPathError(error)) return `${error.path}: ${PATH_ERRORS[error.code] ?? error.message}`;
  return error instanceof Error ? error.message : String(error);
}

const PATH_ERRORS: Record<string, string> = {
  ENOENT: "no such file or directory",
  ENOTDIR: "not a directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "is a directory",
};

/** A file-system error on a path the user named (a missing directory, an unwritable -o). */
function isPathError(error: unknown): error is NodeJS.ErrnoException & { code: string; path: string } {
  const e = error as NodeJS.ErrnoException | null;
  return typeof e?.code === "string" && typeof e.path === "string";
}
