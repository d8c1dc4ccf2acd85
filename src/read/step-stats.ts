/**
 * Per-step statistics: the one place where the figures of a training step are worked out, for
 * `trajlog stats`, the viewer's `/api/overview`, its charts and its group page alike.
 *
 * Two rules hold for every figure:
 * - Forced sessions (logged on request, outside the sample) are counted, but left out of every
 *   sample figure (rewards, error rate, iterations, tokens, time, groups) unless asked for;
 *   their reward mean is given apart.
 * - A step with a live session (no summary yet, still being written) is `partial`: its figures
 *   will still change, so it must not be read as final.
 */
import type { SessionMeasures } from "./session-facts.js";

/** Reward quantiles (linear interpolation between order statistics). */
export interface RewardQuantiles {
  p10: number;
  p25: number;
  p50: number;
  p75: number;
  p90: number;
}

/** The figures of one training step of one experiment. */
export interface StepStats {
  experiment: string;
  step: number;
  /** Every session of the step, forced ones included. */
  sessions: number;
  completed: number;
  errored: number;
  /** Without a summary line: `live` of them still being written, the rest crashed or killed. */
  incomplete: number;
  live: number;
  /** True when a session is live: the figures will still change. */
  partial: boolean;
  /** Forced sessions: counted above, left out of every figure below unless included. */
  forced: number;
  /** Sessions the figures below are over (the sample). */
  sampled: number;
  /** Sampled sessions that have a reward. */
  rewarded: number;
  rewardMean: number | null;
  rewardMin: number | null;
  rewardMax: number | null;
  /** Standard deviation of the rewards (n − 1 in the denominator); null under two rewards. */
  rewardStd: number | null;
  rewardQuantiles: RewardQuantiles | null;
  /** Mean reward of the forced sessions, shown apart; null when none has a reward. */
  forcedRewardMean: number | null;
  /** Errored over finished (completed + errored) sampled sessions; null when none finished. */
  errorRate: number | null;
  iterationsMean: number | null;
  /** Seconds, over sampled iterations that have an `iteration_time`. */
  iterationTimeMean: number | null;
  /** Totals and per-session means over sampled sessions whose tokens were counted. */
  inputTokens: number;
  outputTokens: number;
  inputTokensMean: number | null;
  outputTokensMean: number | null;
  /** Instances of the step with at least two rewarded sampled rollouts. */
  groups: number;
  /** Of those, groups whose rewards are all equal: they carry no learning signal. */
  zeroVarianceGroups: number;
  /** `zeroVarianceGroups / groups`; null when the step has no group. */
  zeroVarianceShare: number | null;
}

/** How {@link computeStepStats} and {@link computeGroup} treat forced sessions. */
export interface StepStatsOptions {
  /** Count forced sessions in the sample figures too. @default false */
  includeForced?: boolean;
}

/** A group's reward figures: the mean and standard deviation its advantages are taken against. */
export interface GroupFigures {
  /** Rewarded sampled rollouts. */
  rewarded: number;
  mean: number | null;
  /** n − 1 in the denominator, as GRPO trainers compute it; null under two rewards. */
  std: number | null;
  /** Two or more rewards, all equal. */
  zeroVariance: boolean;
  /** Lowest and highest reward; null without one. */
  min: number | null;
  max: number | null;
}

/**
 * The statistics of every step, in experiment and step order. Sessions may come in any
 * order; memory grows with the number of steps and rewards, not with the sessions' content.
 */
export function computeStepStats(sessions: Iterable<SessionMeasures>, options: StepStatsOptions = {}): StepStats[] {
  const accumulators = new Map<string, StepAccumulator>();
  for (const session of sessions) {
    const key = `${session.trainingStep}\u0000${session.experiment}`;
    let acc = accumulators.get(key);
    if (acc === undefined) accumulators.set(key, (acc = new StepAccumulator(session.experiment, session.trainingStep, options)));
    acc.add(session);
  }
  return [...accumulators.values()]
    .sort((a, b) => compareText(a.experiment, b.experiment) || a.step - b.step)
    .map((acc) => acc.done());
}

/** Collects one step's sessions; {@link done} gives its {@link StepStats}. */
export class StepAccumulator {
  readonly experiment: string;
  readonly step: number;
  readonly #includeForced: boolean;
  #sessions = 0;
  #completed = 0;
  #errored = 0;
  #incomplete = 0;
  #live = 0;
  #forced = 0;
  #sampled = 0;
  #finished = 0;
  #sampledErrored = 0;
  #rewards: number[] = [];
  #forcedRewards: number[] = [];
  #iterations = 0;
  #iterationSeconds = 0;
  #timed = 0;
  #tokenSessions = 0;
  #inputTokens = 0;
  #outputTokens = 0;
  #groups = new Map<string, number[]>();

