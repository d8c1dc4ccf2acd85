/**
 * `trajlog compact <dir|file>` and `trajlog expand <dir|file>`: rewrite session files in the
 * delta or the whole prompt encoding (see `convertSessionFile`), one file at a time.
 */
import path from "node:path";
import { stat } from "node:fs/promises";
import { convertSessionFile, type ConvertResult } from "../../convert.js";
import type { PromptEncoding } from "../../format.js";
import { readErrorReason, scanSessions } from "../../read/scan.js";
import { defineCommand, type Command } from "../command.js";
import { switchFlag } from "../flags.js";
import { oneDir } from "../positional.js";

const MB = 1024 * 1024;

function convertCommand(name: "compact" | "expand", to: PromptEncoding): Command {
  const what = to === "delta"
    ? "delta prompts (each iteration line stores only what changed since the previous one)"
    : "whole prompts (every iteration line stands alone)";
  return defineCommand({
    name,
    summary: to === "delta" ? "rewrite session files with delta prompts (much smaller for long rollouts)" : "rewrite session files with whole prompts",
    usage: "<dir|file> [--force] [--dry-run] [--quiet]",
    description: `Rewrites every session file under <dir> (a log directory, one experiment, one step_N folder)
or one file with ${what}. Every value stays as it was: reading the file gives the same
records before and after. Each file is written to a temporary file beside it and renamed over
it (keeping its modification time), only if it did not change meanwhile. A session that may
still be written to (no summary line, modified in the last five minutes) is left alone unless
--force. Lines that cannot be read (a torn last line) are copied as they are and reported.
Exit code 0, or 1 when a file could not be read or rewritten (it is named on stderr).`,
    flags: {
      force: switchFlag("also rewrite sessions that may still be written to"),
      "dry-run": switchFlag("say what would change, write nothing"),
    },
    async run({ flags, positionals, report }) {
      const target = oneDir(positionals, name);
      const single = (await stat(target)).isFile();
      const counts: Record<ConvertResult["status"] | "failed", number> = { converted: 0, unchanged: 0, live: 0, "no-metadata": 0, changed: 0, failed: 0 };
      let before = 0;
      let after = 0;
      const cannot = (file: string, reason: string): void => {
        counts.failed++;
        report.problem(`${file}: cannot read: ${reason}`);
      };
      for await (const ref of scanSessions(target, {}, { onUnreadable: cannot })) {
        const shown = single ? target : path.join(target, ref.relPath);
        let result: ConvertResult;
        try {
          result = await convertSessionFile(ref.path, to, { force: flags.force, dryRun: flags["dry-run"] });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ENOENT") cannot(shown, readErrorReason(error));
          continue;
        }
        counts[result.status]++;
        for (const problem of result.problems) report.problem(`${shown}:${problem.line}: ${problem.message}`);
        if (result.status === "converted") {
          before += result.bytesBefore;
          after += result.bytesAfter;
          report.note(`${shown}: ${size(result.bytesBefore)} -> ${size(result.bytesAfter)}`);
        } else if (result.status === "live") {
          report.note(`${shown}: left alone: no summary line and modified in the last five minutes (--force to rewrite)`);
        } else if (result.status === "no-metadata") {
          report.note(`${shown}: left alone: line 1 is not a metadata line`);
        } else if (result.status === "changed") {
          report.note(`${shown}: left alone: it changed while it was read`);
        }
      }
      const verb = flags["dry-run"] ? "would rewrite" : "rewrote";
      const left = counts.live + counts["no-metadata"] + counts.changed;
      report.note(
        `${verb} ${counts.converted} file${counts.converted === 1 ? "" : "s"} (${size(before)} -> ${size(after)}); ` +
          `${counts.unchanged} already had ${to === "delta" ? "delta" : "whole"} prompts; ${left} left alone; ${counts.failed} failed`,
      );
      return counts.failed > 0 ? 1 : 0;
    },
  });
}

function size(bytes: number): string {
  return bytes >= MB ? `${(bytes / MB).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`;
}

/** `trajlog compact`. */
export const compact = convertCommand("compact", "delta");
/** `trajlog expand`. */
export const expand = convertCommand("expand", "full");
