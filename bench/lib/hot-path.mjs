/**
 * Scenario 2, hot path and loop cost, at one line size, for plain and realistic messages.
 *
 * - Hot path: how long one `logIteration` call holds the loop, against a warm `JSON.stringify`
 *   of the same record (stringified once untimed just before, so its strings are flat and its
 *   shapes known, as they are to the logger, which has seen the messages before). The two are
 *   timed back to back, in alternating order, and the per-call ratio is kept.
 * - Loop cost: the main thread's CPU time per iteration line over a whole pass (its metadata and
 *   summary lines included), from the first
 *   `startSession` until every line is written (`flush()` resolved): the call itself and every
 *   deferred piece of work the loop thread does for it (encoding, write callbacks, collection),
 *   against the per-file floor, which does the least any one-file-per-session logger must:
 *   `JSON.stringify` of every line, then one open, one write and one close per session file,
 *   synchronously on the main thread.
 *
 * Rounds alternate the shapes and, within a shape, the order of trajlog and the floor; every
 * ratio is a median of per-round (or per-call) ratios with its interquartile range. The loop
 * awaits `flush()` after every step, as a loop awaiting its model lets the writer finish.
 */
import fs from "node:fs";
import path from "node:path";
import { DEFAULT_MAX_LINE_BYTES, TrajectoryLogger } from "../../dist/index.js";
import { SHAPES, makeWorkload } from "./workload.mjs";
import {
  collect,
  loadAverage,
  mainThreadCpuNs,
  mainThreadCpuSource,
  median,
  nowNs,
  quantile,
  ratioSpread,
  sig,
  spread,
} from "./stats.mjs";

/**
 * Options: `lineBytes`, `sessions`, `iterations`, `rounds`, `warmup` (untimed rounds first),
 * optional `minLineBytes` / `maxLineBytes` (see makeWorkload), `shapes`, `workDir`.
 */
