/**
 * Writes sessions into a Hive-partitioned Parquet dataset (see `layout.ts`), merging with
 * what an earlier export left there.
 *
 * Sessions arrive in the reader's order (experiment, then step), so one partition is filled
 * at a time: its rows are spooled as JSON lines into a staging folder inside OUT, then DuckDB
 * reads them back typed (`schema.ts`) and writes the partition's Parquet file with zstd.
 * While DuckDB writes one partition, the next one is read and spooled. Memory holds one
 * session, a few megabytes of spooled text and what DuckDB is given (`memory_limit`, spilling
 * to the staging folder beyond it).
 *
 * The re-export rule: a session's identity is its `session_id`. Exporting into an existing
 * dataset rewrites only the partitions (experiment, step) that received sessions; each is
 * rewritten as the sessions exported now plus the rows already there whose `session_id` was
 * not exported now. A session exported again is replaced (its row and all its iterations),
 * never duplicated; sessions and partitions the export did not select are kept as they were.
 * Each partition's file is written under a temporary name and renamed over the old one, so a
 * reader sees the partition before or after, never half of it.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm, writeFile, type FileHandle } from "node:fs/promises";
import path from "node:path";
import type { TrajectoryRecord } from "../read/reader.js";
import { VERSION } from "../version.js";
import { datasetCard } from "./dataset-card.js";
import { openDuckDB, type DuckDBSession } from "./duckdb.js";
import { lockDataset } from "./export-lock.js";
import { PART_FILE, partitionDir, partitionFiles, tableGlob, type PartitionKey } from "./layout.js";
import { prepareSession, type PreparedSession } from "./prepared-session.js";
import {
  DATASET_SCHEMA_VERSION,
  DATASET_TABLES,
  duckdbColumnsArgument,
  sqlIdentifier,
  sqlString,
  tableColumns,
  type DatasetTable,
} from "./schema.js";

/** Spooled rows are written out in pieces of about this many bytes. */
const SPOOL_CHUNK_BYTES = 4 * 1024 * 1024;
/** DuckDB's JSON reader refuses longer objects unless told; rows longer than this raise the limit. */
const DEFAULT_MAX_OBJECT_BYTES = 16 * 1024 * 1024;
/**
 * zstd's fastest level: it costs about a tenth less CPU per MiB of input than DuckDB's default
 * (3), for files about a fifth larger (still about a sixth of the JSONL), and CPU is what the
 * export runs short of.
 */
const ZSTD_LEVEL = 1;
/** Pieces per gathered write (the system's IOV_MAX is 1024 on Linux). */
const MAX_IOVECS = 1024;
/** What DuckDB may hold in memory while writing a partition before it spills to disk. */
const DUCKDB_MEMORY_LIMIT = "512MB";

/** What an export into a dataset did. */
export interface DatasetExportResult {
  /** Sessions and iteration rows written by this export. */
  sessions: number;
  iterations: number;
  /** Partitions (experiment, step) written. */
  partitions: number;
  /** Sessions that were already in the dataset and were replaced. */
  replaced: number;
  /** The whole dataset after the export. */
  total: { sessions: number; iterations: number; experiments: number; steps: number };
}

/** JSON lines of one table of one partition, written to a staging file in chunks. */
class Spool {
  #parts: Uint8Array[] = [];
  #bytes = 0;
  /** Length of the longest line, in UTF-16 units (≤ its UTF-8 bytes × 1, ≥ bytes / 3). */
  longest = 0;
  rows = 0;

  private constructor(
    readonly file: string,
    readonly handle: FileHandle,
  ) {}

  static async open(file: string): Promise<Spool> {
    return new Spool(file, await open(file, "w"));
  }

  /** Appends `rows` JSON lines (UTF-8 `bytes`, each line ending with a newline), the longest `longest` long. */
  async add(bytes: Uint8Array, rows: number, longest: number): Promise<void> {
    if (longest > this.longest) this.longest = longest;
    this.#parts.push(bytes);
    this.#bytes += bytes.byteLength;
    this.rows += rows;
    if (this.#bytes >= SPOOL_CHUNK_BYTES) await this.#drain();
  }

  async #drain(): Promise<void> {
    const parts = this.#parts;
    this.#parts = [];
    this.#bytes = 0;
    // One gathered write: the pieces are neither joined nor copied.
    for (let i = 0; i < parts.length; i += MAX_IOVECS) {
      const group = parts.slice(i, i + MAX_IOVECS);
      let written = (await this.handle.writev(group)).bytesWritten;
      const total = group.reduce((n, part) => n + part.byteLength, 0);
      if (written < total) {
        // A short write (a signal) goes on from where it stopped; a full disk throws.
        const rest = Buffer.concat(group);
        while (written < total) written += (await this.handle.write(rest, written, total - written)).bytesWritten;
      }
    }
  }

