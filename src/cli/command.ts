/**
 * What a `trajlog` command is: its flags, help text and run function, declared once with
 * {@link defineCommand}. `run.ts` parses the command line against the flags and calls `run`.
 */
import { COMMON_FLAGS, parseCommandLine, type FlagSet, type FlagValues } from "./flags.js";
import { commandHelp } from "./help.js";
import { Reporter } from "./report.js";

export { UsageError } from "./usage-error.js";

/** Where a command writes: stdout carries data only, stderr everything else. */
export interface CommandIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /**
   * Resolves when a long-running command (`trajlog view`) should stop. `main` waits for
   * SIGINT or SIGTERM, listening only from the call on, so other commands keep the default
   * signal behaviour; in-process callers pass their own. Never resolves when absent.
   */
  waitForStop?: () => Promise<void>;
}

/** What a command's `run` is given. */
export interface CommandContext<F extends FlagSet> {
  /** The command's flag values (its own and {@link COMMON_FLAGS}). */
  flags: FlagValues<F & typeof COMMON_FLAGS>;
  positionals: string[];
  /** Raw streams, for data (JSON, exports). */
  io: CommandIO;
  /** Human lines, escaped; honours `-q`. */
  report: Reporter;
}

/** The declaration of one command. */
export interface CommandSpec<F extends FlagSet> {
  name: string;
  /** One line for `trajlog --help`. */
  summary: string;
  /** What follows `trajlog <name>` on the usage line, e.g. `<dir> [selection] [options]`. */
  usage: string;
  /** Paragraphs after the usage line. */
  description: string;
  /** The command's flags; `-q/--quiet` and `-h/--help` are added to every command. */
  flags: F;
  /** A note after a help section's heading, e.g. `{ Selection: "flags combine with AND" }`. */
  sections?: Record<string, string>;
  examples?: readonly string[];
  /** Resolves to the exit code. Throws {@link UsageError} for bad arguments. */
  run(context: CommandContext<F>): Promise<number>;
}

/** A command, ready for `run.ts`. */
export interface Command {
  name: string;
  summary: string;
  /** The whole `--help` text, generated from the declaration. */
  help(): string;
  /** Parses `args` (after the command name) and runs; resolves to the exit code. */
  execute(args: readonly string[], io: CommandIO): Promise<number>;
}

/** Builds a {@link Command} from its declaration. */
export function defineCommand<F extends FlagSet>(spec: CommandSpec<F>): Command {
  const flags = { ...spec.flags, ...COMMON_FLAGS } as F & typeof COMMON_FLAGS;
  const help = (): string => commandHelp(spec.name, spec.usage, spec.description, flags, spec.sections ?? {}, spec.examples ?? []);
  return {
    name: spec.name,
    summary: spec.summary,
    help,
    async execute(args, io) {
      const parsed = parseCommandLine(args, flags);
      if (parsed.help) {
        io.stdout.write(`${help()}\n`);
        return 0;
      }
      const report = new Reporter(io, parsed.flags.quiet === true);
      return spec.run({ flags: parsed.flags, positionals: parsed.positionals, io, report });
    },
  };
}
