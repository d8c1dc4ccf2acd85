/** `trajlog validate <dir|file>`: checks every line against the format; exit 1 on any problem. */
import { stat } from "node:fs/promises";
import path from "node:path";
import { readErrorReason, scanSessions } from "../../read/scan.js";
import { validateSessionFile } from "../../read/validate.js";
import { defineCommand } from "../command.js";
import { oneDir } from "../positional.js";
import { LINE_FLAGS } from "../selection.js";

/** The `validate` command. */
export const command = defineCommand({
  name: "validate",
  summary: "check every line of session files against the format; exit 1 on any problem",
  usage: "<dir|file> [--quiet]",
  description: `Checks every session file under <dir> (a log directory, one experiment, one step_N folder)
or one file: each line valid JSON and valid against its line schema, the metadata line on
line 1 only, the summary line last, iteration numbers increasing, total_iterations matching,
the file under the folders its metadata names. Prints one line per problem:

  PATH:LINE: message

then a count on stderr. Exit code 0 when every file is valid, 1 when any problem is found
or a file cannot be read (it is named, and the check goes on with the next file). Files of
any size are streamed; a line over --max-line-bytes is a problem and is skipped unread.
A session without a summary line (still running, or crashed) is valid; its torn last
line, if any, is reported.`,
  flags: { ...LINE_FLAGS },
  async run({ flags, positionals, report }) {
    const target = oneDir(positionals, "validate");
    const single = (await stat(target)).isFile();
    let files = 0;
    let badFiles = 0;
    let problems = 0;
    let unreadable = 0;
    const cannotRead = (file: string, reason: string): void => {
      unreadable++;
      report.problem(`${file}: cannot read: ${reason}`);
    };
    for await (const ref of scanSessions(target, {}, { onUnreadable: cannotRead })) {
      files++;
      const shown = single ? target : path.join(target, ref.relPath);
      let found;
      try {
        found = await validateSessionFile(ref.path, { experiment: ref.experiment, trainingStep: ref.trainingStep }, { maxLineBytes: flags["max-line-bytes"] });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") files--;
        else cannotRead(shown, readErrorReason(error));
        continue;
      }
      if (found.length === 0) continue;
      badFiles++;
      problems += found.length;
      for (const problem of found) report.out(`${shown}:${problem.line}: ${problem.message}`);
    }
    const checked = `${files} session file${files === 1 ? "" : "s"} checked`;
    const counts: string[] = [];
    if (problems > 0) counts.push(`${problems} problem${problems === 1 ? "" : "s"} in ${badFiles} file${badFiles === 1 ? "" : "s"}`);
    if (unreadable > 0) counts.push(`${unreadable} unreadable (named above)`);
    report.note(`${checked}: ${counts.length === 0 ? "all valid" : counts.join(", ")}`);
    return problems === 0 && unreadable === 0 ? 0 : 1;
  },
});
