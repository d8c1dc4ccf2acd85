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
 * With `compare` (another build's `dist/` folder), that build's logger is timed beside this one,
 * call by call and pass by pass, for before/after ratios of a change measured side by side.
 *
 * Rounds alternate the shapes and, within a shape, the order of trajlog and the floor; every
 * ratio is a median of per-round (or per-call) ratios with its interquartile range. The loop
 * awaits `flush()` after every step, as a loop awaiting its model lets the writer finish.
 */
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { DEFAULT_MAX_LINE_BYTES, TrajectoryLogger } from "../../dist/index.js";
import { floorIteration, floorStart, floorWrite } from "./floor.mjs";
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
  rotate,
  sig,
  spread,
} from "./stats.mjs";

/**
 * Options: `lineBytes`, `sessions`, `iterations`, `rounds`, `warmup` (untimed rounds first),
 * optional `minLineBytes` / `maxLineBytes` (see makeWorkload), `shapes`, `workDir`, `compare`.
 */
export async function run({ lineBytes, sessions, iterations, rounds, warmup = 1, minLineBytes, maxLineBytes, shapes = SHAPES, workDir, compare }) {
  const loadBefore = loadAverage();
  const Other = compare ? (await import(pathToFileURL(path.resolve(compare, "index.js")).href)).TrajectoryLogger : null;
  const dir = path.join(workDir, `hot-path-${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const perShape = {};
  for (const shape of shapes) {
    const workload = makeWorkload({ lineBytes, sessions, iterations, shape, minLineBytes, maxLineBytes });
    perShape[shape] = {
      workload,
      logger: new TrajectoryLogger({ logDir: path.join(dir, shape), experimentName: "bench", sampleRate: 1 }),
      other: Other && new Other({ logDir: path.join(dir, `${shape}-compare`), experimentName: "bench", sampleRate: 1 }),
      calls: [],
      roundNsPerByte: [],
      trajlogCpu: [],
      floorCpu: [],
      compareCpu: [],
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
      // Trajlog, the floor (and the other build), in turns from round to round.
      const passes = {
        trajlog: async () => s.trajlogCpu.push(await trajlogCpuPass(s, s.logger)),
        floor: async () => s.floorCpu.push(floorCpuPass(s, path.join(dir, `floor-${round}-${k}`))),
        ...(s.other ? { compare: async () => s.compareCpu.push(await trajlogCpuPass(s, s.other)) } : {}),
      };
      for (const who of rotate(Object.keys(passes), round)) await passes[who]();
    }
  }
  const out = { lineBytes, sessions, iterations, rounds, cpuSource: mainThreadCpuSource(), shapes: {} };
  for (const shape of shapes) {
    const s = perShape[shape];
    await s.logger.close();
    await s.other?.close();
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
    if (s.other) {
      const other = s.calls.map((c) => c.otherNs);
      out.shapes[shape].compare = {
        dist: path.resolve(compare),
        logIterationUs: { p50: us(median(other)), p99: us(quantile(other, 0.99)), max: us(Math.max(...other)) },
        mainThreadUsPerIteration: spread(s.compareCpu.map(us)),
        // This build over the other: below 1, this build is faster.
        "logIteration trajlog/compare": ratioSpread(log, other),
        "mainThread trajlog/compare": ratioSpread(s.trajlogCpu, s.compareCpu),
      };
    }
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
  const others = s.other ? rollouts.map((r) => s.other.startSession({ ...r.start, trainingStep: step })) : null;
  const calls = [];
  let sink = 0;
  collect();
  for (let i = 0; i < rollouts[0].inputs.length; i++) {
    for (let k = 0; k < sessions.length; k++) {
      const input = rollouts[k].inputs[i];
      const line = rollouts[k].lines.iterations[i];
      sink += JSON.stringify(line).length; // the warm-up of the reference
      // The same record each way, back to back, in an order that turns from call to call.
      const timed = { stringifyNs: 0, logNs: 0, otherNs: undefined };
      const ops = [
        () => {
          const t0 = nowNs();
          sink += JSON.stringify(line).length;
          timed.stringifyNs = nowNs() - t0;
        },
        () => {
          const t0 = nowNs();
          sessions[k].logIteration(input);
          timed.logNs = nowNs() - t0;
        },
      ];
      if (others !== null) {
        ops.push(() => {
          const t0 = nowNs();
          others[k].logIteration(input);
          timed.otherNs = nowNs() - t0;
        });
      }
      for (const op of rotate(ops, k + i + step)) op();
      const { logNs, stringifyNs, otherNs } = timed;
      calls.push({ logNs, stringifyNs, otherNs, bytes: rollouts[k].iterationBytes[i] });
    }
    await s.logger.flush();
    await s.other?.flush();
  }
  await Promise.all(sessions.map((session, k) => session.finalize(rollouts[k].summary)));
  if (others !== null) await Promise.all(others.map((session, k) => session.finalize(rollouts[k].summary)));
  if (sink === 0) throw new Error("unreachable: keeps the stringify calls");
  return calls;
}

/** Main-thread CPU per iteration of one untimed round with `logger`, until every line is written. */
async function trajlogCpuPass(s, logger) {
  const { rollouts } = s.workload;
  const step = s.step++;
  collect();
  const before = mainThreadCpuNs();
  const sessions = rollouts.map((r) => logger.startSession({ ...r.start, trainingStep: step }));
  for (let i = 0; i < rollouts[0].inputs.length; i++) {
    for (let k = 0; k < sessions.length; k++) sessions[k].logIteration(rollouts[k].inputs[i]);
    await logger.flush();
  }
  await Promise.all(sessions.map((session, k) => session.finalize(rollouts[k].summary)));
  await logger.flush();
  return (mainThreadCpuNs() - before) / linesOf(rollouts);
}

/** The per-file floor: every line stringified as the loop makes it, one open/write/close per file. */
function floorCpuPass(s, dir) {
  const { rollouts } = s.workload;
  fs.mkdirSync(dir, { recursive: true });
  collect();
  const before = mainThreadCpuNs();
  const texts = floorStart(rollouts);
  for (let i = 0; i < rollouts[0].lines.iterations.length; i++) floorIteration(rollouts, texts, i);
  floorWrite(rollouts, texts, dir);
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