  async close(): Promise<void> {
    if (this.#bytes > 0) await this.#drain();
    await this.handle.close();
  }
}

/** The partition being filled. */
interface OpenPartition {
  key: PartitionKey;
  dir: string;
  spools: Record<DatasetTable, Spool>;
}

/** Writes a dataset folder; {@link DatasetWriter.open}, then `add` each session, then `close`. */
export class DatasetWriter {
  readonly #out: string;
  readonly #staging: string;
  readonly #db: DuckDBSession;
  readonly #unlock: () => Promise<void>;
  #current: OpenPartition | null = null;
  /** The partition DuckDB is writing now, if any. */
  #flushing: Promise<void> | null = null;
  #partitionCount = 0;
  readonly #result: Omit<DatasetExportResult, "total" | "partitions"> = { sessions: 0, iterations: 0, replaced: 0 };

  private constructor(out: string, staging: string, db: DuckDBSession, unlock: () => Promise<void>) {
    this.#out = out;
    this.#staging = staging;
    this.#db = db;
    this.#unlock = unlock;
  }

  /** Creates `out` when needed, takes its lock and opens DuckDB. */
  static async open(out: string): Promise<DatasetWriter> {
    await mkdir(out, { recursive: true });
    const unlock = await lockDataset(out);
    const staging = path.join(out, `.trajlog-staging-${process.pid}-${randomBytes(4).toString("hex")}`);
    try {
      await mkdir(staging);
      for (const table of DATASET_TABLES) await mkdir(path.join(out, table), { recursive: true });
      const db = await openDuckDB({ memoryLimit: DUCKDB_MEMORY_LIMIT, tempDirectory: path.join(staging, "duckdb") });
      return new DatasetWriter(out, staging, db, unlock);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      await unlock();
      throw error;
    }
  }

  /** Adds one session (its row and its iterations' rows). */
  async add(record: TrajectoryRecord): Promise<void> {
    await this.addPrepared(prepareSession(record));
  }

  /** Adds one session whose rows were made already (perhaps in another thread; see `read-pool.ts`). */
  async addPrepared(session: PreparedSession): Promise<void> {
    const { key } = session;
    let current = this.#current;
    if (current === null || current.key.experiment !== key.experiment || current.key.step !== key.step) {
      if (current !== null) await this.#finishPartition(current);
      current = await this.#startPartition(key);
    }
    await current.spools.sessions.add(session.session, 1, session.longest);
    if (session.iterationCount > 0) await current.spools.iterations.add(session.iterations, session.iterationCount, session.longest);
    this.#result.sessions++;
    this.#result.iterations += session.iterationCount;
  }

