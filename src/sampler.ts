/**
 * The sampling decision: which rollouts get a file.
 *
 * With a seed, the decision is a hash of the seed and the rollout's identity, so a rerun
 * picks the same rollouts whatever order they start in. It never touches `Math.random`.
 */
import { randomBytes } from "node:crypto";
import seedrandom from "seedrandom";

/** What a sampler may look at to decide. */
export interface SamplingContext {
  /** The task instance the rollout works on. */
  instanceId: string;
  /** The training step the rollout belongs to. */
  trainingStep: number;
  /** Distinguishes rollouts of one instance at one step (e.g. the index within its group). */
  rolloutId: string;
}

/** Decides whether a rollout is logged: the seam for custom sampling policies. */
export interface Sampler {
  /** True when the rollout should be written to disk. */
  shouldSample(context: SamplingContext): boolean;
  /** The probability of logging a rollout, recorded in each file's metadata. */
  readonly rate: number;
  /** What the decision is keyed on, recorded in each file's metadata. */
  readonly by: "rollout" | "instance" | "custom";
}

/** What {@link BernoulliSampler} keys its decision on. */
export type SampleBy = "rollout" | "instance";

/** Options of {@link BernoulliSampler}. */
export interface BernoulliSamplerOptions {
  /** Probability in [0, 1] that a rollout (or instance) is logged. */
  rate: number;
  /** Makes decisions reproducible: the same seed picks the same rollouts. */
  seed?: string | number | undefined;
  /**
   * `"rollout"`: each rollout independently. `"instance"`: each instance id, the same at every
   * training step, so an instance's trajectories can be compared across steps.
   * @default "rollout"
   */
  sampleBy?: SampleBy | undefined;
  /** Mixed into the hash so two experiments with one seed pick different instances. */
  namespace?: string | undefined;
}

/** Logs each rollout (or instance) with probability `rate`. */
export class BernoulliSampler implements Sampler {
  readonly rate: number;
  readonly by: SampleBy;
  readonly #seed: string | undefined;
  readonly #namespace: string;
  readonly #stream: () => number;

  constructor(options: BernoulliSamplerOptions) {
    this.rate = options.rate;
    this.by = options.sampleBy ?? "rollout";
    this.#namespace = options.namespace ?? "";
    this.#seed = options.seed === undefined ? undefined : String(options.seed);
    // A private stream: unseeded decisions must not disturb (or be disturbed by) Math.random.
    this.#stream = seedrandom.alea(this.#seed ?? randomSeed());
  }

  shouldSample(context: SamplingContext): boolean {
    if (this.rate <= 0) return false;
    if (this.rate >= 1) return true;
    if (this.by === "instance") {
      // Keyed on the instance alone: the same instances at every step. Without a seed the
      // experiment name keys it, so a restarted run keeps following the same instances.
      return this.#draw(`i\u0000${this.#seed ?? ""}\u0000${this.#namespace}\u0000${context.instanceId}`);
    }
    if (this.#seed === undefined) return this.#stream() < this.rate;
    return this.#draw(
      `r\u0000${this.#seed}\u0000${this.#namespace}\u0000${context.trainingStep}\u0000${context.instanceId}\u0000${context.rolloutId}`,
    );
  }

  /** One uniform draw determined by `key` alone. */
  #draw(key: string): boolean {
    return seedrandom.alea(key)() < this.rate;
  }
}

function randomSeed(): string {
  return randomBytes(16).toString("hex");
}
