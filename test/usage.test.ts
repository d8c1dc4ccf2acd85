/**
 * Token usage in the shapes the model SDKs return, handed over as is, lands in the file with
 * one meaning: prompt tokens include cached ones; cache reads and writes are kept when given.
 */
import { describe, expect, it } from "vitest";
import { TrajectoryLogger, type UsageInput } from "../src/index.js";
import { captureLogger } from "./helpers/diagnostics.js";
import { tempDirs } from "./helpers/processes.js";
import { listSessionFiles, readSession } from "./helpers/session-files.js";
import { statsWith } from "./helpers/stats.js";

const ISO = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
const dir = tempDirs();

/** A logger writing every rollout to a fresh directory, its diagnostics captured. */
function capturedLogger(): { logDir: string; logger: TrajectoryLogger; records: () => Array<Record<string, unknown>> } {
  const logDir = dir();
  const { logger: diagnostics, records } = captureLogger();
  return { logDir, logger: new TrajectoryLogger({ logDir, sampleRate: 1, logger: diagnostics }), records };
}

/** Logs one iteration with `usage` on the root call and on one sub-model call; returns the file's lines. */
async function logUsage(usage: unknown): Promise<{
  iteration: Record<string, unknown>;
  records: () => Array<Record<string, unknown>>;
  logger: TrajectoryLogger;
}> {
  const { logDir, logger, records } = capturedLogger();
  const session = logger.startSession({ instanceId: "i", trainingStep: 0, modelName: "m" });
  session.logIteration({
    prompt: "p",
    response: "r",
    code: "llm_query('q')",
    result: { rlmCalls: [{ rootModel: "sub", prompt: "q", response: "a", usage: usage as UsageInput, executionTime: 0.5 }] },
    usage: usage as UsageInput,
  });
  await session.finalize({ reward: 1 });
  await logger.close();
  const [file] = listSessionFiles(logDir);
  const iteration = readSession(file!).iterations[0]!;
  return { iteration, records, logger };
}

/** The whole iteration line expected for a usage written as `written` on both calls. */
function iterationLine(written: Record<string, number> | undefined): Record<string, unknown> {
  const tokens = written ?? { prompt_tokens: 0, completion_tokens: 0 };
  const { prompt_tokens, completion_tokens, ...cache } = tokens;
  return {
    type: "iteration",
    iteration: 1,
    timestamp: ISO,
    prompt: [{ role: "user", content: "p" }],
    response: "r",
    code_blocks: [
      {
        code: "llm_query('q')",
        result: {
          stdout: "",
          stderr: "",
          locals: {},
          execution_time: 0,
          rlm_calls: [
            { root_model: "sub", prompt: "q", response: "a", prompt_tokens, completion_tokens, execution_time: 0.5, ...cache },
          ],
          final_answer: null,
        },
      },
    ],
    final_answer: null,
    iteration_time: null,
    ...(written !== undefined ? { usage: written } : {}),
  };
}

