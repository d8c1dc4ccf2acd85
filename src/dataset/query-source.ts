/**
 * A DuckDB with the views `sessions` and `iterations` over what `trajlog query` was pointed at:
 * an exported dataset (its Parquet files) or a raw log tree (its JSONL files, see
 * `raw-views.ts`). The columns are the same either way (`schema.ts`).
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { openDuckDB, type DuckDBSession } from "./duckdb.js";
import { isDataset, tableGlob } from "./layout.js";
import { rawTree, rawViewStatements } from "./raw-views.js";
import { DATASET_TABLES, sqlIdentifier, sqlString, tableColumns, type DatasetTable } from "./schema.js";

/** What the views read. */
export type QuerySourceKind = "dataset" | "raw";

/** An open DuckDB with the views, and what they read. */
export interface QuerySource extends DuckDBSession {
  kind: QuerySourceKind;
}

/** Opens DuckDB on `dir` (a dataset folder or a log tree) with the views `sessions` and `iterations`. */
export async function openQuerySource(dir: string): Promise<QuerySource> {
  const info = await stat(dir); // A missing directory fails here, before DuckDB starts.
  if (!info.isDirectory()) throw Object.assign(new Error(`${dir}: not a directory`), { code: "ENOTDIR", path: dir });
  const kind: QuerySourceKind = (await isDataset(dir)) ? "dataset" : "raw";
  const statements = kind === "dataset" ? await datasetViewStatements(dir) : await rawStatements(dir);
  const db = await openDuckDB();
  try {
    for (const sql of statements) await db.connection.run(sql);
  } catch (error) {
    db.close();
    throw error;
  }
  return { ...db, kind };
}

async function rawStatements(dir: string): Promise<string[]> {
  if (!(await hasFiles(dir, 3))) return DATASET_TABLES.map(emptyView);
  return rawViewStatements(await rawTree(dir));
}

/** Views over the Parquet files; an empty table with the schema when a table has no file yet. */
async function datasetViewStatements(dir: string): Promise<string[]> {
  const statements: string[] = [];
  for (const table of DATASET_TABLES) {
    if (!(await hasFiles(path.join(dir, table), 3, ".parquet"))) {
      statements.push(emptyView(table));
      continue;
    }
    const columns = tableColumns(table).map((c) => sqlIdentifier(c.name)).join(", ");
    statements.push(
      `CREATE OR REPLACE TEMP VIEW ${table} AS SELECT ${columns} FROM read_parquet(${sqlString(tableGlob(dir, table))}, union_by_name = true, hive_partitioning = false)`,
    );
  }
  return statements;
}

/** A view with the table's columns and no row. */
function emptyView(table: DatasetTable): string {
  const columns = tableColumns(table).map((c) => `NULL::${c.type} AS ${sqlIdentifier(c.name)}`).join(", ");
  return `CREATE OR REPLACE TEMP VIEW ${table} AS SELECT ${columns} WHERE false`;
}

/** True when a file (ending with `suffix`) lies within `depth` levels under `dir`. */
async function hasFiles(dir: string, depth: number, suffix = ".jsonl"): Promise<boolean> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  for (const e of entries) if (e.isFile() && e.name.endsWith(suffix)) return true;
  if (depth === 0) return false;
  for (const e of entries) {
    if (e.isDirectory() && (await hasFiles(path.join(dir, e.name), depth - 1, suffix))) return true;
  }
  return false;
}
