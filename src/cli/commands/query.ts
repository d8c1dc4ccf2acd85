/** `trajlog query <dir|dataset> "SQL"`: SQL over a log tree or an exported dataset, on DuckDB. */
import { UsageError, defineCommand, type CommandIO } from "../command.js";
import { switchFlag } from "../flags.js";
import type { Reporter } from "../report.js";
import { formatTable } from "../table.js";
import { escapeControl } from "../terminal-text.js";
import type { Plain } from "../../dataset/plain-values.js";

/** Longest cell of the text table, in characters; `--json` and `--csv` give whole values. */
const CELL_LIMIT = 80;

/** The `query` command. */
export const command = defineCommand({
  name: "query",
  summary: "SQL over a log tree or a Parquet dataset: views sessions and iterations (DuckDB)",
  usage: '<dir|dataset> "SQL" [--json | --csv]',
  description: `Runs SQL with DuckDB over two views, whatever <dir> is:
  - a log directory, one experiment or one step_N folder: the views read the JSONL files
    where they lie;
  - a dataset written by trajlog export --format parquet: the views read its Parquet files.
The views have the same columns either way (the dataset's schema, in the README):
  sessions     one row per session: session_id, experiment, step, instance_id, model, reward,
               state, forced, sampling_rate, iterations, total_steps, input_tokens,
               output_tokens, started_at, ended_at, duration_s, final_answer, error,
               dropped_lines, metadata (JSON text), path
  iterations   one row per iteration: session_id, experiment, step, instance_id, iteration,
               timestamp, prompt_kept, prompt_new, prompt_messages, response, code_blocks,
               final_answer, prompt_tokens, completion_tokens, iteration_time
Several statements may be given, separated by ";": the last one's rows are printed. The table
cuts values to ${CELL_LIMIT} characters and shows line breaks as \\n; --json and --csv print whole
values. Timestamps are UTC. An SQL error prints DuckDB's message and the exit code is 1.`,
  flags: {
    json: switchFlag("one JSON array of row objects instead of the table"),
    csv: switchFlag("CSV with a header line instead of the table"),
  },
  examples: [
    'trajlog query logs "SELECT step, avg(reward), sum(input_tokens + output_tokens) FROM sessions GROUP BY step ORDER BY step"',
    "trajlog query dataset/ \"SELECT DISTINCT session_id FROM iterations, unnest(code_blocks) AS b(block) WHERE block.stdout LIKE '%Traceback%'\" --csv",
  ],
  async run({ flags, positionals, io, report }) {
    if (positionals.length !== 2) {
      throw new UsageError(`expected <dir> and "SQL"; received ${positionals.length} argument${positionals.length === 1 ? "" : "s"}`);
    }
    const [dir, sql] = positionals as [string, string];
    if (flags.json && flags.csv) throw new UsageError("--json and --csv cannot be combined; use one");
    if (sql.trim() === "") throw new UsageError("the SQL is empty");
    const { openQuerySource } = await import("../../dataset/query-source.js");
    const source = await openQuerySource(dir);
    try {
      const output = flags.json ? "json" : flags.csv ? "csv" : "table";
      return await runSql(source.connection, sql, output, io, report);
    } finally {
      source.close();
    }
  },
});

function fail(io: CommandIO, message: string): number {
  io.stderr.write(`trajlog query: ${message}\n`);
  return 1;
}

type Connection = Awaited<ReturnType<typeof import("../../dataset/query-source.js").openQuerySource>>["connection"];

/** Runs every statement, streams the last one's rows out. An SQL error prints DuckDB's message, exit 1. */
async function runSql(connection: Connection, sql: string, output: "table" | "json" | "csv", io: CommandIO, report: Reporter): Promise<number> {
  const { plainValue } = await import("../../dataset/plain-values.js");
  let result;
  try {
    const statements = await connection.extractStatements(sql);
    if (statements.count === 0) throw new UsageError("the SQL holds no statement");
    for (let i = 0; i < statements.count - 1; i++) await (await statements.prepare(i)).run();
    result = await (await statements.prepare(statements.count - 1)).stream();
  } catch (error) {
    if (error instanceof UsageError) throw error;
    return fail(io, sqlMessage(error));
  }
  const names = result.columnNames();
  const table: string[][] = [];
  let first = true;
  if (output === "json") io.stdout.write("[");
  if (output === "csv") io.stdout.write(`${names.map(csvField).join(",")}\n`);
  try {
    for (;;) {
      const chunk = await result.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) break;
      let text = "";
      for (const row of chunk.getRows()) {
        const plain = row.map(plainValue);
        if (output === "table") table.push(plain.map(tableCell));
        else if (output === "csv") text += `${plain.map((v) => csvField(v === null ? "" : typeof v === "object" ? JSON.stringify(v) : String(v))).join(",")}\n`;
        else {
          text += `${first ? "\n" : ",\n"}${JSON.stringify(Object.fromEntries(names.map((n, i) => [n, plain[i] ?? null])))}`;
          first = false;
        }
      }
      if (text !== "" && !io.stdout.write(text)) await new Promise((resolve) => io.stdout.once("drain", resolve));
    }
  } catch (error) {
    if (output === "json") io.stdout.write("\n]\n");
    return fail(io, sqlMessage(error));
  }
  if (output === "json") io.stdout.write(first ? "]\n" : "\n]\n");
  if (output === "table") {
    if (names.length > 0) for (const line of formatTable(names, table)) io.stdout.write(`${line}\n`);
    report.note(`(${table.length} row${table.length === 1 ? "" : "s"})`);
  }
  return 0;
}

/** DuckDB's message for a failed statement, without the library's stack. */
function sqlMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A value as one line of a text table. */
function tableCell(value: Plain): string {
  if (value === null) return "NULL";
  const text = (typeof value === "object" ? JSON.stringify(value) : String(value)).replaceAll("\r", "\\r").replaceAll("\n", "\\n");
  // Model output may hold terminal escape sequences: a table shows them, never runs them.
  return escapeControl(text.length > CELL_LIMIT ? `${text.slice(0, CELL_LIMIT - 1)}…` : text);
}

/** One CSV field, quoted when it must be (RFC 4180). */
function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
