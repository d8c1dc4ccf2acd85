/** `trajlog ls <dir>`: experiments, steps and sessions, with instance, iterations, reward, state. */
import { readSessions, sessionState, type TrajectoryRecord } from "../../reader.js";
import type { Command } from "../command.js";
import { oneDir } from "../positional.js";
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
export const command: Command = {
  summary: "list experiments, steps and sessions (instance, iterations, reward, state)",
  help: `Usage: trajlog ls <dir> [--json]

Lists the sessions under <dir> (a log directory, one experiment, or one step_N folder),
grouped by experiment and training step, in start order.

Options:
  --json      one JSON object per session instead of the table
  -h, --help  show this help`,
  options: { json: { type: "boolean" } },
  async run({ values, positionals }, io) {
    const dir = oneDir(positionals, "ls");
    let group: { experiment: string; step: number; rows: Row[] } | null = null;
    let experiment: string | null = null;
    let sessions = 0;
    const flush = (): void => {
      if (group === null) return;
      if (group.experiment !== experiment) {
        io.stdout.write(`${experiment === null ? "" : "\n"}${group.experiment}\n`);
        experiment = group.experiment;
      }
      io.stdout.write(`  step_${group.step}  (${group.rows.length} session${group.rows.length === 1 ? "" : "s"})\n`);
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
      for (const line of lines) io.stdout.write(`    ${line}\n`);
    };
    for await (const record of readSessions(dir)) {
      const row = rowOf(record);
      sessions++;
      if (values.json === true) {
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
    if (sessions === 0) io.stderr.write(`No sessions under ${dir}\n`);
    return 0;
  },
};

function rowOf(record: TrajectoryRecord): Row {
  return {
    experiment: record.ref?.experiment ?? "",
    training_step: record.ref?.trainingStep ?? record.metadata?.training_step ?? 0,
    session_id: record.sessionId,
    instance_id: record.metadata?.instance_id ?? record.ref?.instance ?? null,
    iterations: record.iterations.length,
    reward: record.summary?.reward ?? null,
    state: sessionState(record),
    skipped_lines: record.problems.length,
    path: record.ref?.relPath ?? record.path,
  };
}
