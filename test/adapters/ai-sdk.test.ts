/**
 * trajlog/ai-sdk driven through the AI SDK itself: `generateText` and `streamText` run real
 * tool loops (the SDK executes the tools and builds every prompt) over the SDK's own mock
 * language model, and the test reads back the whole lines trajlog wrote.
 */
import fs from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { generateText, stepCountIs, streamText, tool, wrapLanguageModel } from "ai";
import { MockLanguageModelV4, simulateReadableStream } from "ai/test";
import { z } from "zod";
import { NULL_SESSION, TrajectoryLogger } from "../../src/index.js";
import { trajlogMiddleware } from "../../src/adapters/ai-sdk.js";
import { makeTempDir, removeTempDir } from "../helpers/processes.js";
import { listFiles, readSession } from "../helpers/session-files.js";
import { anySeconds, anyTimestamp, expectedBlock, expectedIteration } from "../helpers/adapter-lines.js";

type GenerateResult = Awaited<ReturnType<MockLanguageModelV4["doGenerate"]>>;
type StreamPart = Awaited<ReturnType<MockLanguageModelV4["doStream"]>>["stream"] extends ReadableStream<infer P> ? P : never;

let logDir: string;
beforeEach(() => {
  logDir = makeTempDir();
});
afterEach(() => removeTempDir(logDir));

function usage(input: number, output: number, cacheRead?: number, reasoning?: number): GenerateResult["usage"] {
  return {
    inputTokens: { total: input, noCache: input - (cacheRead ?? 0), cacheRead, cacheWrite: undefined },
    outputTokens: { total: output, text: output - (reasoning ?? 0), reasoning },
  };
}

/** The next scripted answer on each call; a call past the script fails the test. */
function script<T>(answers: T[]): () => T {
  let call = 0;
  return () => {
    const answer = answers[call++];
    if (answer === undefined) throw new Error(`the script has no call ${call}`);
    return answer;
  };
}

/** A mock model answering each doGenerate call with the next scripted result. */
function scriptedModel(results: Array<Omit<GenerateResult, "warnings">>): MockLanguageModelV4 {
  const next = script(results);
  return new MockLanguageModelV4({ modelId: "mock-7b", doGenerate: async () => ({ ...next(), warnings: [] }) });
}

/** A mock model streaming each doStream call's scripted parts. */
function streamingModel(calls: StreamPart[][]): MockLanguageModelV4 {
  const next = script(calls);
  return new MockLanguageModelV4({
    modelId: "mock-7b",
    doStream: async () => ({ stream: simulateReadableStream({ chunks: [{ type: "stream-start", warnings: [] }, ...next()] }) }),
  });
}

const tools = {
  add: tool({
    description: "Adds two numbers",
    inputSchema: z.object({ a: z.number(), b: z.number() }),
    execute: async ({ a, b }) => ({ sum: a + b }),
  }),
  env: tool({
    description: "Reads an environment variable",
    inputSchema: z.object({ name: z.string() }),
    execute: async ({ name }) => `${name}=sk-proj-abcdefghijklmnop1234567890`,
  }),
  fetch: tool({
    description: "Fetches a URL",
    inputSchema: z.object({ url: z.string() }),
    execute: async ({ url }): Promise<string> => {
      throw new Error(`network is off: ${url}`);
    },
  }),
};

function logged(sampleRate = 1) {
  const logger = new TrajectoryLogger({ logDir, sampleRate, experimentName: "ai-sdk" });
  const session = logger.startSession({ instanceId: "task-1", trainingStep: 2, modelName: "mock-7b" });
  return { logger, session };
}

/** A code block of a tool call; an AI SDK tool's time is not seen, so it stays 0. */
function block(code: string, stdout: string, stderr = "") {
  return expectedBlock(code, stdout, { stderr });
}

