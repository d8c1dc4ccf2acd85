/**
 * `npm run bench`: trajlog against pino, the naive per-line append, the per-file floor, the
 * one-file limit and a warm `JSON.stringify`; prints one table and writes bench/results.json.
 *
 *   node bench/run.mjs [--smoke] [--out FILE] [--only a,b] [--sizes 2048,10240] [--extras-dir DIR] [--compare DIST]
 *   node bench/run.mjs --markdown [FILE]
 *
 * `--markdown` runs nothing: it prints the table of a results file (default bench/results.json)
 * as Markdown, rows re-made from the current rows files, for the README.
 * `--only` picks scenarios (see ALL); `--sizes` the line sizes of the throughput and hot-path
 * scenarios. `--compare DIST` adds another build of trajlog (its `dist/` folder, e.g. built
 * from the previous commit) as one more contender in the throughput, hot-path and
 * many-sessions scenarios, for before/after figures of a change measured side by side; the
 * throughput scenario always runs this build a second time from a copy of `dist/` ("copy"),
 * so that the bias of a side-by-side ratio there is in the same table.
 * Every scenario runs in a fresh child process; every comparison is a ratio measured side by
 * side in the same process, contenders interleaved, repeated, medians taken with their
 * interquartile range; every scenario records the load average before and after. `--smoke`
 * runs tiny sizes in seconds: it checks that the bench works, its figures mean nothing.
 *
 * The table's rows come from bench/lib/rows/*.mjs (one file per area, in name order): adding
 * a figure to the table is adding a file there.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runScenario } from "./lib/child.mjs";
import { runExtras } from "./lib/extras.mjs";
import { formatMarkdown, formatReport, loadRows, targetsOf } from "./lib/report.mjs";
import { loadAverage, median, rotate, sig, spread } from "./lib/stats.mjs";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH_DIR);
const ALL = ["throughput", "hot-path", "sampled-out", "many-sessions", "stalled-disk", "extras"];
const KB = 1024;
const MB = 1024 * 1024;
/** The line cap: the 12 MB size must be above it, the 4 MB size below it. */
const LINE_CAP = 8 * MB;

/** Sizes of a full run (about 7 minutes on a quiet 2-core machine, extra scripts included) and of a smoke run. */
const PLANS = {
  full: {
    throughput: {
      sizes: [
        { lineBytes: 2 * KB },
        { lineBytes: 10 * KB },
        { lineBytes: 100 * KB, sessions: 8 },
        { lineBytes: 1 * MB, sessions: 4, iterations: 6 },
      ],
      minBytes: 200e6,
      slices: 10,
    },
    hotPath: {
      sizes: [
        { lineBytes: 2 * KB, sessions: 32, iterations: 15, rounds: 8 },
        { lineBytes: 10 * KB, sessions: 32, iterations: 15, rounds: 8 },
        { lineBytes: 100 * KB, sessions: 8, iterations: 15, rounds: 6 },
        { lineBytes: 1 * MB, sessions: 4, iterations: 6, rounds: 3 },
        { lineBytes: 4 * MB, sessions: 2, iterations: 3, rounds: 2, warmup: 0, maxLineBytes: LINE_CAP * 0.9 },
        { lineBytes: 12 * MB, sessions: 1, iterations: 3, rounds: 2, warmup: 0, minLineBytes: LINE_CAP * 1.05 },
      ],
    },
    sampledOut: { batches: 30, rollouts: 5000 },
    manySessions: { sessions: 1000, iterations: 15, lineBytes: 12 * KB, runs: 3 },
    diskRate: { bytes: 256 * MB, runs: 3 },
    stalledDisk: { seconds: 10, lineBytes: 10 * KB },
    // The extra scripts share this (export writes 1 GB, viewer.mjs 100,000 files), at least 5 min each.
    extrasBudgetMs: 40 * 60_000,
    extrasMinMs: 5 * 60_000,
  },
  smoke: {
    throughput: { sizes: [{ lineBytes: 2 * KB }, { lineBytes: 10 * KB }], minBytes: 1, slices: 1 },
    hotPath: { sizes: [{ lineBytes: 2 * KB, sessions: 4, iterations: 3, rounds: 1, warmup: 0 }] },
    sampledOut: { batches: 2, rollouts: 300 },
    manySessions: { sessions: 40, iterations: 4, lineBytes: 12 * KB, runs: 1 },
    diskRate: { bytes: 4 * MB, runs: 1 },
    // A small cap, so that even one second of logging on a slow machine goes past it.
    stalledDisk: { seconds: 1, lineBytes: 10 * KB, maxBufferBytes: 2 * MB, untilDropped: true },
    extrasBudgetMs: 120_000,
    extrasMinMs: 30_000,
  },
};