describe("usage in each SDK's shape", () => {
  it.each<[string, Record<string, unknown>, Record<string, number>]>([
    [
      "OpenAI Chat Completions (cached tokens in prompt_tokens_details)",
      {
        prompt_tokens: 1520,
        completion_tokens: 210,
        total_tokens: 1730,
        prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 64, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      },
      { prompt_tokens: 1520, completion_tokens: 210, cache_read_tokens: 1024 },
    ],
    [
      "OpenAI Chat Completions without details",
      { prompt_tokens: 57, completion_tokens: 9, total_tokens: 66 },
      { prompt_tokens: 57, completion_tokens: 9 },
    ],
    [
      "OpenAI Responses (input_tokens counts the cached ones)",
      {
        input_tokens: 1520,
        input_tokens_details: { cached_tokens: 1024 },
        output_tokens: 210,
        output_tokens_details: { reasoning_tokens: 64 },
        total_tokens: 1730,
      },
      { prompt_tokens: 1520, completion_tokens: 210, cache_read_tokens: 1024 },
    ],
    [
      "Anthropic Messages (cache reads and writes added to input_tokens)",
      {
        input_tokens: 12,
        cache_creation_input_tokens: 2000,
        cache_read_input_tokens: 30000,
        cache_creation: { ephemeral_5m_input_tokens: 2000, ephemeral_1h_input_tokens: 0 },
        output_tokens: 450,
        server_tool_use: null,
        service_tier: "standard",
      },
      { prompt_tokens: 32012, completion_tokens: 450, cache_read_tokens: 30000, cache_creation_tokens: 2000 },
    ],
    [
      "Anthropic Messages without caching (null cache counts)",
      { input_tokens: 340, output_tokens: 25, cache_creation_input_tokens: null, cache_read_input_tokens: null },
      { prompt_tokens: 340, completion_tokens: 25 },
    ],
    [
      "Vercel AI SDK v4 (promptTokens, completionTokens)",
      { promptTokens: 100, completionTokens: 20, totalTokens: 120 },
      { prompt_tokens: 100, completion_tokens: 20 },
    ],
    [
      "Vercel AI SDK v5 (inputTokens, cachedInputTokens)",
      { inputTokens: 1520, outputTokens: 210, totalTokens: 1730, reasoningTokens: 64, cachedInputTokens: 1024 },
      { prompt_tokens: 1520, completion_tokens: 210, cache_read_tokens: 1024 },
    ],
    [
      "Vercel AI SDK v6 (inputTokenDetails)",
      {
        inputTokens: 32012,
        inputTokenDetails: { noCacheTokens: 12, cacheReadTokens: 30000, cacheWriteTokens: 2000 },
        outputTokens: 450,
        outputTokenDetails: { textTokens: 400, reasoningTokens: 50 },
        totalTokens: 32462,
        reasoningTokens: 50,
        cachedInputTokens: 30000,
      },
      { prompt_tokens: 32012, completion_tokens: 450, cache_read_tokens: 30000, cache_creation_tokens: 2000 },
    ],
    [
      "the AI SDK provider spec (counts as objects)",
      {
        inputTokens: { total: 1520, noCache: 496, cacheRead: 1024, cacheWrite: undefined },
        outputTokens: { total: 210, text: 146, reasoning: 64 },
      },
      { prompt_tokens: 1520, completion_tokens: 210, cache_read_tokens: 1024 },
    ],
    [
      "trajlog's own names, numeric strings and fractions",
      { promptTokens: "100", completionTokens: 20.4, cacheReadTokens: 64, cacheCreationTokens: 0 },
      { prompt_tokens: 100, completion_tokens: 20, cache_read_tokens: 64, cache_creation_tokens: 0 },
    ],
  ])("%s", async (_name, usage, written) => {
    const { iteration, records, logger } = await logUsage(usage);
    expect(iteration).toEqual(iterationLine(written));
    expect(records()).toEqual([]);
    expect(logger.stats()).toMatchObject({ unknownKeys: 0, invalidValues: 0 });
  });

  it("writes no usage, rather than zeros, when the object holds no count trajlog knows, and says why", async () => {
    const { iteration, records, logger } = await logUsage({ tokens_in: 5, tokens_out: 7 });
    expect(iteration).toEqual(iterationLine(undefined));
    expect(records()).toEqual([
      {
        level: 40,
        component: "trajlog",
        method: "logIteration",
        key: "result.rlmCalls[].usage.tokens_in",
        msg: "trajlog: `result.rlmCalls[].usage.tokens_in` is not a field of logIteration (not written); `result.rlmCalls[].usage` takes promptTokens, completionTokens, cacheReadTokens, cacheCreationTokens, or the usage object of the OpenAI, Anthropic or Vercel AI SDK",
      },
      {
        level: 40,
        component: "trajlog",
        method: "logIteration",
        key: "result.rlmCalls[].usage.tokens_out",
        msg: "trajlog: `result.rlmCalls[].usage.tokens_out` is not a field of logIteration (not written); `result.rlmCalls[].usage` takes promptTokens, completionTokens, cacheReadTokens, cacheCreationTokens, or the usage object of the OpenAI, Anthropic or Vercel AI SDK",
      },
      {
        level: 40,
        component: "trajlog",
        method: "logIteration",
        key: "usage.tokens_in",
        msg: "trajlog: `usage.tokens_in` is not a field of logIteration (not written); `usage` takes promptTokens, completionTokens, cacheReadTokens, cacheCreationTokens, or the usage object of the OpenAI, Anthropic or Vercel AI SDK",
      },
      {
        level: 40,
        component: "trajlog",
        method: "logIteration",
        key: "usage.tokens_out",
        msg: "trajlog: `usage.tokens_out` is not a field of logIteration (not written); `usage` takes promptTokens, completionTokens, cacheReadTokens, cacheCreationTokens, or the usage object of the OpenAI, Anthropic or Vercel AI SDK",
      },
    ]);
  });

  it("reports a count that is not a number of tokens, once per field, and counts each", async () => {
    const { iteration, records, logger } = await logUsage({ prompt_tokens: -3, completion_tokens: "many" });
    expect(iteration).toEqual(iterationLine(undefined));
    expect(records().map((r) => r.msg)).toEqual([
      "trajlog: `result.rlmCalls[].usage.prompt_tokens` of logIteration must be a non-negative number of tokens; received -3 (number), written as 0",
      'trajlog: `result.rlmCalls[].usage.completion_tokens` of logIteration must be a non-negative number of tokens; received "many" (string), written as 0',
      "trajlog: `usage.prompt_tokens` of logIteration must be a non-negative number of tokens; received -3 (number), written as 0",
      'trajlog: `usage.completion_tokens` of logIteration must be a non-negative number of tokens; received "many" (string), written as 0',
    ]);
    expect(logger.stats().invalidValues).toBe(4);
  });
});

