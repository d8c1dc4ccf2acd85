/** `trajlog validate <dir|file>`: checks every line against the format; exit 1 on any problem. */
import { stat } from "node:fs/promises";
import path from "node:path";
import { scanSessions } from "../../reader.js";
import { validateSessionFile } from "../../validate.js";
import type { Command } from "../command.js";
import { oneDir } from "../positional.js";

/** The `validate` command. */
export const command: Command = {
  summary: "check every line of session files against the format; exit 1 on any problem",
  help: `Usage: trajlog validate <dir|file> [--quiet]

Checks every session file under <dir> (a log directory, one experiment, one step_N folder)
or one file: each line valid JSON and valid against its line schema, the metadata line on
line 1 only, the summary line last, iteration numbers increasing, total_iterations matching,
the file under the folders its metadata names. Prints one line per problem:

  PATH:LINE: message

then a count on stderr. Exit code 0 when every file is valid, 1 when any problem is found.
A session without a summary line (still running, or crashed) is valid; its torn last
line, if any, is reported.

Options:
  -q, --quiet  print only the problems, not the final count
  -h, --help   show this help`,
  options: { quiet: { type: "boolean", short: "q" } },
  async run({ values, positionals }, io) {
    const target = oneDir(positionals, "validate");
    const single = (await stat(target)).isFile();
    let files = 0;
    let badFiles = 0;
    let problems = 0;
    for await (const ref of scanSessions(target)) {
      files++;
      const found = await validateSessionFile(ref.path, {
        experiment: ref.experiment,
        trainingStep: ref.trainingStep,
      });
      if (found.length === 0) continue;
      badFiles++;
      problems += found.length;
      const shown = single ? target : path.join(target, ref.relPath);
      for (const problem of found) io.stdout.write(`${shown}:${problem.line}: ${problem.message}\n`);
    }
    if (values.quiet !== true) {
      io.stderr.write(
        problems === 0
          ? `${files} session file${files === 1 ? "" : "s"} checked: all valid\n`
          : `${files} session file${files === 1 ? "" : "s"} checked: ${problems} problem${problems === 1 ? "" : "s"} in ${badFiles} file${badFiles === 1 ? "" : "s"}\n`,
      );
    }
    return problems === 0 ? 0 : 1;
  },
};
