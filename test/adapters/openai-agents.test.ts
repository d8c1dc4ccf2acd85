/**
 * trajlog/openai-agents driven through the Agents SDK itself: `run()` with real tools, an agent
 * used as a tool, a handoff and `withTrace`, over (a) a model stubbed at the SDK's documented
 * provider interface (`ModelProvider` → `Model`, recording its calls in generation spans as the
 * SDK's own providers do) and (b) the SDK's real OpenAI provider talking to a loopback server
 * that answers as the OpenAI API does. The test reads back the whole lines written.
 */
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  Agent,
  OpenAIProvider,
  Runner,
  Usage,
  setTraceProcessors,
  setTracingDisabled,
  tool,
  withGenerationSpan,
  withTrace,
  type Model,
  type ModelProvider,
  type ModelRequest,
  type ModelResponse,
} from "@openai/agents";
import { z } from "zod";
import { NULL_SESSION, TrajectoryLogger } from "../../src/index.js";
import { TrajlogTracingProcessor } from "../../src/adapters/openai-agents.js";
import { makeTempDir, removeTempDir } from "../helpers/processes.js";
import { listFiles, readSession } from "../helpers/session-files.js";
import { anySeconds, anyTimestamp, expectedBlock, expectedIteration } from "../helpers/adapter-lines.js";

let logDir: string;
beforeAll(() => setTracingDisabled(false)); // the SDK turns tracing off under NODE_ENV=test
afterAll(() => setTraceProcessors([]));
beforeEach(() => {
  logDir = makeTempDir();
});
afterEach(() => removeTempDir(logDir));

type Output = ModelResponse["output"];
const say = (text: string): Output[number] => ({
  type: "message",
  role: "assistant",
  status: "completed",
  content: [{ type: "output_text", text }],
});
const call = (callId: string, name: string, args: unknown): Output[number] => ({
  type: "function_call",
  callId,
  name,
  arguments: JSON.stringify(args),
  status: "completed",
});

/**
 * A model behind the SDK's `Model` interface answering from a script, and recording each call
 * in a generation span the way the SDK's Chat Completions provider does: the model name, the
 * messages sent (system instructions first) and the output when `request.tracing` allows data,
 * and the usage.
 */
class ScriptedModel implements Model {
  #next = 0;
  constructor(
    readonly name: string,
    readonly script: Array<{ output: Output; input: number; output_tokens: number; cached?: number }>,
  ) {}

  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    return withGenerationSpan(async (span) => {
      const step = this.script[this.#next++];
      if (step === undefined) throw new Error(`${this.name}: the script has no call ${this.#next}`);
      span.spanData.model = this.name;
      if (request.tracing === true) {
        const input = typeof request.input === "string" ? [{ role: "user", content: request.input }] : request.input;
        span.spanData.input = [...(request.systemInstructions ? [{ role: "system", content: request.systemInstructions }] : []), ...input];
        span.spanData.output = step.output;
      }
      const usage = { input_tokens: step.input, output_tokens: step.output_tokens, input_tokens_details: { cached_tokens: step.cached ?? 0 } };
      span.spanData.usage = usage;
      return { usage: new Usage({ requests: 1, ...usage, total_tokens: step.input + step.output_tokens }), output: step.output };
    });
  }

  // eslint-disable-next-line require-yield
  async *getStreamedResponse(): AsyncIterable<never> {
    throw new Error("not scripted");
  }
}

/** The documented seam: the runner asks the provider for each agent's model by name. */
class ScriptedProvider implements ModelProvider {
  constructor(readonly models: Record<string, Model>) {}
  getModel(name?: string): Model {
    const model = name === undefined ? undefined : this.models[name];
    if (model === undefined) throw new Error(`no scripted model ${String(name)}`);
    return model;
  }
}

const add = tool({
  name: "add",
  description: "Adds two numbers",
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: async ({ a, b }) => String(a + b),
});
const env = tool({
  name: "env",
  description: "Reads an environment variable",
  parameters: z.object({ name: z.string() }),
  execute: async ({ name }) => `${name}=ghp_abcdefghijklmnopqrstuvwxyz0123456789`,
});
const flaky = tool({
  name: "flaky",
  description: "Always fails",
  parameters: z.object({}),
  execute: async () => {
    throw new Error("disk on fire");
  },
});

/** A code block of a tool call, timed by its span. */
function block(code: string, stdout: string, result: Record<string, unknown> = {}) {
  return expectedBlock(code, stdout, { execution_time: anySeconds, ...result });
}

