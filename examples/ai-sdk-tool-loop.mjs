// Logging Vercel AI SDK rollouts with trajlog/ai-sdk: 2 training steps of 8 rollouts, each a
// real generateText (or streamText) tool loop. Every model call becomes one iteration: the
// prompt as the model got it, the response, each tool call with its result, usage, finish
// reason. One rollout in two is logged. Run it with `node examples/ai-sdk-tool-loop.mjs [dir]`
// after `npm run build`; it needs `ai` and `zod` (`npm install ai zod`).
import { generateText, stepCountIs, streamText, tool, wrapLanguageModel } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { z } from "zod";
import { TrajectoryLogger } from "trajlog";
import { trajlogMiddleware } from "trajlog/ai-sdk";

const logDir = process.argv[2] ?? "logs";
const logger = new TrajectoryLogger({ logDir, experimentName: "ai-sdk-arith", sampleRate: 0.5, seed: 3 });

const tasks = [
  { id: "sum-small", a: 17, b: 25 },
  { id: "sum-large", a: 1234, b: 8766 },
  { id: "sum-neg", a: -40, b: 2 },
  { id: "sum-zero", a: 0, b: 0 },
];

// The tools run for real; the SDK calls them between model calls.
const tools = {
  add: tool({
    description: "Adds two integers",
    inputSchema: z.object({ a: z.number(), b: z.number() }),
    execute: async ({ a, b }) => ({ sum: a + b }),
  }),
  check: tool({
    description: "Checks a candidate answer",
    inputSchema: z.object({ value: z.number() }),
    execute: async ({ value }) => {
      if (!Number.isInteger(value)) throw new Error(`not an integer: ${value}`);
      return "ok";
    },
  }),
};

/**
 * Stands in for a provider's model (`openai("gpt-4.1")`, `anthropic(...)`) so the example runs
 * offline: it reads the prompt it is sent and answers like a small tool-using model would.
 */
function policyModel(step) {
  const usage = (prompt) => ({
    inputTokens: { total: 40 * prompt.length, noCache: 40 * prompt.length - 32, cacheRead: 32, cacheWrite: undefined },
    outputTokens: { total: 18, text: 18, reasoning: undefined },
  });
  const decide = (prompt) => {
    const results = prompt.filter((m) => m.role === "tool").flatMap((m) => m.content);
    const question = prompt.find((m) => m.role === "user")?.content?.[0]?.text ?? "";
    const [a, b] = (/(-?\d+) \+ (-?\d+)/.exec(question) ?? []).slice(1).map(Number);
    if (results.length === 0) {
      return { text: "I will add them with the tool.", calls: [{ toolName: "add", input: { a, b } }] };
    }
    const sum = results[0].output.value.sum;
    // Later training steps learn to check their answer before giving it.
    if (step > 0 && results.length === 1) {
      return { text: `The tool says ${sum}; checking.`, calls: [{ toolName: "check", input: { value: sum } }] };
    }
    return { text: `The answer is ${sum}.`, calls: [] };
  };
  let id = 0;
  return new MockLanguageModelV4({
    modelId: "policy-1b",
    doGenerate: async ({ prompt }) => {
      const { text, calls } = decide(prompt);
      return {
        content: [
          { type: "text", text },
          ...calls.map((c) => ({ type: "tool-call", toolCallId: `call-${++id}`, toolName: c.toolName, input: JSON.stringify(c.input) })),
        ],
        finishReason: { unified: calls.length > 0 ? "tool-calls" : "stop", raw: undefined },
        usage: usage(prompt),
        warnings: [],
      };
    },
    doStream: async ({ prompt }) => {
      const { text, calls } = decide(prompt);
      const parts = [
        { type: "stream-start", warnings: [] },
        { type: "text-start", id: "t" },
        ...text.split(/(?<= )/).map((delta) => ({ type: "text-delta", id: "t", delta })),
        { type: "text-end", id: "t" },
        ...calls.map((c) => ({ type: "tool-call", toolCallId: `call-${++id}`, toolName: c.toolName, input: JSON.stringify(c.input) })),
        { type: "finish", finishReason: { unified: calls.length > 0 ? "tool-calls" : "stop", raw: undefined }, usage: usage(prompt) },
      ];
      return { stream: new ReadableStream({ start(c) { for (const p of parts) c.enqueue(p); c.close(); } }) };
    },
  });
}

async function rollout(step, task, index) {
  const session = logger.startSession({
    instanceId: task.id,
    trainingStep: step,
    modelName: "policy-1b",
    rolloutId: index,
    configMetadata: { max_steps: 4, environment_type: "ai_sdk_tools" },
  });
  const trajlog = trajlogMiddleware(session);
  const model = wrapLanguageModel({ model: policyModel(step), middleware: trajlog });
  const request = {
    model,
    system: "You add integers. Use the tools.",
    prompt: `What is ${task.a} + ${task.b}?`,
    tools,
    stopWhen: stepCountIs(4),
  };
  let text;
  if (index % 2 === 0) {
    text = (await generateText(request)).text;
  } else {
    const run = streamText(request);
    text = "";
    for await (const delta of run.textStream) text += delta;
  }
  const reward = text.includes(String(task.a + task.b)) ? 1 : 0;
  await trajlog.finalize({ reward });
  return session;
}

for (let step = 0; step < 2; step++) {
  const sessions = await Promise.all(tasks.flatMap((task) => [0, 1].map((i) => rollout(step, task, i))));
  const logged = sessions.filter((s) => s.sampled);
  console.log(`step ${step}: ${logged.length} of ${sessions.length} rollouts logged`);
  for (const s of logged) console.log(`  ${s.path}`);
}

await logger.close();
const stats = logger.stats();
console.log(`\n${stats.sessionsLogged} sessions, ${stats.linesWritten} lines written under ${logger.logDir}`);
