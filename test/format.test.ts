import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Value } from "@sinclair/typebox/value";
import { Ajv } from "ajv";
import { BUILTIN_SECRET_KINDS, LINE_SCHEMAS, TrajectoryLogger } from "../src/index.js";
import { makeTempDir, removeTempDir } from "./helpers/processes.js";
import { listFiles, parseWithPython, readLines } from "./helpers/session-files.js";

const ISO = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
/** The content policy record of a logger with default options. */
const DEFAULT_CONTENT_POLICY = { redact: [...BUILTIN_SECRET_KINDS], max_field_bytes: 1048576, max_line_bytes: 8388608 };
const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

async function writeOneSession(): Promise<{ file: string; dir: string }> {
  const dir = makeTempDir();
  cleanups.push(() => removeTempDir(dir));
  const logger = new TrajectoryLogger({ logDir: dir, experimentName: "exp-a", sampleRate: 1 });
  const session = logger.startSession({
    instanceId: "django__django-11099",
    trainingStep: 40,
    modelName: "qwen2.5-coder-32b",
    configMetadata: {
      max_steps: 12,
      max_sub_agent_depth: 1,
      backend: "vllm",
      backend_kwargs: { url: "http://127.0.0.1:8000" },
      task: "Fix the validator",
      instance_id: "spoofed",
      type: "spoofed",
    },
  });
  session.logIteration({
    prompt: [
      { role: "system", content: "You are in a REPL." },
      { role: "user", content: "Fix the validator." },
    ],
    response: "Let me look.\n```repl\nprint(1)\n```",
    codeBlocks: [
      {
        code: "print(1)",
        result: {
          stdout: "1\n",
          stderr: "",
          locals: { x: 1 },
          executionTime: 0.25,
          rlmCalls: [
            { rootModel: "qwen2.5-7b", prompt: "summarize", response: "ok", promptTokens: 12, completionTokens: 3, executionTime: 0.5 },
          ],
        },
      },
    ],
    iterationTime: 1.5,
    usage: { promptTokens: 100, completionTokens: 20 },
  });
  session.logIteration({
    prompt: "Continue.",
    response: "FINAL(done)",
    finalAnswer: ["FINAL", "done"],
    iterationTime: 0.75,
    extra: { type: "not-allowed", note: "kept" },
  });
  await session.finalize({ reward: 1, totalSteps: 2 });
  await logger.close();
  const files = listFiles(dir);
  expect(files).toHaveLength(1);
  return { file: files[0] as string, dir };
}