function setUp(sampleRate = 1) {
  const logger = new TrajectoryLogger({ logDir, sampleRate, experimentName: "agents" });
  const processor = new TrajlogTracingProcessor(logger);
  setTraceProcessors([processor]);
  return { logger, processor };
}

describe("a run with tools, an agent as a tool and a handoff (model stubbed at the provider interface)", () => {
  it("writes one iteration per model call, tool calls as code blocks, the sub-agent as sub-model calls, and the reward", async () => {
    const { logger, processor } = setUp();
    const provider = new ScriptedProvider({
      "solver-model": new ScriptedModel("solver-model", [
        { output: [say("Adding first."), call("c1", "add", { a: 2, b: 3 }), call("c2", "env", { name: "GH_TOKEN" })], input: 40, output_tokens: 12, cached: 32 },
        { output: [call("c3", "check_sum", { input: "is 2 + 3 = 5?" }), call("c4", "flaky", {})], input: 80, output_tokens: 9 },
        { output: [call("c5", "transfer_to_reviewer", {})], input: 120, output_tokens: 4 },
      ]),
      "checker-model": new ScriptedModel("checker-model", [{ output: [say("Yes, 5 is right.")], input: 15, output_tokens: 5 }]),
      "reviewer-model": new ScriptedModel("reviewer-model", [{ output: [say("FINAL: 5")], input: 150, output_tokens: 3 }]),
    });
    const checker = new Agent({ name: "checker", instructions: "Check sums.", model: "checker-model" });
    const reviewer = new Agent({ name: "reviewer", instructions: "Give the final answer.", model: "reviewer-model" });
    const solver = new Agent({
      name: "solver",
      instructions: "Solve with tools.",
      model: "solver-model",
      tools: [add, env, flaky, checker.asTool({ toolName: "check_sum", toolDescription: "Checks a sum" })],
      handoffs: [reviewer],
    });
    const runner = new Runner({ modelProvider: provider });

    const answer = await withTrace(
      "rollout",
      async (trace) => {
        const result = await runner.run(solver, "What is 2 + 3?");
        trace.metadata = { ...trace.metadata, reward: result.finalOutput === "FINAL: 5" ? "1" : "0" };
        return result.finalOutput;
      },
      { metadata: { instance_id: "sum-2-3", training_step: "7", model_name: "solver-model" } },
    );
    expect(answer).toBe("FINAL: 5");
    await processor.forceFlush();
    await logger.close();

    const [file] = listFiles(logDir);
    const { metadata, iterations, summary } = readSession(file as string);
    expect(file).toContain("/agents/step_7/sum-2-3_");
    expect(metadata).toMatchObject({ instance_id: "sum-2-3", training_step: 7, root_model: "solver-model" });
    const system = { role: "system", content: "Solve with tools." };
    const user = { role: "user", content: "What is 2 + 3?" };
    const item = (role: string, value: unknown) => ({ role, content: JSON.stringify(value) });
    const turn1 = [
      { role: "assistant", content: "Adding first." },
      item("assistant", call("c1", "add", { a: 2, b: 3 })),
      item("assistant", call("c2", "env", { name: "GH_TOKEN" })),
      item("tool", { type: "function_call_result", name: "add", callId: "c1", status: "completed", output: { type: "text", text: "5" } }),
      {
        role: "tool",
        content: JSON.stringify({
          type: "function_call_result",
          name: "env",
          callId: "c2",
          status: "completed",
          output: { type: "text", text: "GH_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789" },
        }).replace("ghp_abcdefghijklmnopqrstuvwxyz0123456789", "[REDACTED:github_token]"),
      },
    ];
    // The SDK tells the model a tool failed, and keeps the error's details out of traces by default.
    const flakyError = "An error occurred while running the tool. Please try again.";
    const turn2 = [
      item("assistant", call("c3", "check_sum", { input: "is 2 + 3 = 5?" })),
      item("assistant", call("c4", "flaky", {})),
      item("tool", { type: "function_call_result", name: "check_sum", callId: "c3", status: "completed", output: { type: "text", text: "Yes, 5 is right." } }),
      item("tool", { type: "function_call_result", name: "flaky", callId: "c4", status: "completed", output: { type: "text", text: flakyError } }),
    ];
    const turn3 = [
      item("assistant", call("c5", "transfer_to_reviewer", {})),
      item("tool", { type: "function_call_result", name: "transfer_to_reviewer", callId: "c5", status: "completed", output: { type: "text", text: '{"assistant":"reviewer"}' } }),
    ];
    expect(iterations).toEqual([
      expectedIteration(1, {
        prompt: [system, user],
        response: "Adding first.",
        code_blocks: [block('add({"a":2,"b":3})', "5"), block('env({"name":"GH_TOKEN"})', "GH_TOKEN=[REDACTED:github_token]")],
        usage: { prompt_tokens: 40, completion_tokens: 12, cache_read_tokens: 32 },
        agent: "solver",
        model: "solver-model",
      }),
      expectedIteration(2, {
        prompt: [system, user, ...turn1],
        code_blocks: [
          block('check_sum({"input":"is 2 + 3 = 5?"})', "Yes, 5 is right.", {
            rlm_calls: [
              {
                root_model: "checker-model",
                prompt: [{ role: "system", content: "Check sums." }, { role: "user", content: "is 2 + 3 = 5?" }],
                response: "Yes, 5 is right.",
                prompt_tokens: 15,
                completion_tokens: 5,
                cache_read_tokens: 0,
                execution_time: anySeconds,
              },
            ],
          }),
          block("flaky({})", flakyError, {
            stderr: 'Error running tool (non-fatal)\n{"tool_name":"flaky","error":"Tool execution failed. Error details are redacted."}',
          }),
        ],
        usage: { prompt_tokens: 80, completion_tokens: 9, cache_read_tokens: 0 },
        agent: "solver",
        model: "solver-model",
      }),
      expectedIteration(3, {
        prompt: [system, user, ...turn1, ...turn2],
        code_blocks: [block('handoff("reviewer")', "solver handed off to reviewer")],
        usage: { prompt_tokens: 120, completion_tokens: 4, cache_read_tokens: 0 },
        agent: "solver",
        model: "solver-model",
      }),
      expectedIteration(4, {
        prompt: [{ role: "system", content: "Give the final answer." }, user, ...turn1, ...turn2, ...turn3],
        response: "FINAL: 5",
        final_answer: "FINAL: 5",
        usage: { prompt_tokens: 150, completion_tokens: 3, cache_read_tokens: 0 },
        agent: "reviewer",
        model: "reviewer-model",
      }),
    ]);
    expect(summary).toEqual({ type: "summary", timestamp: anyTimestamp, reward: 1, total_steps: 4, total_iterations: 4 });
    // Everything the processor hands the session is a field it knows, with a usable value.
    expect(logger.stats()).toMatchObject({ unknownKeys: 0, invalidValues: 0 });
  });
});