describe("generateText with a tool loop", () => {
  it("writes one iteration per model call: prompt as sent, response, tool calls with results, usage, final answer", async () => {
    const { logger, session } = logged();
    const middleware = trajlogMiddleware(session);
    const model = wrapLanguageModel({
      model: scriptedModel([
        {
          content: [
            { type: "reasoning", text: "Two tools at once." },
            { type: "text", text: "Adding, and reading the key." },
            { type: "tool-call", toolCallId: "call-1", toolName: "add", input: '{"a":2,"b":3}' },
            { type: "tool-call", toolCallId: "call-2", toolName: "env", input: '{"name":"OPENAI_API_KEY"}' },
          ],
          finishReason: { unified: "tool-calls", raw: "tool_calls" },
          usage: usage(40, 12, 32, 4),
        },
        {
          content: [{ type: "tool-call", toolCallId: "call-3", toolName: "fetch", input: '{"url":"https://example.com"}' }],
          finishReason: { unified: "tool-calls", raw: "tool_calls" },
          usage: usage(90, 8),
        },
        {
          content: [{ type: "text", text: "The sum is 5." }],
          finishReason: { unified: "stop", raw: "stop" },
          usage: usage(120, 6, 90),
        },
      ]),
      middleware,
    });

    const result = await generateText({
      model,
      system: "You are a careful assistant.",
      prompt: "What is 2 + 3?",
      tools,
      stopWhen: stepCountIs(5),
    });
    expect(result.text).toBe("The sum is 5.");
    expect(result.steps).toHaveLength(3);
    await middleware.finalize({ reward: 1 });
    await logger.close();

    const file = readSession(session.path as string);
    const system = { role: "system", content: "You are a careful assistant." };
    const user = { role: "user", content: "What is 2 + 3?" };
    const step1 = {
      role: "assistant",
      content: [
        "Two tools at once.",
        "Adding, and reading the key.",
        '{"type":"tool-call","toolCallId":"call-1","toolName":"add","input":{"a":2,"b":3}}',
        '{"type":"tool-call","toolCallId":"call-2","toolName":"env","input":{"name":"OPENAI_API_KEY"}}',
      ].join("\n"),
    };
    const results1 = {
      role: "tool",
      content: [
        '{"type":"tool-result","toolCallId":"call-1","toolName":"add","output":{"type":"json","value":{"sum":5}}}',
        '{"type":"tool-result","toolCallId":"call-2","toolName":"env","output":{"type":"text","value":"OPENAI_API_KEY=[REDACTED:openai_key]"}}',
      ].join("\n"),
    };
    const step2 = {
      role: "assistant",
      content: '{"type":"tool-call","toolCallId":"call-3","toolName":"fetch","input":{"url":"https://example.com"}}',
    };
    const results2 = {
      role: "tool",
      content:
        '{"type":"tool-result","toolCallId":"call-3","toolName":"fetch","output":{"type":"error-text","value":"Error: network is off: https://example.com"}}',
    };
    expect(file.iterations).toEqual([
      expectedIteration(1, {
        prompt: [system, user],
        response: "Adding, and reading the key.",
        code_blocks: [block('add({"a":2,"b":3})', '{"sum":5}'), block('env({"name":"OPENAI_API_KEY"})', "OPENAI_API_KEY=[REDACTED:openai_key]")],
        usage: { prompt_tokens: 40, completion_tokens: 12, cache_read_tokens: 32 },
        finish_reason: "tool-calls",
        reasoning: "Two tools at once.",
      }),
      expectedIteration(2, {
        prompt: [system, user, step1, results1],
        code_blocks: [block('fetch({"url":"https://example.com"})', "", "Error: network is off: https://example.com")],
        usage: { prompt_tokens: 90, completion_tokens: 8 },
        finish_reason: "tool-calls",
      }),
      expectedIteration(3, {
        prompt: [system, user, step1, results1, step2, results2],
        response: "The sum is 5.",
        final_answer: "The sum is 5.",
        usage: { prompt_tokens: 120, completion_tokens: 6, cache_read_tokens: 90 },
        finish_reason: "stop",
      }),
    ]);
    expect(file.summary).toEqual({ type: "summary", timestamp: anyTimestamp, reward: 1, total_steps: 3, total_iterations: 3 });
    // The key in the tool output (iteration 1) and in the prompts that carried it back (iterations 2, 3).
    expect(logger.stats().redactionsByKind).toEqual({ openai_key: 3 });
    // Everything the adapter hands logIteration is a field it knows, with a usable value.
    expect(logger.stats()).toMatchObject({ unknownKeys: 0, invalidValues: 0 });
  });

  it("a loop stopped right after tool calls: finalize() takes the SDK's tool results, or names the calls it never saw answered", async () => {
    for (const give of [true, false]) {
      const dir = `${logDir}/${give}`;
      const logger = new TrajectoryLogger({ logDir: dir, sampleRate: 1 });
      const session = logger.startSession({ instanceId: "t", trainingStep: 0, modelName: "m" });
      const middleware = trajlogMiddleware(session);
      const model = wrapLanguageModel({
        model: scriptedModel([
          {
            content: [{ type: "tool-call", toolCallId: "c1", toolName: "add", input: '{"a":1,"b":1}' }],
            finishReason: { unified: "tool-calls", raw: "tool_calls" },
            usage: usage(5, 5),
          },
        ]),
        middleware,
      });
      const result = await generateText({ model, prompt: "1+1", tools, stopWhen: stepCountIs(1) });
      expect(result.toolResults).toHaveLength(1);
      await middleware.finalize({ reward: 0 }, give ? { toolResults: result.steps } : undefined);
      await logger.close();
      const [iteration] = readSession(listFiles(dir)[0] as string).iterations;
      expect(iteration).toEqual(expectedIteration(1, {
        prompt: [{ role: "user", content: "1+1" }],
        code_blocks: [give ? block('add({"a":1,"b":1})', '{"sum":2}') : block('add({"a":1,"b":1})', "")],
        usage: { prompt_tokens: 5, completion_tokens: 5 },
        finish_reason: "tool-calls",
        ...(give ? {} : { unresolved_tool_calls: ["c1"] }),
      }));
    }
  });

  it("a failing model call is logged with its error, and the error reaches the caller unchanged", async () => {
    const { logger, session } = logged();
    const failure = new Error("rate limited");
    const model = wrapLanguageModel({
      model: new MockLanguageModelV4({
        doGenerate: async () => {
          throw failure;
        },
      }),
      middleware: trajlogMiddleware(session),
    });
    await expect(generateText({ model, prompt: "hi", maxRetries: 0 })).rejects.toBe(failure);
    await session.finalize({ error: failure });
    await logger.close();
    const file = readSession(session.path as string);
    expect(file.iterations).toEqual([
      expectedIteration(1, {
        prompt: [{ role: "user", content: "hi" }],
        error: { name: "Error", message: "rate limited", stack: expect.any(String) },
      }),
    ]);
  });
});

