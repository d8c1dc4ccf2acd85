/** `trajlog export <dir>`: selected sessions as opentraces, atlas, chat messages, visualizer copies or Hub session traces. */
import { readFile, stat } from "node:fs/promises";
import type { TrajectoryRecord } from "../../read/reader.js";
import { EXPORT_FORMATS, EXPORT_FORMAT_NAMES, type ExportFormat, type ExportFormatName } from "../../export/formats.js";
import type { ExportOptions } from "../../export/options.js";
import { parsePriceTable, type PriceTable } from "../../export/prices.js";
import { redactRecord } from "../../export/redact-record.js";
import { isForced, limitedIterations, missingReward, type MissingReward } from "../../read/session-facts.js";
import { UsageError, defineCommand } from "../command.js";
import { integer, number, oneOf, text } from "../flag-values.js";
import { switchFlag, valueFlag } from "../flags.js";
import { FileTreeSink, LineSink, type ExportSink } from "../export-sinks.js";
import { oneDir } from "../positional.js";
import type { Reporter } from "../report.js";
import { PAGING_FLAGS, READ_FLAGS, SELECTION_FLAGS, SelectionRun, parseSelection, readOptions } from "../selection.js";

/** How often progress is reported on stderr. */
const PROGRESS_INTERVAL_MS = 2000;

/** Printed once at the start of every export (not under `-q`). */
export const PRIVACY_WARNING =
  "trajlog export: session content is exported raw (prompts, responses, code, outputs, locals); review it before sharing.";

/** Printed instead with `--redact`: patterns catch known secrets, not everything private. */
export const REDACTED_WARNING =
  "trajlog export: known secret patterns are redacted, the rest of the content is exported raw (prompts, responses, code, outputs, locals); review it before sharing.";

const OUTPUT = { group: "Output" } as const;

/** The reasons a session has no reward, in the order the count lists them. */
const MISSING_REWARD_ORDER: readonly MissingReward[] = ["errored", "unfinished", "no reward given"];

const FORMAT_HELP = `${EXPORT_FORMAT_NAMES.map((name) => {
  const format = EXPORT_FORMATS[name];
  const files = format.layout === "files" ? `;\n${" ".repeat(16)}one file per session under -o DIR as <experiment>/step_N/<session>.jsonl` : "";
  return `  ${name.padEnd(14)}${format.summary}${files}`;
}).join("\n")}
  parquet       a Parquet dataset (zstd) under -o DIR: tables sessions/ and iterations/,
                partitioned as experiment=<e>/step=<n>/, and a dataset card README.md.
                Exporting again into DIR rewrites only the partitions that receive sessions:
                sessions exported again are replaced, never duplicated; the rest is kept`;

/** Every `--format` value: the registry's line and file formats, and the Parquet dataset. */
const FORMAT_NAMES = [...EXPORT_FORMAT_NAMES, "parquet"] as const;

