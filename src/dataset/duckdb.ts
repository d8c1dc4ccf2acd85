/**
 * DuckDB, loaded only when a dataset command runs: `import "trajlog"` never loads it, and an
 * installation without it (it is an optional dependency: `npm install --omit=optional`, or a
 * platform without a prebuilt binary) fails with one line saying what to install.
 */
import type { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

/** The package that provides DuckDB. */
export const DUCKDB_PACKAGE = "@duckdb/node-api";

/** DuckDB could not be loaded. */
export class DuckDBMissingError extends Error {
  override name = "DuckDBMissingError";
}

type DuckDBModule = typeof import("@duckdb/node-api");
let loaded: Promise<DuckDBModule> | null = null;

/** The `@duckdb/node-api` module; rejects with {@link DuckDBMissingError} when it is not installed. */
export function loadDuckDB(): Promise<DuckDBModule> {
  loaded ??= import(DUCKDB_PACKAGE).catch((error: unknown) => {
    loaded = null;
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new DuckDBMissingError(
      `SQL and Parquet need the optional dependency ${DUCKDB_PACKAGE}, which could not be loaded (${reason}); install it with: npm install ${DUCKDB_PACKAGE}`,
    );
  }) as Promise<DuckDBModule>;
  return loaded;
}

/** An in-memory DuckDB and one connection to it. */
export interface DuckDBSession {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  /** Releases the connection and the database. */
  close(): void;
}

/** Options of {@link openDuckDB}. */
export interface OpenDuckDBOptions {
  /** Cap on DuckDB's memory (e.g. `"512MB"`); beyond it DuckDB spills to `tempDirectory`. */
  memoryLimit?: string;
  /** Where DuckDB may spill. */
  tempDirectory?: string;
  /** Worker threads; DuckDB's default is one per core. */
  threads?: number;
}

/**
 * Opens an in-memory DuckDB with UTC as its time zone (timestamps print as they are stored)
 * and without network extension loading (everything trajlog uses is built in).
 */
export async function openDuckDB(options: OpenDuckDBOptions = {}): Promise<DuckDBSession> {
  const duckdb = await loadDuckDB();
  const config: Record<string, string> = {
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
  };
  if (options.memoryLimit !== undefined) config.memory_limit = options.memoryLimit;
  if (options.tempDirectory !== undefined) config.temp_directory = options.tempDirectory;
  if (options.threads !== undefined) config.threads = String(options.threads);
  const instance = await duckdb.DuckDBInstance.create(":memory:", config);
  const connection = await instance.connect();
  await connection.run("SET TimeZone = 'UTC'");
  return {
    instance,
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
