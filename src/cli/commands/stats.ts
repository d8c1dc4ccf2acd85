/** `trajlog stats <dir>`: per training step, sessions, outcomes, rewards, iterations, time, tokens. */
import { stat } from "node:fs/promises";
import { readSessions } from "../../reader.js";
import { computeStepStats, isLive, measureRecord, type SessionMeasures, type StepStats } from "../../step-stats.js";
import type { Command } from "../command.js";
import { oneDir } from "../positional.js";
import { cell, formatTable } from "../table.js";

/**
 * Per-step figures of every session under `dir`, in experiment and step order, worked out by
 * the step statistics the viewer uses too. An incomplete session written to in the last few
 * minutes is live, and makes its step partial.
 */
export async function collectStepStats(dir: string): Promise<StepStats[]> {
  const measures: SessionMeasures[] = [];
  for await (const record of readSessions(dir)) {
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
export const command: Command = {
  summary: "per training step: sessions, completed, reward mean/min/max, iterations, time, tokens",
  help: `Usage: trajlog stats <dir> [--json]

Figures per training step of the sessions under <dir> (a log directory, one experiment, or
one step_N folder): sessions, completed / errored / incomplete, mean, min and max reward,
mean iterations per session, mean iteration time (seconds), input and output tokens (root
calls and sub-model calls). Forced sessions are counted but left out of every figure from
REWARD MEAN on; FORCED and FORCED MEAN show them apart. A step with a session still being
written (no summary, modified in the last 5 minutes) is marked "partial": its figures will change.

Options:
  --json      a JSON array of per-step objects instead of the table
  -h, --help  show this help`,
  options: { json: { type: "boolean" } },
  async run({ values, positionals }, io) {
    const dir = oneDir(positionals, "stats");
    const steps = await collectStepStats(dir);
    if (values.json === true) {
      io.stdout.write(`${JSON.stringify(steps, null, 2)}\n`);
      return 0;
    }
    if (steps.length === 0) {
      io.stderr.write(`No sessions under ${dir}\n`);
      return 0;
    }
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
    for (const line of lines) io.stdout.write(`${line}\n`);
    return 0;
  },
};
