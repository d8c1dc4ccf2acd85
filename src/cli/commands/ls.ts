/** `trajlog ls <dir>`: experiments, steps and sessions, with instance, iterations, reward, state. */
import type { TrajectoryRecord } from "../../read/reader.js";
import { sessionReward, sessionState } from "../../read/session-facts.js";
import { defineCommand } from "../command.js";
import { switchFlag } from "../flags.js";
import { oneDir } from "../positional.js";
import { READ_FLAGS, SELECTION_FLAGS, SelectionRun, parseSelection, readOptions } from "../selection.js";
import { cell, formatTable } from "../table.js";

interface Row {
  experiment: string;
  training_step: number;
  session_id: string;
  instance_id: string | null;
  iterations: number;
  reward: number | null;
  state: string;
  skipped_lines: number;
  path: string;
}

/** The `ls` command. */
export const command = defineCommand({
  name: "ls",
  summary: "list experiments, steps and sessions (instance, iterations, reward, state)",
  usage: "<dir> [selection] [--json]",
  description: `Lists the sessions under <dir> (a log directory, one experiment, or one step_N folder),
grouped by experiment and training step, in start order. A file that cannot be read is named
on stderr and the exit code is 1.`,
  flags: {
    ...SELECTION_FLAGS,
    json: switchFlag("one JSON object per session instead of the table"),
    ...READ_FLAGS,
  },
  sections: { Selection: "flags combine with AND; with none, every session" },
  examples: ["trajlog ls logs", "trajlog ls logs --experiment my-exp --steps 10-20 --only-errored", "trajlog ls logs --instance django__django-11099 --json"],
  async run({ flags, positionals, io, report }) {
    const dir = oneDir(positionals, "ls");
    const selection = new SelectionRun(dir, parseSelection(flags), report, readOptions(flags));
    let group: { experiment: string; step: number; rows: Row[] } | null = null;
    let experiment: string | null = null;
    const flush = (): void => {
      if (group === null) return;
      if (group.experiment !== experiment) {
        if (experiment !== null) report.out("");
        report.out(group.experiment);
        experiment = group.experiment;
      }
      report.out(`  step_${group.step}  (${group.rows.length} session${group.rows.length === 1 ? "" : "s"})`);
      const lines = formatTable(
        ["SESSION", "INSTANCE", "ITERATIONS", "REWARD", "STATE"],
        group.rows.map((r) => [
          r.session_id,
          r.instance_id ?? "-",
          String(r.iterations),
          cell(r.reward),
          r.skipped_lines > 0 ? `${r.state} (${r.skipped_lines} bad line${r.skipped_lines === 1 ? "" : "s"})` : r.state,
        ]),
        new Set([2, 3]),
      );
      for (const line of lines) report.out(`    ${line}`);
    };
    for await (const record of selection.records()) {
      const row = rowOf(record);
      if (flags.json) {
        io.stdout.write(`${JSON.stringify(row)}\n`);
        continue;
      }
      if (group === null || group.experiment !== row.experiment || group.step !== row.training_step) {
        flush();
        group = { experiment: row.experiment, step: row.training_step, rows: [] };
      }
      group.rows.push(row);
    }
    flush();
    selection.finish();
    if (selection.unreadable === 0) return 0;
    report.problem(selection.leftOut(`Listed ${selection.selected} session${selection.selected === 1 ? "" : "s"}`));
    return 1;
  },
});

function rowOf(record: TrajectoryRecord): Row {
  return {
    experiment: record.ref?.experiment ?? "",
    training_step: record.ref?.trainingStep ?? record.metadata?.training_step ?? 0,
    session_id: record.sessionId,
    instance_id: record.metadata?.instance_id ?? record.ref?.instance ?? null,
    iterations: record.iterations.length,
    reward: sessionReward(record),
    state: sessionState(record),
    skipped_lines: record.problems.length,
    path: record.ref?.relPath ?? record.path,
  };
}
