/**
 * Scenario 3, sampled out: what a rollout costs when it is not logged (sample rate 0):
 * `startSession` + 15 `logIteration` + `finalize`, against the same calls on an empty
 * object whose methods do nothing. Both loops build the same arguments, so the difference
 * is trajlog's own work. Batches of the two alternate; the medians are compared.
 */
import { TrajectoryLogger } from "../../dist/index.js";
import { makeWorkload } from "./workload.mjs";
import { collect, median, nowNs, sig } from "./stats.mjs";

const ITERATIONS = 15;

/** Options: `batches` of `rollouts` rollouts each, per contender. */
export async function run({ batches, rollouts: perBatch }) {
  const { rollouts } = makeWorkload({ lineBytes: 2048, sessions: 8, iterations: ITERATIONS });
  const logger = new TrajectoryLogger({ sampleRate: 0, seed: 1 });
  const empty = {
    startSession(_options) {
      return this;
    },
    logIteration(_input) {},
    finalize(_input) {
      return RESOLVED;
    },
  };
  const contenders = { trajlog: logger, empty };
  const perRollout = { trajlog: [], empty: [] };
  collect();
  for (let b = 0; b < batches + 5; b++) {
    for (const name of b % 2 === 0 ? ["trajlog", "empty"] : ["empty", "trajlog"]) {
      const ns = batch(contenders[name], rollouts, perBatch, b) / perBatch;
      if (b >= 5) perRollout[name].push(ns);
    }
  }
  const trajlog = median(perRollout.trajlog);
  const baseline = median(perRollout.empty);
  const stats = logger.stats();
  return {
    rolloutsPerBatch: perBatch,
    batches,
    trajlogNsPerRollout: sig(trajlog),
    emptyNsPerRollout: sig(baseline),
    overheadNsPerRollout: sig(trajlog - baseline),
    sessionsLogged: stats.sessionsLogged,
    sessionsSampledOut: stats.sessionsSampledOut,
  };
}

const RESOLVED = Promise.resolve();

/** Nanoseconds for `count` rollouts against `target`. */
function batch(target, rollouts, count, batchIndex) {
  const t0 = nowNs();
  for (let n = 0; n < count; n++) {
    const r = rollouts[n % rollouts.length];
    // A new training step now and then, as a training run has.
    const session = target.startSession({
      instanceId: r.start.instanceId,
      trainingStep: batchIndex,
      modelName: r.start.modelName,
    });
    for (let i = 0; i < ITERATIONS; i++) session.logIteration(r.inputs[i]);
    session.finalize(r.summary);
  }
  return nowNs() - t0;
}
