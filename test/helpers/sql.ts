/** SQL over a log tree or a dataset in this process, as `trajlog query --json` prints it. */
import { openQuerySource } from "../../src/dataset/query-source.js";
import { plainValue, type Plain } from "../../src/dataset/plain-values.js";

/** The rows of `sql` over the views of `dir`, as plain objects. */
export async function sqlRows(dir: string, sql: string): Promise<Record<string, Plain>[]> {
  const source = await openQuerySource(dir);
  try {
    const reader = await source.connection.runAndReadAll(sql);
    const names = reader.columnNames();
    return reader.getRows().map((row) => Object.fromEntries(names.map((n, i) => [n, plainValue(row[i] ?? null)])));
  } finally {
    source.close();
  }
}
