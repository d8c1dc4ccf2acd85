/**
 * Scenario 1, throughput: 32 rollouts at once (fewer at large line sizes), 15 iterations each
 * plus metadata and summary, repeated until the requested volume is written. Five contenders
 * write the same records:
 *
 * - trajlog: `startSession` / `logIteration` / `finalize`, then `close()`.
 * - pino: one `pino.destination` (async sonic-boom) per session file, `info(line)` per line.
 * - naive: what the Python reference does, open + append one line + close, per line.
 * - floor: the per-file floor, the least any one-file-per-session logger does: `JSON.stringify`
 *   of every line as the loop makes it, then one open, one write and one close per session
 *   file, synchronously.
 * - limit: `JSON.stringify` of every line, then all bytes in one write to one file.
 * - copy: this very build again, loaded from a copy of `dist/` (its own module instances, as a
 *   `--compare` build has). Its ratio is the bias of a side-by-side ratio in this scenario on
 *   this machine, at this load: a build against itself. Read every other ratio against it,
 *   a `--compare` ratio above all (a build against a copy of itself came out at 0.79 to 0.92
 *   at 10 KB; what differs from it by less than its spread is not a measured difference).
 *
 * A pass is timed until its last byte is in the page cache (close has resolved), not queued.
 * The volume is cut into `slices` passes per contender; contenders alternate slice by slice
 * (rotated, so none always runs first), which keeps each ratio a comparison of neighbours in
 * time on a machine whose load changes by the second. Throughput is total bytes over total
 * time; each ratio is the median of the per-slice ratios, with its interquartile range.
 *
 * Besides wall time, each pass's CPU time (user + system, all threads of the process) is
 * recorded: on a shared machine it varies far less than wall time, and it is what logging
 * takes away from everything else running there. `cpuRatios` compare that cost. So is the main
 * thread's own CPU time, deferred work included: what the rollout loop itself loses, per line.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { pino } from "pino";
import { TrajectoryLogger } from "../../dist/index.js";
import { floorIteration, floorStart, floorWrite } from "./floor.mjs";
import { makeWorkload } from "./workload.mjs";
import { collect, loadAverage, mainThreadCpuNs, mainThreadCpuSource, median, nextTurn, quantile, ratioSpread, rotate, sig } from "./stats.mjs";

export const CONTENDERS = ["trajlog", "pino", "naive", "floor", "limit", "copy"];

/** The repository root: its `dist/` is the build measured, its `package.json` beside it. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * Options: `lineBytes`, `minBytes` written per contender in all, `slices`, `workDir`, and optionally
 * `compare`: another build's `dist/` folder, run as one more contender ("compare") so that a
 * change can be measured side by side with the code before it.
 */
export async function run({ lineBytes, minBytes, slices, workDir, compare, sessions, iterations }) {
  const loadBefore = loadAverage();
  const contenders = [...CONTENDERS];
  const copy = await import(pathToFileURL(path.join(copyOfBuild(workDir), "index.js")).href);
  PASSES.copy = (rollouts, rounds, dir) => trajlogPass(copy.TrajectoryLogger, rollouts, rounds, dir);
  if (compare) {
    const other = await import(pathToFileURL(path.resolve(compare, "index.js")).href);
    PASSES.compare = (rollouts, rounds, dir) => trajlogPass(other.TrajectoryLogger, rollouts, rounds, dir);
    contenders.push("compare");
  }
  const workload = makeWorkload({ lineBytes, sessions, iterations });
  const { rollouts } = workload;
  const roundBytes = roundPayloadBytes(rollouts);
  const rounds = Math.max(1, Math.ceil(minBytes / slices / roundBytes));
  const linesPerRound = rollouts.reduce((n, r) => n + r.inputs.length + 2, 0);
  const payload = { bytes: roundBytes * rounds * slices, lines: linesPerRound * rounds * slices };
  const passes = Object.fromEntries(contenders.map((c) => [c, []]));
  const cpu = Object.fromEntries(contenders.map((c) => [c, []]));
  const mainCpu = Object.fromEntries(contenders.map((c) => [c, []]));
  const checks = {};

  // One untimed pass each: JIT warm-up, and the code paths checked for completeness.
  for (const name of contenders) {
    await timedPass(name, { rollouts, rounds: 1, workDir });
  }
  for (let rep = 0; rep < slices; rep++) {
    for (const name of rotate(contenders, rep)) {
      const pass = await timedPass(name, { rollouts, rounds, workDir });
      passes[name].push(pass.seconds);
      cpu[name].push(pass.cpuSeconds);
      mainCpu[name].push(pass.mainThreadSeconds);
      checks[name] = pass.check;
    }
  }

  const result = {
    lineBytes,
    meanIterationBytes: Math.round(workload.meanIterationBytes),
    sessions: rollouts.length,
    iterations: rollouts[0].inputs.length,
    roundsPerSlice: rounds,
    slices,
    payloadMB: sig(payload.bytes / 1e6),
    lines: payload.lines,
    linesPerSlice: linesPerRound * rounds,
    cpuSource: mainThreadCpuSource(),
    contenders: {},
    ratios: {},
  };
  const lines = linesPerRound * rounds;
  for (const name of contenders) {
    const seconds = passes[name].reduce((a, b) => a + b, 0);
    const cpuSeconds = cpu[name].reduce((a, b) => a + b, 0);
    result.contenders[name] = {
      seconds: sig(seconds, 4),
      cpuSeconds: sig(cpuSeconds, 4),
      MBps: sig(payload.bytes / 1e6 / seconds),
      linesPerSec: sig(payload.lines / seconds),
      // Median over slices of the main thread's CPU time per line, deferred work included.
      mainThreadUsPerLine: sig((median(mainCpu[name]) / lines) * 1e6),
      ...checks[name],
    };
  }
  // Ratio of throughputs = inverse ratio of times, per slice, then the median.
  result.ratioIqr = {};
  result.cpuRatios = {};
  result.cpuRatioIqr = {};
  for (const other of contenders.slice(1)) {
    const perSlice = passes.trajlog.map((t, i) => passes[other][i] / t);
    result.ratios[`trajlog/${other}`] = sig(median(perSlice));
    result.ratioIqr[`trajlog/${other}`] = [sig(quantile(perSlice, 0.25)), sig(quantile(perSlice, 0.75))];
    const cpuPerSlice = cpu.trajlog.map((t, i) => cpu[other][i] / t);
    result.cpuRatios[`trajlog/${other}`] = sig(median(cpuPerSlice));
    result.cpuRatioIqr[`trajlog/${other}`] = [sig(quantile(cpuPerSlice, 0.25)), sig(quantile(cpuPerSlice, 0.75))];
  }
  // Main-thread CPU, trajlog's over the other's (above 1: trajlog takes more of the loop's thread).
  result.mainThreadRatios = {};
  for (const other of contenders.slice(1)) {
    result.mainThreadRatios[`trajlog/${other}`] = ratioSpread(mainCpu.trajlog, mainCpu[other]);
  }
  result.loadAverage = { before: loadBefore, after: loadAverage() };
  return result;
}

