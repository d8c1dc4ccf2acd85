/**
 * The content policy on the write path: what reaches the files a TrajectoryLogger writes.
 */
import fs from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import { afterAll, describe, expect, it } from "vitest";
import {
  applyContentPolicy,
  BUILTIN_SECRET_KINDS,
  createContentPolicy,
  LINE_SCHEMAS,
  TrajectoryLogger,
  type IterationInput,
  type TrajectoryLoggerOptions,
} from "../src/index.js";
import { buildIterationLine } from "../src/lines.js";
import { policyTransform } from "../src/write/policy/content-policy.js";
import { lineText } from "../src/write/serialize/line-text.js";
import { ORDINARY_LOCALS, ORDINARY_TEXTS, SECRET_CASES, SECRET_VALUES } from "./fixtures/content-corpus.js";
import { makeTempDir, removeTempDir } from "./helpers/processes.js";
import { parseWithPython } from "./helpers/session-files.js";

const root = makeTempDir("trajlog-content-policy-");
afterAll(() => removeTempDir(root));
let dirs = 0;

const ajv = new Ajv({ strict: false });
const validators = Object.fromEntries(Object.entries(LINE_SCHEMAS).map(([type, schema]) => [type, ajv.compile(schema)]));

/** Logs one rollout whose every text field is `text`, and returns the logger and its file. */
async function logRollout(options: TrajectoryLoggerOptions, text: string, locals: Record<string, unknown> = {}) {
  const logDir = path.join(root, `run-${dirs++}`);
  const logger = new TrajectoryLogger({ logDir, sampleRate: 1, ...options });
  const session = logger.startSession({
    instanceId: "inst-1",
    trainingStep: 0,
    modelName: "qwen2.5-coder-32b",
    configMetadata: { max_steps: 4, backend_kwargs: { api_base: text }, note: text },
  });
  session.logIteration({
    prompt: [
      { role: "system", content: "You are a coding agent." },
      { role: "user", content: text },
    ],
    response: text,
    code: "import os; print(os.environ)",
    result: {
      stdout: text,
      stderr: text,
      locals,
      rlmCalls: [{ rootModel: "qwen2.5-7b", prompt: { task: text }, response: text }],
    },
    extra: { tool_output: text },
  });
  await session.finalize({ reward: 1, error: new Error(text) });
  await logger.close();
  const file = session.path as string;
  const bytes = fs.readFileSync(file, "utf8");
  const lines = bytes.trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, file, bytes, lines };
}

