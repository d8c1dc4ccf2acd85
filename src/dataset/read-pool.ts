/**
 * Worker threads that read session files and make their dataset rows for
 * `trajlog export --format parquet`: JSON parsing, redaction and row building run on every
 * core, and several files are read at once, while the main thread keeps the reader's order,
 * the selection, and the hand-off to DuckDB. Plugged into the reader through
 * `ReadOptions.readFile` and `readAhead`, so the selection flags mean exactly what they mean
 * elsewhere.
 *
 * Memory: at most `readAhead` sessions are in flight (read, or rows waiting for the writer).
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { TrajectoryRecord } from "../read/reader.js";
import type { SessionRef } from "../read/scan.js";
import type { PreparedSession } from "./prepared-session.js";

/** What every worker is told once. */
export interface ReadWorkerOptions {
  maxLineBytes?: number;
  maxFileBytes?: number;
  /** Apply the logger's content policy before making rows (`--redact`). */
  redact: boolean;
}

/** One file to read. */
export interface ReadJob {
  id: number;
  ref: SessionRef;
}

/** A read file (its record without iterations, and its rows), or why it could not be read. */
export type ReadJobResult =
  | { id: number; record: TrajectoryRecord; prepared: PreparedSession; error?: undefined }
  | { id: number; error: { message: string; code: string | undefined } };

/** The most workers a pool starts: past this the main thread and DuckDB are the bottleneck. */
const MAX_WORKERS = 4;

interface Pending {
  resolve: (record: TrajectoryRecord) => void;
  reject: (error: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, Pending>;
}

/** A pool of reading threads; {@link ReadPool.open}, read through {@link ReadPool.readFile}, then {@link ReadPool.close}. */
export class ReadPool {
  readonly #workers: PoolWorker[];
  readonly #prepared = new WeakMap<TrajectoryRecord, PreparedSession>();
  #nextId = 0;

  private constructor(workers: PoolWorker[]) {
    this.#workers = workers;
  }

  /**
   * Starts one worker per core (at most {@link MAX_WORKERS}). Null where the compiled worker
   * is not there (running from the TypeScript sources, as the in-process tests do): the caller
   * then reads on its own thread, with the same functions.
   */
  static open(options: ReadWorkerOptions, size = Math.min(MAX_WORKERS, availableParallelism())): ReadPool | null {
    const url = new URL("./read-worker.js", import.meta.url);
    if (!existsSync(fileURLToPath(url))) return null;
    const pool = new ReadPool([]);
    for (let i = 0; i < Math.max(1, size); i++) {
      const entry: PoolWorker = { worker: new Worker(url, { workerData: options }), pending: new Map() };
      entry.worker.on("message", (result: ReadJobResult) => {
        const job = entry.pending.get(result.id);
        if (job === undefined) return;
        entry.pending.delete(result.id);
        if (result.error !== undefined) {
          job.reject(Object.assign(new Error(result.error.message), { code: result.error.code }));
          return;
        }
        pool.#prepared.set(result.record, result.prepared);
        job.resolve(result.record);
      });
      // A worker that dies fails its files loudly (each is reported as unreadable, with this reason).
      const fail = (error: Error) => {
        for (const job of entry.pending.values()) job.reject(new Error(`reading thread failed: ${error.message}`));
        entry.pending.clear();
      };
      entry.worker.on("error", fail);
      entry.worker.on("exit", (code) => fail(new Error(`exited with code ${code}`)));
      pool.#workers.push(entry);
    }
    return pool;
  }

  /** Sessions to read ahead of the writer: enough to keep every worker busy. */
  get readAhead(): number {
    return this.#workers.length * 2;
  }

  /** Reads one file in the least busy worker (`ReadOptions.readFile`); its rows are then {@link take}n. */
  readonly readFile = (ref: SessionRef): Promise<TrajectoryRecord> => {
    let target = this.#workers[0] as PoolWorker;
    for (const w of this.#workers) if (w.pending.size < target.pending.size) target = w;
    const id = this.#nextId++;
    return new Promise<TrajectoryRecord>((resolve, reject) => {
      target.pending.set(id, { resolve, reject });
      target.worker.postMessage({ id, ref } satisfies ReadJob);
    });
  };

  /** The rows made for a record this pool read (once), or undefined for any other record. */
  take(record: TrajectoryRecord): PreparedSession | undefined {
    const prepared = this.#prepared.get(record);
    this.#prepared.delete(record);
    return prepared;
  }

  /**
   * Stops the workers. Reads still in flight (the export stopped early) are dropped, never
   * settled: failing them would report their files as unreadable.
   */
  async close(): Promise<void> {
    await Promise.all(
      this.#workers.map((w) => {
        w.worker.removeAllListeners("exit");
        w.worker.removeAllListeners("error").on("error", () => undefined);
        w.pending.clear();
        return w.worker.terminate();
      }),
    );
  }
}
