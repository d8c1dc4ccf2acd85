// Parquet and SQL at scale: writes a realistic log tree with the SDK (bench/lib/log-tree.mjs),
// then measures, each command run as a real `trajlog` child process, with the 1-minute load
// average noted beside every run:
//   - `trajlog stats` against the same figures through `trajlog query` on the raw tree, in
//     interleaved pairs (ratio of wall times, and of CPU times), checking that they agree;
//   - `trajlog export --all --format parquet`, `--rounds` times: input MB/s, MB per CPU second,
//     peak RSS (with `--compare DIST`, another build's export interleaved with this one, as ratios);
//   - the dataset's size against the JSONL's;
//   - one query over the dataset (reward and tokens per step): wall time of the CLI, and of the
//     query alone in an open DuckDB.
//
//   npm run build && node bench/dataset.mjs [--sessions 2000] [--rounds 3] [--pairs N] [--json] [--smoke] [--keep]
//                                           [--dir DIR] [--compare DIST] [--record FILE]
//
// `--rounds` exports (and per-step queries, at least 3); `--pairs` stats/query pairs (default: `--rounds`).
// `--dir DIR` reuses a tree written before (e.g. by scripts/generate-log-tree.mjs) instead of
// writing one. `--record FILE` also stores the result in FILE (e.g. bench/results.json) under
// `datasetScale`, leaving the rest of the file as it is.
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { generateLogTree } from "./lib/log-tree.mjs";

const { values } = parseArgs({
  options: {
    sessions: { type: "string", default: "2000" },
    rounds: { type: "string", default: "3" },
    pairs: { type: "string" },
    dir: { type: "string" },
    compare: { type: "string" },
    record: { type: "string" },
    json: { type: "boolean", default: false },
    smoke: { type: "boolean", default: false },
    keep: { type: "boolean", default: false },
  },
});
const sessions = values.smoke ? 40 : Number(values.sessions);
const rounds = values.smoke ? 1 : Number(values.rounds);
const pairCount = values.smoke ? 1 : Number(values.pairs ?? values.rounds);
for (const [name, n] of [["--sessions", sessions], ["--rounds", rounds], ["--pairs", pairCount]]) {
  if (!Number.isInteger(n) || n < 1) throw new TypeError(`${name} expects a positive integer; received ${n}`);
}
const cli = fileURLToPath(new URL("../dist/cli/bin.js", import.meta.url));
const baselineCli = values.compare === undefined ? null : path.resolve(values.compare, "cli", "bin.js");
const log = (text) => values.json || process.stderr.write(`${text}\n`);

/** Per-step figures both ways: the columns `trajlog stats --json` gives, computed in SQL. */
const STATS_SQL = `SELECT experiment, step, count(*) AS sessions,
  count(*) FILTER (WHERE state = 'completed') AS completed, count(*) FILTER (WHERE state = 'errored') AS errored,
  count(*) FILTER (WHERE state = 'incomplete') AS incomplete, count(*) FILTER (WHERE forced) AS forced,
  avg(reward) FILTER (WHERE NOT forced) AS rewardMean, avg(iterations) FILTER (WHERE NOT forced) AS iterationsMean,
  coalesce(sum(input_tokens) FILTER (WHERE NOT forced), 0) AS inputTokens,
  coalesce(sum(output_tokens) FILTER (WHERE NOT forced), 0) AS outputTokens
FROM sessions GROUP BY experiment, step ORDER BY experiment, step`;
const STATS_KEYS = ["experiment", "step", "sessions", "completed", "errored", "incomplete", "forced", "rewardMean", "iterationsMean", "inputTokens", "outputTokens"];
/** The issue's per-step question over the dataset. */
const PER_STEP_SQL = "SELECT step, avg(reward) AS reward, sum(input_tokens + output_tokens) AS tokens FROM sessions GROUP BY step ORDER BY step";

