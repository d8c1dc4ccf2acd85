/**
 * SQL views `sessions` and `iterations` over a raw log tree, read by DuckDB's JSON reader where
 * the files lie, with the same columns as the exported dataset's tables (`schema.ts`), so one
 * query runs on either.
 *
 * The facts are the reader's and `session-facts`' rules written in SQL, and the tests hold the
 * two to agreeing on the same tree (views against `trajlog stats` and against the export).
 * What only the reader does: lines that are JSON but break a line schema are skipped by
 * `readSession` (and listed by `trajlog validate`), while the views still read what they can of
 * them; lines that are not JSON at all (a torn last line) are skipped by both.
 *
 * Prompts: an iteration line holds its whole prompt, or (`prompts: "delta"`) its
 * `prompt_delta`; the views give `prompt_kept` and `prompt_new` as the export does: by
 * comparing each whole prompt with the previous iteration's, or straight from the delta,
 * which says exactly that.
 * Every way a line can spell its prompt is decoded in one place, {@link PROMPT_MESSAGES_SQL},
 * so another encoding is one more branch there.
 */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { sqlString } from "./schema.js";

/** The fields every view reads of a line: its type, identity, sampling and place. */
const LINE_HEAD = {
  type: "VARCHAR",
  timestamp: "VARCHAR",
  root_model: "VARCHAR",
  instance_id: "VARCHAR",
  sampling: { rate: "DOUBLE", forced: "BOOLEAN" },
  iteration: "INTEGER",
};

/**
 * What a line can hold, as a `json_transform` structure: the union of the three line types'
 * fields, typed. A value of another type reads as null; free-form values stay JSON.
 */
const LINE_STRUCTURE = {
  ...LINE_HEAD,
  prompt: "JSON",
  prompt_delta: "JSON",
  response: "VARCHAR",
  code_blocks: [
    {
      code: "VARCHAR",
      result: {
        stdout: "VARCHAR",
        stderr: "VARCHAR",
        locals: "JSON",
        execution_time: "DOUBLE",
        final_answer: "VARCHAR",
        rlm_calls: [
          { root_model: "VARCHAR", prompt: "JSON", response: "VARCHAR", prompt_tokens: "BIGINT", completion_tokens: "BIGINT", execution_time: "DOUBLE" },
        ],
      },
    },
  ],
  final_answer: "JSON",
  iteration_time: "DOUBLE",
  usage: { prompt_tokens: "BIGINT", completion_tokens: "BIGINT" },
  reward: "DOUBLE",
  total_steps: "INTEGER",
  error: "JSON",
  dropped_lines: "INTEGER",
};

/**
 * What the `sessions` view needs of a line: {@link LINE_STRUCTURE} without the texts (prompts,
 * responses, code, outputs), so that counting and summing per file does not copy them.
 */
const SESSION_LINE_STRUCTURE = {
  ...LINE_HEAD,
  code_blocks: [{ result: { rlm_calls: [{ prompt_tokens: "BIGINT", completion_tokens: "BIGINT" }] } }],
  final_answer: "JSON",
  usage: { prompt_tokens: "BIGINT", completion_tokens: "BIGINT" },
  reward: "DOUBLE",
  total_steps: "INTEGER",
  error: "JSON",
  dropped_lines: "INTEGER",
};

/** Lines longer than this are not read by the views (the logger's default cap is 8 MiB). */
export const RAW_MAX_LINE_BYTES = 64 * 1024 * 1024;

/** How the session files of a directory are found, and what their paths say. */
export interface RawTree {
  /** The glob of its session files. */
  glob: string;
  /** SQL giving the experiment folder's name, from the column `filename`. */
  experiment: string;
  /** SQL giving the training step, from `filename`. */
  step: string;
  /** SQL that is true for files the reader would take (step folders named exactly `step_<N>`). */
  keep: string;
  /** The directory, absolute, ending with a separator: stripped from `filename` to give `path`. */
  prefix: string;
}

/**
 * How `dir` is laid out, decided as `scanSessions` decides: a log directory (experiments, then
 * `step_<N>`), one experiment's folder, or one step's folder (or any folder of `.jsonl` files).
 */
