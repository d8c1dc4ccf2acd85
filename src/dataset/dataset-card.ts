/**
 * The dataset card, `OUT/README.md`: YAML front matter with the Hugging Face `configs` of both
 * tables (so the folder can be pushed to the Hub as it is), then what the dataset holds, its
 * schema (from `schema.ts`), the re-export rule and how to read it.
 */
import { DATASET_SCHEMA_VERSION, DATASET_TABLES, tableColumns, type DatasetTable } from "./schema.js";

/** What the card states about the dataset. */
export interface DatasetCardFacts {
  total: { sessions: number; iterations: number; experiments: number; steps: number };
  /** The trajlog version that wrote it. */
  version: string;
}

const TABLE_PURPOSE: Record<DatasetTable, string> = {
  sessions: "one row per session (rollout): outcome, reward, tokens, timing, final answer, error, metadata",
  iterations: "one row per iteration (REPL step) of every session: new prompt messages, response, code blocks with their output, usage",
};

/** The card's text. */
export function datasetCard(facts: DatasetCardFacts): string {
  const { total } = facts;
  const frontMatter = [
    "---",
    "configs:",
    ...DATASET_TABLES.flatMap((table, i) => [
      `- config_name: ${table}`,
      ...(i === 0 ? ["  default: true"] : []),
      "  data_files:",
      "  - split: train",
      `    path: ${table}/*/*/*.parquet`,
    ]),
    "tags:",
    "- trajlog",
    "- reinforcement-learning",
    "- trajectories",
    "---",
  ];
  const schema = DATASET_TABLES.flatMap((table) => [
    `### \`${table}\``,
    "",
    `${TABLE_PURPOSE[table]}.`,
    "",
    "| column | type | meaning |",
    "|---|---|---|",
    ...tableColumns(table).map((c) => `| \`${c.name}\` | \`${c.type}\` | ${c.description.replaceAll("|", "\\|")} |`),
    "",
  ]);
  return `${[
    ...frontMatter,
    "",
    "# Trajectories exported by trajlog",
    "",
    `${total.sessions} sessions and ${total.iterations} iterations, from ${total.experiments} experiment${total.experiments === 1 ? "" : "s"} and ${total.steps} (experiment, step) partition${total.steps === 1 ? "" : "s"}, written by \`trajlog export --format parquet\` (trajlog ${facts.version}, dataset schema version ${DATASET_SCHEMA_VERSION}).`,
    "",
    "## Layout",
    "",
    "Two tables, Parquet with zstd compression, partitioned the Hive way by experiment and training step:",
    "",
    "```",
    ...DATASET_TABLES.map((t) => `${t}/experiment=<experiment>/step=<step>/part-0.parquet`),
    "```",
    "",
    "Every file also holds `experiment` and `step` as columns, so a reader that ignores the folder names loses nothing.",
    "Each file's key-value metadata names its table and the schema version (`trajlog_table`, `trajlog_schema_version`).",
    "",
    "Exporting again into this folder rewrites only the partitions that receive sessions: each becomes the sessions exported then,",
    "plus the rows already there whose `session_id` was not exported again. A session exported twice is replaced, never duplicated.",
    "",
    "## Schema",
    "",
    ...schema,
    "## Reading it",
    "",
    "```sql",
    "-- DuckDB",
    "SELECT step, avg(reward), sum(input_tokens + output_tokens)",
    "FROM read_parquet('sessions/*/*/*.parquet') GROUP BY step ORDER BY step;",
    "```",
    "",
    "```python",
    "from datasets import load_dataset",
    'sessions = load_dataset("path/or/hub-id", "sessions", split="train")',
    'iterations = load_dataset("path/or/hub-id", "iterations", split="train")',
    "```",
    "",
    "`trajlog query <this folder> \"SQL\"` runs SQL over both tables as `sessions` and `iterations`.",
  ].join("\n")}\n`;
}