describe("streamText", () => {
  it("logs each streamed call once the stream is read: text blocks, reasoning, tool calls and results, usage", async () => {
    const { logger, session } = logged();
    const middleware = trajlogMiddleware(session);
    const model = wrapLanguageModel({
      model: streamingModel([
        [
          { type: "reasoning-start", id: "r" },
          { type: "reasoning-delta", id: "r", delta: "Need the " },
          { type: "reasoning-delta", id: "r", delta: "sum." },
          { type: "reasoning-end", id: "r" },
          { type: "text-start", id: "a" },
          { type: "text-delta", id: "a", delta: "Let me " },
          { type: "text-delta", id: "a", delta: "add." },
          { type: "text-end", id: "a" },
          { type: "tool-input-start", id: "c1", toolName: "add" },
          { type: "tool-input-delta", id: "c1", delta: '{"a":20,' },
          { type: "tool-input-delta", id: "c1", delta: '"b":22}' },
          { type: "tool-input-end", id: "c1" },
          { type: "tool-call", toolCallId: "c1", toolName: "add", input: '{"a":20,"b":22}' },
          { type: "finish", finishReason: { unified: "tool-calls", raw: "tool_use" }, usage: usage(30, 9) },
        ],
        [
          { type: "text-start", id: "b" },
          { type: "text-delta", id: "b", delta: "It is " },
          { type: "text-delta", id: "b", delta: "42." },
          { type: "text-end", id: "b" },
          { type: "text-start", id: "c" },
          { type: "text-delta", id: "c", delta: "Done." },
          { type: "text-end", id: "c" },
          { type: "finish", finishReason: { unified: "stop", raw: "end_turn" }, usage: usage(50, 7, 30) },
        ],
      ]),
      middleware,
    });

    const run = streamText({ model, prompt: "What is 20 + 22?", tools, stopWhen: stepCountIs(4) });
    let streamed = "";
    for await (const delta of run.textStream) streamed += delta;
    expect(streamed).toBe("Let me add.It is 42.Done.");
    await middleware.finalize({ reward: 1 });
    await logger.close();

    const file = readSession(session.path as string);
    const user = { role: "user", content: "What is 20 + 22?" };
    expect(file.iterations).toEqual([
      expectedIteration(1, {
        prompt: [user],
        response: "Let me add.",
        code_blocks: [block('add({"a":20,"b":22})', '{"sum":42}')],
        usage: { prompt_tokens: 30, completion_tokens: 9 },
        finish_reason: "tool-calls",
        reasoning: "Need the sum.",
      }),
      expectedIteration(2, {
        prompt: [
          user,
          {
            role: "assistant",
            content: [
              "Need the sum.",
              "Let me add.",
              '{"type":"tool-call","toolCallId":"c1","toolName":"add","input":{"a":20,"b":22}}',
            ].join("\n"),
          },
          {
            role: "tool",
            content: '{"type":"tool-result","toolCallId":"c1","toolName":"add","output":{"type":"json","value":{"sum":42}}}',
          },
        ],
        response: "It is 42.\nDone.",
        final_answer: "It is 42.\nDone.",
        usage: { prompt_tokens: 50, completion_tokens: 7, cache_read_tokens: 30 },
        finish_reason: "stop",
      }),
    ]);
    expect(file.summary).toMatchObject({ reward: 1, total_iterations: 2 });
  });

  it("a stream its consumer stops reading is logged with what arrived", async () => {
    const { logger, session } = logged();
    const model = wrapLanguageModel({
      model: streamingModel([
        [
          { type: "text-start", id: "a" },
          { type: "text-delta", id: "a", delta: "first " },
          { type: "text-delta", id: "a", delta: "second " },
          { type: "text-delta", id: "a", delta: "third" },
          { type: "text-end", id: "a" },
          { type: "finish", finishReason: { unified: "stop", raw: "stop" }, usage: usage(3, 3) },
        ],
      ]),
      middleware: trajlogMiddleware(session),
    });
    const call = await model.doStream({ prompt: [{ role: "user", content: [{ type: "text", text: "go" }] }] });
    const reader = call.stream.getReader();
    const seen: string[] = [];
    for (;;) {
      const { value } = await reader.read();
      if (value?.type === "text-delta") seen.push(value.delta);
      if (seen.length === 2) break;
    }
    await reader.cancel("enough");
    await session.finalize();
    await logger.close();
    expect(readSession(session.path as string).iterations).toEqual([
      expectedIteration(1, {
        prompt: [{ role: "user", content: "go" }],
        response: "first second ",
        finish_reason: null,
        stopped: "cancelled by the consumer",
      }),
    ]);
  });
});