describe("the trajectory format", () => {
  it("puts the file at <logDir>/<experiment>/step_<N>/<instance>_<YYYYMMDD_HHMMSS>_<suffix>.jsonl", async () => {
    const { file, dir } = await writeOneSession();
    expect(file.slice(dir.length)).toMatch(/^\/exp-a\/step_40\/django__django-11099_\d{8}_\d{6}_[0-9a-f]{12}\.jsonl$/);
  });

  it("writes a metadata line with every field of the spec, the caller's keys, and protected keys from the logger", async () => {
    const { file } = await writeOneSession();
    const [metadata] = readLines(file);
    expect(metadata).toEqual({
      type: "metadata",
      timestamp: ISO,
      root_model: "qwen2.5-coder-32b",
      max_depth: 1,
      max_iterations: 12,
      backend: "vllm",
      backend_kwargs: { url: "http://127.0.0.1:8000" },
      environment_type: "local_repl",
      environment_kwargs: null,
      other_backends: null,
      instance_id: "django__django-11099",
      training_step: 40,
      experiment_name: "exp-a",
      sampling: { rate: 1, by: "rollout", forced: false },
      content_policy: DEFAULT_CONTENT_POLICY,
      max_steps: 12,
      max_sub_agent_depth: 1,
      task: "Fix the validator",
    });
    expect(Object.keys(metadata as object).slice(0, 13)).toEqual([
      "type", "timestamp", "root_model", "max_depth", "max_iterations", "backend", "backend_kwargs",
      "environment_type", "environment_kwargs", "other_backends", "instance_id", "training_step", "experiment_name",
    ]);
  });

  it("uses the spec's defaults when the config metadata is silent", async () => {
    const dir = makeTempDir();
    cleanups.push(() => removeTempDir(dir));
    const logger = new TrajectoryLogger({ logDir: dir, sampleRate: 1 });
    await logger.startSession({ instanceId: "i", trainingStep: 0, modelName: "m" }).finalize();
    await logger.close();
    const [metadata, summary] = readLines(listFiles(dir)[0] as string);
    expect(metadata).toEqual({
      type: "metadata",
      timestamp: ISO,
      root_model: "m",
      max_depth: 2,
      max_iterations: 15,
      backend: "local",
      backend_kwargs: null,
      environment_type: "local_repl",
      environment_kwargs: null,
      other_backends: null,
      instance_id: "i",
      training_step: 0,
      experiment_name: "default",
      sampling: { rate: 1, by: "rollout", forced: false },
      content_policy: DEFAULT_CONTENT_POLICY,
    });
    expect(summary).toEqual({ type: "summary", timestamp: ISO, reward: null, total_steps: 0, total_iterations: 0 });
  });

  it("writes one iteration line per call with every field of the spec", async () => {
    const { file } = await writeOneSession();
    const [, first, second] = readLines(file);
    expect(first).toEqual({
      type: "iteration",
      iteration: 1,
      timestamp: ISO,
      prompt: [
        { role: "system", content: "You are in a REPL." },
        { role: "user", content: "Fix the validator." },
      ],
      response: "Let me look.\n```repl\nprint(1)\n```",
      code_blocks: [
        {
          code: "print(1)",
          result: {
            stdout: "1\n",
            stderr: "",
            locals: { x: 1 },
            execution_time: 0.25,
            rlm_calls: [
              { root_model: "qwen2.5-7b", prompt: "summarize", response: "ok", prompt_tokens: 12, completion_tokens: 3, execution_time: 0.5 },
            ],
            final_answer: null,
          },
        },
      ],
      final_answer: null,
      iteration_time: 1.5,
      usage: { prompt_tokens: 100, completion_tokens: 20 },
    });
    expect(second).toEqual({
      type: "iteration",
      iteration: 2,
      timestamp: ISO,
      prompt: [{ role: "user", content: "Continue." }],
      response: "FINAL(done)",
      code_blocks: [],
      final_answer: ["FINAL", "done"],
      iteration_time: 0.75,
      note: "kept",
    });
  });

  it("ends with a summary line", async () => {
    const { file } = await writeOneSession();
    const lines = readLines(file);
    expect(lines).toHaveLength(4);
    expect(lines[3]).toEqual({ type: "summary", timestamp: ISO, reward: 1, total_steps: 2, total_iterations: 2 });
  });

  it("writes lines that validate against the line schemas, with TypeBox and with an independent validator", async () => {
    const { file } = await writeOneSession();
    const ajv = new Ajv({ strict: false });
    for (const line of readLines(file)) {
      const schema = LINE_SCHEMAS[line.type as keyof typeof LINE_SCHEMAS];
      expect(Value.Check(schema, line)).toBe(true);
      expect(ajv.validate(schema, line), JSON.stringify(ajv.errors)).toBe(true);
    }
  });

  it("writes strict JSON that Python's json.loads reads line by line", async () => {
    const { file } = await writeOneSession();
    expect(parseWithPython([file])).toBe(4);
    expect(fs.readFileSync(file, "utf8").endsWith("}\n")).toBe(true);
  });

  it("records an error and dropped lines on the summary when there are any", async () => {
    const dir = makeTempDir();
    cleanups.push(() => removeTempDir(dir));
    const logger = new TrajectoryLogger({ logDir: dir, sampleRate: 1 });
    const session = logger.startSession({ instanceId: "i", trainingStep: 1, modelName: "m" });
    const error = new TypeError("sandbox died");
    await session.finalize({ reward: Number.NaN, error });
    await logger.close();
    const lines = readLines(listFiles(dir)[0] as string);
    expect(lines[1]).toEqual({
      type: "summary",
      timestamp: ISO,
      reward: null,
      total_steps: 0,
      total_iterations: 0,
      error: { name: "TypeError", message: "sandbox died", stack: error.stack },
    });
  });
});
