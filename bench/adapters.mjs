// What the framework adapters cost per model call, measured against the unwrapped framework.
//
// AI SDK: `generateText` over the SDK's mock model (instant, so the ratio is the worst case:
// a real model call takes 10^4–10^6 times longer), one call per rollout and a 3-call tool loop,
// (a) unwrapped, (b) wrapped by trajlogMiddleware on a NullSession (a sampled-out rollout),
// (c) wrapped on a logged session (sample rate 1, files written to a temporary directory).
// Agents SDK: `run()` of a 2-turn agent with one tool over an instant scripted model, tracing
// on, (a) no trajlog processor, (b) the processor with every trace sampled out, (c) every trace
// logged. Contenders alternate in short slices; each figure is the median of per-slice ratios
// with its interquartile range, beside the load average.
//
//   node bench/adapters.mjs [--slices 41] [--rollouts 20] [--json] [--smoke]
//
// Run `npm run build` first: it measures dist/, the code users get.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateText, stepCountIs, tool, wrapLanguageModel } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { Agent, Runner, Usage, setTraceProcessors, setTracingDisabled, tool as agentTool, withGenerationSpan } from "@openai/agents";
import { z } from "zod";
import { TrajectoryLogger } from "../dist/index.js";
import { trajlogMiddleware } from "../dist/adapters/ai-sdk.js";
import { TrajlogTracingProcessor } from "../dist/adapters/openai-agents.js";
import { median, quantile, rotate, sig } from "./lib/stats.mjs";
import { scriptArgs } from "./lib/script-args.mjs";

const { smoke, json, flag } = scriptArgs();
const slices = flag("slices", smoke ? 3 : 41);
const rollouts = flag("rollouts", smoke ? 4 : 20);
const loadStart = os.loadavg();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "trajlog-bench-adapters-"));

// ---- AI SDK -------------------------------------------------------------------------------

const usage = { inputTokens: { total: 100, noCache: 60, cacheRead: 40, cacheWrite: undefined }, outputTokens: { total: 20, text: 20, reasoning: undefined } };
/** A mock model: asks for `add` until the prompt holds `toolCalls` results, then answers. */
function mockModel(toolCalls) {
  let id = 0;
  return new MockLanguageModelV4({
    doGenerate: async ({ prompt }) => {
      const results = prompt.filter((m) => m.role === "tool").length;
      const content = results < toolCalls
        ? [{ type: "text", text: "Adding." }, { type: "tool-call", toolCallId: `c${++id}`, toolName: "add", input: '{"a":1,"b":2}' }]
        : [{ type: "text", text: "The answer is 3." }];
      return { content, finishReason: { unified: results < toolCalls ? "tool-calls" : "stop", raw: undefined }, usage, warnings: [] };
    },
  });
}
const tools = { add: tool({ inputSchema: z.object({ a: z.number(), b: z.number() }), execute: async ({ a, b }) => ({ sum: a + b }) }) };
const prompt = "You are given two numbers, 1 and 2. ".repeat(20) + "What is their sum?";

function aiSdkContenders(toolCalls) {
  const sampledOut = new TrajectoryLogger({ logDir: path.join(tmp, "ai-null"), sampleRate: 0 });
  const logged = new TrajectoryLogger({ logDir: path.join(tmp, "ai-logged"), sampleRate: 1 });
  const request = (model) => ({ model, system: "You add.", prompt, tools, stopWhen: stepCountIs(toolCalls + 1) });
  let n = 0;
  const wrapped = async (logger) => {
    const session = logger.startSession({ instanceId: `i${n++ % 16}`, trainingStep: 0, modelName: "mock" });
    const middleware = trajlogMiddleware(session);
    await generateText(request(wrapLanguageModel({ model: mockModel(toolCalls), middleware })));
    await middleware.finalize({ reward: 1 });
  };
  return {
    contenders: {
      unwrapped: async () => {
        await generateText(request(mockModel(toolCalls)));
      },
      "null session": () => wrapped(sampledOut),
      logged: () => wrapped(logged),
    },
    calls: toolCalls + 1,
    close: async () => {
      await sampledOut.close();
      await logged.close();
    },
  };
}

// ---- OpenAI Agents SDK ------------------------------------------------------------------

class InstantModel {
  async getResponse(request) {
    return withGenerationSpan(async (span) => {
      const input = typeof request.input === "string" ? [{ role: "user", content: request.input }] : request.input;
      const done = input.some((item) => item.type === "function_call_result");
      const output = done
        ? [{ type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text: "The answer is 3." }] }]
        : [{ type: "function_call", callId: "c1", name: "add", arguments: '{"a":1,"b":2}', status: "completed" }];
      span.spanData.model = "instant";
      if (request.tracing === true) {
        span.spanData.input = [{ role: "system", content: request.systemInstructions }, ...input];
        span.spanData.output = output;
      }
      span.spanData.usage = { input_tokens: 100, output_tokens: 20 };
      return { usage: new Usage({ requests: 1, input_tokens: 100, output_tokens: 20, total_tokens: 120 }), output };
    });
  }
  async *getStreamedResponse() {
    throw new Error("not used");
  }
}

