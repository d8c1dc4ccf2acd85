import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const INDEX = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

/** Which DuckDB files the process has mapped after running `code` (its native library shows up here once loaded). */
function duckdbMapped(code: string): string {
  const script = `${code}
const maps = (await import("node:fs")).readFileSync("/proc/self/maps", "utf8");
process.stdout.write(maps.split("\\n").filter((l) => l.includes("duckdb")).length > 0 ? "loaded" : "not loaded");`;
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  if (run.status !== 0) throw new Error(run.stderr);
  return run.stdout;
}

test("importing trajlog does not load DuckDB; the dataset modules load it when they run", () => {
  expect(duckdbMapped(`await import(${JSON.stringify(INDEX)});`)).toBe("not loaded");
  const duckdb = JSON.stringify(new URL("../../dist/dataset/duckdb.js", import.meta.url).href);
  expect(duckdbMapped(`const { openDuckDB } = await import(${duckdb}); (await openDuckDB()).close();`)).toBe("loaded");
});