  constructor(experiment: string, step: number, options: StepStatsOptions = {}) {
    this.experiment = experiment;
    this.step = step;
    this.#includeForced = options.includeForced ?? false;
  }

  /** Counts one session of this step. */
  add(session: SessionMeasures): void {
    this.#sessions++;
    if (session.state === "completed") this.#completed++;
    else if (session.state === "errored") this.#errored++;
    else this.#incomplete++;
    if (session.live && session.state === "incomplete") this.#live++;
    if (session.forced) {
      this.#forced++;
      if (session.reward !== null) this.#forcedRewards.push(session.reward);
      if (!this.#includeForced) return;
    }
    this.#sampled++;
    if (session.state !== "incomplete") this.#finished++;
    if (session.state === "errored") this.#sampledErrored++;
    if (session.reward !== null) {
      this.#rewards.push(session.reward);
      let group = this.#groups.get(session.instanceId);
      if (group === undefined) this.#groups.set(session.instanceId, (group = []));
      group.push(session.reward);
    }
    this.#iterations += session.iterations;
    this.#iterationSeconds += session.iterationSeconds;
    this.#timed += session.timedIterations;
    if (session.inputTokens !== null && session.outputTokens !== null) {
      this.#tokenSessions++;
      this.#inputTokens += session.inputTokens;
      this.#outputTokens += session.outputTokens;
    }
  }

  /** The step's figures. */
  done(): StepStats {
    const rewards = this.#rewards;
    const figures = rewardFigures(rewards);
    let groups = 0;
    let zero = 0;
    for (const group of this.#groups.values()) {
      if (group.length < 2) continue;
      groups++;
      if (rewardFigures(group).zeroVariance) zero++;
    }
    const sorted = [...rewards].sort((a, b) => a - b);
    return {
      experiment: this.experiment,
      step: this.step,
      sessions: this.#sessions,
      completed: this.#completed,
      errored: this.#errored,
      incomplete: this.#incomplete,
      live: this.#live,
      partial: this.#live > 0,
      forced: this.#forced,
      sampled: this.#sampled,
      rewarded: rewards.length,
      rewardMean: figures.mean,
      rewardMin: sorted[0] ?? null,
      rewardMax: sorted[sorted.length - 1] ?? null,
      rewardStd: figures.std,
      rewardQuantiles:
        sorted.length === 0
          ? null
          : { p10: quantile(sorted, 0.1), p25: quantile(sorted, 0.25), p50: quantile(sorted, 0.5), p75: quantile(sorted, 0.75), p90: quantile(sorted, 0.9) },
      forcedRewardMean: mean(this.#forcedRewards),
      errorRate: this.#finished === 0 ? null : this.#sampledErrored / this.#finished,
      iterationsMean: this.#sampled === 0 ? null : this.#iterations / this.#sampled,
      iterationTimeMean: this.#timed === 0 ? null : this.#iterationSeconds / this.#timed,
      inputTokens: this.#inputTokens,
      outputTokens: this.#outputTokens,
      inputTokensMean: this.#tokenSessions === 0 ? null : this.#inputTokens / this.#tokenSessions,
      outputTokensMean: this.#tokenSessions === 0 ? null : this.#outputTokens / this.#tokenSessions,
      groups,
      zeroVarianceGroups: zero,
      zeroVarianceShare: groups === 0 ? null : zero / groups,
    };
  }
}

/** Mean, standard deviation and zero variance of a group's (or a step's) rewards. */
export function rewardFigures(rewards: readonly number[]): GroupFigures {
  const m = mean(rewards);
  let min: number | null = null;
  let max: number | null = null;
  for (const r of rewards) {
    if (min === null || r < min) min = r;
    if (max === null || r > max) max = r;
  }
  if (m === null || rewards.length < 2) return { rewarded: rewards.length, mean: m, std: null, zeroVariance: false, min, max };
  let squares = 0;
  for (const r of rewards) squares += (r - m) * (r - m);
  return {
    rewarded: rewards.length,
    mean: m,
    std: Math.sqrt(squares / (rewards.length - 1)),
    zeroVariance: min === max,
    min,
    max,
  };
}

/** A rollout's advantage in its group: (r − mean) / std; null without a reward or when std is 0 or unknown. */
export function advantage(reward: number | null, group: GroupFigures): number | null {
  if (reward === null || group.mean === null || group.std === null || group.std === 0) return null;
  return (reward - group.mean) / group.std;
}

/** The reward figures of one group of rollouts; forced ones are left out unless included. */
export function computeGroup(
  rollouts: readonly Pick<SessionMeasures, "reward" | "forced">[],
  options: StepStatsOptions = {},
): GroupFigures {
  const rewards: number[] = [];
  for (const r of rollouts) if (r.reward !== null && (options.includeForced === true || !r.forced)) rewards.push(r.reward);
  return rewardFigures(rewards);
}

function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const a = sorted[lo] as number;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  return a + (b - a) * (at - lo);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