function agentsContenders() {
  setTracingDisabled(false);
  const sampledOut = new TrajectoryLogger({ logDir: path.join(tmp, "agents-null"), sampleRate: 0 });
  const logged = new TrajectoryLogger({ logDir: path.join(tmp, "agents-logged"), sampleRate: 1 });
  const processors = { none: [], "sampled out": [new TrajlogTracingProcessor(sampledOut)], logged: [new TrajlogTracingProcessor(logged)] };
  const add = agentTool({ name: "add", description: "add", parameters: z.object({ a: z.number(), b: z.number() }), execute: async ({ a, b }) => String(a + b) });
  const agent = new Agent({ name: "adder", instructions: "You add.", model: "instant", tools: [add] });
  let n = 0;
  const runWith = (name) => async () => {
    setTraceProcessors(processors[name]);
    const runner = new Runner({
      modelProvider: { getModel: () => new InstantModel() },
      traceMetadata: { instance_id: `i${n++ % 16}`, training_step: "0" },
    });
    await runner.run(agent, prompt);
  };
  return {
    contenders: { "no processor": runWith("none"), "sampled out": runWith("sampled out"), logged: runWith("logged") },
    calls: 2,
    close: async () => {
      for (const list of Object.values(processors)) for (const p of list) await p.shutdown();
      setTraceProcessors([]);
      await sampledOut.close();
      await logged.close();
    },
  };
}

// ---- measuring ----------------------------------------------------------------------------

/** Per-call microseconds of each contender, and the per-slice ratios to the first one. */
async function measure({ contenders, calls, close }) {
  const names = Object.keys(contenders);
  const perCall = Object.fromEntries(names.map((n) => [n, []]));
  const cpuPerCall = Object.fromEntries(names.map((n) => [n, []]));
  // One warm-up slice, not counted: module loading and JIT.
  for (const name of names) for (let i = 0; i < Math.max(2, rollouts / 4); i++) await contenders[name]();
  for (let s = 0; s < slices; s++) {
    for (const name of rotate(names, s)) {
      const started = process.hrtime.bigint();
      const cpu = process.cpuUsage();
      for (let i = 0; i < rollouts; i++) await contenders[name]();
      const used = process.cpuUsage(cpu);
      perCall[name].push(Number(process.hrtime.bigint() - started) / 1000 / (rollouts * calls));
      cpuPerCall[name].push((used.user + used.system) / (rollouts * calls));
    }
  }
  await close();
  const [base, ...others] = names;
  const ratio = (of) => {
    const out = {};
    for (const name of others) {
      const r = of[name].map((t, i) => t / of[base][i]);
      out[`${name} / ${base}`] = { median: sig(median(r)), q25: sig(quantile(r, 0.25)), q75: sig(quantile(r, 0.75)) };
    }
    return out;
  };
  const medians = (of) => Object.fromEntries(names.map((n) => [n, sig(median(of[n]))]));
  // On a busy machine most slices wait for a CPU; the fastest tenth of the slices is what the
  // code itself costs, so its 10th percentiles are compared too.
  const fastest = (of) => {
    const out = {};
    for (const name of others) out[`${name} / ${base}`] = sig(quantile(of[name], 0.1) / quantile(of[base], 0.1));
    return out;
  };
  return {
    microsPerCall: medians(perCall),
    cpuMicrosPerCall: medians(cpuPerCall),
    ratios: ratio(perCall),
    cpuRatios: ratio(cpuPerCall),
    fastestTenthMicrosPerCall: Object.fromEntries(names.map((n) => [n, sig(quantile(perCall[n], 0.1))])),
    fastestTenthRatios: fastest(perCall),
  };
}

const result = {
  slices,
  rolloutsPerSlice: rollouts,
  aiSdk: {
    "1 call per rollout": await measure(aiSdkContenders(0)),
    "3-call tool loop": await measure(aiSdkContenders(2)),
  },
  openaiAgents: { "2-turn run with a tool": await measure(agentsContenders()) },
  loadAverage: { start: loadStart.map((x) => sig(x, 2)), end: os.loadavg().map((x) => sig(x, 2)) },
  node: process.version,
};
fs.rmSync(tmp, { recursive: true, force: true });

if (json) {
  console.log(JSON.stringify(result));
} else {
  console.log(`adapter overhead per model call (median of ${slices} slices × ${rollouts} rollouts; [q25, q75])`);
  for (const [framework, scenarios] of [["AI SDK", result.aiSdk], ["OpenAI Agents SDK", result.openaiAgents]]) {
    for (const [scenario, figures] of Object.entries(scenarios)) {
      const { microsPerCall, cpuMicrosPerCall, ratios, cpuRatios, fastestTenthMicrosPerCall, fastestTenthRatios } = figures;
      console.log(`\n${framework}, ${scenario}: µs per call ${JSON.stringify(microsPerCall)}, CPU µs ${JSON.stringify(cpuMicrosPerCall)}`);
      console.log(`  fastest tenth of slices, µs per call ${JSON.stringify(fastestTenthMicrosPerCall)}`);
      for (const [name, r] of Object.entries(ratios)) {
        const c = cpuRatios[name];
        console.log(`  ${name}: wall ${r.median} [${r.q25}, ${r.q75}], CPU ${c.median} [${c.q25}, ${c.q75}], fastest tenth ${fastestTenthRatios[name]}`);
      }
    }
  }
  console.log(`\nload average ${result.loadAverage.start.join(" ")} → ${result.loadAverage.end.join(" ")}, node ${result.node}`);
}
