/**
 * Scenario 4, many sessions: 1,000 rollouts open at once logging 12 KB lines as fast as the
 * loop allows (one event-loop turn between steps), so the bytes offered per second exceed
 * what a slow writer can take and the buffer fills. Rollouts end at different steps (the
 * longest runs `iterations`, the shortest about half as many); each `finalize` is timed from
 * its call until its promise resolves (every line of the file written and the file closed),
 * and also from the end of the loop's turn that called it: a promise cannot resolve before the
 * turn that made it ends, and a turn here is a thousand `logIteration` calls, so the first
 * figure holds the loop's own time, the second only what the writer (or pino) adds to it.
 *
 * Reported: wall time, lines written and dropped, bytes offered per second by the loop and
 * bytes written per second, finalize p50 / p99 / max, and the peak count of descriptors the
 * process holds (/proc/self/fd, sampled every millisecond and after every step), for trajlog
 * (which caps its descriptors) and for pino with one destination per file, each in a fresh
 * process; with `compare`, also for another build of trajlog (its `dist/` folder). bench/run.mjs
 * puts the disk's own rate (disk-rate.mjs) beside it.
 */
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { pino } from "pino";
import { DEFAULT_MAX_OPEN_FILES, TrajectoryLogger } from "../../dist/index.js";
import { makeWorkload, rolloutBytes } from "./workload.mjs";
import { collect, loadAverage, median, nextTurn, nowNs, openFds, quantile, sig } from "./stats.mjs";