export async function rawTree(dir: string): Promise<RawTree> {
  const root = path.resolve(dir);
  const prefix = root.endsWith(path.sep) ? root : `${root}${path.sep}`;
  const entries = await readdir(root, { withFileTypes: true });
  const stepOf = /^step_(\d+)$/.exec(path.basename(root));
  const fromPath = (group: number, cast: string) =>
    `regexp_extract(filename, '([^/]+)/step_([0-9]+)/[^/]+$', ${group})${cast}`;
  const stepFolder = `regexp_matches(filename, '/step_[0-9]+/[^/]+$')`;
  if (stepOf !== null || entries.some((e) => e.isFile() && e.name.endsWith(".jsonl"))) {
    return {
      glob: path.join(root, "*.jsonl"),
      experiment: sqlString(path.basename(path.dirname(root))),
      step: String(stepOf !== null ? Number(stepOf[1]) : 0),
      keep: "true",
      prefix,
    };
  }
  if (entries.some((e) => e.isDirectory() && /^step_\d+$/.test(e.name))) {
    return { glob: path.join(root, "step_*", "*.jsonl"), experiment: sqlString(path.basename(root)), step: fromPath(2, "::BIGINT"), keep: stepFolder, prefix };
  }
  return { glob: path.join(root, "*", "step_*", "*.jsonl"), experiment: fromPath(1, ""), step: fromPath(2, "::BIGINT"), keep: stepFolder, prefix };
}

/**
 * The prompt of an iteration line as a list of `{role, content}`, from the JSON it was
 * written as: an array of messages (contents as text, or as arrays of parts joined by a
 * newline, each part's `text` or else its JSON), or one string (one user message).
 * This is where another prompt encoding would be decoded.
 */
export const PROMPT_MESSAGES_SQL = `CASE json_type(prompt)
    WHEN 'VARCHAR' THEN [{'role': 'user', 'content': prompt ->> '$'}]
    WHEN 'ARRAY' THEN list_transform(CAST(prompt AS JSON[]), m -> CASE json_type(m)
      WHEN 'VARCHAR' THEN {'role': 'user', 'content': m ->> '$'}
      ELSE {'role': m ->> '$.role', 'content': CASE json_type(m, '$.content')
        WHEN 'VARCHAR' THEN m ->> '$.content'
        WHEN 'ARRAY' THEN array_to_string(list_transform(CAST(m -> '$.content' AS JSON[]),
          p -> CASE WHEN json_type(p) = 'VARCHAR' THEN p ->> '$' WHEN json_type(p, '$.text') = 'VARCHAR' THEN p ->> '$.text' ELSE p::VARCHAR END), chr(10))
        ELSE (m -> '$.content')::VARCHAR END}
      END)
  END`;

/** A `final_answer` (text or `[label, answer]`) as text, as `answerText` gives it. */
const answerSql = (column: string) =>
  `CASE json_type(${column}) WHEN 'VARCHAR' THEN ${column} ->> '$' WHEN 'ARRAY' THEN ${column} ->> '$[1]' END`;

/** A summary's `error` as one line, as `errorText` gives it. */
const ERROR_TEXT_SQL = `CASE
    WHEN error IS NULL THEN NULL
    WHEN json_type(error) = 'VARCHAR' THEN error ->> '$'
    WHEN json_type(error) = 'OBJECT' AND json_type(error, '$.message') = 'VARCHAR' THEN
      CASE WHEN json_type(error, '$.name') = 'VARCHAR' THEN (error ->> '$.name') || ': ' || (error ->> '$.message') ELSE error ->> '$.message' END
    ELSE error::VARCHAR
  END`;

/** Tokens of one iteration line: the root call's usage plus its code blocks' sub-model calls. */
const tokensSql = (usageField: string, callField: string) =>
  `coalesce(usage.${usageField}, 0) + coalesce(list_sum(list_transform(code_blocks, b -> coalesce(list_sum(list_transform(b.result.rlm_calls, c -> c.${callField})), 0))), 0)`;