const root = await mkdtemp(path.join(os.tmpdir(), "trajlog-bench-dataset-"));
try {
  const logDir = values.dir ?? path.join(root, "logs");
  let generated = null;
  if (values.dir === undefined) {
    log(`writing ${sessions} sessions under ${logDir} ...`);
    const t = Date.now();
    generated = await generateLogTree({ logDir, sessions, perStep: values.smoke ? 10 : 200 });
    generated.seconds = (Date.now() - t) / 1000;
  }
  const input = await sizeOf(logDir);
  const loadBefore = os.loadavg()[0];

  log(`stats vs query on the raw tree (${mb(input.bytes).toFixed(0)} MB, ${input.files} files), ${pairCount} interleaved pair(s) ...`);
  const pairs = [];
  let agree = true;
  for (let i = 0; i < pairCount; i++) {
    // Alternate which goes first, so neither always runs on a warmer cache.
    const order = i % 2 === 0 ? ["stats", "query"] : ["query", "stats"];
    const runs = {};
    for (const which of order) {
      runs[which] = await timed(which === "stats" ? ["stats", logDir, "--json"] : ["query", logDir, STATS_SQL, "--json"]);
    }
    const stats = JSON.parse(runs.stats.stdout).map((s) => Object.fromEntries(STATS_KEYS.map((k) => [k, s[k]])));
    const query = JSON.parse(runs.query.stdout);
    if (!sameFigures(stats, query)) agree = false;
    pairs.push({ stats: runs.stats, query: runs.query });
  }

  log(`export --all --format parquet, ${rounds} time(s)${baselineCli === null ? "" : `, interleaved with ${values.compare}`} ...`);
  const out = path.join(root, "dataset");
  const exports = [];
  const baselineExports = [];
  for (let i = 0; i < rounds; i++) {
    const contenders = baselineCli === null ? ["this"] : i % 2 === 0 ? ["this", "baseline"] : ["baseline", "this"];
    for (const which of contenders) {
      const target = which === "this" ? out : path.join(root, "dataset-baseline");
      await rm(target, { recursive: true, force: true });
      const run = await timed(["export", logDir, "--all", "--format", "parquet", "-o", target, "--quiet"], which === "this" ? cli : baselineCli);
      (which === "this" ? exports : baselineExports).push(run);
      log(`  ${which}: ${run.seconds.toFixed(1)} s, ${(mb(input.bytes) / run.seconds).toFixed(1)} MB/s, load ${run.load}`);
    }
  }
  const dataset = await sizeOf(out);

  log("per-step query over the dataset ...");
  const perStepCli = [];
  for (let i = 0; i < (values.smoke ? 1 : Math.max(3, rounds)); i++) perStepCli.push(await timed(["query", out, PER_STEP_SQL, "--json"]));
  const perStepInProcess = await inProcessQuery(out, PER_STEP_SQL, values.smoke ? 1 : Math.max(3, rounds));
  const exportFigures = (runs) => ({
    runs: runs.map((r) => ({
      seconds: round(r.seconds, 2),
      input_mb_per_s: round(mb(input.bytes) / r.seconds),
      input_mb_per_cpu_s: round(mb(input.bytes) / r.cpuSeconds),
      cpu_seconds: round(r.cpuSeconds, 2),
      peak_rss_mb: round(r.peakRssKb / 1024),
      load_1m: r.load,
    })),
    input_mb_per_s_median: round(median(runs.map((r) => mb(input.bytes) / r.seconds))),
    input_mb_per_s_range: range(runs.map((r) => mb(input.bytes) / r.seconds), 1),
    input_mb_per_cpu_s_median: round(median(runs.map((r) => mb(input.bytes) / r.cpuSeconds))),
    peak_rss_mb_max: round(Math.max(...runs.map((r) => r.peakRssKb)) / 1024),
  });

  const result = {
    sessions: input.files,
    input_mb: round(mb(input.bytes)),
    generate_seconds: generated === null ? null : round(generated.seconds),
    stats_vs_query: {
      figures_agree: agree,
      // Above 1: the query is faster than stats.
      wall_ratio_median: round(median(pairs.map((p) => p.stats.seconds / p.query.seconds)), 2),
      wall_ratio_range: range(pairs.map((p) => p.stats.seconds / p.query.seconds)),
      cpu_ratio_median: round(median(pairs.map((p) => p.stats.cpuSeconds / p.query.cpuSeconds)), 2),
      pairs: pairs.map((p) => ({
        stats_seconds: round(p.stats.seconds, 2),
        query_seconds: round(p.query.seconds, 2),
        stats_cpu_seconds: round(p.stats.cpuSeconds, 2),
        query_cpu_seconds: round(p.query.cpuSeconds, 2),
        load_1m: [p.stats.load, p.query.load],
      })),
      stats_peak_rss_mb: round(Math.max(...pairs.map((p) => p.stats.peakRssKb)) / 1024),
      query_peak_rss_mb: round(Math.max(...pairs.map((p) => p.query.peakRssKb)) / 1024),
    },
    parquet_export: exportFigures(exports),
    parquet_export_baseline:
      baselineCli === null
        ? null
        : {
            dist: values.compare,
            ...exportFigures(baselineExports),
            // Above 1: this build exports faster than the baseline (wall), or with less CPU.
            wall_speedup_median: round(median(exports.map((r, i) => baselineExports[i].seconds / r.seconds)), 2),
            wall_speedup_range: range(exports.map((r, i) => baselineExports[i].seconds / r.seconds)),
            cpu_ratio_median: round(median(exports.map((r, i) => baselineExports[i].cpuSeconds / r.cpuSeconds)), 2),
          },
    dataset_mb: round(mb(dataset.bytes), 2),
    dataset_over_jsonl: round(dataset.bytes / input.bytes, 3),
    per_step_query: {
      steps: JSON.parse(perStepCli[0].stdout).length,
      cli_seconds_median: round(median(perStepCli.map((r) => r.seconds)), 3),
      cli_seconds_range: range(perStepCli.map((r) => r.seconds), 3),
      in_process_seconds_median: round(median(perStepInProcess), 3),
      in_process_seconds_range: range(perStepInProcess, 3),
      load_1m: perStepCli.map((r) => r.load),
    },
    load_average_1m: { before: round(loadBefore, 2), after: round(os.loadavg()[0], 2) },
    date: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? "unknown",
    memory_gb: Math.round(os.totalmem() / 2 ** 30),
  };
  if (values.record !== undefined) {
    const file = path.resolve(values.record);
    const recorded = JSON.parse(await readFile(file, "utf8"));
    recorded.datasetScale = result;
    await writeFile(file, `${JSON.stringify(recorded, null, 2)}\n`);
    log(`recorded under datasetScale in ${file}`);
  }
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (!agree) process.exitCode = 1;
} finally {
  if (!values.keep) await rm(root, { recursive: true, force: true });
  else log(`kept ${root}`);
}