describe("a rollout that is not sampled", () => {
  it("writes nothing, adds no hook to the model, and the loop's result is the same", async () => {
    const { logger, session } = logged(0);
    expect(session).toBe(NULL_SESSION);
    const middleware = trajlogMiddleware(session);
    expect(Object.keys(middleware).sort()).toEqual(["finalize", "flush", "specificationVersion"]);
    const script = () =>
      scriptedModel([
        {
          content: [{ type: "tool-call", toolCallId: "c1", toolName: "add", input: '{"a":1,"b":2}' }],
          finishReason: { unified: "tool-calls", raw: "tool_calls" },
          usage: usage(5, 5),
        },
        { content: [{ type: "text", text: "3" }], finishReason: { unified: "stop", raw: "stop" }, usage: usage(9, 1) },
      ]);
    const wrapped = await generateText({ model: wrapLanguageModel({ model: script(), middleware }), prompt: "1+2", tools, stopWhen: stepCountIs(3) });
    const plain = await generateText({ model: script(), prompt: "1+2", tools, stopWhen: stepCountIs(3) });
    expect(wrapped.text).toBe(plain.text);
    expect(wrapped.steps.map((s) => s.content)).toEqual(plain.steps.map((s) => s.content));
    await middleware.finalize({ reward: 1 });
    await logger.close();
    expect(fs.existsSync(logDir) ? listFiles(logDir) : []).toEqual([]);
    expect(logger.stats()).toMatchObject({ sessionsSampledOut: 1, sessionsLogged: 0, linesWritten: 0 });
  });
});

describe("arguments", () => {
  it("rejects what is not a session or a valid option, naming it", () => {
    expect(() => trajlogMiddleware(undefined as never)).toThrow(
      "trajlog: trajlogMiddleware expects a session from logger.startSession(); received undefined",
    );
    expect(() => trajlogMiddleware(NULL_SESSION, { finalAnswer: "yes" as never })).toThrow(
      'trajlog: option "finalAnswer" of trajlogMiddleware must be a function; received "yes" (string)',
    );
  });

  it("finalAnswer decides which calls carry a final answer", async () => {
    const { logger, session } = logged();
    const model = wrapLanguageModel({
      model: scriptedModel([{ content: [{ type: "text", text: "FINAL(42)" }], finishReason: { unified: "stop", raw: "stop" }, usage: usage(1, 1) }]),
      middleware: trajlogMiddleware(session, { finalAnswer: ({ text }) => /FINAL\((.*)\)/.exec(text)?.[1] }),
    });
    await generateText({ model, prompt: "x" });
    await session.finalize();
    await logger.close();
    expect(readSession(session.path as string).iterations[0]?.final_answer).toBe("42");
  });
});