/** The statements that create the views `sessions` and `iterations` over the tree. */
export function rawViewStatements(tree: RawTree): string[] {
  const sessionId = `regexp_extract(filename, '([^/]+)\\.jsonl$', 1)`;
  // Each line as JSON text (the metadata column keeps it whole), typed by one transform per use:
  // the per-file facts behind `sessions` take the lean structure, `iterations` the whole one.
  const lines = (structure: object) => `SELECT filename, json AS line_json, unnest(json_transform(json, ${sqlString(JSON.stringify(structure))})),
      ${sessionId} AS session_id,
      ${tree.experiment} AS experiment,
      ${tree.step} AS step,
      substr(filename, ${tree.prefix.length + 1}) AS path
    FROM read_ndjson_objects(${sqlString(tree.glob)}, filename = true, ignore_errors = true, maximum_object_size = ${RAW_MAX_LINE_BYTES})
    WHERE ${tree.keep}`;
  const fileNameInstance = `nullif(regexp_extract(session_id, '^(.*)_[0-9]{8}_[0-9]{6}_[0-9A-Za-z]+$', 1), '')`;
  const fileNameStart = `try_strptime(regexp_extract(session_id, '_([0-9]{8}_[0-9]{6})_[0-9A-Za-z]+$', 1), '%Y%m%d_%H%M%S')`;
  return [
    `CREATE OR REPLACE TEMP VIEW trajlog_lines AS SELECT * FROM (${lines(LINE_STRUCTURE)}) WHERE type IN ('metadata', 'iteration', 'summary')`,
    `CREATE OR REPLACE TEMP VIEW trajlog_session_lines AS SELECT * FROM (${lines(SESSION_LINE_STRUCTURE)}) WHERE type IN ('metadata', 'iteration', 'summary')`,
    // One row per file: the metadata line's fields, the summary's, and sums over iterations.
    `CREATE OR REPLACE TEMP VIEW trajlog_files AS
    SELECT session_id, experiment, step, path, filename,
      first(instance_id) FILTER (WHERE type = 'metadata') AS meta_instance,
      first(root_model) FILTER (WHERE type = 'metadata') AS model,
      first(sampling) FILTER (WHERE type = 'metadata') AS sampling,
      first(timestamp) FILTER (WHERE type = 'metadata') AS meta_timestamp,
      first(line_json) FILTER (WHERE type = 'metadata') AS metadata,
      count(*) FILTER (WHERE type = 'summary') > 0 AS has_summary,
      last(reward) FILTER (WHERE type = 'summary') AS reward,
      last(total_steps) FILTER (WHERE type = 'summary') AS total_steps,
      last(error) FILTER (WHERE type = 'summary') AS error,
      last(dropped_lines) FILTER (WHERE type = 'summary') AS dropped_lines,
      last(timestamp) FILTER (WHERE type = 'summary') AS summary_timestamp,
      count(*) FILTER (WHERE type = 'iteration') AS iterations,
      sum(${tokensSql("prompt_tokens", "prompt_tokens")}) FILTER (WHERE type = 'iteration') AS input_tokens,
      sum(${tokensSql("completion_tokens", "completion_tokens")}) FILTER (WHERE type = 'iteration') AS output_tokens,
      arg_max(timestamp, iteration) FILTER (WHERE type = 'iteration') AS last_iteration_timestamp,
      arg_max(${answerSql("final_answer")}, iteration) FILTER (WHERE type = 'iteration' AND ${answerSql("final_answer")} IS NOT NULL) AS final_answer
    FROM trajlog_session_lines
    GROUP BY ALL`,
    `CREATE OR REPLACE TEMP VIEW sessions AS
    SELECT f.session_id, f.experiment, f.step,
      coalesce(f.meta_instance, ${fileNameInstance.replaceAll("session_id", "f.session_id")}, f.session_id) AS instance_id,
      f.model,
      CASE WHEN f.has_summary THEN f.reward END AS reward,
      CASE WHEN NOT f.has_summary THEN 'incomplete' WHEN f.error IS NOT NULL THEN 'errored' ELSE 'completed' END AS state,
      coalesce(f.sampling.forced, false) AS forced,
      f.sampling.rate AS sampling_rate,
      f.iterations::INTEGER AS iterations,
      f.total_steps,
      coalesce(f.input_tokens, 0)::BIGINT AS input_tokens,
      coalesce(f.output_tokens, 0)::BIGINT AS output_tokens,
      t.started_at,
      t.ended_at,
      (epoch_ms(t.ended_at) - epoch_ms(t.started_at)) / 1000 AS duration_s,
      f.final_answer,
      ${ERROR_TEXT_SQL.replaceAll("error", "f.error")} AS error,
      coalesce(f.dropped_lines, 0) AS dropped_lines,
      f.metadata::VARCHAR AS metadata,
      f.path
    FROM trajlog_files f,
      LATERAL (SELECT
        coalesce(try_cast(f.meta_timestamp AS TIMESTAMPTZ), ${fileNameStart.replaceAll("session_id", "f.session_id")}::TIMESTAMPTZ) AS started_at,
        coalesce(try_cast(f.summary_timestamp AS TIMESTAMPTZ), try_cast(f.last_iteration_timestamp AS TIMESTAMPTZ),
          try_cast(f.meta_timestamp AS TIMESTAMPTZ), ${fileNameStart.replaceAll("session_id", "f.session_id")}::TIMESTAMPTZ) AS ended_at
      ) t`,
    `CREATE OR REPLACE TEMP VIEW iterations AS
    WITH lines AS (
      SELECT *, max(CASE WHEN type = 'metadata' THEN instance_id END) OVER (PARTITION BY filename) AS meta_instance
      FROM trajlog_lines
    ), prompts AS (
      SELECT session_id, experiment, step, filename, meta_instance, iteration, timestamp, response, code_blocks, final_answer, usage, iteration_time,
        ${PROMPT_MESSAGES_SQL} AS prompt_messages_list,
        CASE WHEN prompt_delta IS NOT NULL THEN (prompt_delta ->> '$.keep')::INTEGER END AS delta_keep,
        ${PROMPT_MESSAGES_SQL.replaceAll("prompt", "(prompt_delta -> '$.append')")} AS delta_append
      FROM lines WHERE type = 'iteration'
    ), paired AS (
      SELECT *, lag(prompt_messages_list) OVER (PARTITION BY filename ORDER BY iteration) AS previous_prompt FROM prompts
    ), kept AS (
      SELECT *, coalesce(
        list_position(list_transform(range(1, least(len(prompt_messages_list), len(coalesce(previous_prompt, []))) + 1),
          i -> prompt_messages_list[i] = previous_prompt[i]), false) - 1,
        least(len(prompt_messages_list), len(coalesce(previous_prompt, [])))) AS prompt_kept
      FROM paired
    )
    SELECT k.session_id, k.experiment, k.step,
      coalesce(k.meta_instance, ${fileNameInstance.replaceAll("session_id", "k.session_id")}, k.session_id) AS instance_id,
      k.iteration,
      try_cast(k.timestamp AS TIMESTAMPTZ) AS timestamp,
      coalesce(k.delta_keep, k.prompt_kept)::INTEGER AS prompt_kept,
      CASE WHEN k.delta_keep IS NOT NULL THEN k.delta_append ELSE k.prompt_messages_list[k.prompt_kept + 1:] END AS prompt_new,
      CASE WHEN k.delta_keep IS NOT NULL THEN k.delta_keep + len(k.delta_append) ELSE len(k.prompt_messages_list) END::INTEGER AS prompt_messages,
      k.response,
      list_transform(k.code_blocks, b -> {
        'code': b.code, 'stdout': b.result.stdout, 'stderr': b.result.stderr, 'locals': b.result.locals::VARCHAR,
        'execution_time': b.result.execution_time, 'final_answer': b.result.final_answer,
        'rlm_calls': list_transform(b.result.rlm_calls, c -> {
          'model': c.root_model,
          'prompt': CASE WHEN json_type(c.prompt) = 'VARCHAR' THEN c.prompt ->> '$' ELSE c.prompt::VARCHAR END,
          'response': c.response, 'prompt_tokens': c.prompt_tokens, 'completion_tokens': c.completion_tokens,
          'execution_time': c.execution_time})}) AS code_blocks,
      ${answerSql("k.final_answer")} AS final_answer,
      k.usage.prompt_tokens AS prompt_tokens,
      k.usage.completion_tokens AS completion_tokens,
      k.iteration_time
    FROM kept k`,
  ];
}
