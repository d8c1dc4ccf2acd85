/**
 * Every key handed to trajlog is either used or reported: a key it does not know is warned
 * about once per logger, with the documented field it most likely stands for, and counted in
 * stats(). Constructor options are config and throw instead.
 */
import { describe, expect, it } from "vitest";
import { TrajectoryLogger } from "../src/index.js";
import { START_SESSION_INPUT, startSessionKeysKnown } from "../src/input-fields.js";
import { captureLogger } from "./helpers/diagnostics.js";
import { tempDirs } from "./helpers/processes.js";
import { listSessionFiles, readSession } from "./helpers/session-files.js";
import { statsWith } from "./helpers/stats.js";

const ISO = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
const dir = tempDirs();

/** A diagnostics record of an unknown key, as the caller's pino logger receives it. */
function unknownKey(method: string, key: string, msg: string, suggestion?: string): Record<string, unknown> {
  return { level: 40, component: "trajlog", method, key, ...(suggestion !== undefined ? { suggestion } : {}), msg };
}

describe("unknown keys", () => {
  it("reports the seed format's own names in logIteration, with the field meant, and writes what it knows", async () => {
    const logDir = dir();
    const { logger: diagnostics, records } = captureLogger();
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1, logger: diagnostics });
    const session = logger.startSession({ instanceId: "i", trainingStep: 0, modelName: "m" });
    const seedShaped = {
      prompt: "p",
      response: "r",
      code: "print(1)",
      execResult: { stdout: "1\n" },
      exec_result: { stdout: "1\n" },
      subCalls: [{ root_model: "sub" }],
      code_blocks: [],
      final_answer: "1",
      rlm_calls: [],
    };
    session.logIteration(seedShaped as never);
    session.logIteration(seedShaped as never); // the same keys again: counted, not warned again
    await session.finalize({ reward: 1, score: 1 } as never);
    await logger.close();

    expect(records()).toEqual([
      unknownKey("logIteration", "execResult", "trajlog: `execResult` is not a field of logIteration; did you mean `result`? (not written)", "result"),
      unknownKey("logIteration", "exec_result", "trajlog: `exec_result` is not a field of logIteration; did you mean `result`? (not written)", "result"),
      unknownKey("logIteration", "subCalls", "trajlog: `subCalls` is not a field of logIteration; did you mean `result.rlmCalls`? (not written)", "result.rlmCalls"),
      unknownKey("logIteration", "code_blocks", "trajlog: `code_blocks` is not a field of logIteration; did you mean `codeBlocks`? (not written)", "codeBlocks"),
      unknownKey("logIteration", "final_answer", "trajlog: `final_answer` is not a field of logIteration; did you mean `finalAnswer`? (not written)", "finalAnswer"),
      unknownKey("logIteration", "rlm_calls", "trajlog: `rlm_calls` is not a field of logIteration; did you mean `result.rlmCalls`? (not written)", "result.rlmCalls"),
      unknownKey("finalize", "score", "trajlog: `score` is not a field of finalize; did you mean `reward`? (not written)", "reward"),
    ]);
    const stats = logger.stats();
    expect(stats).toEqual(
      statsWith({
        sessionsStarted: 1,
        sessionsLogged: 1,
        unknownKeys: 13,
        unknownKeysByName: {
          "logIteration.execResult": 2,
          "logIteration.exec_result": 2,
          "logIteration.subCalls": 2,
          "logIteration.code_blocks": 2,
          "logIteration.final_answer": 2,
          "logIteration.rlm_calls": 2,
          "finalize.score": 1,
        },
        linesWritten: 4,
        bytesWritten: stats.bytesWritten,
      }),
    );
    const [file] = listSessionFiles(logDir);
    const written = readSession(file!);
    expect(written.iterations[0]).toEqual({
      type: "iteration",
      iteration: 1,
      timestamp: ISO,
      prompt: [{ role: "user", content: "p" }],
      response: "r",
      code_blocks: [
        { code: "print(1)", result: { stdout: "", stderr: "", locals: {}, execution_time: 0, rlm_calls: [], final_answer: null } },
      ],
      final_answer: null,
      iteration_time: null,
    });
    expect(written.summary).toEqual({ type: "summary", timestamp: ISO, reward: 1, total_steps: 2, total_iterations: 2 });
  });

  it("reports keys inside code blocks, results and sub-model calls by their path", async () => {
    const { logger: diagnostics, records } = captureLogger();
    const logger = new TrajectoryLogger({ logDir: dir(), sampleRate: 1, logger: diagnostics });
    const session = logger.startSession({ instanceId: "i", trainingStep: 0, modelName: "m" });
    session.logIteration({
      prompt: "p",
      response: "r",
      codeBlocks: [
        {
          code: "x",
          stdout: "1",
          result: {
            execution_time: 0.5,
            rlmCalls: [{ root_model: "sub", prompt: "q", response: "a", prompt_tokens: 3, latency_ms: 20 }],
          },
        },
      ],
      result: { output: "1" },
    } as never);
    await session.finalize();
    await logger.close();
    expect(records()).toEqual([
      unknownKey(
        "logIteration",
        "codeBlocks[].stdout",
        "trajlog: `codeBlocks[].stdout` is not a field of logIteration; did you mean `codeBlocks[].result.stdout`? (not written)",
        "codeBlocks[].result.stdout",
      ),
      unknownKey(
        "logIteration",
        "codeBlocks[].result.execution_time",
        "trajlog: `codeBlocks[].result.execution_time` is not a field of logIteration; did you mean `codeBlocks[].result.executionTime`? (not written)",
        "codeBlocks[].result.executionTime",
      ),
      unknownKey(
        "logIteration",
        "codeBlocks[].result.rlmCalls[].root_model",
        "trajlog: `codeBlocks[].result.rlmCalls[].root_model` is not a field of logIteration; did you mean `codeBlocks[].result.rlmCalls[].rootModel`? (not written)",
        "codeBlocks[].result.rlmCalls[].rootModel",
      ),
      unknownKey(
        "logIteration",
        "codeBlocks[].result.rlmCalls[].prompt_tokens",
        "trajlog: `codeBlocks[].result.rlmCalls[].prompt_tokens` is not a field of logIteration; did you mean `codeBlocks[].result.rlmCalls[].promptTokens`? (not written)",
        "codeBlocks[].result.rlmCalls[].promptTokens",
      ),
      unknownKey(
        "logIteration",
        "codeBlocks[].result.rlmCalls[].latency_ms",
        "trajlog: `codeBlocks[].result.rlmCalls[].latency_ms` is not a field of logIteration (not written); `codeBlocks[].result.rlmCalls[]` takes rootModel, prompt, response, promptTokens, completionTokens, usage, executionTime",
      ),
      unknownKey(
        "logIteration",
        "result.output",
        "trajlog: `result.output` is not a field of logIteration; did you mean `result.stdout`? (not written)",
        "result.stdout",
      ),
    ]);
    expect(logger.stats().unknownKeys).toBe(6);
  });

  it("checks startSession on every rollout, sampled or not, and never throws for it", () => {
    const { logger: diagnostics, records } = captureLogger();
    const logger = new TrajectoryLogger({ sampleRate: 0, logger: diagnostics });
    for (let i = 0; i < 3; i++) {
      const session = logger.startSession({ instanceId: "i", trainingStep: 0, modelName: "m", forse: true, experiment_name: "x" } as never);
      expect(session.sampled).toBe(false);
    }
    expect(records()).toEqual([
      unknownKey("startSession", "forse", "trajlog: `forse` is not a field of startSession; did you mean `force`? (not written)", "force"),
      unknownKey(
        "startSession",
        "experiment_name",
        "trajlog: `experiment_name` is not a field of startSession; did you mean `new TrajectoryLogger({ experimentName })`? (not written)",
        "new TrajectoryLogger({ experimentName })",
      ),
    ]);
    expect(logger.stats()).toEqual(
      statsWith({
        sessionsStarted: 3,
        sessionsSampledOut: 3,
        unknownKeys: 6,
        unknownKeysByName: { "startSession.forse": 3, "startSession.experiment_name": 3 },
      }),
    );
  });

  it("lists the fields when nothing is close, and warns again in another logger", () => {
    const first = captureLogger();
    const second = captureLogger();
    for (const { logger: diagnostics } of [first, second]) {
      const logger = new TrajectoryLogger({ sampleRate: 0, logger: diagnostics });
      logger.startSession({ instanceId: "i", trainingStep: 0, modelName: "m", group: 4 } as never);
      logger.startSession({ instanceId: "i", trainingStep: 0, modelName: "m", group: 4 } as never);
    }
    const expected = [
      unknownKey(
        "startSession",
        "group",
        "trajlog: `group` is not a field of startSession (not written); its fields are instanceId, trainingStep, modelName, configMetadata, force, rolloutId",
      ),
    ];
    expect(first.records()).toEqual(expected);
    expect(second.records()).toEqual(expected);
  });

  it("names at most 100 distinct keys, counts the rest, and says so once", () => {
    const { logger: diagnostics, records } = captureLogger();
    const logger = new TrajectoryLogger({ sampleRate: 0, logger: diagnostics });
    for (let i = 0; i < 150; i++) logger.startSession({ instanceId: "i", trainingStep: 0, modelName: "m", [`k${i}`]: 1 } as never);
    const stats = logger.stats();
    expect(stats.unknownKeys).toBe(150);
    expect(Object.keys(stats.unknownKeysByName)).toHaveLength(100);
    expect(records()).toHaveLength(101);
    expect(records()[100]).toEqual({
      level: 40,
      component: "trajlog",
      msg: "trajlog: more than 100 distinct unknown keys; further ones are counted in stats().unknownKeys without a warning",
    });
  });
});

