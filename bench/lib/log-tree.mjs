/**
 * A large, realistic log tree written by the SDK itself: RLM-style rollouts with a growing
 * conversation, code blocks with stdout/stderr (some with a Python traceback), sub-model calls,
 * token usage, rewards; a few errored, unfinished and forced sessions. About 118 KB of JSONL per
 * session on average, so 100,000 sessions make about 11.8 GB. Seeded: the same arguments write
 * the same content (file name suffixes and timestamps aside).
 *
 *   import { generateLogTree } from "./lib/log-tree.mjs";
 *   await generateLogTree({ logDir, sessions: 1000 });
 *
 * From the command line: `node scripts/generate-log-tree.mjs --sessions 100000 --out DIR`.
 */
import { TrajectoryLogger } from "../../dist/index.js";
import { syntheticText } from "./synthetic-text.mjs";

/** A seeded random stream (LCG): fast, and the same for the same seed everywhere. */
function stream(seed) {
  let state = seed >>> 0 || 1;
  return () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 0x100000000);
}

/**
 * Writes `sessions` sessions, `perStep` per training step (so `sessions / perStep` steps), over
 * `instances` task instances, into `logDir/<experiment>/`. Resolves to the files and bytes written.
 * Every response, output, sub-model call and issue text is generated fresh (bench/lib/synthetic-text.mjs);
 * only the system prompt is shared, as in a real run, and each prompt resends the conversation
 * so far (`prompts: "full"`, the logger's default).
 */
export async function generateLogTree({ logDir, sessions, perStep = 200, instances = 500, experiment = "grpo-large", seed = 1, concurrency = 32, onProgress }) {
  const logger = new TrajectoryLogger({ logDir, experimentName: experiment, sampleRate: 1, seed, maxBufferBytes: 256 * 1024 * 1024 });
  const rand = stream(seed);
  const text = syntheticText(rand);
  const systemPrompt = text.prose(1200);
  // Each instance's issue is written once and sent by every rollout of it, as a real task is.
  const issues = new Map();
  const issueOf = (instance) => {
    let issue = issues.get(instance);
    if (issue === undefined) issues.set(instance, (issue = text.prose(400 + Math.floor(rand() * 1600))));
    return issue;
  };
  let started = 0;
  let unfinished = 0;

  async function rollout(index) {
    const step = Math.floor(index / perStep);
    const instance = Math.floor(rand() * instances);
    const forced = rand() < 0.005;
    const session = logger.startSession({
      instanceId: `repo__issue-${instance}`,
      trainingStep: step,
      modelName: "qwen2.5-coder-32b",
      force: forced,
      configMetadata: { max_steps: 15, task: `Resolve issue ${instance}`, temperature: 0.7 },
    });
    const messages = [
      { role: "system", content: systemPrompt },
      { role: "user", content: `Issue ${instance}: ${issueOf(instance)}` },
    ];
    const turns = 5 + Math.floor(rand() * 9); // 5 to 13
    const skill = (instance % 10) / 10 + step / 1000;
    const solved = rand() < Math.min(0.95, 0.2 + skill * 0.6);
    for (let turn = 1; turn <= turns; turn++) {
      const code = text.code();
      const failed = rand() < 0.15;
      const traceback = failed ? text.traceback() : "";
      const response = `${text.prose(250 + Math.floor(rand() * 450))}\n\`\`\`repl\n${code}\`\`\``;
      const stdout = text.stdout(150 + Math.floor(rand() * 1000));
      const last = turn === turns;
      const calls = Math.floor(rand() * 3);
      session.logIteration({
        prompt: messages,
        response,
        code,
        result: {
          stdout,
          stderr: traceback,
          locals: { turn, matches: Math.floor(rand() * 20), ok: !failed },
          executionTime: 0.01 + rand(),
          rlmCalls: Array.from({ length: calls }, () => ({
            rootModel: "qwen2.5-7b",
            prompt: text.prose(100 + Math.floor(rand() * 600)),
            response: text.prose(50 + Math.floor(rand() * 500)),
            promptTokens: 100 + Math.floor(rand() * 400),
            completionTokens: 20 + Math.floor(rand() * 200),
            executionTime: 0.1 + rand(),
          })),
        },
        finalAnswer: last && solved ? "patched" : null,
        iterationTime: 0.5 + rand() * 4,
        usage: { promptTokens: 300 * messages.length + Math.floor(rand() * 200), completionTokens: 50 + Math.floor(rand() * 400) },
      });
      messages.push({ role: "assistant", content: response });
      messages.push({ role: "user", content: `stdout:\n${stdout}${failed ? `\nstderr:\n${traceback}` : ""}` });
    }
    const fate = rand();
    if (fate < 0.01) {
      unfinished++; // never finalized: a crashed rollout
      return;
    }
    if (fate < 0.03) await session.finalize({ error: new Error("sandbox timed out") });
    else await session.finalize({ reward: solved ? 1 : rand() < 0.2 ? 0.5 : 0 });
  }

  const running = new Set();
  while (started < sessions) {
    const job = rollout(started++).finally(() => running.delete(job));
    running.add(job);
    if (running.size >= concurrency) await Promise.race(running);
    if (onProgress !== undefined && started % 1000 === 0) onProgress(started, logger.stats().bytesWritten);
  }
  await Promise.all(running);
  await logger.close();
  const stats = logger.stats();
  return { sessions: stats.sessionsLogged, unfinished, bytes: stats.bytesWritten, lost: stats.linesDropped + stats.linesFailed + stats.sessionsDropped };
}