/** The `export` command. */
export const command = defineCommand({
  name: "export",
  summary: "export sessions as opentraces (default), atlas, chat messages, RLM visualizer copies or Hub session traces",
  usage: "<dir> [selection] [--format F] [-o PATH] [options]",
  description: `Exports the selected sessions under <dir> (a log directory, one experiment, or one step_N
folder), one JSON line per session, to -o FILE or stdout (rlm, hf-traces: one file per session
under -o DIR). Progress and the final count go to stderr; stdout carries only data. A file
that cannot be read is named on stderr, counted in the final line, and the exit code is 1.

Formats:
${FORMAT_HELP}

A reward is never made up. atlas and messages need one: sessions without a finite reward
(errored without one, unfinished, or finished without one) are left out and counted on
stderr with the reason; --include-unrewarded writes them, marked: atlas scores are null (not
0.0) with reward.raw.missing_reward, messages have "reward": null and "missing_reward".
Forced sessions (logged whatever the sample rate) are not part of the sample: every format
marks them (forced: true) and the final count says how many were exported.`,
  flags: {
    ...PAGING_FLAGS,
    ...SELECTION_FLAGS,
    format: valueFlag("F", oneOf(FORMAT_NAMES), `${FORMAT_NAMES.join(", ")} (see Formats above)`, {
      ...OUTPUT,
      short: "f",
      default: "opentraces" as ExportFormatName | "parquet",
    }),
    output: valueFlag("PATH", text("a file or directory path"), "output file (directory for rlm and hf-traces); - or absent: stdout", { ...OUTPUT, short: "o" }),
    "trajectory-limit": valueFlag("N", integer(1), "export at most the first N iterations of each session", OUTPUT),
    "success-threshold": valueFlag("X", number, "a reward above X counts as success (opentraces outcome.success)", { ...OUTPUT, default: 0 }),
    "include-unrewarded": switchFlag("atlas, messages: also write the sessions without a reward, marked as above", OUTPUT),
    prices: valueFlag(
      "FILE",
      text("a JSON file"),
      'opentraces: estimate metrics.estimated_cost_usd from a JSON price table,\n{"<model>": {"input_usd_per_mtok": N, "output_usd_per_mtok": N}}; without it\n(or for a model it does not price) the cost stays null',
      OUTPUT,
    ),
    redact: switchFlag("apply the logger's content policy on the way out: known secret patterns\nbecome [REDACTED:<kind>], strings over 1 MiB and lines over 8 MiB are cut", OUTPUT),
    ...READ_FLAGS,
  },
  sections: { Selection: "flags combine with AND; with none, the latest session is exported" },
  examples: [
    "trajlog export logs --all -o traces.jsonl",
    "trajlog export logs/my-exp --steps 10-20 --only-completed --format atlas > atlas.jsonl",
    "trajlog export logs --min-reward 1 --no-forced --format messages -o sft.jsonl",
    "trajlog export logs/my-exp/step_3 --all --format rlm -o viz/",
    "trajlog export logs --all --prices prices.json -o traces.jsonl",
    "trajlog export logs --all --format hf-traces -o hub-dataset/",
    "trajlog export logs --all --format parquet -o dataset/",
  ],
  async run({ flags, positionals, io, report }) {
    const dir = oneDir(positionals, "export");
    if (flags.format === "parquet") return exportDataset(dir, flags, report);
    const format = EXPORT_FORMATS[flags.format];
    const parsed = parseSelection(flags, true);
    const options: ExportOptions = {};
    if (flags["trajectory-limit"] !== undefined) options.trajectoryLimit = flags["trajectory-limit"];
    options.successThreshold = flags["success-threshold"];
    const includeUnrewarded = flags["include-unrewarded"];
    if (includeUnrewarded && !format.needsReward) {
      throw new UsageError(`--include-unrewarded applies to the formats that need a reward (atlas, messages); --format ${format.name} writes every session`);
    }
    if (flags.prices !== undefined) {
      if (format.name !== "opentraces") throw new UsageError(`--prices applies to --format opentraces (metrics.estimated_cost_usd); received --format ${format.name}`);
      options.prices = await readPrices(flags.prices);
    }
    const output = flags.output;
    if (format.layout === "files" && (output === undefined || output === "-")) {
      throw new UsageError(`--format ${format.name} writes one file per session: give the output directory with -o DIR`);
    }
    await stat(dir); // A missing directory fails here, before any output is created.
    const redact = flags.redact;

    report.note(redact ? REDACTED_WARNING : PRIVACY_WARNING);
    if (parsed.ignored.length > 0) report.note(`trajlog export: --session given; ignoring ${parsed.ignored.join(", ")}`);
    const selection = new SelectionRun(dir, parsed, report, readOptions(flags));
    const sink: ExportSink = format.layout === "files" ? await FileTreeSink.open(output as string) : await LineSink.open(output, io);
    const counts = { iterations: 0, noIterations: 0, badLines: 0, badFiles: 0, redactions: 0, truncations: 0, forced: 0 };
    const unrewarded = new Map<MissingReward, number>();
    const unpriced = { sessions: 0, models: new Set<string>() };
    let sessions = 0;
    let lastProgress = Date.now();
    try {
      for await (const read of selection.records()) {
        let record = read;
        if (redact) {
          const cleaned = redactRecord(read);
          record = cleaned.record;
          counts.redactions += cleaned.redactions;
          counts.truncations += cleaned.truncations;
          options.redactionsApplied = cleaned.redactions;
        }
        if (record.problems.length > 0) {
          counts.badLines += record.problems.length;
          counts.badFiles++;
          const first = record.problems[0];
          report.problem(
            `warning: ${record.ref?.relPath ?? record.path}: skipped ${record.problems.length} corrupt line${record.problems.length === 1 ? "" : "s"} (line ${first?.line}: ${first?.message})`,
          );
        }
        const reason = format.needsReward ? missingReward(record) : null;
        if (reason !== null && !includeUnrewarded) {
          unrewarded.set(reason, (unrewarded.get(reason) ?? 0) + 1);
          continue;
        }
        const text = format.render(record, options);
        if (text === null) {
          counts.noIterations++;
          continue;
        }
        await sink.write(record, text);
        sessions++;
        counts.iterations += limitedIterations(record, options.trajectoryLimit).length;
        if (isForced(record)) counts.forced++;
        if (options.prices !== undefined) notePrices(record, options.prices, unpriced);
        if (Date.now() - lastProgress >= PROGRESS_INTERVAL_MS) {
          lastProgress = Date.now();
          report.note(`exported ${sessions} sessions, ${counts.iterations} iterations...`);
        }
        if (sink.stopped) break;
      }
    } finally {
      await sink.close();
    }
    selection.finish();
    reportUnrewarded(report, format, unrewarded);
    if (counts.noIterations > 0) {
      report.note(`${counts.noIterations} session${counts.noIterations === 1 ? "" : "s"} without iterations left out (nothing to write as messages)`);
    }
    if (counts.badLines > 0) {
      report.problem(
        `Skipped ${counts.badLines} corrupt line${counts.badLines === 1 ? "" : "s"} in ${counts.badFiles} session${counts.badFiles === 1 ? "" : "s"} (trajlog validate lists them)`,
      );
    }
    if (redact) {
      report.note(`Redacted ${counts.redactions} secret${counts.redactions === 1 ? "" : "s"}, truncated ${counts.truncations} field${counts.truncations === 1 ? "" : "s"}`);
    }
    if (format.name === "opentraces" && sessions > 0) {
      if (options.prices === undefined) report.note("estimated_cost_usd left null: no price table given (--prices FILE)");
      else if (unpriced.sessions > 0) {
        report.note(`estimated_cost_usd left null in ${plural(unpriced.sessions, "session")}: the --prices table has no price for ${[...unpriced.models].sort().join(", ")}`);
      }
    }
    if (counts.forced > 0) {
      report.note(`${plural(counts.forced, "exported session")} forced (logged whatever the sample rate, not part of the sample): marked forced: true`);
    }
    const done = `Exported ${plural(sessions, "session")} (${plural(counts.iterations, "iteration")}) to ${sink.label}`;
    if (selection.unreadable === 0) {
      report.note(done);
      return 0;
    }
    report.problem(selection.leftOut(done));
    return 1;
  },
});