describe("constructor and config", () => {
  it.each([
    [
      { sample_rate: 0.1 },
      'trajlog: option "sample_rate" is not a TrajectoryLogger option; did you mean "sampleRate"? received 0.1 (number); options are logDir, experimentName, sampleRate, seed, sampleBy, sampler, logger, maxBufferBytes, maxOpenFiles, redact, maxFieldBytes, maxLineBytes, prompts',
    ],
    [
      { logdir: "logs" },
      'trajlog: option "logdir" is not a TrajectoryLogger option; did you mean "logDir"? received "logs" (string); options are logDir, experimentName, sampleRate, seed, sampleBy, sampler, logger, maxBufferBytes, maxOpenFiles, redact, maxFieldBytes, maxLineBytes, prompts',
    ],
    [
      { force: true },
      'trajlog: option "force" is not a TrajectoryLogger option; did you mean startSession({ force: true }) or TRAJLOG_FORCE=1? received true (boolean); options are logDir, experimentName, sampleRate, seed, sampleBy, sampler, logger, maxBufferBytes, maxOpenFiles, redact, maxFieldBytes, maxLineBytes, prompts',
    ],
    [
      { verbose: true },
      'trajlog: option "verbose" is not a TrajectoryLogger option; received true (boolean); options are logDir, experimentName, sampleRate, seed, sampleBy, sampler, logger, maxBufferBytes, maxOpenFiles, redact, maxFieldBytes, maxLineBytes, prompts',
    ],
  ])("throws at once on the unknown option %o, naming it, the option meant and the value", (options, message) => {
    expect(() => new TrajectoryLogger(options as never)).toThrow(message);
  });

  it("fromConfig warns about a key that looks like one it reads, and reads the rest as before", () => {
    const { logger: diagnostics, records } = captureLogger();
    const logger = TrajectoryLogger.fromConfig(
      { logdir: "x", sample_rate: 0.5, log_trajectory_seed: 3, learning_rate: 1e-6, seed: 1, output_dir: "ckpt" },
      { logger: diagnostics },
    );
    expect(logger.sampler.rate).toBe(0);
    expect(records()).toEqual([
      {
        level: 40,
        component: "trajlog",
        key: "logdir",
        suggestion: "logDir",
        msg: "trajlog: config key `logdir` is not read by fromConfig; did you mean `logDir`?",
      },
      {
        level: 40,
        component: "trajlog",
        key: "sample_rate",
        suggestion: "log_trajectory_sample_rate",
        msg: "trajlog: config key `sample_rate` is not read by fromConfig; did you mean `log_trajectory_sample_rate`?",
      },
    ]);
  });
});

describe("startSessionKeysKnown", () => {
  it("agrees with startSession's field list", () => {
    for (const field of START_SESSION_INPUT.fields) expect(startSessionKeysKnown({ [field]: 1 })).toBe(true);
    expect(startSessionKeysKnown(Object.fromEntries(START_SESSION_INPUT.fields.map((f) => [f, 1])))).toBe(true);
    expect(startSessionKeysKnown({ instanceId: "i", instance_id: "i" })).toBe(false);
  });
});