describe("TrajectoryLogger content policy: redaction", () => {
  it("never writes a secret of the corpus, wherever the rollout put it", async () => {
    const text = SECRET_CASES.map((c) => c.text).join("\n----\n");
    const locals = {
      [SECRET_VALUES.openai]: "a key as a key",
      env: { GITHUB_TOKEN: SECRET_VALUES.ghp, nested: [{ [SECRET_VALUES.awsId]: SECRET_VALUES.slackBot }] },
      db_password: SECRET_VALUES.dbPassword,
      session: SECRET_VALUES.jwt,
    };
    const { logger, bytes, lines } = await logRollout({}, text, locals);
    const leaked = SECRET_CASES.flatMap((c) => c.secret.split("\n").filter((p) => p.length >= 8 && bytes.includes(p)));
    for (const value of Object.values(SECRET_VALUES)) if (bytes.includes(value)) leaked.push(value);
    expect(leaked).toEqual([]);
    for (const kind of new Set(SECRET_CASES.map((c) => c.kind))) expect(bytes).toContain(`[REDACTED:${kind}]`);
    for (const line of lines) expect(validators[line.type as string]?.(line)).toBe(true);
    const stats = logger.stats();
    // 26 secrets in each of 11 text fields (2 in the metadata line, 8 in the iteration line,
    // 1 in the summary's error message, plus its stack), and 7 in the locals.
    expect(stats.redactions).toBe(Object.values(stats.redactionsByKind).reduce((a, b) => a + b, 0));
    expect(stats.redactions).toBeGreaterThanOrEqual(SECRET_CASES.length * 10 + 7);
    expect(Object.keys(stats.redactionsByKind).sort()).toEqual([...new Set(SECRET_CASES.map((c) => c.kind))].sort());
    expect(stats.truncations).toBe(0);
  });

  it("writes ordinary text byte for byte, with no redaction counted", async () => {
    for (const text of ORDINARY_TEXTS) {
      const { logger, lines } = await logRollout({}, text, ORDINARY_LOCALS);
      const iteration = lines[1] as Record<string, unknown>;
      expect(iteration.response).toBe(text);
      expect(iteration.prompt).toEqual([
        { role: "system", content: "You are a coding agent." },
        { role: "user", content: text },
      ]);
      expect(iteration.code_blocks).toEqual([
        {
          code: "import os; print(os.environ)",
          result: {
            stdout: text,
            stderr: text,
            locals: ORDINARY_LOCALS,
            execution_time: 0,
            rlm_calls: [
              { root_model: "qwen2.5-7b", prompt: { task: text }, response: text, prompt_tokens: 0, completion_tokens: 0, execution_time: 0 },
            ],
            final_answer: null,
          },
        },
      ]);
      expect(iteration.tool_output).toBe(text);
      expect(logger.stats().redactions).toBe(0);
    }
  });

  it("writes secrets verbatim when redaction is off", async () => {
    const text = SECRET_CASES.map((c) => c.text).join("\n");
    const { logger, lines, bytes } = await logRollout({ redact: false }, text, { [SECRET_VALUES.openai]: 1 });
    expect((lines[1] as Record<string, unknown>).response).toBe(text);
    expect(bytes).toContain(JSON.stringify(SECRET_VALUES.openai));
    expect(bytes).not.toContain("[REDACTED:");
    expect(lines[0]?.content_policy).toEqual({ redact: [], max_field_bytes: 1048576, max_line_bytes: 8388608 });
    expect(logger.stats()).toMatchObject({ redactions: 0, redactionsByKind: {}, truncations: 0 });
  });

  it("records the policy in force in the metadata line", async () => {
    const { lines } = await logRollout(
      { redact: { builtins: ["aws_key", "private_key"], patterns: [{ kind: "emp_id", pattern: /EMP-\d+/ }] }, maxFieldBytes: 4096, maxLineBytes: Infinity },
      "hello",
    );
    const metadata = lines[0] as Record<string, unknown>;
    expect(validators.metadata?.(metadata)).toBe(true);
    expect({ ...metadata, timestamp: "T" }).toEqual({
      type: "metadata",
      timestamp: "T",
      root_model: "qwen2.5-coder-32b",
      max_depth: 2,
      max_iterations: 4,
      backend: "local",
      backend_kwargs: { api_base: "hello" },
      environment_type: "local_repl",
      environment_kwargs: null,
      other_backends: null,
      instance_id: "inst-1",
      training_step: 0,
      experiment_name: "default",
      sampling: { rate: 1, by: "rollout", forced: false },
      content_policy: { redact: ["private_key", "aws_key", "emp_id"], max_field_bytes: 4096, max_line_bytes: null },
      max_steps: 4,
      note: "hello",
    });
  });

  it("keeps the policy record from being overridden by config metadata", async () => {
    const logDir = path.join(root, `run-${dirs++}`);
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1 });
    const session = logger.startSession({
      instanceId: "i",
      trainingStep: 1,
      modelName: "m",
      configMetadata: { content_policy: { redact: [] } },
    });
    await session.finalize();
    await logger.close();
    const metadata = JSON.parse(fs.readFileSync(session.path as string, "utf8").split("\n")[0] as string);
    expect(metadata.content_policy).toEqual({ redact: [...BUILTIN_SECRET_KINDS], max_field_bytes: 1048576, max_line_bytes: 8388608 });
  });
});