const args = parseArgs(process.argv.slice(2));
if (args.markdown !== undefined) {
  const saved = JSON.parse(fs.readFileSync(path.resolve(args.markdown || path.join(BENCH_DIR, "results.json")), "utf8"));
  process.stdout.write(`${formatMarkdown(saved, await loadRows(saved))}\n`);
  process.exit(0);
}
const plan = args.smoke ? PLANS.smoke : PLANS.full;
const only = new Set(args.only ?? ALL);
const pickSizes = (sizes) => (args.sizes ? sizes.filter((s) => args.sizes.includes(s.lineBytes)) : sizes);
const workDir = path.join(BENCH_DIR, ".work", `run-${process.pid}`);
const outFile = path.resolve(args.out ?? path.join(BENCH_DIR, args.smoke ? ".work/results-smoke.json" : "results.json"));
fs.mkdirSync(workDir, { recursive: true });

const started = Date.now();
const results = {
  mode: args.smoke ? "smoke" : "full",
  date: new Date().toISOString(),
  machine: machine(),
};
const say = (text) => process.stderr.write(`${text}  (load ${loadAverage().join(" ")})\n`);
const compare = args.compare ? path.resolve(args.compare) : undefined;
const scenario = (name, options) => runScenario(name, { ...options, workDir }, { cwd: ROOT, timeoutMs: 600_000 });

try {
  if (only.has("throughput")) {
    results.throughput = [];
    for (const size of pickSizes(plan.throughput.sizes)) {
      say(`throughput, ${size.lineBytes} B lines...`);
      const { minBytes, slices } = plan.throughput;
      results.throughput.push(await scenario("throughput", { ...size, minBytes, slices, compare }));
    }
  }
  if (only.has("hot-path")) {
    results.hotPath = [];
    for (const size of pickSizes(plan.hotPath.sizes)) {
      say(`hot path and loop cost, ${size.lineBytes} B lines...`);
      results.hotPath.push(await scenario("hot-path", { ...size, compare }));
    }
  }
  if (only.has("sampled-out")) {
    say("sampled out...");
    results.sampledOut = await scenario("sampled-out", plan.sampledOut);
  }
  if (only.has("many-sessions")) {
    say("many sessions...");
    results.manySessions = await manySessions(plan.manySessions);
  }
  if (only.has("stalled-disk")) {
    say("stalled disk...");
    results.stalledDisk = await scenario("stalled-disk", plan.stalledDisk);
    say("stalled disk, sessions ending and starting...");
    results.stalledDiskChurn = await scenario("stalled-disk", { ...plan.stalledDisk, churn: true });
  }
  if (only.has("extras")) {
    say("extra bench scripts...");
    results.extras = await runExtras(args.extrasDir ?? BENCH_DIR, {
      smoke: args.smoke,
      budgetMs: plan.extrasBudgetMs,
      minMs: plan.extrasMinMs,
      cwd: ROOT,
    });
  }
} finally {
  fs.rmSync(workDir, { recursive: true, force: true });
}

results.machine.loadAverageAtEnd = loadAverage();
const rows = await loadRows(results);
results.table = rows;
results.targets = targetsOf(rows);
results.seconds = sig((Date.now() - started) / 1000);
fs.mkdirSync(path.dirname(outFile), { recursive: true });
fs.writeFileSync(outFile, `${JSON.stringify({ ...recordedByOthers(outFile), ...results }, null, 2)}\n`);
process.stdout.write(`${formatReport(results, rows)}\n\n${results.seconds} s; results in ${path.relative(process.cwd(), outFile)}\n`);