describe("a model that records no span of its own", () => {
  it("still gives one iteration per turn, with its tool calls and the turn's usage", async () => {
    const { logger, processor } = setUp();
    const outputs: Output[] = [[call("c1", "add", { a: 4, b: 4 })], [say("8")]];
    const silent: Model = {
      async getResponse(): Promise<ModelResponse> {
        return { usage: new Usage({ requests: 1, input_tokens: 9, output_tokens: 2, total_tokens: 11 }), output: outputs.shift() ?? [] };
      },
      // eslint-disable-next-line require-yield
      async *getStreamedResponse(): AsyncIterable<never> {
        throw new Error("not scripted");
      },
    };
    const runner = new Runner({ modelProvider: new ScriptedProvider({ silent }), traceMetadata: { instance_id: "t", training_step: "1" } });
    expect((await runner.run(new Agent({ name: "quiet", model: "silent", tools: [add] }), "4 + 4?")).finalOutput).toBe("8");
    await processor.forceFlush();
    await logger.close();
    const usage = { prompt_tokens: 9, completion_tokens: 2, cache_read_tokens: 0, cache_creation_tokens: 0 };
    expect(readSession(listFiles(logDir)[0] as string).iterations).toEqual([
      expectedIteration(1, { prompt: [], code_blocks: [block('add({"a":4,"b":4})', "8")], usage, agent: "quiet" }),
      expectedIteration(2, { prompt: [], usage, agent: "quiet" }),
    ]);
  });
});

