/** What a `trajlog` command module provides, and what it is given to run. */
import type { ParseArgsConfig } from "node:util";

/** The parsed command line of one command. */
export interface CommandArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/** Where a command writes: stdout carries data only, stderr everything else. */
export interface CommandIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** One `trajlog <name>` command: `src/cli/main.ts` parses its options and calls `run`. */
export interface Command {
  /** One line for `trajlog --help`. */
  summary: string;
  /** The full `--help` text. */
  help: string;
  /** Its flags, for `node:util` parseArgs (`--help` is added by main). */
  options: NonNullable<ParseArgsConfig["options"]>;
  /** Runs the command; resolves to the exit code. Throws {@link UsageError} for bad arguments. */
  run(args: CommandArgs, io: CommandIO): Promise<number>;
}

/** A bad flag, flag combination or argument: main prints the message and exits with code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
