import { describe, expect, it } from "vitest";
import { advantage, computeGroup, computeStepStats, type StepStats } from "../../src/read/step-stats.js";
import type { SessionMeasures } from "../../src/read/session-facts.js";

function session(fields: Partial<SessionMeasures>): SessionMeasures {
  return {
    experiment: "e", trainingStep: 0, instanceId: "i", state: "completed", live: false, forced: false, reward: null,
    iterations: 1, inputTokens: 10, outputTokens: 2, iterationSeconds: 1, timedIterations: 1, ...fields,
  };
}

const EMPTY: Omit<StepStats, "experiment" | "step"> = {
  sessions: 0, completed: 0, errored: 0, incomplete: 0, live: 0, partial: false, forced: 0, sampled: 0, rewarded: 0,
  rewardMean: null, rewardMin: null, rewardMax: null, rewardStd: null, rewardQuantiles: null, forcedRewardMean: null,
  errorRate: null, iterationsMean: null, iterationTimeMean: null, inputTokens: 0, outputTokens: 0, inputTokensMean: null,
  outputTokensMean: null, groups: 0, zeroVarianceGroups: 0, zeroVarianceShare: null,
};

describe("computeStepStats", () => {
  it("leaves forced sessions out of every sample figure and gives their reward mean apart", () => {
    const steps = computeStepStats([
      session({ instanceId: "a", reward: 1 }),
      session({ instanceId: "a", reward: 0 }),
      session({ instanceId: "a", reward: 0, forced: true, iterations: 9, inputTokens: 900 }),
      session({ instanceId: "b", reward: 1, forced: true }),
    ]);
    expect(steps).toEqual([
      {
        ...EMPTY, experiment: "e", step: 0, sessions: 4, completed: 4, forced: 2, sampled: 2, rewarded: 2,
        rewardMean: 0.5, rewardMin: 0, rewardMax: 1, rewardStd: Math.SQRT1_2, rewardQuantiles: { p10: 0.1, p25: 0.25, p50: 0.5, p75: 0.75, p90: 0.9 },
        forcedRewardMean: 0.5, errorRate: 0, iterationsMean: 1, iterationTimeMean: 1, inputTokens: 20, outputTokens: 4,
        inputTokensMean: 10, outputTokensMean: 2, groups: 1, zeroVarianceGroups: 0, zeroVarianceShare: 0,
      },
    ]);
    // Asked for, forced sessions count like any other.
    const included = computeStepStats([session({ reward: 1 }), session({ reward: 0, forced: true })], { includeForced: true });
    expect([included[0]?.sampled, included[0]?.rewardMean, included[0]?.forcedRewardMean]).toEqual([2, 0.5, 0]);
  });

  it("marks a step with a live session partial; an incomplete one that is not live does not", () => {
    const steps = computeStepStats([
      session({ trainingStep: 1, state: "incomplete", live: true }),
      session({ trainingStep: 1, reward: 1 }),
      session({ trainingStep: 2, state: "incomplete", live: false }),
    ]);
    expect(steps.map((s) => [s.step, s.incomplete, s.live, s.partial])).toEqual([[1, 1, 1, true], [2, 1, 0, false]]);
  });

  it("counts groups of two or more rewarded rollouts and the share with zero reward variance", () => {
    const steps = computeStepStats([
      ...[1, 1, 1].map((reward) => session({ instanceId: "all-pass", reward })),
      ...[0, 0].map((reward) => session({ instanceId: "all-fail", reward })),
      ...[0, 1].map((reward) => session({ instanceId: "signal", reward })),
      session({ instanceId: "alone", reward: 1 }),
      session({ instanceId: "no-reward" }),
      session({ instanceId: "signal", reward: 0.5, forced: true }),
    ]);
    expect(steps.map((s) => [s.groups, s.zeroVarianceGroups, s.zeroVarianceShare])).toEqual([[3, 2, 2 / 3]]);
  });

  it("gives the error rate over finished sampled sessions, and orders experiments and steps", () => {
    const steps = computeStepStats([
      session({ experiment: "z", trainingStep: 3, state: "errored" }),
      session({ experiment: "z", trainingStep: 3 }),
      session({ experiment: "z", trainingStep: 3, state: "incomplete" }),
      session({ experiment: "z", trainingStep: 3, state: "errored", forced: true }),
      session({ experiment: "a", trainingStep: 10 }),
      session({ experiment: "a", trainingStep: 2, inputTokens: null, outputTokens: null, timedIterations: 0, iterationSeconds: 0 }),
    ]);
    expect(steps.map((s) => [s.experiment, s.step, s.errorRate, s.inputTokensMean, s.iterationTimeMean])).toEqual([
      ["a", 2, 0, null, null],
      ["a", 10, 0, 10, 1],
      ["z", 3, 0.5, 10, 1],
    ]);
  });
});

describe("a group's figures and advantages", () => {
  it("takes advantages against the mean and the n − 1 standard deviation, without forced rollouts", () => {
    const group = computeGroup([{ reward: 1, forced: false }, { reward: 0, forced: false }, { reward: 0.5, forced: false }, { reward: 1, forced: true }, { reward: null, forced: false }]);
    expect(group).toEqual({ rewarded: 3, mean: 0.5, std: 0.5, zeroVariance: false, min: 0, max: 1 });
    expect([1, 0, 0.5, null].map((r) => advantage(r, group))).toEqual([1, -1, 0, null]);
  });

  it("has no advantage when every reward is equal, or under two rewards", () => {
    const zero = computeGroup([{ reward: 1, forced: false }, { reward: 1, forced: false }]);
    expect(zero).toEqual({ rewarded: 2, mean: 1, std: 0, zeroVariance: true, min: 1, max: 1 });
    expect(advantage(1, zero)).toBeNull();
    const one = computeGroup([{ reward: 1, forced: false }]);
    expect(one).toEqual({ rewarded: 1, mean: 1, std: null, zeroVariance: false, min: 1, max: 1 });
    expect(advantage(1, one)).toBeNull();
  });
});
