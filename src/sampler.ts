/**
 * The sampling decision: which rollouts get a file.
 *
 * With a seed, the decision is a hash of the seed and the rollout's identity, so a rerun
 * picks the same rollouts whatever order they start in. It never touches `Math.random`.
 */
import { randomBytes } from "node:crypto";
import seedrandom from "seedrandom";
import { KeyedHash } from "./internal/keyed-hash.js";

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
  /**
   * The decision, when every rollout gets the same one (as at rate 0 or 1): then the logger
   * neither asks `shouldSample` nor works out the rollout's identity, so that deciding costs
   * next to nothing. Leave it undefined when the decision depends on the rollout.
   */
  readonly constantDecision?: boolean | undefined;
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

/**
 * Logs each rollout (or instance) with probability `rate`.
 *
 * A keyed decision (with a seed, or by instance) is a 53-bit hash of the rollout's identity
 * under a key made of the seed and the namespace, compared with `rate`: a few dozen
 * nanoseconds, with no state, so it is the same in every process and every rerun.
 */
export class BernoulliSampler implements Sampler {
  readonly rate: number;
  readonly by: SampleBy;
  readonly constantDecision: boolean | undefined;
  readonly #keyed: boolean;
  /** The hash keyed on the seed and namespace, worked out once. */
  readonly #hash: KeyedHash;
  /** `rate` scaled to the hash's range: a rollout is logged when its hash is below it. */
  readonly #threshold: number;
  readonly #stream: () => number;

  constructor(options: BernoulliSamplerOptions) {
    this.rate = options.rate;
    this.by = options.sampleBy ?? "rollout";
    this.constantDecision = this.rate <= 0 ? false : this.rate >= 1 ? true : undefined;
    const seed = options.seed === undefined ? undefined : String(options.seed);
    // Keyed on the instance alone (the same instances at every step), or with a seed on the
    // rollout's identity. Without a seed the experiment name keys "instance" sampling, so a
    // restarted run keeps following the same instances.
    this.#keyed = this.by === "instance" || seed !== undefined;
    this.#hash = new KeyedHash([this.by === "instance" ? "i" : "r", seed ?? "", options.namespace ?? ""]);
    this.#threshold = this.rate * KeyedHash.RANGE;
    // A private stream: unseeded decisions must not disturb (or be disturbed by) Math.random.
    this.#stream = seedrandom.alea(seed ?? randomSeed());
  }

  shouldSample(context: SamplingContext): boolean {
    if (this.constantDecision !== undefined) return this.constantDecision;
    if (!this.#keyed) return this.#stream() < this.rate;
    // Callers from JavaScript may hand numbers: they hash as their text, as they always have.
    const instanceId = typeof context.instanceId === "string" ? context.instanceId : String(context.instanceId);
    if (this.by === "instance") return this.#hash.ofString(instanceId) < this.#threshold;
    const rolloutId = typeof context.rolloutId === "string" ? context.rolloutId : String(context.rolloutId);
    return this.#hash.ofIdentity(Number(context.trainingStep), instanceId, rolloutId) < this.#threshold;
  }
}

function randomSeed(): string {
  return randomBytes(16).toString("hex");
}
