/**
 * Where a dataset's files lie: `OUT/<table>/experiment=<e>/step=<n>/part-0.parquet`, one file
 * per table and partition, with the dataset card at `OUT/README.md`.
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import type { DatasetTable } from "./schema.js";

/** The data file of each partition. */
export const PART_FILE = "part-0.parquet";

/** One (experiment, step) partition. */
export interface PartitionKey {
  experiment: string;
  step: number;
}

/**
 * A Hive partition value: kept as is when it is made of letters, digits, `.`, `_` and `-`
 * (every name trajlog itself writes), else percent-encoded as Hive, Spark and DuckDB expect.
 */
export function hiveValue(value: string): string {
  return /^[A-Za-z0-9._-]+$/.test(value) ? value : encodeURIComponent(value).replaceAll("*", "%2A");
}

/** The folder of one partition of one table. */
export function partitionDir(out: string, table: DatasetTable, key: PartitionKey): string {
  return path.join(out, table, `experiment=${hiveValue(key.experiment)}`, `step=${key.step}`);
}

/** The glob DuckDB reads a table's files with (every partition, exactly two levels deep). */
export function tableGlob(dir: string, table: DatasetTable): string {
  return path.join(dir, table, "*", "*", "*.parquet");
}

/**
 * True when `dir` is an exported dataset rather than a log tree: it has `sessions/` and
 * `iterations/` folders and the first holds no `step_<N>` folder (as an experiment named
 * "sessions" in a log tree would).
 */
export async function isDataset(dir: string): Promise<boolean> {
  const isDir = (p: string) => stat(p).then((s) => s.isDirectory(), () => false);
  if (!(await isDir(path.join(dir, "sessions"))) || !(await isDir(path.join(dir, "iterations")))) return false;
  const entries = await readdir(path.join(dir, "sessions"));
  return !entries.some((name) => /^step_\d+$/.test(name));
}

/** The `.parquet` files already in a partition's folder (none when it does not exist). */
export async function partitionFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => n.endsWith(".parquet") && !n.startsWith(".")).map((n) => path.join(dir, n));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}