/**
 * A copy of this build's `dist/` (with the `package.json` it reads its version from) under the
 * work directory, which lies inside the repository, so that the copy finds the same
 * `node_modules`. Returns the copy's `dist/` folder.
 */
function copyOfBuild(workDir) {
  const root = path.join(workDir, `build-copy-${process.pid}`);
  fs.rmSync(root, { recursive: true, force: true });
  fs.cpSync(path.join(ROOT, "dist"), path.join(root, "dist"), { recursive: true });
  fs.copyFileSync(path.join(ROOT, "package.json"), path.join(root, "package.json"));
  return path.join(root, "dist");
}

/** Bytes of one round's lines as `JSON.stringify` writes them: what every contender must write. */
function roundPayloadBytes(rollouts) {
  let bytes = 0;
  for (const r of rollouts) {
    for (const line of [r.lines.metadata, ...r.lines.iterations, r.lines.summary]) {
      bytes += Buffer.byteLength(JSON.stringify(line)) + 1;
    }
  }
  return bytes;
}

let passCount = 0;

/**
 * One timed pass into a fresh directory. Files are left in place: bench/run.mjs deletes its
 * work directory when the whole run is over. For a minute or more after a mass deletion, ext4
 * spends most of each file creation looking for an inode that was not freed recently
 * (`recently_deleted`, seen in `perf`), a cost a training run, which does not delete files
 * as it logs, never pays.
 */
async function timedPass(name, { rollouts, rounds, workDir }) {
  const dir = path.join(workDir, `throughput-${process.pid}`, `${name}-${passCount++}`);
  fs.mkdirSync(dir, { recursive: true });
  collect();
  const cpuBefore = process.cpuUsage();
  const mainBefore = mainThreadCpuNs();
  const started = process.hrtime.bigint();
  const extra = await PASSES[name](rollouts, rounds, dir);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const mainThreadSeconds = (mainThreadCpuNs() - mainBefore) / 1e9;
  const cpuUsed = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpuUsed.user + cpuUsed.system) / 1e6;
  const check = { bytesOnDisk: diskBytes(dir), ...extra };
  return { seconds, cpuSeconds, mainThreadSeconds, check };
}

