/**
 * Scenario 4, many sessions: 1,000 rollouts open at once, 5 iterations each. Wall time and
 * the peak count of descriptors the process holds (/proc/self/fd, sampled every millisecond
 * and after every step), for trajlog (which caps its descriptors) and for pino with one
 * destination per file (one descriptor per open session), each in a fresh process.
 */
import fs from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { TrajectoryLogger } from "../../dist/index.js";
import { makeWorkload } from "./workload.mjs";
import { collect, nextTurn, openFds, sig } from "./stats.mjs";

/** Options: `contender` ("trajlog" | "pino"), `sessions`, `iterations`, `workDir`. */
export async function run({ contender, sessions, iterations, workDir }) {
  const { rollouts } = makeWorkload({ lineBytes: 2048, sessions: 50, iterations });
  const dir = path.join(workDir, `many-${contender}-${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  collect();
  const before = openFds();
  let peak = before;
  const sample = () => {
    peak = Math.max(peak, openFds());
  };
  const timer = setInterval(sample, 1);
  const started = process.hrtime.bigint();
  const extra = await PASSES[contender]({ rollouts, sessions, iterations, dir, sample });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(timer);
  sample();
  fs.rmSync(dir, { recursive: true, force: true });
  return { contender, sessions, iterations, seconds: sig(seconds), fdsBefore: before, peakFds: peak, peakExtraFds: peak - before, ...extra };
}

const PASSES = {
  async trajlog({ rollouts, sessions, iterations, dir, sample }) {
    const logger = new TrajectoryLogger({ logDir: dir, experimentName: "bench", sampleRate: 1 });
    const open = [];
    for (let s = 0; s < sessions; s++) {
      const r = rollouts[s % rollouts.length];
      open.push(logger.startSession({ ...r.start, instanceId: `${r.start.instanceId}-${s}` }));
    }
    let peakOpenFiles = 0;
    for (let i = 0; i < iterations; i++) {
      for (let s = 0; s < sessions; s++) open[s].logIteration(rollouts[s % rollouts.length].inputs[i]);
      await nextTurn();
      sample();
      peakOpenFiles = Math.max(peakOpenFiles, logger.stats().openFiles);
    }
    await Promise.all(open.map((session, s) => session.finalize(rollouts[s % rollouts.length].summary)));
    await logger.close();
    const stats = logger.stats();
    return {
      maxOpenFiles: 128,
      writerPeakOpenFiles: peakOpenFiles,
      linesWritten: stats.linesWritten,
      linesDropped: stats.linesDropped,
      linesFailed: stats.linesFailed,
    };
  },

  async pino({ rollouts, sessions, iterations, dir, sample }) {
    const dests = [];
    const loggers = [];
    for (let s = 0; s < sessions; s++) {
      const d = pino.destination({ dest: path.join(dir, `${s}.jsonl`), sync: false });
      dests.push(d);
      loggers.push(pino({ base: null, timestamp: false }, d));
      loggers[s].info(rollouts[s % rollouts.length].lines.metadata);
    }
    for (let i = 0; i < iterations; i++) {
      for (let s = 0; s < sessions; s++) loggers[s].info(rollouts[s % rollouts.length].lines.iterations[i]);
      await nextTurn();
      sample();
    }
    await Promise.all(
      dests.map((d, s) => {
        loggers[s].info(rollouts[s % rollouts.length].lines.summary);
        const closed = new Promise((resolve) => d.once("close", resolve));
        d.end();
        return closed;
      }),
    );
    return {};
  },
};