/** A loopback server answering as the OpenAI API does, from a script of response bodies. */
async function fakeOpenAI(bodies: unknown[]): Promise<{ url: string; requests: Array<{ path: string; body: unknown }>; close: () => Promise<void> }> {
  const requests: Array<{ path: string; body: unknown }> = [];
  const server = http.createServer((req, res) => {
    let text = "";
    req.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
    req.on("end", () => {
      requests.push({ path: req.url ?? "", body: JSON.parse(text) as unknown });
      const body = bodies.shift();
      res.writeHead(body === undefined ? 500 : 200, { "content-type": "application/json" });
      res.end(JSON.stringify(body ?? { error: { message: "the script is over" } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("the SDK's own OpenAI provider, over a loopback OpenAI API", () => {
  const agent = new Agent({ name: "calc", instructions: "Use the tools.", model: "gpt-test", tools: [add] });

  it("Responses API: response spans become iterations with the instructions, items, usage and cache tokens", async () => {
    const { logger, processor } = setUp();
    const api = await fakeOpenAI([
      {
        id: "resp_1",
        object: "response",
        created_at: 1,
        model: "gpt-test-2026",
        status: "completed",
        instructions: "Use the tools.",
        output: [
          { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "Use add." }] },
          { type: "function_call", id: "fc_1", call_id: "call_1", name: "add", arguments: '{"a":20,"b":22}', status: "completed" },
        ],
        usage: { input_tokens: 50, output_tokens: 9, total_tokens: 59, input_tokens_details: { cached_tokens: 40 }, output_tokens_details: { reasoning_tokens: 5 } },
      },
      {
        id: "resp_2",
        object: "response",
        created_at: 2,
        model: "gpt-test-2026",
        status: "completed",
        instructions: "Use the tools.",
        output: [{ type: "message", id: "msg_1", role: "assistant", status: "completed", content: [{ type: "output_text", text: "42", annotations: [] }] }],
        usage: { input_tokens: 70, output_tokens: 2, total_tokens: 72, input_tokens_details: { cached_tokens: 50 }, output_tokens_details: { reasoning_tokens: 0 } },
      },
    ]);
    try {
      const runner = new Runner({
        modelProvider: new OpenAIProvider({ apiKey: "sk-test-key", baseURL: api.url, useResponses: true }),
        traceMetadata: { instance_id: "sum-20-22", training_step: "0" },
      });
      expect((await runner.run(agent, "20 + 22?")).finalOutput).toBe("42");
    } finally {
      await api.close();
    }
    await processor.forceFlush();
    await logger.close();
    expect(api.requests.map((r) => r.path)).toEqual(["/v1/responses", "/v1/responses"]);

    const { metadata, iterations, summary } = readSession(listFiles(logDir)[0] as string);
    expect(metadata).toMatchObject({ instance_id: "sum-20-22", training_step: 0, root_model: "unknown" });
    const system = { role: "system", content: "Use the tools." };
    const user = { role: "user", content: "20 + 22?" };
    expect(iterations).toEqual([
      expectedIteration(1, {
        prompt: [system, user],
        code_blocks: [block('add({"a":20,"b":22})', "42")],
        usage: { prompt_tokens: 50, completion_tokens: 9, cache_read_tokens: 40 },
        agent: "calc",
        model: "gpt-test-2026",
        reasoning: "Use add.",
      }),
      expectedIteration(2, {
        prompt: [
          system,
          user,
          { role: "assistant", content: expect.stringContaining('"type":"reasoning"') },
          { role: "assistant", content: expect.stringContaining('"type":"function_call"') },
          { role: "tool", content: expect.stringContaining('"type":"function_call_result","name":"add","callId":"call_1"') },
        ],
        response: "42",
        final_answer: "42",
        usage: { prompt_tokens: 70, completion_tokens: 2, cache_read_tokens: 50 },
        agent: "calc",
        model: "gpt-test-2026",
      }),
    ]);
    expect(summary).toEqual({ type: "summary", timestamp: anyTimestamp, reward: null, total_steps: 2, total_iterations: 2 });
  });

  it("Chat Completions: generation spans become iterations with the chat messages as sent", async () => {
    const { logger, processor } = setUp();
    const api = await fakeOpenAI([
      {
        id: "cc_1",
        object: "chat.completion",
        created: 1,
        model: "gpt-test",
        choices: [
          {
            index: 0,
            finish_reason: "tool_calls",
            message: { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "add", arguments: '{"a":1,"b":1}' } }] },
          },
        ],
        usage: { prompt_tokens: 30, completion_tokens: 7, total_tokens: 37, prompt_tokens_details: { cached_tokens: 16 } },
      },
      {
        id: "cc_2",
        object: "chat.completion",
        created: 2,
        model: "gpt-test",
        choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: "2" } }],
        usage: { prompt_tokens: 45, completion_tokens: 1, total_tokens: 46 },
      },
    ]);
    try {
      const runner = new Runner({
        modelProvider: new OpenAIProvider({ apiKey: "sk-test-key", baseURL: api.url, useResponses: false }),
        traceMetadata: { instance_id: "one-plus-one", training_step: "3", model_name: "gpt-test" },
      });
      expect((await runner.run(agent, "1 + 1?")).finalOutput).toBe("2");
    } finally {
      await api.close();
    }
    await processor.forceFlush();
    await logger.close();

    const system = { role: "system", content: "Use the tools." };
    const user = { role: "user", content: "1 + 1?" };
    expect(readSession(listFiles(logDir)[0] as string).iterations).toEqual([
      expectedIteration(1, {
        prompt: [system, user],
        code_blocks: [block('add({"a":1,"b":1})', "2")],
        usage: { prompt_tokens: 30, completion_tokens: 7, cache_read_tokens: 16 },
        agent: "calc",
        model: "gpt-test",
      }),
      expectedIteration(2, {
        prompt: [
          system,
          user,
          { role: "assistant", content: "", tool_calls: [{ id: "call_1", type: "function", function: { name: "add", arguments: '{"a":1,"b":1}' } }] },
          { role: "tool", content: "2", tool_call_id: "call_1" },
        ],
        response: "2",
        final_answer: "2",
        usage: { prompt_tokens: 45, completion_tokens: 1 },
        agent: "calc",
        model: "gpt-test",
      }),
    ]);
  });
});