describe("TrajectoryLogger content policy: the write path and applyContentPolicy agree", () => {
  it("writes what applyContentPolicy makes of the same lines written without a policy", async () => {
    // A growing conversation, as a chat loop sends it: earlier messages repeat in every
    // line, some hold secrets, one has an extra key, one repeats a content under another role.
    const inputs: IterationInput[] = [];
    const messages: Array<Record<string, unknown>> = [{ role: "system", content: "You are a coding agent." }];
    SECRET_CASES.slice(0, 8).forEach((c, i) => {
      messages.push({ role: "user", content: `step ${i}: ${c.text}` });
      if (i === 3) messages.push({ role: "tool", content: "ran", name: "bash" });
      if (i === 5) messages.push({ role: "assistant", content: `step ${i}: ${c.text}` });
      inputs.push({ prompt: messages.slice() as never, response: ORDINARY_TEXTS[i] ?? "", result: { stdout: c.text, locals: { [c.secret.slice(0, 60)]: i } } });
      messages.push({ role: "assistant", content: `ok ${i}` });
    });
    const write = async (options: TrajectoryLoggerOptions) => {
      const logDir = path.join(root, `run-${dirs++}`);
      const logger = new TrajectoryLogger({ logDir, sampleRate: 1, ...options });
      const session = logger.startSession({ instanceId: "i", trainingStep: 0, modelName: "m" });
      for (const input of inputs) session.logIteration(input);
      await session.finalize();
      await logger.close();
      const lines = fs.readFileSync(session.path as string, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
      return { logger, lines };
    };
    const withPolicy = await write({});
    const without = await write({ redact: false });
    const policy = createContentPolicy();
    let redactions = 0;
    const byKind: Record<string, number> = {};
    const expected = without.lines.map((line) => {
      const result = applyContentPolicy(line, policy);
      redactions += result.redactions;
      for (const [k, n] of Object.entries(result.redactionsByKind)) byKind[k] = (byKind[k] ?? 0) + n;
      return { ...result.line, timestamp: "T", ...(line.type === "metadata" ? { content_policy: null } : {}) };
    });
    const actual = withPolicy.lines.map((line) => ({ ...line, timestamp: "T", ...(line.type === "metadata" ? { content_policy: null } : {}) }));
    expect(actual).toEqual(expected);
    expect(withPolicy.logger.stats().redactionsByKind).toEqual(byKind);
    expect(withPolicy.logger.stats().redactions).toBe(redactions);
    expect(redactions).toBeGreaterThan(40);
  });
});

describe("TrajectoryLogger content policy: a long conversation", () => {
  it("writes each line byte for byte as serializing it anew would, its prompt copied from earlier lines", async () => {
    const messages: Array<{ role: string; content: string }> = [{ role: "system", content: "Réponds brièvement — λ" }];
    const inputs: IterationInput[] = [];
    for (let i = 0; i < 30; i++) {
      const secret = SECRET_CASES[i % SECRET_CASES.length]?.text ?? "";
      messages.push({ role: "user", content: `step ${i} ✓ ${i % 3 === 0 ? secret : "x".repeat(i * 40)}` });
      inputs.push({ prompt: messages.slice(), response: `reply ${i} → ${"y".repeat(i * 30)}` });
      messages.push({ role: "assistant", content: `reply ${i} → ${"y".repeat(i * 30)}` });
    }
    const logDir = path.join(root, `run-${dirs++}`);
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1 });
    const session = logger.startSession({ instanceId: "i", trainingStep: 0, modelName: "m" });
    // Half logged in one tick (the lines wait together), half one per tick.
    inputs.slice(0, 15).forEach((input) => session.logIteration(input));
    for (const input of inputs.slice(15)) {
      session.logIteration(input);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await session.finalize();
    await logger.close();
    const lines = fs.readFileSync(session.path as string, "utf8").trimEnd().split("\n").slice(1, -1);
    const policy = createContentPolicy();
    expect(lines).toHaveLength(30);
    lines.forEach((text, i) => {
      const line = JSON.parse(text) as { timestamp: string };
      const built = buildIterationLine(inputs[i] as IterationInput, i + 1, new Date(line.timestamp));
      expect(`${text}\n`).toBe(lineText(built, policyTransform(policy), { redactions: 0, truncations: 0, byKind: {} }));
    });
  });
});

