/**
 * The schema of trajlog's Parquet dataset, defined once: the exporter writes these columns in
 * this order, the raw-tree SQL views produce the same columns, the dataset card documents them,
 * and the tests compare all three against this list.
 *
 * Stability: columns are only ever added (at the end, with a new {@link DATASET_SCHEMA_VERSION});
 * a column is never renamed, retyped or removed within a major version of trajlog.
 */

/** Version of the dataset layout and columns; written into every Parquet file's key-value metadata. */
export const DATASET_SCHEMA_VERSION = 1;

/** The two tables of a dataset. */
export const DATASET_TABLES = ["sessions", "iterations"] as const;
/** One of the two tables of a dataset. */
export type DatasetTable = (typeof DATASET_TABLES)[number];

/** One column: its name, its DuckDB type (which fixes its Parquet type) and what it holds. */
export interface ColumnSpec {
  name: string;
  type: string;
  description: string;
}

/** A prompt message: role and text. */
const MESSAGE = "STRUCT(role VARCHAR, content VARCHAR)";
/** A sub-model call made by a code block. */
const RLM_CALL =
  "STRUCT(model VARCHAR, prompt VARCHAR, response VARCHAR, prompt_tokens BIGINT, completion_tokens BIGINT, execution_time DOUBLE)";
/** One executed code block and what it printed. */
const CODE_BLOCK = `STRUCT(code VARCHAR, stdout VARCHAR, stderr VARCHAR, locals VARCHAR, execution_time DOUBLE, final_answer VARCHAR, rlm_calls ${RLM_CALL}[])`;

/** Columns both tables start with: which session, and where it lies in the log tree. */
const KEY_COLUMNS: ColumnSpec[] = [
  { name: "session_id", type: "VARCHAR", description: "the session file's name without `.jsonl`; unique" },
  { name: "experiment", type: "VARCHAR", description: "the experiment's folder name (the experiment name made safe for a path); partition key" },
  { name: "step", type: "BIGINT", description: "the training step, from the `step_<N>` folder; partition key" },
  { name: "instance_id", type: "VARCHAR", description: "the original instance id from the metadata line (the file name's form when there is none)" },
];

/** The `sessions` table: one row per session file. */
export const SESSION_COLUMNS: readonly ColumnSpec[] = [
  ...KEY_COLUMNS,
  { name: "model", type: "VARCHAR", description: "`root_model` of the metadata line" },
  { name: "reward", type: "DOUBLE", description: "the summary's reward; null when none (unfinished, or not finite)" },
  { name: "state", type: "VARCHAR", description: "`completed`, `errored` (the summary carries an error) or `incomplete` (no summary line)" },
  { name: "forced", type: "BOOLEAN", description: "logged by `force` / `TRAJLOG_FORCE` outside the sample (the metadata's `sampling.forced`); `trajlog stats` leaves these out of its figures" },
  { name: "sampling_rate", type: "DOUBLE", description: "the sample rate the session was logged under (reweight by 1 / rate); null when unknown" },
  { name: "iterations", type: "INTEGER", description: "iteration lines read" },
  { name: "total_steps", type: "INTEGER", description: "the summary's `total_steps`; null without a summary" },
  { name: "input_tokens", type: "BIGINT", description: "root calls' `usage.prompt_tokens` plus every sub-model call's `prompt_tokens`" },
  { name: "output_tokens", type: "BIGINT", description: "root calls' `usage.completion_tokens` plus every sub-model call's `completion_tokens`" },
  { name: "started_at", type: "TIMESTAMP WITH TIME ZONE", description: "the metadata line's timestamp (else the file name's, to the second)" },
  { name: "ended_at", type: "TIMESTAMP WITH TIME ZONE", description: "the summary's timestamp, else the last iteration's, else the start" },
  { name: "duration_s", type: "DOUBLE", description: "seconds from `started_at` to `ended_at`" },
  { name: "final_answer", type: "VARCHAR", description: "the last non-null `final_answer` of an iteration (the answer of a `[label, answer]` pair)" },
  { name: "error", type: "VARCHAR", description: "the summary's error as one line (`Name: message` for an Error, else its text or JSON)" },
  { name: "dropped_lines", type: "INTEGER", description: "iteration lines the logger dropped on a full buffer (the summary's `dropped_lines`); 0 when none" },
  { name: "metadata", type: "VARCHAR", description: "the whole metadata line as JSON text (config metadata, `sampling`, `content_policy`, ...)" },
  { name: "path", type: "VARCHAR", description: "the session file's path relative to the exported log directory" },
];

/** The `iterations` table: one row per iteration line. */
export const ITERATION_COLUMNS: readonly ColumnSpec[] = [
  ...KEY_COLUMNS,
  { name: "iteration", type: "INTEGER", description: "the iteration number (1-based)" },
  { name: "timestamp", type: "TIMESTAMP WITH TIME ZONE", description: "when the iteration line was logged" },
  { name: "prompt_kept", type: "INTEGER", description: "how many leading messages of the previous iteration's prompt this prompt repeats (0 on the first iteration)" },
  { name: "prompt_new", type: `${MESSAGE}[]`, description: "the prompt's messages after those `prompt_kept`: the full prompt is the previous prompt's first `prompt_kept` messages followed by these" },
  { name: "prompt_messages", type: "INTEGER", description: "messages in the full prompt (`prompt_kept` + length of `prompt_new`)" },
  { name: "response", type: "VARCHAR", description: "the model's reply" },
  { name: "code_blocks", type: `${CODE_BLOCK}[]`, description: "each executed block: code, stdout, stderr, locals (JSON text), execution time, final answer, and its sub-model calls (`model`, `prompt` as text or JSON text, `response`, tokens, time)" },
  { name: "final_answer", type: "VARCHAR", description: "the iteration's `final_answer` (the answer of a `[label, answer]` pair); null when none" },
  { name: "prompt_tokens", type: "BIGINT", description: "`usage.prompt_tokens` of the root call; null when not recorded" },
  { name: "completion_tokens", type: "BIGINT", description: "`usage.completion_tokens` of the root call; null when not recorded" },
  { name: "iteration_time", type: "DOUBLE", description: "seconds, as logged; null when not given" },
];

/** The columns of a table. */
export function tableColumns(table: DatasetTable): readonly ColumnSpec[] {
  return table === "sessions" ? SESSION_COLUMNS : ITERATION_COLUMNS;
}

/** `{name: 'TYPE', ...}` for DuckDB's `read_json(columns = ...)`: the exporter's rows read back typed. */
export function duckdbColumnsArgument(table: DatasetTable): string {
  return `{${tableColumns(table).map((c) => `${sqlString(c.name)}: ${sqlString(c.type)}`).join(", ")}}`;
}

/** A SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A SQL identifier, quoted. */
export function sqlIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
