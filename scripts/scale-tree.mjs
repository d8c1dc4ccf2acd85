// Writes a large log tree fast, for the viewer's tests at scale (a 500-step × 16-rollout
// instance, groups of 16), its screenshots and its latency figures (100,000 sessions). Lines
// are built here rather than through the SDK so that a hundred thousand files take seconds;
// each line is a valid line of the format (test/viewer/scale-tree.test.ts checks them with
// the format's schemas). Everything is seeded.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { mulberry32 } from "./fixture-tree.mjs";

/**
 * Writes `experiment/step_<s>/<instance>_<time>_<n>.jsonl` for every step, instance and rollout.
 * @param {string} logDir
 * @param {import("./scale-tree.d.mts").ScaleOptions} [options]
 * @returns {Promise<import("./scale-tree.d.mts").ScaleTree>}
 */
export async function writeScaleTree(logDir, options = {}) {
  const experiment = options.experiment ?? "scale";
  const steps = options.steps ?? 10;
  const instances = options.instances ?? 4;
  const rollouts = options.rollouts ?? 4;
  const iterations = options.iterations ?? 2;
  const forcedEvery = options.forcedEvery ?? 0;
  const random = mulberry32(options.seed ?? 7);
  const start = Date.parse(options.start ?? "2026-03-02T09:00:00Z");
  const jobs = [];
  let counter = 0;
  for (let step = 0; step < steps; step++) {
    const dir = path.join(logDir, experiment, `step_${step}`);
    await mkdir(dir, { recursive: true });
    for (let i = 0; i < instances; i++) {
      const instanceId = `task-${String(i).padStart(4, "0")}`;
      // Some groups all pass or all fail (zero variance); the rest learn as steps go on.
      const kind = random();
      for (let r = 0; r < rollouts; r++) {
        counter++;
        const t = start + counter * 1000;
        const progress = steps === 1 ? 1 : step / (steps - 1);
        const reward = kind < 0.15 ? 1 : kind < 0.25 ? 0 : random() < 0.25 + 0.6 * progress ? 1 : Math.round(random() * 4) / 10;
        const forced = forcedEvery > 0 && counter % forcedEvery === 0;
        const errored = !forced && random() < 0.03;
        const name = `${instanceId}_${stamp(t)}_${String(counter).padStart(8, "0")}.jsonl`;
        jobs.push([path.join(dir, name), session({ experiment, step, instanceId, t, reward, forced, errored, iterations, rollout: r })]);
      }
    }
  }
  for (let i = 0; i < jobs.length; i += 64) {
    await Promise.all(jobs.slice(i, i + 64).map(([file, text]) => writeFile(file, text)));
  }
  return { logDir, experiment, sessions: jobs.length };
}

function session({ experiment, step, instanceId, t, reward, forced, errored, iterations, rollout }) {
  const at = (s) => new Date(t + s * 1000).toISOString();
  const lines = [{
    type: "metadata", timestamp: at(0), root_model: "qwen2.5-coder-32b", max_depth: 2, max_iterations: 15, backend: "local",
    backend_kwargs: null, environment_type: "local_repl", environment_kwargs: null, other_backends: null,
    instance_id: instanceId, training_step: step, experiment_name: experiment,
    sampling: { rate: 1, by: "instance", forced },
  }];
  for (let n = 1; n <= iterations; n++) {
    const last = n === iterations;
    const code = last ? `apply_patch("fix ${instanceId}")` : `print(search("${instanceId}", step=${step}))`;
    lines.push({
      type: "iteration", iteration: n, timestamp: at(n * 3),
      prompt: [{ role: "system", content: "You are a software engineer in a Python REPL." }, { role: "user", content: `Fix ${instanceId}.` }],
      response: `Rollout ${rollout} at step ${step}, turn ${n}: ${last ? "the patch is ready" : "looking at the failing test"}.\n\`\`\`repl\n${code}\n\`\`\``,
      code_blocks: [{ code, result: { stdout: last ? "patch applied" : `found 3 matches for ${instanceId}`, stderr: n === 1 && reward === 0 ? "AssertionError: expected 2, got 3" : "", locals: {}, execution_time: 0.2, rlm_calls: [], final_answer: null } }],
      final_answer: last && !errored ? `fixed ${instanceId} in step ${step}` : null,
      iteration_time: 2.5,
      usage: { prompt_tokens: 1200 + n * 300, completion_tokens: 80 + n * 10 },
    });
  }
  const summary = { type: "summary", timestamp: at(iterations * 3 + 1), reward: errored ? null : reward, total_steps: iterations, total_iterations: iterations };
  if (errored) summary.error = { name: "SandboxTimeout", message: "sandbox killed: timeout after 30 s", stack: "SandboxTimeout: sandbox killed: timeout after 30 s\n    at Sandbox.run (sandbox.js:42:11)\n    at rollout (train.js:88:5)" };
  lines.push(summary);
  return lines.map((line) => `${JSON.stringify(line)}\n`).join("");
}

function stamp(ms) {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace("T", "_").slice(0, 15);
}