/** Reads and checks `--prices FILE`; a bad file is a usage error naming what is wrong. */
async function readPrices(file: string): Promise<PriceTable> {
  const json = await readFile(file, "utf8");
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new UsageError(`--prices ${file}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  try {
    return parsePriceTable(value, `--prices ${file}`);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** Counts a session whose cost stays null because some of its models have no price. */
function notePrices(record: TrajectoryRecord, prices: PriceTable, unpriced: { sessions: number; models: Set<string> }): void {
  const models = new Set<string>();
  const root = record.metadata?.root_model;
  for (const iteration of record.iterations) {
    if (iteration.usage !== undefined && (root === undefined || !Object.hasOwn(prices, root))) models.add(root ?? "(no model name)");
    for (const block of iteration.code_blocks) {
      for (const call of block.result.rlm_calls) if (!Object.hasOwn(prices, call.root_model)) models.add(call.root_model);
    }
  }
  if (models.size === 0) return;
  unpriced.sessions++;
  for (const model of models) unpriced.models.add(model);
}

/** "left out 4 sessions without a reward: 3 errored, 1 unfinished (...)". */
function reportUnrewarded(report: Reporter, format: ExportFormat, counts: ReadonlyMap<MissingReward, number>): void {
  let total = 0;
  for (const n of counts.values()) total += n;
  if (total === 0) return;
  const reasons = MISSING_REWARD_ORDER.filter((r) => (counts.get(r) ?? 0) > 0).map((r) => `${counts.get(r)} ${r}`);
  const marked = format.name === "atlas" ? "score null" : '"reward": null';
  report.note(`left out ${plural(total, "session")} without a reward: ${reasons.join(", ")} (--include-unrewarded writes them, marked with ${marked} and missing_reward)`);
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/**
 * `--format parquet`: the selected sessions into a dataset folder (see
 * `src/dataset/parquet-writer.ts` for the layout and the re-export rule).
 */
async function exportDataset(
  dir: string,
  flags: Record<string, unknown>,
  report: Reporter,
): Promise<number> {
  const output = flags.output as string | undefined;
  if (output === undefined || output === "-") throw new UsageError("--format parquet writes files: give the output directory with -o DIR");
  for (const flag of ["trajectory-limit", "prices"]) {
    if (flags[flag] !== undefined) throw new UsageError(`--${flag} does not apply to --format parquet (the dataset holds every iteration and the token counts)`);
  }
  await stat(dir);
  const redact = flags.redact === true;
  report.note(redact ? REDACTED_WARNING : PRIVACY_WARNING);
  const parsed = parseSelection(flags as never, true);
  if (parsed.ignored.length > 0) report.note(`trajlog export: --session given; ignoring ${parsed.ignored.join(", ")}`);
  const limits = readOptions(flags as never);
  // Loaded here, so that the other formats never load DuckDB.
  const { DatasetWriter } = await import("../../dataset/parquet-writer.js");
  const { ReadPool } = await import("../../dataset/read-pool.js");
  const { prepareSession } = await import("../../dataset/prepared-session.js");
  const writer = await DatasetWriter.open(output);
  // Files are read and turned into rows on worker threads where they can run.
  const pool = ReadPool.open({ ...limits, redact });
  const selection = new SelectionRun(dir, parsed, report, pool === null ? limits : { ...limits, readFile: pool.readFile, readAhead: pool.readAhead });
  let sessions = 0;
  let iterations = 0;
  try {
    for await (const record of selection.records()) {
      if (record.problems.length > 0) {
        report.problem(`warning: ${record.ref?.relPath ?? record.path}: skipped ${plural(record.problems.length, "corrupt line")} (line ${record.problems[0]?.line}: ${record.problems[0]?.message})`);
      }
      const prepared = pool?.take(record) ?? prepareSession(redact ? redactRecord(record).record : record);
      await writer.addPrepared(prepared);
      sessions++;
      iterations += prepared.iterationCount;
    }
  } catch (error) {
    await writer.abort().catch(() => undefined);
    throw error;
  } finally {
    await pool?.close();
  }
  const r = await writer.close();
  selection.finish();
  const done = `Exported ${plural(sessions, "session")} (${plural(iterations, "iteration")}) to ${output}`;
  const t = r.total;
  const summary =
    `Wrote ${plural(r.partitions, "partition")}` +
    (r.replaced > 0 ? `, replacing ${plural(r.replaced, "session")} already in the dataset` : "") +
    `; the dataset now holds ${t.sessions} sessions, ${t.iterations} iterations in ${plural(t.steps, "partition")}`;
  if (selection.unreadable === 0) {
    report.note(done);
    report.note(summary);
    return 0;
  }
  report.problem(selection.leftOut(done));
  report.note(summary);
  return 1;
}
