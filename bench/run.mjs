/**
 * `npm run bench`: trajlog against pino, the naive per-line append and the serialization
 * limit; prints a table and writes bench/results.json.
 *
 *   node bench/run.mjs [--smoke] [--out FILE] [--only a,b] [--extras-dir DIR] [--compare DIST]
 *
 * `--compare DIST` adds another build of trajlog (its `dist/` folder, e.g. built from the
 * previous commit) as a throughput contender, for before/after figures of a change.
 * Every scenario runs in a fresh child process; every comparison is a ratio measured side by
 * side in the same process, contenders interleaved, repeated, medians taken. `--smoke` runs
 * tiny sizes in seconds: it checks that the bench works, its figures mean nothing.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runScenario } from "./lib/child.mjs";
import { runExtras } from "./lib/extras.mjs";
import { evaluateTargets, formatTable } from "./lib/report.mjs";
import { median, sig } from "./lib/stats.mjs";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH_DIR);
const SIZES = [2048, 10240, 51200];
const ALL = ["throughput", "loop-cost", "sampled-out", "many-sessions", "stalled-disk", "extras"];

/** Sizes of a full run (under 5 minutes on 2 cores) and of a smoke run (seconds). */
const PLANS = {
  full: {
    throughput: { sizes: SIZES, minBytes: 200e6, slices: 10 },
    loopCost: { sizes: SIZES, rounds: 10 },
    sampledOut: { batches: 40, rollouts: 20_000 },
    manySessions: { sessions: 1000, iterations: 5, runs: 3 },
    stalledDisk: { seconds: 10, lineBytes: 10240 },
    // The whole run stays under 5 minutes: extra scripts get what is left of 280 s.
    runBudgetMs: 280_000,
  },
  smoke: {
    throughput: { sizes: SIZES, minBytes: 1, slices: 1 },
    loopCost: { sizes: [2048], rounds: 1 },
    sampledOut: { batches: 2, rollouts: 500 },
    manySessions: { sessions: 40, iterations: 2, runs: 1 },
    // A small cap, so that even one second of logging on a slow machine goes past it.
    stalledDisk: { seconds: 1, lineBytes: 10240, maxBufferBytes: 2 * 1024 * 1024, untilDropped: true },
    runBudgetMs: 120_000,
  },
};

const args = parseArgs(process.argv.slice(2));
const plan = args.smoke ? PLANS.smoke : PLANS.full;
const only = new Set(args.only ?? ALL);
const workDir = path.join(BENCH_DIR, ".work", `run-${process.pid}`);
const outFile = path.resolve(args.out ?? path.join(BENCH_DIR, args.smoke ? ".work/results-smoke.json" : "results.json"));
fs.mkdirSync(workDir, { recursive: true });

const started = Date.now();
const results = {
  mode: args.smoke ? "smoke" : "full",
  date: new Date().toISOString(),
  machine: machine(),
};
const say = (text) => process.stderr.write(`${text}\n`);

try {
  if (only.has("throughput")) {
    results.throughput = [];
    for (const lineBytes of plan.throughput.sizes) {
      say(`throughput, ${lineBytes} B records...`);
      const { minBytes, slices } = plan.throughput;
      const compare = args.compare ? path.resolve(args.compare) : undefined;
      results.throughput.push(
        await runScenario("throughput", { lineBytes, minBytes, slices, workDir, compare }, { cwd: ROOT }),
      );
    }
  }
  if (only.has("loop-cost")) {
    results.loopCost = [];
    for (const lineBytes of plan.loopCost.sizes) {
      say(`loop cost, ${lineBytes} B records...`);
      results.loopCost.push(await runScenario("loop-cost", { lineBytes, rounds: plan.loopCost.rounds, workDir }, { cwd: ROOT }));
    }
  }
  if (only.has("sampled-out")) {
    say("sampled out...");
    results.sampledOut = await runScenario("sampled-out", plan.sampledOut, { cwd: ROOT });
  }
  if (only.has("many-sessions")) {
    say("many sessions...");
    results.manySessions = await manySessions(plan.manySessions);
  }
  if (only.has("stalled-disk")) {
    say("stalled disk...");
    results.stalledDisk = await runScenario("stalled-disk", { ...plan.stalledDisk, workDir }, { cwd: ROOT });
    say("stalled disk, sessions ending and starting...");
    results.stalledDiskChurn = await runScenario("stalled-disk", { ...plan.stalledDisk, churn: true, workDir }, { cwd: ROOT });
  }
  if (only.has("extras")) {
    say("extra bench scripts...");
    results.extras = await runExtras(args.extrasDir ?? BENCH_DIR, {
      smoke: args.smoke,
      budgetMs: plan.runBudgetMs - (Date.now() - started),
      minMs: 30_000,
      cwd: ROOT,
    });
  }
} finally {
  fs.rmSync(workDir, { recursive: true, force: true });
}

results.targets = evaluateTargets(results);
results.seconds = sig((Date.now() - started) / 1000);
fs.mkdirSync(path.dirname(outFile), { recursive: true });
fs.writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`${formatTable(results)}\n\n${results.seconds} s; results in ${path.relative(process.cwd(), outFile)}\n`);

/** Scenario 4, each contender in its own fresh process, alternating, medians of the runs. */
async function manySessions({ sessions, iterations, runs }) {
  const per = { trajlog: [], pino: [] };
  for (let r = 0; r < runs; r++) {
    for (const contender of r % 2 === 0 ? ["trajlog", "pino"] : ["pino", "trajlog"]) {
      per[contender].push(await runScenario("many-sessions", { contender, sessions, iterations, workDir }, { cwd: ROOT }));
    }
  }
  const summary = (list) => ({
    ...list[list.length - 1],
    seconds: sig(median(list.map((x) => x.seconds))),
    peakExtraFds: Math.max(...list.map((x) => x.peakExtraFds)),
  });
  const contenders = { trajlog: summary(per.trajlog), pino: summary(per.pino) };
  const ratios = {
    "trajlog/pino seconds": sig(median(per.trajlog.map((t, i) => t.seconds / per.pino[i].seconds))),
  };
  return { sessions, iterations, runs, contenders, ratios };
}

function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? "unknown",
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    os: `${os.type()} ${os.release()}`,
    loadAverageAtStart: os.loadavg().map((x) => sig(x, 2)),
  };
}

function parseArgs(argv) {
  const out = { smoke: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--smoke") out.smoke = true;
    else if (a === "--out") out.out = argv[++i];
    else if (a === "--only") out.only = argv[++i].split(",");
    else if (a === "--extras-dir") out.extrasDir = argv[++i];
    else if (a === "--compare") out.compare = argv[++i];
    else {
      process.stderr.write(`unknown argument ${a}\nusage: node bench/run.mjs [--smoke] [--out FILE] [--only ${ALL.join(",")}] [--extras-dir DIR] [--compare DIST]\n`);
      process.exit(2);
    }
  }
  return out;
}
