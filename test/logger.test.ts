import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_MAX_BUFFER_BYTES, TrajectoryLogger } from "../src/index.js";
import { makeTempDir, removeTempDir } from "./helpers/processes.js";
import { listFiles, parseWithPython, readLines } from "./helpers/session-files.js";

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function dir(): string {
  const made = makeTempDir();
  cleanups.push(() => removeTempDir(made));
  return made;
}

describe("TrajectoryLogger options", () => {
  it("has documented defaults", () => {
    const logger = new TrajectoryLogger();
    expect(logger.logDir).toBe(path.resolve("logs"));
    expect(logger.experimentName).toBe("default");
    expect(logger.sampler.rate).toBe(0);
    expect(logger.sampler.by).toBe("rollout");
    expect(DEFAULT_MAX_BUFFER_BYTES).toBe(64 * 1024 * 1024);
  });

  it.each([
    [{ sampleRate: 1.5 }, 'trajlog: option "sampleRate" must be a number in [0, 1]; received 1.5 (number)'],
    [{ sampleRate: -0.1 }, 'trajlog: option "sampleRate" must be a number in [0, 1]; received -0.1 (number)'],
    [{ sampleRate: Number.NaN }, 'trajlog: option "sampleRate" must be a number in [0, 1]; received NaN (number)'],
    [{ sampleRate: "0.1" }, 'trajlog: option "sampleRate" must be a number in [0, 1]; received "0.1" (string)'],
    [{ sampleBy: "step" }, 'trajlog: option "sampleBy" must be "rollout" or "instance"; received "step" (string)'],
    [{ seed: {} }, 'trajlog: option "seed" must be a non-empty string or a finite number; received an object'],
    [{ logDir: "" }, 'trajlog: option "logDir" must be a non-empty string; received "" (string)'],
    [{ experimentName: 3 }, 'trajlog: option "experimentName" must be a non-empty string; received 3 (number)'],
    [{ maxBufferBytes: 0 }, 'trajlog: option "maxBufferBytes" must be a positive integer; received 0 (number)'],
    [{ maxOpenFiles: 2.5 }, 'trajlog: option "maxOpenFiles" must be a positive integer; received 2.5 (number)'],
    [{ sampler: { rate: 1 } }, 'trajlog: option "sampler" must have a shouldSample(context) method; received an object'],
    [{ logger: console.log }, 'trajlog: option "logger" must be a pino logger; received function'],
  ])("rejects %o with a message naming the option and the value", (options, message) => {
    expect(() => new TrajectoryLogger(options as never)).toThrow(message);
  });

  it("reads an experiment config in camelCase or snake_case", () => {
    const logDir = dir();
    const snake = TrajectoryLogger.fromConfig({
      log_dir: logDir,
      experiment_name: "grpo-7b",
      log_trajectory_sample_rate: 0.1,
      log_trajectory_sample_by: "instance",
      log_trajectory_seed: 3,
      learning_rate: 1e-6,
    });
    expect([snake.logDir, snake.experimentName, snake.sampler.rate, snake.sampler.by]).toEqual([logDir, "grpo-7b", 0.1, "instance"]);
    const camel = TrajectoryLogger.fromConfig({ logDir, experimentName: "x", logTrajectorySampleRate: 1 });
    expect([camel.logDir, camel.experimentName, camel.sampler.rate]).toEqual([logDir, "x", 1]);
    const overridden = TrajectoryLogger.fromConfig({ log_trajectory_sample_rate: 0.1 }, { sampleRate: 1 });
    expect(overridden.sampler.rate).toBe(1);
  });

  it("rejects a config that names one setting twice with different values, or a bad rate", () => {
    expect(() => TrajectoryLogger.fromConfig({ logDir: "a", log_dir: "b" })).toThrow(
      'trajlog: config sets both "logDir" ("a" (string)) and "log_dir" ("b" (string)); keep one',
    );
    expect(() => TrajectoryLogger.fromConfig({ log_trajectory_sample_rate: 10 })).toThrow(
      'trajlog: option "log_trajectory_sample_rate" must be a number in [0, 1]; received 10 (number)',
    );
  });

  it("refuses a logDir on a kernel pseudo file system (/proc, /sys), even through a link", () => {
    const link = path.join(dir(), "to-proc");
    fs.symlinkSync("/proc/self", link);
    const expected: Array<[string, string]> = [
      ["/proc/trajlog/logs", '"/proc/trajlog/logs" (string), which is on proc'],
      ["/sys/kernel/trajlog", '"/sys/kernel/trajlog" (string), which is on sysfs'],
      [path.join(link, "logs"), `${JSON.stringify(path.join(link, "logs"))} (string), which is on proc`],
    ];
    for (const [logDir, received] of expected) {
      expect(() => new TrajectoryLogger({ logDir, sampleRate: 1 })).toThrow(
        `trajlog: option "logDir" must be a directory on a real file system; received ${received}, a kernel pseudo file system`,
      );
    }
    // A directory that does not exist yet on a real file system is fine, however deep.
    expect(new TrajectoryLogger({ logDir: path.join(dir(), "a", "b", "c") }).logDir).toContain(path.join("a", "b", "c"));
  });
});

