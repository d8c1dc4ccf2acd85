/** `trajlog export <dir>`: selected sessions as opentraces, atlas, chat messages, or visualizer copies. */
import { mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { TrajectoryRecord } from "../../reader.js";
import { atlasJson, toAtlas } from "../../export/atlas.js";
import { toMessages } from "../../export/messages.js";
import { toOpenTraces } from "../../export/opentraces.js";
import type { ExportOptions } from "../../export/options.js";
import { redactRecord } from "../../export/redact-record.js";
import { toRlmText } from "../../export/rlm.js";
import { limitedIterations } from "../../internal/session-facts.js";
import { UsageError, defineCommand, type CommandIO } from "../command.js";
import { integer, number, oneOf, text } from "../flag-values.js";
import { switchFlag, valueFlag } from "../flags.js";
import { TextOutput } from "../output.js";
import { oneDir } from "../positional.js";
import { PAGING_FLAGS, READ_FLAGS, SELECTION_FLAGS, SelectionRun, parseSelection, readOptions } from "../selection.js";

const FORMATS = ["opentraces", "atlas", "messages", "rlm"] as const;
type Format = (typeof FORMATS)[number];

/** How often progress is reported on stderr. */
const PROGRESS_INTERVAL_MS = 2000;

/** Printed once at the start of every export (not under `-q`). */
export const PRIVACY_WARNING =
  "trajlog export: session content is exported raw (prompts, responses, code, outputs, locals); review it before sharing.";

/** Printed instead with `--redact`: patterns catch known secrets, not everything private. */
export const REDACTED_WARNING =
  "trajlog export: known secret patterns are redacted, the rest of the content is exported raw (prompts, responses, code, outputs, locals); review it before sharing.";

const OUTPUT = { group: "Output" } as const;

/** The `export` command. */
export const command = defineCommand({
  name: "export",
  summary: "export sessions as opentraces (default), atlas, chat messages, or RLM visualizer copies",
  usage: "<dir> [selection] [--format F] [-o PATH] [options]",
  description: `Exports the selected sessions under <dir> (a log directory, one experiment, or one step_N
folder), one JSON line per session, to -o FILE or stdout. Progress and the final count go to
stderr; stdout carries only data. A file that cannot be read is named on stderr, counted in
the final line, and the exit code is 1.

Formats:
  opentraces    opentraces TraceRecord, schema 0.3.0
  atlas         AtlasSessionTrace, as the ATLAS trainers' load_runtime_traces reads it
  messages      {"messages": [...], "reward", "session_id"}: last prompt + last response
  rlm           copies the RLM visualizer loads, written under -o DIR as
                <experiment>/step_N/<session>.jsonl (no summary line)`,
  flags: {
    ...PAGING_FLAGS,
    ...SELECTION_FLAGS,
    format: valueFlag("F", oneOf(FORMATS), "opentraces, atlas, messages or rlm (see Formats above)", { ...OUTPUT, short: "f", default: "opentraces" as Format }),
    output: valueFlag("PATH", text("a file or directory path"), "output file (directory for --format rlm); - or absent: stdout", { ...OUTPUT, short: "o" }),
    "trajectory-limit": valueFlag("N", integer(1), "export at most the first N iterations of each session", OUTPUT),
    "success-threshold": valueFlag("X", number, "a reward above X counts as success (opentraces outcome.success)", { ...OUTPUT, default: 0 }),
    redact: switchFlag("apply the logger's content policy on the way out: known secret patterns\nbecome [REDACTED:<kind>], strings over 1 MiB and lines over 8 MiB are cut", OUTPUT),
    ...READ_FLAGS,
  },
  sections: { Selection: "flags combine with AND; with none, the latest session is exported" },
  examples: [
    "trajlog export logs --all -o traces.jsonl",
    "trajlog export logs/my-exp --steps 10-20 --only-completed --format atlas > atlas.jsonl",
    "trajlog export logs --min-reward 1 --no-forced --format messages -o sft.jsonl",
    "trajlog export logs/my-exp/step_3 --all --format rlm -o viz/",
  ],
  async run({ flags, positionals, io, report }) {
    const dir = oneDir(positionals, "export");
    const format = flags.format;
    const parsed = parseSelection(flags, true);
    const options: ExportOptions = {};
    if (flags["trajectory-limit"] !== undefined) options.trajectoryLimit = flags["trajectory-limit"];
    options.successThreshold = flags["success-threshold"];
    const output = flags.output;
    if (format === "rlm" && (output === undefined || output === "-")) {
      throw new UsageError("--format rlm writes files: give the output directory with -o DIR");
    }
    await stat(dir); // A missing directory fails here, before any output is created.
    const redact = flags.redact;

    report.note(redact ? REDACTED_WARNING : PRIVACY_WARNING);
    if (parsed.ignored.length > 0) report.note(`trajlog export: --session given; ignoring ${parsed.ignored.join(", ")}`);
    const selection = new SelectionRun(dir, parsed, report, readOptions(flags));
    const sink = format === "rlm" ? await RlmSink.open(output as string) : await LineSink.open(format, output, io);
    const counts = { iterations: 0, noIterations: 0, badLines: 0, badFiles: 0, redactions: 0, truncations: 0 };
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
        const written = await sink.write(record, options);
        if (!written) {
          counts.noIterations++;
          continue;
        }
        sessions++;
        counts.iterations += limitedIterations(record, options.trajectoryLimit).length;
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
    const done = `Exported ${sessions} session${sessions === 1 ? "" : "s"} (${counts.iterations} iteration${counts.iterations === 1 ? "" : "s"}) to ${sink.label}`;
    if (selection.unreadable === 0) {
      report.note(done);
      return 0;
    }
    report.problem(selection.leftOut(done));
    return 1;
  },
});

type LineFormat = Exclude<Format, "rlm">;

interface Sink {
  readonly label: string;
  /** True when nobody reads the output any more. */
  readonly stopped: boolean;
  /** Writes one session; false when the format has nothing to write for it. */
  write(record: TrajectoryRecord, options: ExportOptions): Promise<boolean>;
  close(): Promise<void>;
}

/** One JSON line per session, to a file or stdout. */
class LineSink implements Sink {
  private constructor(
    readonly format: LineFormat,
    readonly output: TextOutput,
  ) {}

  static async open(format: LineFormat, file: string | undefined, io: CommandIO): Promise<LineSink> {
    return new LineSink(format, await TextOutput.open(file, io.stdout));
  }

  get label(): string {
    return this.output.label;
  }

  get stopped(): boolean {
    return this.output.closedByReader;
  }

  async write(record: TrajectoryRecord, options: ExportOptions): Promise<boolean> {
    let line: string;
    if (this.format === "opentraces") line = JSON.stringify(toOpenTraces(record, options));
    else if (this.format === "atlas") line = atlasJson(toAtlas(record, options));
    else {
      const messages = toMessages(record, options);
      if (messages === null) return false;
      line = JSON.stringify(messages);
    }
    await this.output.write(`${line}\n`);
    return true;
  }

  close(): Promise<void> {
    return this.output.close();
  }
}

/** Visualizer copies under a directory mirroring `<experiment>/step_N/`. */
class RlmSink implements Sink {
  readonly stopped = false;
  readonly #made = new Set<string>();
  /** Files being written; a few at once so the disk works while the next session is read. */
  readonly #pending = new Set<Promise<void>>();
  #error: Error | null = null;

  private constructor(readonly label: string) {}

  static async open(dir: string): Promise<RlmSink> {
    await mkdir(dir, { recursive: true });
    return new RlmSink(dir);
  }

  async write(record: TrajectoryRecord, options: ExportOptions): Promise<boolean> {
    const experiment = record.ref?.experiment ?? "default";
    const step = record.ref?.trainingStep ?? record.metadata?.training_step ?? 0;
    const folder = path.join(this.label, experiment, `step_${step}`);
    if (!this.#made.has(folder)) {
      await mkdir(folder, { recursive: true });
      this.#made.add(folder);
    }
    while (this.#pending.size >= MAX_PENDING_FILES) await Promise.race(this.#pending);
    if (this.#error !== null) throw this.#error;
    const done: Promise<void> = writeFile(path.join(folder, `${record.sessionId}.jsonl`), toRlmText(record, options))
      .catch((error: unknown) => {
        this.#error ??= error instanceof Error ? error : new Error(String(error));
      })
      .finally(() => this.#pending.delete(done));
    this.#pending.add(done);
    return true;
  }

  async close(): Promise<void> {
    await Promise.all(this.#pending);
    if (this.#error !== null) throw this.#error;
  }
}

/** Copies written at once by `--format rlm`. */
const MAX_PENDING_FILES = 4;