describe("reward", () => {
  async function finalizeWith(rewards: unknown[]): Promise<{
    summaries: Array<Record<string, unknown>>;
    records: Array<Record<string, unknown>>;
    logger: TrajectoryLogger;
  }> {
    const { logDir, logger, records } = capturedLogger();
    for (const [i, reward] of rewards.entries()) {
      const session = logger.startSession({ instanceId: `i${i}`, trainingStep: 0, modelName: "m" });
      await session.finalize({ reward: reward as number });
    }
    await logger.close();
    const summaries = listSessionFiles(logDir).map((file) => readSession(file).summary!);
    return { summaries, records: records(), logger };
  }

  it("parses a numeric string", async () => {
    const { summaries, records } = await finalizeWith(["1.0", " -0.25 ", "2e-1"]);
    expect(summaries.map((s) => s.reward)).toEqual([1, -0.25, 0.2]);
    expect(records).toEqual([]);
  });

  it("writes anything else that is not a finite number as null, warned about once and counted every time", async () => {
    const { summaries, records, logger } = await finalizeWith(["n/a", Number.NaN, Number.POSITIVE_INFINITY, "", true, { value: 1 }]);
    expect(summaries).toEqual(
      Array.from({ length: 6 }, () => ({ type: "summary", timestamp: ISO, reward: null, total_steps: 0, total_iterations: 0 })),
    );
    expect(records).toEqual([
      {
        level: 40,
        component: "trajlog",
        method: "finalize",
        key: "reward",
        msg: 'trajlog: `reward` of finalize must be a finite number or a numeric string; received "n/a" (string), written as null',
      },
    ]);
    expect(logger.stats()).toEqual(
      statsWith({
        sessionsStarted: 6,
        sessionsLogged: 6,
        invalidValues: 6,
        linesWritten: 12,
        bytesWritten: logger.stats().bytesWritten,
      }),
    );
  });
});