  /** Writes what is left, the dataset card, and releases the folder. */
  async close(): Promise<DatasetExportResult> {
    try {
      if (this.#current !== null) await this.#finishPartition(this.#current);
      this.#current = null;
      await this.#flushing;
      const total = await this.#totals();
      await writeFile(path.join(this.#out, "README.md"), datasetCard({ total, version: VERSION }));
      return { ...this.#result, partitions: this.#partitionCount, total };
    } finally {
      await this.#dispose();
    }
  }

  /** Gives up: removes the staging folder, keeps every partition already written, releases the lock. */
  async abort(): Promise<void> {
    if (this.#current !== null) {
      await Promise.all(DATASET_TABLES.map((t) => this.#current?.spools[t].close().catch(() => undefined)));
      this.#current = null;
    }
    await this.#flushing?.catch(() => undefined);
    await this.#dispose();
  }

  async #dispose(): Promise<void> {
    this.#db.close();
    await rm(this.#staging, { recursive: true, force: true });
    await this.#unlock();
  }

  async #startPartition(key: PartitionKey): Promise<OpenPartition> {
    const dir = path.join(this.#staging, `p${this.#partitionCount++}`);
    await mkdir(dir);
    const spools = {
      sessions: await Spool.open(path.join(dir, "sessions.jsonl")),
      iterations: await Spool.open(path.join(dir, "iterations.jsonl")),
    };
    this.#current = { key, dir, spools };
    return this.#current;
  }

  /** Closes the partition's spools and hands it to DuckDB, after the partition before it. */
  async #finishPartition(partition: OpenPartition): Promise<void> {
    this.#current = null;
    await partition.spools.sessions.close();
    await partition.spools.iterations.close();
    await this.#flushing;
    const flushing = this.#writePartition(partition);
    // Checked by the next finish or by close; a failure must not go unhandled meanwhile.
    flushing.catch(() => undefined);
    this.#flushing = flushing;
  }

  /** Merges one partition's spooled rows with its existing files, per table, atomically per file. */
  async #writePartition(partition: OpenPartition): Promise<void> {
    const newIds = `(SELECT session_id FROM ${this.#readSpool(partition.spools.sessions, "sessions", ["session_id"])})`;
    for (const table of DATASET_TABLES) {
      const target = partitionDir(this.#out, table, partition.key);
      const existing = await partitionFiles(target);
      const columns = tableColumns(table).map((c) => sqlIdentifier(c.name)).join(", ");
      let source = `SELECT ${columns} FROM ${this.#readSpool(partition.spools[table], table)}`;
      if (existing.length > 0) {
        const old = `read_parquet([${existing.map(sqlString).join(", ")}], union_by_name = true)`;
        if (table === "sessions") {
          const replaced = await this.#db.connection.runAndReadAll(
            `SELECT count(*)::INTEGER FROM ${old} WHERE session_id IN ${newIds}`,
          );
          this.#result.replaced += Number(replaced.getRows()[0]?.[0] ?? 0);
        }
        source += ` UNION ALL SELECT ${columns} FROM ${old} WHERE session_id NOT IN ${newIds}`;
      }
      await mkdir(target, { recursive: true });
      const temporary = path.join(target, `.${PART_FILE}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
      try {
        await this.#db.connection.run(
          `COPY (${source}) TO ${sqlString(temporary)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL ${ZSTD_LEVEL}, ROW_GROUP_SIZE 8192, ` +
            `KV_METADATA {trajlog_table: ${sqlString(table)}, trajlog_schema_version: '${DATASET_SCHEMA_VERSION}', trajlog_version: ${sqlString(VERSION)}})`,
        );
        await rename(temporary, path.join(target, PART_FILE));
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
      // Files of another name in the partition were merged into this one.
      for (const file of existing) if (path.basename(file) !== PART_FILE) await rm(file, { force: true });
    }
    await rm(partition.dir, { recursive: true, force: true });
  }

  /** DuckDB's typed read of a spool file (or of some of its columns). */
  #readSpool(spool: Spool, table: DatasetTable, only?: string[]): string {
    const maxBytes = Math.max(DEFAULT_MAX_OBJECT_BYTES, spool.longest * 3 + 1);
    const columns = only === undefined
      ? duckdbColumnsArgument(table)
      : `{${tableColumns(table).filter((c) => only.includes(c.name)).map((c) => `${sqlString(c.name)}: ${sqlString(c.type)}`).join(", ")}}`;
    return `read_json(${sqlString(spool.file)}, format = 'newline_delimited', columns = ${columns}, maximum_object_size = ${maxBytes})`;
  }

  /** Counts of the whole dataset, from the Parquet files' contents. */
  async #totals(): Promise<DatasetExportResult["total"]> {
    const sessions = tableGlob(this.#out, "sessions");
    const reader = await this.#db.connection.runAndReadAll(
      `SELECT count(*)::BIGINT, coalesce(sum(iterations), 0)::BIGINT, count(DISTINCT experiment)::BIGINT, count(DISTINCT (experiment, step))::BIGINT
       FROM read_parquet(${sqlString(sessions)}, union_by_name = true)`,
    ).catch((error: unknown) => {
      // No file at all (an empty export into an empty folder).
      if (error instanceof Error && /No files found/i.test(error.message)) return null;
      throw error;
    });
    const row = reader?.getRows()[0] ?? [0, 0, 0, 0];
    const n = (i: number): number => Number(row[i] ?? 0);
    return { sessions: n(0), iterations: n(1), experiments: n(2), steps: n(3) };
  }
}