describe("TrajectoryLogger content policy: size caps", () => {
  it("keeps every line valid, under the caps and in shape, and counts the cuts", async () => {
    const huge = `${"0123456789abcdef".repeat(64 * 1024)}`; // 1 MiB of stdout
    const { logger, file, bytes, lines } = await logRollout({ maxFieldBytes: 2048, maxLineBytes: 8192 }, huge, { blob: huge });
    for (const line of bytes.trimEnd().split("\n")) {
      expect(Buffer.byteLength(line)).toBeLessThanOrEqual(8192);
    }
    expect(parseWithPython([file])).toBe(3);
    for (const line of lines) expect(validators[line.type as string]?.(line)).toBe(true);
    const iteration = lines[1] as {
      response: string;
      prompt: Array<{ role: string; content: string }>;
      code_blocks: Array<{ code: string; result: { stdout: string; locals: { blob: string } } }>;
      tool_output: string;
    };
    // Nine copies of 1 MiB in the line: each first cut to 2048 bytes by the field cap, then
    // all cut to one common length to fit 8192 bytes; structure and small strings stay.
    const cut = iteration.response;
    expect(cut).toMatch(/^(0123456789abcdef)+[0-9a-f]*\[TRUNCATED:\d+ bytes\]$/);
    expect(Buffer.byteLength(cut)).toBeLessThan(2048);
    expect(iteration.prompt).toEqual([
      { role: "system", content: "You are a coding agent." },
      { role: "user", content: iteration.prompt[1]?.content },
    ]);
    expect(iteration.code_blocks[0]?.code).toBe("import os; print(os.environ)");
    expect(Object.keys(iteration).sort()).toEqual(
      ["type", "iteration", "timestamp", "prompt", "response", "code_blocks", "final_answer", "iteration_time", "tool_output"].sort(),
    );
    const stats = logger.stats();
    expect(stats.truncations).toBeGreaterThanOrEqual(9 + 2 + 1);
    expect(stats.linesWritten).toBe(3);
    expect(stats.redactions).toBe(0);
  });
});

describe("TrajectoryLogger content policy: option validation", () => {
  const cases: Array<[string, TrajectoryLoggerOptions, RegExp]> = [
    ["redact", { redact: 1 as never }, /trajlog: option "redact" must be a boolean or an object; received 1 \(number\)/],
    ["redact.builtins", { redact: { builtins: ["github"] as never } }, /option "redact.builtins" lists unknown kind "github" \(string\)/],
    ["redact.patterns", { redact: { patterns: [{ kind: "x", pattern: 3 as never }] } }, /option "redact.patterns\[0\].pattern" must be a RegExp or a non-empty string; received 3 \(number\)/],
    ["maxFieldBytes", { maxFieldBytes: -1 }, /option "maxFieldBytes" must be an integer >= 64 \(bytes\) or Infinity; received -1 \(number\)/],
    ["maxLineBytes", { maxLineBytes: 100 }, /option "maxLineBytes" must be an integer >= 1024 \(bytes\) or Infinity; received 100 \(number\)/],
  ];
  it.each(cases)("throws at construction for a bad %s", (_, options, message) => {
    expect(() => new TrajectoryLogger({ logDir: path.join(root, "never"), ...options })).toThrow(message);
    expect(fs.existsSync(path.join(root, "never"))).toBe(false);
  });
});
