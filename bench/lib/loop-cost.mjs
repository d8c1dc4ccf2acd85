/**
 * Scenario 2, loop cost: how long the rollout loop is held inside `logIteration`, against
 * `JSON.stringify` of the same record alone (the cost no JSONL logger can avoid).
 *
 * Each record is timed both ways back to back, in alternating order, so both sides see the
 * same machine state; the event loop turns between steps so the writer works as it would in
 * a real loop (its background work is not charged to the call, which returns before it).
 */
import path from "node:path";
import fs from "node:fs";
import { TrajectoryLogger } from "../../dist/index.js";
import { makeWorkload } from "./workload.mjs";
import { collect, median, nextTurn, nowNs, quantile, sig } from "./stats.mjs";

/** Options: `lineBytes`, `rounds` of 32 rollouts timed, `workDir`. */
export async function run({ lineBytes, rounds, workDir }) {
  const { rollouts, meanIterationBytes } = makeWorkload({ lineBytes });
  const dir = path.join(workDir, `loop-cost-${process.pid}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const logger = new TrajectoryLogger({ logDir: dir, experimentName: "bench", sampleRate: 1 });
  const log = [];
  const stringify = [];
  const warmup = Math.max(1, Math.ceil(rounds / 5));
  let sink = 0;
  collect();
  for (let round = 0; round < warmup + rounds; round++) {
    const timed = round >= warmup;
    const sessions = rollouts.map((r) => logger.startSession({ ...r.start, trainingStep: round }));
    const iterations = rollouts[0].inputs.length;
    for (let i = 0; i < iterations; i++) {
      for (let s = 0; s < sessions.length; s++) {
        const input = rollouts[s].inputs[i];
        const line = rollouts[s].lines.iterations[i];
        const stringifyFirst = (s + i + round) % 2 === 0;
        let a = 0;
        let b = 0;
        if (stringifyFirst) {
          a = timeStringify(line);
          b = timeLog(sessions[s], input);
        } else {
          b = timeLog(sessions[s], input);
          a = timeStringify(line);
        }
        if (timed) {
          stringify.push(a);
          log.push(b);
        }
      }
      await nextTurn();
    }
    await Promise.all(sessions.map((session, s) => session.finalize(rollouts[s].summary)));
  }
  await logger.close();
  fs.rmSync(dir, { recursive: true, force: true });
  const stats = logger.stats();
  return {
    lineBytes,
    meanIterationBytes: Math.round(meanIterationBytes),
    calls: log.length,
    logIteration: { medianUs: sig(median(log) / 1e3), p99Us: sig(quantile(log, 0.99) / 1e3) },
    stringify: { medianUs: sig(median(stringify) / 1e3), p99Us: sig(quantile(stringify, 0.99) / 1e3) },
    ratios: {
      "logIteration/stringify median": sig(median(log) / median(stringify)),
      "logIteration/stringify p99": sig(quantile(log, 0.99) / quantile(stringify, 0.99)),
    },
    linesDropped: stats.linesDropped + sink,
  };

  function timeStringify(line) {
    const t0 = nowNs();
    const text = JSON.stringify(line);
    const t1 = nowNs();
    sink += text.length === 0 ? 1 : 0;
    return t1 - t0;
  }
}

function timeLog(session, input) {
  const t0 = nowNs();
  session.logIteration(input);
  return nowNs() - t0;
}
