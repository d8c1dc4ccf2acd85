/** Reading a dataset's Parquet files with hyparquet: a reader independent of DuckDB, which wrote them. */
import path from "node:path";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { listFiles } from "./session-files.js";

/** Every row of one table of a dataset, file by file. */
export async function readDatasetTable(dir: string, table: "sessions" | "iterations"): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const file of listFiles(path.join(dir, table)).filter((f) => f.endsWith(".parquet"))) {
    rows.push(...(await parquetReadObjects({ file: await asyncBufferFromFile(file), compressors })));
  }
  return rows;
}

/** Every file under `dir`, relative to it, sorted. */
export function relativeFiles(dir: string): string[] {
  return listFiles(dir).map((f) => path.relative(dir, f));
}
