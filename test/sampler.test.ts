import fs from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BernoulliSampler, FORCE_ENV, NULL_SESSION, TrajectoryLogger } from "../src/index.js";
import { makeTempDir, removeTempDir } from "./helpers/processes.js";
import { listFiles } from "./helpers/session-files.js";
import { statsWith } from "./helpers/stats.js";

const cleanups: Array<() => void> = [];
afterEach(() => {
  cleanups.splice(0).forEach((c) => c());
  vi.restoreAllMocks();
  delete process.env[FORCE_ENV];
});

function dir(): string {
  const made = makeTempDir();
  cleanups.push(() => removeTempDir(made));
  return made;
}

/** Fisher-Yates with a fixed LCG, so the shuffle itself is reproducible. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = items.slice();
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

// 20,000 Bernoulli(0.1) draws: mean 2,000, standard deviation 42.4. Five sigma either side.
const LOW = 2000 - 5 * 42.43;
const HIGH = 2000 + 5 * 42.43;

describe("sampling", () => {
  it("at rate 0 logs nothing and creates no directory, no file", async () => {
    const logDir = `${dir()}/logs`;
    const logger = new TrajectoryLogger({ logDir, sampleRate: 0 });
    for (let i = 0; i < 100; i++) {
      const session = logger.startSession({ instanceId: `i${i}`, trainingStep: 1, modelName: "m" });
      expect(session).toBe(NULL_SESSION);
      session.logIteration({ prompt: "p", response: "r" });
      await session.finalize({ reward: 1 });
    }
    await logger.flush();
    await logger.close();
    expect(fs.existsSync(logDir)).toBe(false);
    expect(logger.stats()).toEqual(
      statsWith({ sessionsStarted: 100, sessionsLogged: 0, sessionsSampledOut: 100, linesWritten: 0, bytesWritten: 0 }),
    );
  });

  it("at rate 1 logs every rollout", async () => {
    const logDir = dir();
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1 });
    for (let i = 0; i < 50; i++) {
      const session = logger.startSession({ instanceId: `i${i % 5}`, trainingStep: 2, modelName: "m" });
      expect(session.sampled).toBe(true);
      await session.finalize();
    }
    await logger.close();
    expect(listFiles(logDir)).toHaveLength(50);
  });

  it("at rate 0.1 logs a share within statistical bounds, seeded or not", () => {
    const unseeded = new TrajectoryLogger({ sampleRate: 0.1 });
    const seeded = new TrajectoryLogger({ sampleRate: 0.1, seed: 42 });
    const byInstance = new TrajectoryLogger({ sampleRate: 0.1, seed: 42, sampleBy: "instance" });
    let a = 0;
    let b = 0;
    let c = 0;
    for (let i = 0; i < 20_000; i++) {
      if (unseeded.shouldLog()) a++;
      if (seeded.shouldLog({ instanceId: "inst", trainingStep: 3, rolloutId: String(i) })) b++;
      if (byInstance.shouldLog({ instanceId: `inst-${i}`, trainingStep: 3 })) c++;
    }
    for (const count of [a, b, c]) {
      expect(count).toBeGreaterThan(LOW);
      expect(count).toBeLessThan(HIGH);
    }
  });

  it("never calls Math.random", () => {
    const spy = vi.spyOn(Math, "random");
    const logger = new TrajectoryLogger({ sampleRate: 0.5 });
    for (let i = 0; i < 100; i++) logger.shouldLog();
    new TrajectoryLogger({ sampleRate: 0.5, seed: 1 }).shouldLog({ instanceId: "x" });
    expect(spy).not.toHaveBeenCalled();
  });

  it("with a seed, chooses the same rollouts whatever order they start in", async () => {
    // 40 instances x 4 rollouts each at one step; the rollouts of an instance keep their
    // relative order (their identity is their position in the group), everything else is shuffled.
    const rollouts: Array<{ instanceId: string; index: number }> = [];
    for (let i = 0; i < 40; i++) for (let r = 0; r < 4; r++) rollouts.push({ instanceId: `inst-${i}`, index: r });

    async function chosen(order: typeof rollouts, withRolloutId: boolean): Promise<string[]> {
      const logger = new TrajectoryLogger({ logDir: dir(), sampleRate: 0.3, seed: "run-7" });
      const picked: string[] = [];
      for (const { instanceId, index } of order) {
        const session = logger.startSession({
          instanceId,
          trainingStep: 5,
          modelName: "m",
          ...(withRolloutId ? { rolloutId: index } : {}),
        });
        if (session.sampled) picked.push(`${instanceId}#${index}`);
        await session.finalize();
      }
      await logger.close();
      return picked.sort();
    }

    const byGroup = (order: typeof rollouts) => {
      // Keep the within-instance order, shuffle across instances.
      const counters = new Map<string, number>();
      return order.map(({ instanceId }) => {
        const n = counters.get(instanceId) ?? 0;
        counters.set(instanceId, n + 1);
        return { instanceId, index: n };
      });
    };

    const base = await chosen(rollouts, true);
    expect(base.length).toBeGreaterThan(20);
    expect(base.length).toBeLessThan(80);
    expect(await chosen(shuffled(rollouts, 1), true)).toEqual(base);
    expect(await chosen(shuffled(rollouts, 2), true)).toEqual(base);
    // Without rolloutId, a rollout's identity is its occurrence within its instance and step.
    expect(await chosen(rollouts, false)).toEqual(base);
    expect(await chosen(byGroup(shuffled(rollouts, 3)), false)).toEqual(base);
  });

  it("with sampleBy 'instance', picks the same instances at every training step", () => {
    const logger = new TrajectoryLogger({ sampleRate: 0.2, seed: 9, sampleBy: "instance" });
    const instances = Array.from({ length: 200 }, (_, i) => `repo__repo-${i}`);
    const atStep = (step: number) =>
      instances.filter((instanceId, i) => logger.shouldLog({ instanceId, trainingStep: step, rolloutId: String(i) }));
    const step0 = atStep(0);
    expect(step0.length).toBeGreaterThan(15);
    expect(step0.length).toBeLessThan(70);
    for (const step of [1, 7, 40, 1000]) expect(atStep(step)).toEqual(step0);
    // A new logger (a restarted run) with the same seed follows the same instances.
    const again = new TrajectoryLogger({ sampleRate: 0.2, seed: 9, sampleBy: "instance" });
    expect(instances.filter((instanceId) => again.shouldLog({ instanceId }))).toEqual(step0);
    // Another seed follows others.
    const other = new TrajectoryLogger({ sampleRate: 0.2, seed: 10, sampleBy: "instance" });
    expect(instances.filter((instanceId) => other.shouldLog({ instanceId }))).not.toEqual(step0);
  });

  it("logs a forced rollout whatever the rate, and says so in the metadata", async () => {
    const logDir = dir();
    const logger = new TrajectoryLogger({ logDir, sampleRate: 0 });
    const session = logger.startSession({ instanceId: "debug-me", trainingStep: 0, modelName: "m", force: true });
    expect(session.sampled).toBe(true);
    await session.finalize();
    await logger.close();
    const files = listFiles(logDir);
    expect(files).toHaveLength(1);
    const metadata = JSON.parse(fs.readFileSync(files[0] as string, "utf8").split("\n")[0] as string);
    expect(metadata.sampling).toEqual({ rate: 0, by: "rollout", forced: true });
  });

  it(`logs every rollout of the run when ${FORCE_ENV} is set`, async () => {
    process.env[FORCE_ENV] = "1";
    const logDir = dir();
    const logger = new TrajectoryLogger({ logDir, sampleRate: 0 });
    expect(logger.shouldLog()).toBe(true);
    for (let i = 0; i < 5; i++) await logger.startSession({ instanceId: `i${i}`, trainingStep: 0, modelName: "m" }).finalize();
    await logger.close();
    expect(listFiles(logDir)).toHaveLength(5);
  });

  it("accepts a custom Sampler and records it as custom", async () => {
    const logDir = dir();
    const logger = new TrajectoryLogger({
      logDir,
      sampler: { rate: 0.5, by: "custom", shouldSample: ({ instanceId }) => instanceId.startsWith("keep") },
    });
    expect(logger.startSession({ instanceId: "keep-1", trainingStep: 0, modelName: "m" }).sampled).toBe(true);
    expect(logger.startSession({ instanceId: "drop-1", trainingStep: 0, modelName: "m" }).sampled).toBe(false);
    await logger.close();
    const metadata = JSON.parse(fs.readFileSync(listFiles(logDir)[0] as string, "utf8").split("\n")[0] as string);
    expect(metadata.sampling).toEqual({ rate: 0.5, by: "custom", forced: false });
  });

  it("takes a sampler's constant decision without asking it or working out the rollout's identity", async () => {
    const asked: unknown[] = [];
    const never = new TrajectoryLogger({
      sampler: { rate: 0, by: "custom", constantDecision: false, shouldSample: (c) => asked.push(c) > 0 },
    });
    for (let i = 0; i < 5; i++) {
      expect(never.startSession({ instanceId: "a", trainingStep: 0, modelName: "m" })).toBe(NULL_SESSION);
    }
    expect(asked).toEqual([]);
    // Without a constant decision, every rollout is asked about, with its occurrence as identity.
    const logDir = dir();
    const each = new TrajectoryLogger({ logDir, sampler: { rate: 0.5, by: "custom", shouldSample: (c) => asked.push(c) < 0 } });
    for (let i = 0; i < 2; i++) each.startSession({ instanceId: "a", trainingStep: 3, modelName: "m" });
    expect(asked).toEqual([
      { instanceId: "a", trainingStep: 3, rolloutId: "0" },
      { instanceId: "a", trainingStep: 3, rolloutId: "1" },
    ]);
    await each.close();
  });

  it("rejects a sampler whose constantDecision is not a boolean, naming it", () => {
    const sampler = { rate: 1, by: "custom" as const, constantDecision: "yes" as unknown as boolean, shouldSample: () => true };
    expect(() => new TrajectoryLogger({ sampler })).toThrow(
      'trajlog: option "sampler.constantDecision" must be true, false or undefined; received "yes" (string)',
    );
  });

  it("BernoulliSampler has a constant decision at rate 0 and 1 only", () => {
    expect([0, 1, 0.5].map((rate) => new BernoulliSampler({ rate, seed: 1 }).constantDecision)).toEqual([false, true, undefined]);
  });

  it("BernoulliSampler keys rollouts on step, instance and rollout id", () => {
    const sampler = new BernoulliSampler({ rate: 0.5, seed: "s" });
    const ctx = { instanceId: "a", trainingStep: 1, rolloutId: "0" };
    const first = sampler.shouldSample(ctx);
    for (let i = 0; i < 10; i++) expect(sampler.shouldSample(ctx)).toBe(first);
    const decisions = new Set<boolean>();
    for (let i = 0; i < 64; i++) decisions.add(sampler.shouldSample({ ...ctx, rolloutId: String(i) }));
    expect(decisions).toEqual(new Set([true, false]));
  });
});