describe("startSession", () => {
  const logger = new TrajectoryLogger({ sampleRate: 0 });
  it.each([
    [{ trainingStep: 0, modelName: "m" }, 'trajlog: "instanceId" must be a non-empty string; received undefined'],
    [{ instanceId: "", trainingStep: 0, modelName: "m" }, 'trajlog: "instanceId" must be a non-empty string; received "" (string)'],
    [{ instanceId: 7, trainingStep: 0, modelName: "m" }, 'trajlog: "instanceId" must be a non-empty string; received 7 (number)'],
    [{ instanceId: "i", trainingStep: -1, modelName: "m" }, 'trajlog: "trainingStep" must be a non-negative integer; received -1 (number)'],
    [{ instanceId: "i", trainingStep: 1.5, modelName: "m" }, 'trajlog: "trainingStep" must be a non-negative integer; received 1.5 (number)'],
    [{ instanceId: "i", trainingStep: "3", modelName: "m" }, 'trajlog: "trainingStep" must be a non-negative integer; received "3" (string)'],
    [{ instanceId: "i", modelName: "m" }, 'trajlog: "trainingStep" must be a non-negative integer; received undefined'],
  ])("throws at once on %o, even when the rollout would not be logged", (options, message) => {
    expect(() => logger.startSession(options as never)).toThrow(message);
  });

  it("throws on a missing model name for a logged session", () => {
    const logged = new TrajectoryLogger({ logDir: dir(), sampleRate: 1 });
    expect(() => logged.startSession({ instanceId: "i", trainingStep: 0 } as never)).toThrow(
      'trajlog: "modelName" must be a string; received undefined',
    );
  });

  it("throws on an iteration number or total steps that make no sense", async () => {
    const logged = new TrajectoryLogger({ logDir: dir(), sampleRate: 1 });
    const session = logged.startSession({ instanceId: "i", trainingStep: 0, modelName: "m" });
    expect(() => session.logIteration({ iteration: 0, prompt: "p", response: "r" })).toThrow(
      'trajlog: "iteration" must be an integer >= 1 (1-based); received 0 (number)',
    );
    expect(() => session.logIteration(null as never)).toThrow("trajlog: logIteration expects an object; received null");
    expect(() => session.finalize({ totalSteps: -2 })).toThrow(
      'trajlog: "totalSteps" must be a non-negative integer; received -2 (number)',
    );
    await session.finalize();
    await logged.close();
  });
});

describe("values from the rollout", () => {
  it("writes anything the loop holds as readable, strict JSON", async () => {
    const logDir = dir();
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1 });
    const circular: Record<string, unknown> = { id: 1 };
    circular.me = circular;
    const session = logger.startSession({
      instanceId: "weird/../../id\u0000\ud83d\ude00",
      trainingStep: 1,
      modelName: "m",
      configMetadata: { lr: 1e-6, started: new Date("2026-01-01T00:00:00.000Z"), seeds: new Set([1, 2]), big: 2n ** 70n },
    });
    session.logIteration({
      prompt: [
        { role: "user", content: [{ type: "text", text: "look at" }, { type: "image_url", image_url: { url: "data:x" } }] },
        { role: "user", content: "lone \udc00 surrogate" },
      ],
      response: { not: "a string" },
      code: "x = 1",
      result: {
        stdout: "ok",
        locals: { circular, fn: () => 1, sym: Symbol("s"), err: new Error("e"), map: new Map([["k", 1]]), inf: Number.NEGATIVE_INFINITY, bytes: new Uint8Array([7]) },
        executionTime: Number.NaN,
      },
      iterationTime: Number.POSITIVE_INFINITY,
    });
    await session.finalize({ reward: Number.POSITIVE_INFINITY });
    await logger.close();
    const files = listFiles(logDir);
    expect(files).toHaveLength(1);
    expect(parseWithPython(files)).toBe(3);
    const [metadata, iteration, summary] = readLines(files[0] as string);
    expect(metadata?.instance_id).toBe("weird/../../id\u0000\ud83d\ude00");
    expect([metadata?.started, metadata?.seeds, metadata?.big]).toEqual(["2026-01-01T00:00:00.000Z", [1, 2], "1180591620717411303424"]);
    expect(iteration?.prompt).toEqual([
      { role: "user", content: 'look at\n{"type":"image_url","image_url":{"url":"data:x"}}' },
      { role: "user", content: "lone \udc00 surrogate" },
    ]);
    expect(iteration?.response).toBe('{"not":"a string"}');
    expect(iteration?.iteration_time).toBeNull();
    const block = (iteration?.code_blocks as Array<{ result: Record<string, unknown> }>)[0];
    expect(block?.result.execution_time).toBe(0);
    const locals = block?.result.locals as Record<string, unknown>;
    expect(locals).toEqual({
      circular: { id: 1, me: "[Circular]" },
      fn: "[Function: fn]",
      sym: "Symbol(s)",
      err: { name: "Error", message: "e", stack: expect.stringContaining("Error: e") },
      map: { k: 1 },
      inf: null,
      bytes: [7],
    });
    expect(summary?.reward).toBeNull();
  });
});