export async function run({ lineBytes, sessions, iterations, rounds, warmup = 1, minLineBytes, maxLineBytes, shapes = SHAPES, workDir }) {
  const loadBefore = loadAverage();
  const dir = path.join(workDir, `hot-path-${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const perShape = {};
  for (const shape of shapes) {
    const workload = makeWorkload({ lineBytes, sessions, iterations, shape, minLineBytes, maxLineBytes });
    perShape[shape] = {
      workload,
      logger: new TrajectoryLogger({ logDir: path.join(dir, shape), experimentName: "bench", sampleRate: 1 }),
      calls: [],
      roundNsPerByte: [],
      trajlogCpu: [],
      floorCpu: [],
      step: 0,
    };
  }
  for (let round = 0; round < warmup + rounds; round++) {
    const timed = round >= warmup;
    for (let k = 0; k < shapes.length; k++) {
      const s = perShape[shapes[(round + k) % shapes.length]];
      const calls = await timedPass(s);
      if (!timed) continue;
      s.calls.push(...calls);
      s.roundNsPerByte.push(median(calls.map((c) => c.logNs / c.bytes)));
      // Trajlog and the floor, in alternating order from round to round.
      const pair = round % 2 === 0 ? ["trajlog", "floor"] : ["floor", "trajlog"];
      for (const who of pair) {
        const perLine = who === "trajlog" ? await trajlogCpuPass(s) : floorCpuPass(s, path.join(dir, `floor-${round}-${k}`));
        (who === "trajlog" ? s.trajlogCpu : s.floorCpu).push(perLine);
      }
    }
  }
  const out = { lineBytes, sessions, iterations, rounds, cpuSource: mainThreadCpuSource(), shapes: {} };
  for (const shape of shapes) {
    const s = perShape[shape];
    await s.logger.close();
    const stats = s.logger.stats();
    const log = s.calls.map((c) => c.logNs);
    const str = s.calls.map((c) => c.stringifyNs);
    const capped = s.calls.filter((c) => c.bytes > DEFAULT_MAX_LINE_BYTES);
    out.shapes[shape] = {
      meanIterationBytes: Math.round(s.workload.meanIterationBytes),
      minIterationBytes: s.workload.minIterationBytes,
      maxIterationBytes: s.workload.maxIterationBytes,
      calls: s.calls.length,
      callsAboveLineCap: capped.length,
      logIterationUs: { p50: us(median(log)), p99: us(quantile(log, 0.99)), max: us(Math.max(...log)) },
      stringifyUs: { p50: us(median(str)), p99: us(quantile(str, 0.99)), max: us(Math.max(...str)) },
      // Per call: the same record both ways, back to back.
      "logIteration/stringify": ratioSpread(log, str),
      logIterationNsPerKB: spread(s.roundNsPerByte.map((x) => x * 1024)),
      mainThreadUsPerIteration: { trajlog: spread(s.trajlogCpu.map(us)), floor: spread(s.floorCpu.map(us)) },
      "mainThread trajlog/floor": ratioSpread(s.trajlogCpu, s.floorCpu),
      linesWritten: stats.linesWritten,
      linesDropped: stats.linesDropped,
      truncations: stats.truncations,
    };
  }
  if (shapes.includes("plain") && shapes.includes("realistic")) {
    const p = perShape.plain;
    const r = perShape.realistic;
    out["realistic/plain"] = {
      // Per byte: the two shapes' lines are close in size, not equal.
      logIterationPerByte: ratioSpread(r.roundNsPerByte, p.roundNsPerByte),
      mainThreadPerByte: ratioSpread(
        r.trajlogCpu.map((x) => x / r.workload.meanIterationBytes),
        p.trajlogCpu.map((x) => x / p.workload.meanIterationBytes),
      ),
    };
  }
  fs.rmSync(dir, { recursive: true, force: true });
  out.loadAverage = { before: loadBefore, after: loadAverage() };
  return out;
}

/** One round of every rollout with each call timed, and a warm stringify of its record beside it. */
async function timedPass(s) {
  const { rollouts } = s.workload;
  const step = s.step++;
  const sessions = rollouts.map((r) => s.logger.startSession({ ...r.start, trainingStep: step }));
  const calls = [];
  let sink = 0;
  collect();
  for (let i = 0; i < rollouts[0].inputs.length; i++) {
    for (let k = 0; k < sessions.length; k++) {
      const input = rollouts[k].inputs[i];
      const line = rollouts[k].lines.iterations[i];
      sink += JSON.stringify(line).length; // the warm-up of the reference
      let stringifyNs;
      let logNs;
      let t0;
      if ((k + i + step) % 2 === 0) {
        t0 = nowNs();
        sink += JSON.stringify(line).length;
        stringifyNs = nowNs() - t0;
        t0 = nowNs();
        sessions[k].logIteration(input);
        logNs = nowNs() - t0;
      } else {
        t0 = nowNs();
        sessions[k].logIteration(input);
        logNs = nowNs() - t0;
        t0 = nowNs();
        sink += JSON.stringify(line).length;
        stringifyNs = nowNs() - t0;
      }
      calls.push({ logNs, stringifyNs, bytes: rollouts[k].iterationBytes[i] });
    }
    await s.logger.flush();
  }
  await Promise.all(sessions.map((session, k) => session.finalize(rollouts[k].summary)));
  if (sink === 0) throw new Error("unreachable: keeps the stringify calls");
  return calls;
}

/** Main-thread CPU per line of one untimed round, until every line is written. */
async function trajlogCpuPass(s) {
  const { rollouts } = s.workload;
  const step = s.step++;
  collect();
  const before = mainThreadCpuNs();
  const sessions = rollouts.map((r) => s.logger.startSession({ ...r.start, trainingStep: step }));
  for (let i = 0; i < rollouts[0].inputs.length; i++) {
    for (let k = 0; k < sessions.length; k++) sessions[k].logIteration(rollouts[k].inputs[i]);
    await s.logger.flush();
  }
  await Promise.all(sessions.map((session, k) => session.finalize(rollouts[k].summary)));
  await s.logger.flush();
  return (mainThreadCpuNs() - before) / linesOf(rollouts);
}

/** The per-file floor: every line stringified as the loop makes it, one open/write/close per file. */
function floorCpuPass(s, dir) {
  const { rollouts } = s.workload;
  fs.mkdirSync(dir, { recursive: true });
  collect();
  const before = mainThreadCpuNs();
  const texts = rollouts.map((r) => [`${JSON.stringify(r.lines.metadata)}\n`]);
  for (let i = 0; i < rollouts[0].lines.iterations.length; i++) {
    for (let k = 0; k < rollouts.length; k++) texts[k].push(`${JSON.stringify(rollouts[k].lines.iterations[i])}\n`);
  }
  for (let k = 0; k < rollouts.length; k++) {
    texts[k].push(`${JSON.stringify(rollouts[k].lines.summary)}\n`);
    const fd = fs.openSync(path.join(dir, `${k}.jsonl`), "w");
    try {
      fs.writeSync(fd, texts[k].join(""));
    } finally {
      fs.closeSync(fd);
    }
  }
  // Files stay until the run ends: deleting many files makes the next creations slower on ext4.
  return (mainThreadCpuNs() - before) / linesOf(rollouts);
}

/** Iteration lines of a round: the CPU of its metadata and summary lines is shared among them. */
function linesOf(rollouts) {
  return rollouts.reduce((n, r) => n + r.inputs.length, 0);
}

function us(ns) {
  return sig(ns / 1e3);
}