/** Options: `contender` ("trajlog" | "pino" | "compare"), `sessions`, `iterations`, `lineBytes`, `workDir`, `compare`. */
export async function run({ contender, sessions, iterations, lineBytes = 12288, workDir, compare }) {
  const loadBefore = loadAverage();
  const { rollouts, meanIterationBytes } = makeWorkload({ lineBytes, sessions: 50, iterations });
  const dir = path.join(workDir, `many-${contender}-${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  // Session s runs `lengths[s]` iterations: between about half of `iterations` and all of them.
  const half = Math.ceil(iterations / 2);
  const lengths = Array.from({ length: sessions }, (_, s) => iterations - ((s * 7) % half));
  let offeredBytes = 0;
  for (let s = 0; s < sessions; s++) {
    const r = rollouts[s % rollouts.length];
    offeredBytes += rolloutBytes(r) - r.iterationBytes.slice(lengths[s]).reduce((a, b) => a + b, 0);
  }
  collect();
  const before = openFds();
  let peak = before;
  const sample = () => {
    peak = Math.max(peak, openFds());
  };
  const timer = setInterval(sample, 1);
  const started = nowNs();
  const Logger =
    contender === "compare" ? (await import(pathToFileURL(path.resolve(compare, "index.js")).href)).TrajectoryLogger : TrajectoryLogger;
  const pass = contender === "pino" ? PASSES.pino : PASSES.trajlog;
  const extra = await pass({ Logger, rollouts, sessions, lengths, iterations, dir, sample });
  const seconds = (nowNs() - started) / 1e9;
  clearInterval(timer);
  sample();
  fs.rmSync(dir, { recursive: true, force: true });
  const f = extra.finalizeMs;
  const a = extra.afterTurnMs;
  delete extra.finalizeMs;
  delete extra.afterTurnMs;
  return {
    contender,
    sessions,
    iterations,
    meanIterationBytes: Math.round(meanIterationBytes),
    seconds: sig(seconds),
    loopSeconds: sig(extra.loopSeconds),
    offeredMB: sig(offeredBytes / 1e6),
    // What the loop handed over per second of its own running time, and what reached the files.
    offeredMBps: sig(offeredBytes / 1e6 / extra.loopSeconds),
    writtenMBps: sig((extra.bytesWritten ?? offeredBytes) / 1e6 / seconds),
    finalizeMs: { p50: sig(median(f)), p99: sig(quantile(f, 0.99)), max: sig(Math.max(...f)), n: f.length },
    afterTurnMs: { p50: sig(median(a)), p99: sig(quantile(a, 0.99)), max: sig(Math.max(...a)), n: a.length },
    fdsBefore: before,
    peakFds: peak,
    peakExtraFds: peak - before,
    ...extra,
    loadAverage: { before: loadBefore, after: loadAverage() },
  };
}

const PASSES = {
  async trajlog({ Logger, rollouts, sessions, lengths, iterations, dir, sample }) {
    const logger = new Logger({ logDir: dir, experimentName: "bench", sampleRate: 1 });
    const open = [];
    for (let s = 0; s < sessions; s++) {
      const r = rollouts[s % rollouts.length];
      open.push(logger.startSession({ ...r.start, instanceId: `${r.start.instanceId}-${s}` }));
    }
    const finalizeMs = [];
    const afterTurnMs = [];
    const ends = [];
    let peakOpenFiles = 0;
    const loopStarted = nowNs();
    for (let i = 0; i < iterations; i++) {
      const turn = { end: 0 };
      for (let s = 0; s < sessions; s++) {
        if (i >= lengths[s]) continue;
        const r = rollouts[s % rollouts.length];
        open[s].logIteration(r.inputs[i]);
        if (i === lengths[s] - 1) {
          const t0 = nowNs();
          ends.push(open[s].finalize(r.summary).then(() => timed(t0, turn, finalizeMs, afterTurnMs)));
        }
      }
      turn.end = nowNs();
      await nextTurn();
      sample();
      peakOpenFiles = Math.max(peakOpenFiles, logger.stats().openFiles);
    }
    const loopSeconds = (nowNs() - loopStarted) / 1e9;
    await Promise.all(ends);
    await logger.close();
    const stats = logger.stats();
    return {
      loopSeconds,
      finalizeMs,
      afterTurnMs,
      maxOpenFiles: DEFAULT_MAX_OPEN_FILES,
      writerPeakOpenFiles: peakOpenFiles,
      bytesWritten: stats.bytesWritten,
      linesWritten: stats.linesWritten,
      linesDropped: stats.linesDropped,
      linesFailed: stats.linesFailed,
    };
  },

  async pino({ rollouts, sessions, lengths, iterations, dir, sample }) {
    const dests = [];
    const loggers = [];
    for (let s = 0; s < sessions; s++) {
      const d = pino.destination({ dest: path.join(dir, `${s}.jsonl`), sync: false });
      dests.push(d);
      loggers.push(pino({ base: null, timestamp: false }, d));
      loggers[s].info(rollouts[s % rollouts.length].lines.metadata);
    }
    const finalizeMs = [];
    const afterTurnMs = [];
    const ends = [];
    const loopStarted = nowNs();
    for (let i = 0; i < iterations; i++) {
      const turn = { end: 0 };
      for (let s = 0; s < sessions; s++) {
        if (i >= lengths[s]) continue;
        const r = rollouts[s % rollouts.length];
        loggers[s].info(r.lines.iterations[i]);
        if (i === lengths[s] - 1) {
          const t0 = nowNs();
          loggers[s].info(r.lines.summary);
          ends.push(new Promise((resolve) => dests[s].once("close", resolve)).then(() => timed(t0, turn, finalizeMs, afterTurnMs)));
          dests[s].end();
        }
      }
      turn.end = nowNs();
      await nextTurn();
      sample();
    }
    const loopSeconds = (nowNs() - loopStarted) / 1e9;
    await Promise.all(ends);
    return { loopSeconds, finalizeMs, afterTurnMs };
  },
};

/**
 * Records a finished `finalize` (or pino's end → close) called at `t0` in `turn`: from the call,
 * and from the end of that turn (set before the turn yields, so always before this runs).
 */
function timed(t0, turn, finalizeMs, afterTurnMs) {
  const now = nowNs();
  finalizeMs.push((now - t0) / 1e6);
  afterTurnMs.push((now - turn.end) / 1e6);
}