const PASSES = {
  trajlog(rollouts, rounds, dir) {
    return trajlogPass(TrajectoryLogger, rollouts, rounds, dir);
  },

  async pino(rollouts, rounds, dir) {
    const closed = [];
    for (let round = 0; round < rounds; round++) {
      const roundDir = path.join(dir, `step_${round}`);
      fs.mkdirSync(roundDir, { recursive: true });
      const dests = rollouts.map((_, s) => pino.destination({ dest: path.join(roundDir, `${s}.jsonl`), sync: false }));
      // The leanest pino: no pid/hostname/time fields, so it writes little more than the record.
      const loggers = dests.map((d) => pino({ base: null, timestamp: false }, d));
      for (let s = 0; s < loggers.length; s++) loggers[s].info(rollouts[s].lines.metadata);
      const iterations = rollouts[0].lines.iterations.length;
      for (let i = 0; i < iterations; i++) {
        for (let s = 0; s < loggers.length; s++) loggers[s].info(rollouts[s].lines.iterations[i]);
        await nextTurn();
      }
      for (let s = 0; s < loggers.length; s++) {
        loggers[s].info(rollouts[s].lines.summary);
        closed.push(new Promise((resolve) => dests[s].once("close", resolve)));
        dests[s].end();
      }
    }
    await Promise.all(closed);
    return {};
  },

  async naive(rollouts, rounds, dir) {
    for (let round = 0; round < rounds; round++) {
      const roundDir = path.join(dir, `step_${round}`);
      fs.mkdirSync(roundDir, { recursive: true });
      const files = rollouts.map((_, s) => path.join(roundDir, `${s}.jsonl`));
      for (let s = 0; s < files.length; s++) fs.appendFileSync(files[s], `${JSON.stringify(rollouts[s].lines.metadata)}\n`);
      const iterations = rollouts[0].lines.iterations.length;
      for (let i = 0; i < iterations; i++) {
        for (let s = 0; s < files.length; s++) {
          fs.appendFileSync(files[s], `${JSON.stringify(rollouts[s].lines.iterations[i])}\n`);
        }
        await nextTurn();
      }
      for (let s = 0; s < files.length; s++) fs.appendFileSync(files[s], `${JSON.stringify(rollouts[s].lines.summary)}\n`);
    }
    return {};
  },

  async floor(rollouts, rounds, dir) {
    for (let round = 0; round < rounds; round++) {
      const roundDir = path.join(dir, `step_${round}`);
      fs.mkdirSync(roundDir, { recursive: true });
      const texts = floorStart(rollouts);
      const iterations = rollouts[0].lines.iterations.length;
      for (let i = 0; i < iterations; i++) {
        floorIteration(rollouts, texts, i);
        await nextTurn();
      }
      floorWrite(rollouts, texts, roundDir);
    }
    return {};
  },

  async limit(rollouts, rounds, dir) {
    // Each line is encoded straight into large buffers (no joined string, no copy), then
    // all of them go out in one writev: one system call for all the bytes.
    const out = new ChunkedBuffer();
    for (let round = 0; round < rounds; round++) {
      for (const r of rollouts) out.write(`${JSON.stringify(r.lines.metadata)}\n`);
      const iterations = rollouts[0].lines.iterations.length;
      for (let i = 0; i < iterations; i++) {
        for (const r of rollouts) out.write(`${JSON.stringify(r.lines.iterations[i])}\n`);
      }
      for (const r of rollouts) out.write(`${JSON.stringify(r.lines.summary)}\n`);
    }
    const fd = fs.openSync(path.join(dir, "all.jsonl"), "w");
    try {
      writevAll(fd, out.chunks());
    } finally {
      fs.closeSync(fd);
    }
    return {};
  },
};

/** UTF-8 text appended into 32 MiB buffers, each string encoded once, in place. */
class ChunkedBuffer {
  #full = [];
  #buf = Buffer.allocUnsafe(32 * 1024 * 1024);
  #used = 0;

  write(text) {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8.
    if (this.#used + text.length * 3 > this.#buf.length) {
      this.#full.push(this.#buf.subarray(0, this.#used));
      this.#buf = Buffer.allocUnsafe(Math.max(this.#buf.length, text.length * 3));
      this.#used = 0;
    }
    this.#used += this.#buf.write(text, this.#used, "utf8");
  }

  chunks() {
    return [...this.#full, this.#buf.subarray(0, this.#used)];
  }
}

/** One trajlog pass; `Logger` is this build's TrajectoryLogger or the one compared with. */
async function trajlogPass(Logger, rollouts, rounds, dir) {
  const logger = new Logger({ logDir: dir, experimentName: "bench", sampleRate: 1 });
  const ends = [];
  for (let round = 0; round < rounds; round++) {
    const sessions = rollouts.map((r) => logger.startSession({ ...r.start, trainingStep: round }));
    const iterations = rollouts[0].inputs.length;
    for (let i = 0; i < iterations; i++) {
      for (let s = 0; s < sessions.length; s++) sessions[s].logIteration(rollouts[s].inputs[i]);
      await nextTurn();
    }
    for (let s = 0; s < sessions.length; s++) ends.push(sessions[s].finalize(rollouts[s].summary));
  }
  await Promise.all(ends);
  await logger.close();
  const stats = logger.stats();
  return { linesWritten: stats.linesWritten, linesDropped: stats.linesDropped, linesFailed: stats.linesFailed };
}

function writevAll(fd, buffers) {
  let pending = buffers;
  while (pending.length > 0) {
    let n = fs.writevSync(fd, pending.slice(0, 1024));
    if (n <= 0) throw new Error("writev made no progress");
    const rest = [];
    for (const b of pending) {
      if (n >= b.length) n -= b.length;
      else {
        rest.push(n > 0 ? b.subarray(n) : b);
        n = 0;
      }
    }
    pending = rest;
  }
}

function diskBytes(dir) {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath ?? entry.path, entry.name)).size;
  }
  return total;
}
