// Logging OpenAI Agents SDK rollouts with trajlog/openai-agents: 2 training steps of 8 agent
// runs, each run one trace and so one session. The trajlog tracing processor maps a trace to
// its instance and training step through the trace's metadata, writes each model call as an
// iteration, tool calls as code blocks, the checker agent (used as a tool) as sub-model calls,
// and the reward set on the trace once the run is scored. Run it with
// `node examples/openai-agents-rollouts.mjs [dir]` after `npm run build`; it needs
// `@openai/agents` and `zod` (`npm install @openai/agents zod`).
import { Agent, Runner, Usage, setTraceProcessors, setTracingDisabled, tool, withGenerationSpan, withTrace } from "@openai/agents";
import { z } from "zod";
import { TrajectoryLogger } from "trajlog";
import { TrajlogTracingProcessor } from "trajlog/openai-agents";

const logDir = process.argv[2] ?? "logs";
const logger = new TrajectoryLogger({ logDir, experimentName: "agents-arith", sampleRate: 0.5, sampleBy: "instance", seed: 5 });
const processor = new TrajlogTracingProcessor(logger);
// Instead of the SDK's exporter to the OpenAI dashboard; addTraceProcessor keeps both.
setTraceProcessors([processor]);
// The SDK turns tracing off when NODE_ENV is "test" (and by OPENAI_AGENTS_DISABLE_TRACING=1).
setTracingDisabled(false);

const tasks = [
  { id: "sum-small", a: 17, b: 25 },
  { id: "sum-large", a: 1234, b: 8766 },
  { id: "sum-neg", a: -40, b: 2 },
  { id: "sum-zero", a: 0, b: 0 },
];

const add = tool({
  name: "add",
  description: "Adds two integers",
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: async ({ a, b }) => String(a + b),
});

/**
 * Stands in for a provider's model (the SDK's OpenAI models, or `aisdk(...)`) so the example
 * runs offline. Like them, it records each call in a generation span: the messages it was
 * sent, what it answered, the usage.
 */
class PolicyModel {
  constructor(name, step) {
    this.name = name;
    this.step = step;
  }

  async getResponse(request) {
    return withGenerationSpan(async (span) => {
      const input = typeof request.input === "string" ? [{ role: "user", content: request.input }] : request.input;
      const output = this.#decide(input);
      const usage = { input_tokens: 30 * input.length, output_tokens: 12, input_tokens_details: { cached_tokens: 24 } };
      span.spanData.model = this.name;
      if (request.tracing === true) {
        span.spanData.input = [{ role: "system", content: request.systemInstructions ?? "" }, ...input];
        span.spanData.output = output;
      }
      span.spanData.usage = usage;
      return { usage: new Usage({ requests: 1, ...usage, total_tokens: usage.input_tokens + 12 }), output };
    });
  }

  async *getStreamedResponse() {
    throw new Error("the example does not stream");
  }

  #decide(input) {
    const say = (text) => ({ type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text }] });
    const call = (name, args) => ({ type: "function_call", callId: `call-${name}-${input.length}`, name, arguments: JSON.stringify(args), status: "completed" });
    const results = input.filter((item) => item.type === "function_call_result").map((item) => item.output?.text);
    const question = String(input.find((item) => item.role === "user")?.content ?? "");
    if (this.name === "checker-1b") {
      const [, a, b, c] = /(-?\d+) \+ (-?\d+) = (-?\d+)/.exec(question) ?? [];
      return [say(Number(a) + Number(b) === Number(c) ? "correct" : "wrong")];
    }
    const [a, b] = (/(-?\d+) \+ (-?\d+)/.exec(question) ?? []).slice(1).map(Number);
    if (results.length === 0) return [say("Adding with the tool."), call("add", { a, b })];
    // Later training steps learn to have the answer checked first.
    if (this.step > 0 && results.length === 1) return [call("check", { input: `${a} + ${b} = ${results[0]}` })];
    return [say(`The answer is ${results[0]}.`)];
  }
}

/** The documented seam for other models: the runner asks it for each agent's model by name. */
class PolicyProvider {
  constructor(step) {
    this.step = step;
  }
  getModel(name) {
    return new PolicyModel(name, this.step);
  }
}

const checker = new Agent({ name: "checker", instructions: "Say whether the sum is correct.", model: "checker-1b" });
const solver = new Agent({
  name: "solver",
  instructions: "You add integers. Use the tools.",
  model: "policy-1b",
  tools: [add, checker.asTool({ toolName: "check", toolDescription: "Checks a sum" })],
});

async function rollout(runner, step, task, index) {
  // One trace per rollout; its metadata says which session it is, and carries the reward.
  return withTrace(
    `rollout ${task.id}`,
    async (trace) => {
      const result = await runner.run(solver, `What is ${task.a} + ${task.b}?`);
      trace.metadata = { ...trace.metadata, reward: String(result.finalOutput.includes(String(task.a + task.b)) ? 1 : 0) };
    },
    { metadata: { instance_id: task.id, training_step: String(step), rollout_id: String(index), model_name: "policy-1b" } },
  );
}

for (let step = 0; step < 2; step++) {
  const runner = new Runner({ modelProvider: new PolicyProvider(step) });
  await Promise.all(tasks.flatMap((task) => [0, 1].map((i) => rollout(runner, step, task, i))));
  await processor.forceFlush();
  console.log(`step ${step}: ${tasks.length * 2} rollouts run`);
}

await processor.shutdown();
await logger.close();
const stats = logger.stats();
console.log(`${stats.sessionsLogged} of ${stats.sessionsStarted} sessions logged, ${stats.linesWritten} lines written under ${logger.logDir}`);