/** The figures of stats and of the query, equal up to floating-point summation order. */
function sameFigures(a, b) {
  if (a.length !== b.length) return false;
  return a.every((row, i) =>
    STATS_KEYS.every((k) => {
      const x = row[k];
      const y = b[i]?.[k];
      return typeof x === "number" && typeof y === "number" ? Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x)) : x === y;
    }),
  );
}

/** The query's own time in an open DuckDB (no process start, no DuckDB load). */
async function inProcessQuery(dir, sql, times) {
  const { openQuerySource } = await import("../dist/dataset/query-source.js");
  const source = await openQuerySource(dir);
  try {
    const seconds = [];
    for (let i = 0; i < times; i++) {
      const t = process.hrtime.bigint();
      await source.connection.runAndReadAll(sql);
      seconds.push(Number(process.hrtime.bigint() - t) / 1e9);
    }
    return seconds;
  } finally {
    source.close();
  }
}

/** Runs the CLI (or `bin`) under /usr/bin/time -v: peak RSS and CPU time of the child, and the load average as it starts. */
async function timed(args, bin = cli) {
  const load = round(os.loadavg()[0], 2);
  const started = process.hrtime.bigint();
  const child = spawn("/usr/bin/time", ["-v", process.execPath, bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
  const code = await new Promise((resolve) => child.on("close", resolve));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`trajlog ${args[0]} exited with ${code}: ${stderr.slice(-2000)}`);
  const field = (re) => Number(re.exec(stderr)?.[1] ?? Number.NaN);
  const cpuSeconds = field(/User time \(seconds\): ([\d.]+)/) + field(/System time \(seconds\): ([\d.]+)/);
  return { code, seconds, cpuSeconds, peakRssKb: field(/Maximum resident set size \(kbytes\): (\d+)/), stdout, load };
}

async function sizeOf(dir) {
  let bytes = 0;
  let files = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    bytes += (await stat(path.join(entry.parentPath, entry.name))).size;
    if (entry.name.endsWith(".jsonl")) files++;
  }
  return { bytes, files };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function range(xs, digits = 2) {
  return [round(Math.min(...xs), digits), round(Math.max(...xs), digits)];
}

function mb(bytes) {
  return bytes / (1024 * 1024);
}

function round(x, digits = 1) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