describe("which traces are logged", () => {
  const quick = (config: ConstructorParameters<typeof Runner>[0] = {}) =>
    new Runner({
      modelProvider: new ScriptedProvider({
        m: new ScriptedModel("m", [{ output: [say("done")], input: 1, output_tokens: 1 }]),
      }),
      ...config,
    });

  it("a sampled-out trace writes nothing", async () => {
    const { logger, processor } = setUp(0);
    const result = await quick({ traceMetadata: { instance_id: "t", training_step: "0" } }).run(new Agent({ name: "a", model: "m" }), "go");
    expect(result.finalOutput).toBe("done");
    await processor.forceFlush();
    await logger.close();
    expect(fs.existsSync(logDir) ? listFiles(logDir) : []).toEqual([]);
    expect(logger.stats()).toMatchObject({ sessionsStarted: 1, sessionsSampledOut: 1, sessionsLogged: 0, linesWritten: 0 });
  });

  it("a trace without instance_id and training_step is not logged, and that is reported once", async () => {
    const { logger, processor } = setUp();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarning);
    try {
      await quick().run(new Agent({ name: "a", model: "m" }), "go");
      await quick().run(new Agent({ name: "a", model: "m" }), "go");
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", onWarning);
    }
    await processor.forceFlush();
    await logger.close();
    expect(fs.existsSync(logDir) ? listFiles(logDir) : []).toEqual([]);
    expect(warnings).toEqual([
      'trajlog/openai-agents: a trace without instance_id and training_step metadata is not logged (trace "Agent workflow"; give them with traceMetadata or withTrace, or pass a session callback)',
    ]);
  });

  it("session and reward callbacks map a trace; the summary waits for an asynchronous reward", async () => {
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1 });
    let settle: (reward: number) => void = () => {};
    const later = new Promise<number>((resolve) => (settle = resolve));
    const seen: unknown[] = [];
    const processor = new TrajlogTracingProcessor(logger, {
      session: (trace) => (trace.groupId === "group-9" ? { instanceId: `task-${trace.name}`, trainingStep: 9, modelName: "m", rolloutId: 2 } : null),
      reward: async (_trace, outcome) => {
        seen.push(outcome);
        return { reward: await later, extra: { judge: "exact-match" } };
      },
    });
    setTraceProcessors([processor]);
    await quick({ workflowName: "w1", groupId: "group-9" }).run(new Agent({ name: "a", model: "m" }), "go");
    settle(0.5);
    await processor.forceFlush();
    await logger.close();
    expect(seen).toEqual([{ finalOutput: "done", error: null, iterations: 1 }]);
    const { metadata, summary } = readSession(listFiles(logDir)[0] as string);
    expect(metadata).toMatchObject({ instance_id: "task-w1", training_step: 9 });
    expect(summary).toEqual({ type: "summary", timestamp: anyTimestamp, reward: 0.5, total_steps: 1, total_iterations: 1, judge: "exact-match" });
  });

  it("rejects a bad logger or option, naming it", () => {
    expect(() => new TrajlogTracingProcessor(NULL_SESSION as never)).toThrow(
      "trajlog: TrajlogTracingProcessor expects a TrajectoryLogger; received an object",
    );
    const logger = new TrajectoryLogger({ logDir, sampleRate: 0 });
    expect(() => new TrajlogTracingProcessor(logger, { reward: 1 as never })).toThrow(
      'trajlog: option "reward" of TrajlogTracingProcessor must be a function; received 1 (number)',
    );
  });
});
