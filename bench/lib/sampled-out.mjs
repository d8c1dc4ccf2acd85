/**
 * Scenario 3, sampled out: what a rollout costs when it is not logged. `startSession` + 15
 * `logIteration` + `finalize`, against the same calls on an empty object whose methods do
 * nothing; both build the same arguments, so the difference is trajlog's own work. Three
 * settings:
 *
 * - `rate 0`: nothing is logged; whole batches are timed.
 * - `rate 0.1, no seed`: one rollout in ten is logged (into the work directory); each rollout
 *   is timed on its own and only the sampled-out ones are kept.
 * - `rate 0.1, seed`: the decision is a function of the rollout's identity (step, instance,
 *   rollout id); the identities are chosen beforehand among those the sampler leaves out, and
 *   each rollout is timed on its own like the unseeded ones.
 *
 * Batches of trajlog and the empty object alternate; the figure is the median over batches of
 * (trajlog's median - the empty object's median), with its interquartile range.
 */
import fs from "node:fs";
import path from "node:path";
import { NULL_SESSION, TrajectoryLogger } from "../../dist/index.js";
import { makeWorkload } from "./workload.mjs";
import { collect, loadAverage, median, nowNs, sig, spread } from "./stats.mjs";

const ITERATIONS = 15;
const WARMUP = 5;

/** The settings measured: their names in the results, and the logger options of each. */
export const SETTINGS = {
  "rate 0": { sampleRate: 0, seed: 1, perRollout: false },
  "rate 0.1, no seed": { sampleRate: 0.1, perRollout: true },
  "rate 0.1, seed": { sampleRate: 0.1, seed: 1, perRollout: true },
};

/** Options: `batches` of `rollouts` rollouts each, per contender and setting; `workDir`. */
export async function run({ batches, rollouts: perBatch, workDir }) {
  const loadBefore = loadAverage();
  const { rollouts } = makeWorkload({ lineBytes: 2048, sessions: 8, iterations: ITERATIONS });
  const dir = path.join(workDir, `sampled-out-${process.pid}`);
  const out = { rolloutsPerBatch: perBatch, batches, settings: {} };
  for (const [name, setting] of Object.entries(SETTINGS)) {
    const logger = new TrajectoryLogger({
      logDir: path.join(dir, String(Object.keys(out.settings).length)),
      experimentName: "bench",
      sampleRate: setting.sampleRate,
      ...(setting.seed === undefined ? {} : { seed: setting.seed }),
    });
    const contenders = { trajlog: logger, empty: EMPTY };
    const medians = { trajlog: [], empty: [] };
    collect();
    for (let b = 0; b < batches + WARMUP; b++) {
      const ids = setting.seed !== undefined && setting.sampleRate > 0 ? sampledOutIds(logger, rollouts, perBatch, b) : null;
      for (const who of b % 2 === 0 ? ["trajlog", "empty"] : ["empty", "trajlog"]) {
        const ns = setting.perRollout
          ? median(perRolloutNs(contenders[who], rollouts, perBatch, b, ids))
          : batchNs(contenders[who], rollouts, perBatch, b) / perBatch;
        if (b >= WARMUP) medians[who].push(ns);
      }
    }
    await logger.close();
    const stats = logger.stats();
    out.settings[name] = {
      trajlogNsPerRollout: sig(median(medians.trajlog)),
      emptyNsPerRollout: sig(median(medians.empty)),
      overheadNsPerRollout: spread(medians.trajlog.map((t, i) => t - medians.empty[i])),
      sessionsLogged: stats.sessionsLogged,
      sessionsSampledOut: stats.sessionsSampledOut,
    };
  }
  fs.rmSync(dir, { recursive: true, force: true });
  out.loadAverage = { before: loadBefore, after: loadAverage() };
  return out;
}

const RESOLVED = Promise.resolve();

/** The do-nothing logger and session the calls are compared with. */
const EMPTY = {
  startSession(_options) {
    return this;
  },
  logIteration(_input) {},
  finalize(_input) {
    return RESOLVED;
  },
};

/** Nanoseconds for `count` rollouts against `target`, timed as one. */
function batchNs(target, rollouts, count, batchIndex) {
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

/**
 * Nanoseconds of each sampled-out rollout, each timed on its own. `ids` (seeded): the rollout
 * ids to use, all sampled out; else ids 0, 1, ... and whatever the sampler draws.
 */
function perRolloutNs(target, rollouts, count, batchIndex, ids) {
  const times = [];
  for (let n = 0; n < count; n++) {
    const r = rollouts[n % rollouts.length];
    const rolloutId = ids === null ? n : ids[n];
    const t0 = nowNs();
    const session = target.startSession({
      instanceId: r.start.instanceId,
      trainingStep: batchIndex,
      modelName: r.start.modelName,
      rolloutId,
    });
    for (let i = 0; i < ITERATIONS; i++) session.logIteration(r.inputs[i]);
    session.finalize(r.summary);
    const ns = nowNs() - t0;
    if (target === EMPTY || session === NULL_SESSION) times.push(ns);
  }
  return times;
}

/** `count` rollout ids that a seeded logger leaves out at this step (found before any timing). */
function sampledOutIds(logger, rollouts, count, batchIndex) {
  const ids = [];
  for (let id = 0; ids.length < count; id++) {
    const r = rollouts[ids.length % rollouts.length];
    if (!logger.shouldLog({ instanceId: r.start.instanceId, trainingStep: batchIndex, rolloutId: String(id) })) ids.push(id);
  }
  return ids;
}
