/**
 * Where `trajlog export` writes: one JSON line per session to a file or stdout, or one file
 * per session under a directory mirroring `<experiment>/step_N/`.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { TrajectoryRecord } from "../read/reader.js";
import type { CommandIO } from "./command.js";
import { TextOutput } from "./output.js";

/** Receives each session's rendered text. */
export interface ExportSink {
  /** Where the output goes, for the final count. */
  readonly label: string;
  /** True when nobody reads the output any more. */
  readonly stopped: boolean;
  write(record: TrajectoryRecord, text: string): Promise<void>;
  close(): Promise<void>;
}

/** One JSON line per session, to a file or stdout. */
export class LineSink implements ExportSink {
  private constructor(readonly output: TextOutput) {}

  static async open(file: string | undefined, io: CommandIO): Promise<LineSink> {
    return new LineSink(await TextOutput.open(file, io.stdout));
  }

  get label(): string {
    return this.output.label;
  }

  get stopped(): boolean {
    return this.output.closedByReader;
  }

  write(_record: TrajectoryRecord, line: string): Promise<void> {
    return this.output.write(`${line}\n`);
  }

  close(): Promise<void> {
    return this.output.close();
  }
}

/** One file per session under a directory, as `<experiment>/step_N/<session>.jsonl`. */
export class FileTreeSink implements ExportSink {
  readonly stopped = false;
  readonly #made = new Set<string>();
  /** Files being written; a few at once so the disk works while the next session is read. */
  readonly #pending = new Set<Promise<void>>();
  #error: Error | null = null;

  private constructor(readonly label: string) {}

  static async open(dir: string): Promise<FileTreeSink> {
    await mkdir(dir, { recursive: true });
    return new FileTreeSink(dir);
  }

  async write(record: TrajectoryRecord, text: string): Promise<void> {
    const experiment = record.ref?.experiment ?? "default";
    const step = record.ref?.trainingStep ?? record.metadata?.training_step ?? 0;
    const folder = path.join(this.label, experiment, `step_${step}`);
    if (!this.#made.has(folder)) {
      await mkdir(folder, { recursive: true });
      this.#made.add(folder);
    }
    while (this.#pending.size >= MAX_PENDING_FILES) await Promise.race(this.#pending);
    if (this.#error !== null) throw this.#error;
    const done: Promise<void> = writeFile(path.join(folder, `${record.sessionId}.jsonl`), text)
      .catch((error: unknown) => {
        this.#error ??= error instanceof Error ? error : new Error(String(error));
      })
      .finally(() => this.#pending.delete(done));
    this.#pending.add(done);
  }

  async close(): Promise<void> {
    await Promise.all(this.#pending);
    if (this.#error !== null) throw this.#error;
  }
}

/** Files written at once by a {@link FileTreeSink}. */
const MAX_PENDING_FILES = 4;
