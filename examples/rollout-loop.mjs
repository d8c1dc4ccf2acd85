// A training loop in miniature: 3 training steps, 32 rollouts at once in groups of 4 per task
// instance, each a few REPL iterations, a reward at the end. One rollout in four is logged,
// chosen per instance so the same instances can be compared across steps; one debug rollout
// per step is forced. Run it with `npm run demo`; pass a directory to log somewhere else.
import { TrajectoryLogger } from "trajlog";

const logDir = process.argv[2] ?? "logs";
const logger = TrajectoryLogger.fromConfig({
  log_dir: logDir,
  experiment_name: "demo-swe",
  log_trajectory_sample_rate: 0.25,
  log_trajectory_sample_by: "instance",
  log_trajectory_seed: 7,
});

const instances = ["astropy__astropy-12907", "django__django-11099", "sympy__sympy-20590",
  "requests__requests-2317", "flask__flask-4045", "pytest__pytest-5692", "sphinx__sphinx-8721",
  "xarray__xarray-4094"];

/** Stands in for a model call: a reply with a code block, eventually a final answer. */
async function callModel(messages, turn, maxTurns) {
  await new Promise((r) => setTimeout(r, 2 + Math.floor(Math.random() * 5)));
  const done = turn === maxTurns;
  return {
    text: done ? "The fix is in place: FINAL(patched)" : `Let me look at step ${turn}.\n\`\`\`repl\nprint(open('setup.py').read()[:80])\n\`\`\``,
    usage: { promptTokens: 120 * messages.length, completionTokens: 40 },
  };
}

/** Stands in for the REPL: runs the code, reports output and a sub-model call. */
async function runCode(code) {
  const started = performance.now();
  await new Promise((r) => setTimeout(r, 1));
  return {
    stdout: "from setuptools import setup\n",
    stderr: Math.random() < 0.2 ? "Traceback (most recent call last):\n  NameError: name 'x' is not defined\n" : "",
    locals: { lines: 42, found: true },
    executionTime: (performance.now() - started) / 1000,
    rlmCalls: [{ rootModel: "qwen2.5-7b", prompt: "summarize setup.py", response: "a setuptools script", promptTokens: 35, completionTokens: 8, executionTime: 0.05 }],
  };
}

async function rollout(step, instanceId, index, debug) {
  const session = logger.startSession({
    instanceId,
    trainingStep: step,
    modelName: "qwen2.5-coder-32b",
    rolloutId: index,
    configMetadata: { max_steps: 6, max_sub_agent_depth: 1, task: `Fix the failing test in ${instanceId}` },
    force: debug,
  });
  const messages = [
    { role: "system", content: "You are a software engineer working in a Python REPL." },
    { role: "user", content: `Fix the failing test in ${instanceId}.` },
  ];
  const maxTurns = 2 + ((index + step) % 4);
  let answer = null;
  for (let turn = 1; turn <= maxTurns; turn++) {
    const started = performance.now();
    const reply = await callModel(messages, turn, maxTurns);
    const done = turn === maxTurns;
    const code = done ? null : "print(open('setup.py').read()[:80])";
    const result = code ? await runCode(code) : undefined;
    if (done) answer = "patched";
    session.logIteration({
      iteration: turn,
      prompt: messages,
      response: reply.text,
      ...(code ? { code, result } : {}),
      finalAnswer: done ? answer : null,
      iterationTime: (performance.now() - started) / 1000,
      usage: reply.usage,
    });
    messages.push({ role: "assistant", content: reply.text });
    if (result) messages.push({ role: "user", content: `stdout:\n${result.stdout}` });
  }
  const reward = Math.random() < 0.3 + 0.2 * step ? 1 : 0;
  await session.finalize({ reward, totalSteps: maxTurns });
  return session;
}

for (let step = 0; step < 3; step++) {
  const jobs = [];
  for (let i = 0; i < 32; i++) {
    jobs.push(rollout(step, instances[Math.floor(i / 4)], i % 4, i === 31));
  }
  const sessions = await Promise.all(jobs);
  const logged = sessions.filter((s) => s.sampled);
  console.log(`step ${step}: ${logged.length} of ${sessions.length} rollouts logged`);
  for (const s of logged) console.log(`  ${s.path}`);
}

await logger.close();
const stats = logger.stats();
console.log(`\n${stats.sessionsLogged} sessions, ${stats.linesWritten} lines, ${stats.bytesWritten} bytes written under ${logger.logDir}`);
console.log(`Browse them: npx trajlog view ${logDir}   ·   summarize: npx trajlog stats ${logDir}`);
