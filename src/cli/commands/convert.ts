/**
 * `trajlog compact <dir|file>` and `trajlog expand <dir|file>`: rewrite session files in the
 * delta or the whole prompt encoding (see `convertSessionFile`), one file at a time.
 */
import path from "node:path";
import { convertSessionFile, type ConvertResult } from "../../convert.js";
import type { PromptEncoding } from "../../format.js";
import { scanSessions } from "../../reader.js";
import type { Command } from "../command.js";
import { oneDir } from "../positional.js";

const MB = 1024 * 1024;

function convertCommand(name: "compact" | "expand", to: PromptEncoding): Command {
  const what = to === "delta" ? "delta prompts (each iteration line stores only what changed since the previous one)" : "whole prompts (every iteration line stands alone)";
  return {
    summary: to === "delta" ? "rewrite session files with delta prompts (much smaller for long rollouts)" : "rewrite session files with whole prompts",
    help: `Usage: trajlog ${name} <dir|file> [--force] [--dry-run] [--quiet]

Rewrites every session file under <dir> (a log directory, one experiment, one step_N folder)
or one file with ${what}. Every value stays as it was: reading the file gives the same
records before and after. Each file is written to a temporary file beside it and renamed over
it, only if it did not change meanwhile. A session that may still be written to (no summary
line, modified in the last five minutes) is left alone unless --force. Lines that cannot be
read (a torn last line) are copied as they are and reported.

Options:
  --force      also rewrite sessions that may still be written to
  --dry-run    say what would change, write nothing
  -q, --quiet  print only problems, not the per-file lines and the final count
  -h, --help   show this help

Exit code 0, or 1 when a file could not be rewritten (it is named on stderr).`,
    options: {
      force: { type: "boolean" },
      "dry-run": { type: "boolean" },
      quiet: { type: "boolean", short: "q" },
    },
    async run({ values, positionals }, io) {
      const target = oneDir(positionals, name);
      const quiet = values.quiet === true;
      const counts: Record<ConvertResult["status"] | "failed", number> = { converted: 0, unchanged: 0, live: 0, "no-metadata": 0, changed: 0, failed: 0 };
      let before = 0;
      let after = 0;
      for await (const ref of scanSessions(target)) {
        const shown = ref.relPath === path.basename(ref.path) && !ref.relPath.includes("/") ? ref.path : path.join(target, ref.relPath);
        let result: ConvertResult;
        try {
          result = await convertSessionFile(ref.path, to, { force: values.force === true, dryRun: values["dry-run"] === true });
        } catch (error) {
          counts.failed++;
          io.stderr.write(`trajlog ${name}: ${shown}: ${(error as Error).message}\n`);
          continue;
        }
        counts[result.status]++;
        if (result.status === "converted") {
          before += result.bytesBefore;
          after += result.bytesAfter;
        }
        for (const problem of result.problems) io.stderr.write(`${shown}:${problem.line}: ${problem.message}\n`);
        if (quiet) continue;
        if (result.status === "converted") io.stderr.write(`${shown}: ${size(result.bytesBefore)} -> ${size(result.bytesAfter)}\n`);
        else if (result.status === "live") io.stderr.write(`${shown}: left alone: no summary line and modified in the last five minutes (--force to rewrite)\n`);
        else if (result.status === "no-metadata") io.stderr.write(`${shown}: left alone: line 1 is not a metadata line\n`);
        else if (result.status === "changed") io.stderr.write(`${shown}: left alone: it changed while it was read\n`);
      }
      if (!quiet) {
        const verb = values["dry-run"] === true ? "would rewrite" : "rewrote";
        const left = counts.live + counts["no-metadata"] + counts.changed;
        io.stderr.write(
          `${verb} ${counts.converted} file${counts.converted === 1 ? "" : "s"} (${size(before)} -> ${size(after)}); ` +
            `${counts.unchanged} already had ${to === "delta" ? "delta" : "whole"} prompts; ${left} left alone; ${counts.failed} failed\n`,
        );
      }
      return counts.failed > 0 ? 1 : 0;
    },
  };
}

function size(bytes: number): string {
  return bytes >= MB ? `${(bytes / MB).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`;
}

/** `trajlog compact`. */
export const compact = convertCommand("compact", "delta");
/** `trajlog expand`. */
export const expand = convertCommand("expand", "full");