/**
 * Scenario 4: the disk's rate first, then each contender in its own fresh process,
 * alternating; the last run's details, medians of the runs' figures.
 */
async function manySessions({ sessions, iterations, lineBytes, runs }) {
  const diskRate = await scenario("disk-rate", plan.diskRate);
  const per = { trajlog: [], pino: [], ...(compare ? { compare: [] } : {}) };
  for (let r = 0; r < runs; r++) {
    for (const contender of rotate(Object.keys(per), r)) {
      per[contender].push(await scenario("many-sessions", { contender, sessions, iterations, lineBytes, compare }));
    }
  }
  const summary = (list) => ({
    ...list[list.length - 1],
    seconds: sig(median(list.map((x) => x.seconds))),
    writtenMBps: sig(median(list.map((x) => x.writtenMBps))),
    offeredMBps: sig(median(list.map((x) => x.offeredMBps))),
    finalizeMs: {
      p50: sig(median(list.map((x) => x.finalizeMs.p50))),
      p99: sig(median(list.map((x) => x.finalizeMs.p99))),
      max: Math.max(...list.map((x) => x.finalizeMs.max)),
      n: list[0].finalizeMs.n,
    },
    afterTurnMs: {
      p50: sig(median(list.map((x) => x.afterTurnMs.p50))),
      p99: sig(median(list.map((x) => x.afterTurnMs.p99))),
      max: Math.max(...list.map((x) => x.afterTurnMs.max)),
      n: list[0].afterTurnMs.n,
    },
    linesDropped: list.map((x) => x.linesDropped ?? 0),
    peakExtraFds: Math.max(...list.map((x) => x.peakExtraFds)),
  });
  const contenders = Object.fromEntries(Object.entries(per).map(([name, list]) => [name, summary(list)]));
  const ratios = {
    "trajlog/pino seconds": spread(per.trajlog.map((t, i) => t.seconds / per.pino[i].seconds)),
    ...(compare ? { "trajlog/compare seconds": spread(per.trajlog.map((t, i) => t.seconds / per.compare[i].seconds)) } : {}),
  };
  return { sessions, iterations, lineBytes, runs, diskRate, contenders, ratios };
}

/**
 * What other scripts recorded in the results file (e.g. `datasetScale`, from bench/dataset.mjs
 * --record): kept when this run rewrites it, since this run does not measure it.
 */
function recordedByOthers(file) {
  const own = new Set(["mode", "date", "machine", "throughput", "hotPath", "sampledOut", "manySessions", "stalledDisk",
    "stalledDiskChurn", "extras", "table", "targets", "seconds"]);
  try {
    const previous = JSON.parse(fs.readFileSync(file, "utf8"));
    return Object.fromEntries(Object.entries(previous).filter(([key]) => !own.has(key)));
  } catch {
    return {};
  }
}

function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? "unknown",
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    loadAverageAtStart: loadAverage(),
  };
}

function parseArgs(argv) {
  const out = { smoke: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--smoke") out.smoke = true;
    else if (a === "--out") out.out = argv[++i];
    else if (a === "--only") out.only = argv[++i].split(",");
    else if (a === "--sizes") out.sizes = argv[++i].split(",").map(Number);
    else if (a === "--extras-dir") out.extrasDir = argv[++i];
    else if (a === "--compare") out.compare = argv[++i];
    else if (a === "--markdown") out.markdown = argv[i + 1]?.startsWith("--") === false ? argv[++i] : "";
    else {
      process.stderr.write(
        `unknown argument ${a}\nusage: node bench/run.mjs [--smoke] [--out FILE] [--only ${ALL.join(",")}] [--sizes 2048,10240] [--extras-dir DIR] [--compare DIST] | --markdown [FILE]\n`,
      );
      process.exit(2);
    }
  }
  const unknown = (out.only ?? []).filter((name) => !ALL.includes(name));
  if (unknown.length > 0) {
    process.stderr.write(`unknown scenario ${unknown.join(", ")}; one of ${ALL.join(", ")}\n`);
    process.exit(2);
  }
  return out;
}
