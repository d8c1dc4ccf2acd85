/** `trajlog stats <dir>`: per training step, sessions, outcomes, rewards, iterations, time, tokens. */
import { stat } from "node:fs/promises";
import { type TrajectoryRecord } from "../../read/reader.js";
import { readSessions } from "../../read/scan.js";
import { computeStepStats, type StepStats } from "../../read/step-stats.js";
import { isLive, measureRecord, type SessionMeasures } from "../../read/session-facts.js";
import { defineCommand } from "../command.js";
import { switchFlag } from "../flags.js";
import { oneDir } from "../positional.js";
import { READ_FLAGS, SELECTION_FLAGS, SelectionRun, parseSelection, readOptions } from "../selection.js";
import { cell, formatTable } from "../table.js";

/**
 * Per-step figures of every session under `dir` (or of the given records, in the reader's
 * order), in experiment and step order, worked out by the step statistics the viewer uses too.
 * An incomplete session written to in the last few minutes is live, and makes its step partial.
 */
export async function collectStepStats(dir: string, records: AsyncIterable<TrajectoryRecord> = readSessions(dir)): Promise<StepStats[]> {
  const measures: SessionMeasures[] = [];
  for await (const record of records) {
    const live = record.summary === null && isLive("incomplete", await mtimeOf(record.path), Date.now());
    measures.push(measureRecord(record, live));
  }
  return computeStepStats(measures);
}

async function mtimeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return 0;
  }
}

/** The `stats` command. */
export const command = defineCommand({
  name: "stats",
  summary: "per training step: sessions, completed, reward mean/min/max, iterations, time, tokens",
  usage: "<dir> [selection] [--json]",
  description: `Figures per training step of the selected sessions under <dir> (a log directory, one
experiment, or one step_N folder): sessions, completed / errored / incomplete, mean, min and
max reward, mean iterations per session, mean iteration time (seconds), input and output
tokens (root calls and sub-model calls). Forced sessions are counted but left out of every
figure from REWARD MEAN on; FORCED and FORCED MEAN show them apart. A step with a session
still being written (no summary, modified in the last 5 minutes) is marked "partial": its
figures will change. A file that cannot be read is named on stderr and the exit code is 1.`,
  flags: {
    ...SELECTION_FLAGS,
    json: switchFlag("a JSON array of per-step objects instead of the table"),
    ...READ_FLAGS,
  },
  sections: { Selection: "flags combine with AND; with none, every session" },
  examples: ["trajlog stats logs", "trajlog stats logs/my-exp --steps 0-50 --no-forced --json"],
  async run({ flags, positionals, io, report }) {
    const dir = oneDir(positionals, "stats");
    const selection = new SelectionRun(dir, parseSelection(flags), report, readOptions(flags));
    const steps = await collectStepStats(dir, selection.records());
    if (flags.json) {
      io.stdout.write(`${JSON.stringify(steps, null, 2)}\n`);
    } else if (steps.length > 0) {
      const lines = formatTable(
        ["EXPERIMENT", "STEP", "SESSIONS", "COMPLETED", "ERRORED", "INCOMPLETE", "REWARD MEAN", "MIN", "MAX", "ITERS MEAN", "ITER TIME (s)", "TOKENS IN", "TOKENS OUT", "FORCED", "FORCED MEAN"],
        steps.map((s) => [
          s.experiment,
          s.partial ? `${s.step} partial` : String(s.step),
          String(s.sessions),
          String(s.completed),
          String(s.errored),
          String(s.incomplete),
          cell(s.rewardMean),
          cell(s.rewardMin),
          cell(s.rewardMax),
          cell(s.iterationsMean, 2),
          cell(s.iterationTimeMean),
          String(s.inputTokens),
          String(s.outputTokens),
          String(s.forced),
          cell(s.forcedRewardMean),
        ]),
        new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]),
      );
      for (const line of lines) report.out(line);
    }
    selection.finish();
    if (selection.unreadable === 0) return 0;
    report.problem(selection.leftOut(`Counted ${selection.selected} session${selection.selected === 1 ? "" : "s"}`));
    return 1;
  },
});
