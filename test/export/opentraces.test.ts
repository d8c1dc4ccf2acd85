import { rm } from "node:fs/promises";
import { Ajv } from "ajv";
import { afterAll, beforeAll, expect, test } from "vitest";
import { toOpenTraces } from "../../src/export/opentraces.js";
import { TraceRecordSchema } from "../../src/export/opentraces-schema.js";
import { defaultContentPolicy, readSessions, type TrajectoryRecord } from "../../src/index.js";
import { buildLogTree, TREE_SESSIONS } from "../fixtures/log-tree.js";
import { metadataFields } from "../helpers/lines.js";

let logDir: string;
let records: TrajectoryRecord[];
const validate = new Ajv({ allErrors: true, strict: false }).compile(TraceRecordSchema);

beforeAll(async () => {
  logDir = await buildLogTree();
  records = [];
  for await (const record of readSessions(logDir)) records.push(record);
});
afterAll(async () => {
  await rm(logDir, { recursive: true, force: true });
});

test("the schema rejects what 0.3.0 rejects: ctxrot's role and call_type values, numbers for strings", () => {
  const base = { trace_id: "t", session_id: "s", agent: { name: "a" } };
  expect(validate(base)).toBe(true);
  expect(validate({ ...base, steps: [{ step_index: 1, role: "assistant" }] })).toBe(false);
  expect(validate({ ...base, steps: [{ step_index: 1, role: "agent", call_type: "sub_query" }] })).toBe(false);
  expect(validate({ ...base, steps: [{ step_index: 1, role: "agent", call_type: "action" }] })).toBe(false);
  expect(validate({ ...base, session_id: 7 })).toBe(false);
  expect(validate({ ...base, metrics: { cache_hit_rate: 1.5 } })).toBe(false);
  expect(validate({ ...base, agent: undefined })).toBe(false);
  expect(validate({ ...base, unknown_key: 1 })).toBe(true);
});

test("every session maps to a valid record; trace ids are stable UUIDs", () => {
  for (const record of records) {
    const trace = toOpenTraces(record);
    expect(validate(trace), JSON.stringify(validate.errors)).toBe(true);
    expect(trace.trace_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(toOpenTraces(record).trace_id).toBe(trace.trace_id);
  }
});

test("an incomplete session: provisional, no outcome, no end, duration from iteration times", () => {
  const record = records.find((r) => r.sessionId === TREE_SESSIONS[3]) as TrajectoryRecord;
  const trace = toOpenTraces(record, { relPath: "x.jsonl" });
  expect(trace).toEqual({
    schema_version: "0.3.0",
    trace_id: trace.trace_id,
    session_id: TREE_SESSIONS[3],
    timestamp_start: "2026-02-19T15:00:00.000Z",
    execution_context: "runtime",
    task: { description: "Fix django__django-11099." },
    agent: { name: "rlm", model: "qwen2.5-coder-32b" },
    system_prompts: {
      "8ca58cc0f1b34349b2c4fbdc735925513f0c6f6d07eea9f794dcadfafcbb7d0d":
        "You are an engineer working in a Python REPL. Call FINAL(answer) when done.",
    },
    steps: [
      // No iteration_time: the start of the iteration, when the prompt was sent, is unknown.
      { step_index: 1, role: "user", content: "Fix django__django-11099." },
      {
        step_index: 2,
        role: "agent",
        call_type: "main",
        agent_role: "action",
        model: "qwen2.5-coder-32b",
        content: "Thinking.",
        timestamp: "2026-02-19T15:00:01.000Z",
        system_prompt_hash: "8ca58cc0f1b34349b2c4fbdc735925513f0c6f6d07eea9f794dcadfafcbb7d0d",
        tool_calls: [],
        observations: [],
      },
    ],
    metrics: {
      total_steps: 2,
      total_input_tokens: 0,
      total_output_tokens: 0,
      total_cache_read_tokens: 0,
      total_cache_creation_tokens: 0,
      total_duration_s: null,
      cache_hit_rate: null,
      estimated_cost_usd: null,
    },
    lifecycle: "provisional",
    metadata: {
      ...metadataFields({
        timestamp: "2026-02-19T15:00:00.000Z",
        root_model: "qwen2.5-coder-32b",
        instance_id: "django__django-11099",
        training_step: 2,
        experiment_name: "exp-a",
        sampling: { rate: 1, by: "rollout", forced: false },
        content_policy: defaultContentPolicy().record,
      }),
      producer: "trajlog",
      trajlog_version: trace.metadata?.trajlog_version,
      path: "x.jsonl",
      total_steps: null,
      state: "incomplete",
      forced: false,
      missing_reward: "unfinished",
      cost_note: "estimated_cost_usd is null: no price table was given (trajlog export --prices FILE)",
      step_details: { "2": { iteration: 1, iteration_time: null } },
    },
  });
});

test("terminal_state: interrupted when max_iterations ran out without a final answer", () => {
  const sympy = records.find((r) => r.sessionId === TREE_SESSIONS[1]) as TrajectoryRecord;
  expect(toOpenTraces(sympy).outcome).toEqual({
    success: false,
    signal_source: "rl_environment",
    signal_confidence: "derived",
    terminal_state: "interrupted",
    reward: 0,
    reward_source: "rl_environment",
  });
});

test("a finished session: user steps between agent steps, sub-model calls with prompt and time, the final answer last, a price table's cost", () => {
  const django = records.find((r) => r.sessionId === TREE_SESSIONS[0]) as TrajectoryRecord;
  const prices = {
    "qwen2.5-coder-32b": { input_usd_per_mtok: 0.5, output_usd_per_mtok: 2 },
    "qwen2.5-7b": { input_usd_per_mtok: 0.1, output_usd_per_mtok: 0.4 },
  };
  const trace = toOpenTraces(django, { prices });
  expect(validate(trace), JSON.stringify(validate.errors)).toBe(true);
  const hash = "8ca58cc0f1b34349b2c4fbdc735925513f0c6f6d07eea9f794dcadfafcbb7d0d";
  expect(trace.steps).toEqual([
    { step_index: 1, role: "user", content: "Fix django__django-11099.", timestamp: "2026-02-19T14:30:00.000Z" },
    {
      step_index: 2,
      role: "agent",
      call_type: "main",
      agent_role: "action",
      model: "qwen2.5-coder-32b",
      content: "Let me find the validator.\n```repl\nprint(grep('UsernameValidator'))\n```",
      timestamp: "2026-02-19T14:30:01.500Z",
      system_prompt_hash: hash,
      token_usage: { input_tokens: 310, output_tokens: 42 },
      tool_calls: [{ tool_call_id: "step2_repl1", tool_name: "repl", input: { code: "print(grep('UsernameValidator'))" }, duration_ms: 250 }],
      observations: [{ source_call_id: "step2_repl1", content: "django/contrib/auth/validators.py:9\n", error: null }],
    },
    {
      step_index: 3,
      role: "agent",
      call_type: "subagent",
      agent_role: "sub_query",
      parent_step: 2,
      model: "qwen2.5-7b",
      content: "Two regex validators.",
      timestamp: "2026-02-19T14:30:01.500Z",
      token_usage: { input_tokens: 120, output_tokens: 9 },
    },
    // The prompt grew by the assistant's reply and one REPL message: only the latter is new input.
    { step_index: 4, role: "user", content: "stdout: validators.py:9", timestamp: "2026-02-19T14:30:01.500Z" },
    {
      step_index: 5,
      role: "agent",
      call_type: "main",
      agent_role: "action",
      model: "qwen2.5-coder-32b",
      content: "Anchor with \\A and \\Z.\n```repl\npatch()\n```\nFINAL(patched)",
      timestamp: "2026-02-19T14:30:03.500Z",
      system_prompt_hash: hash,
      token_usage: { input_tokens: 480, output_tokens: 30 },
      tool_calls: [
        { tool_call_id: "step5_repl1", tool_name: "repl", input: { code: "patch()" }, duration_ms: 100 },
        { tool_call_id: "step5_repl2", tool_name: "repl", input: { code: "run_tests()" }, duration_ms: 1200 },
      ],
      observations: [
        { source_call_id: "step5_repl1", content: "ok\n", error: null },
        { source_call_id: "step5_repl2", content: "2 passed\n", error: "warning: slow\n" },
      ],
    },
    {
      step_index: 6,
      role: "agent",
      call_type: "main",
      agent_role: "final_answer",
      model: "qwen2.5-coder-32b",
      content: "patched",
      timestamp: "2026-02-19T14:30:03.500Z",
    },
  ]);
  expect(trace.outcome).toEqual({
    success: true,
    signal_source: "rl_environment",
    signal_confidence: "derived",
    terminal_state: "goal_reached",
    reward: 1,
    reward_source: "rl_environment",
    description: "patched",
  });
  expect(trace.metrics).toEqual({
    total_steps: 6,
    total_input_tokens: 910,
    total_output_tokens: 81,
    total_cache_read_tokens: 0,
    total_cache_creation_tokens: 0,
    total_duration_s: 4,
    cache_hit_rate: null,
    estimated_cost_usd: expect.closeTo(((310 + 480) * 0.5 + (42 + 30) * 2 + 120 * 0.1 + 9 * 0.4) / 1e6, 15),
  });
  expect(trace.metadata?.step_details).toEqual({
    "2": { iteration: 1, iteration_time: 1.5, locals: { step2_repl1: { hits: 1 } } },
    "3": { prompt: "Summarize validators.py", execution_time: 0.4 },
    "5": { iteration: 2, iteration_time: 2, block_final_answers: { step5_repl2: "patched" }, final_answer: "patched", temperature: 0.7 },
  });
  expect(trace.metadata?.cost_note).toBeUndefined();
  const partial = toOpenTraces(django, { prices: { "qwen2.5-coder-32b": prices["qwen2.5-coder-32b"] } });
  expect(partial.metrics?.estimated_cost_usd).toBe(null);
  expect(partial.metadata?.cost_note).toBe("estimated_cost_usd is null: no price for qwen2.5-7b");
});

test("a restarted context: the whole prompt is new input again, so the trace still alternates", () => {
  const sympy = records.find((r) => r.sessionId === TREE_SESSIONS[1]) as TrajectoryRecord;
  const steps = toOpenTraces(sympy).steps ?? [];
  expect(steps.map((s) => [s.role, s.content])).toEqual([
    ["user", "Why does Symbol have __dict__?"],
    ["agent", "Attempt 1.\n```repl\ncheck(1)\n```"],
    ["user", "Why does Symbol have __dict__?"],
    ["agent", "Attempt 2.\n```repl\ncheck(2)\n```"],
    ["user", "Why does Symbol have __dict__?"],
    ["agent", "Attempt 3.\n```repl\ncheck(3)\n```"],
  ]);
});

test("cache counts, when the model's SDK gave them, become cache token usage, totals and a hit rate; cached tokens are priced at the cache rates", () => {
  const django = records.find((r) => r.sessionId === TREE_SESSIONS[0]) as TrajectoryRecord;
  const [first, second] = django.iterations;
  const cached: TrajectoryRecord = {
    ...django,
    iterations: [
      { ...first!, usage: { prompt_tokens: 310, completion_tokens: 42, cache_read_tokens: 0, cache_creation_tokens: 300 } },
      { ...second!, usage: { prompt_tokens: 480, completion_tokens: 30, cache_read_tokens: 300, cache_creation_tokens: 0 } },
    ],
  };
  const prices = {
    "qwen2.5-coder-32b": { input_usd_per_mtok: 1, output_usd_per_mtok: 2, cache_read_usd_per_mtok: 0.1, cache_write_usd_per_mtok: 1.25 },
    "qwen2.5-7b": { input_usd_per_mtok: 0.1, output_usd_per_mtok: 0.4 },
  };
  const trace = toOpenTraces(cached, { prices });
  expect(validate(trace), JSON.stringify(validate.errors)).toBe(true);
  expect(trace.steps?.filter((s) => s.call_type === "main" && s.agent_role === "action").map((s) => s.token_usage)).toEqual([
    { input_tokens: 310, output_tokens: 42, cache_read_tokens: 0, cache_write_tokens: 300 },
    { input_tokens: 480, output_tokens: 30, cache_read_tokens: 300, cache_write_tokens: 0 },
  ]);
  expect(trace.metrics).toMatchObject({
    total_input_tokens: 910,
    total_cache_read_tokens: 300,
    total_cache_creation_tokens: 300,
    cache_hit_rate: 300 / 790, // over the calls that reported cache counts (the sub-model call did not)
    estimated_cost_usd: expect.closeTo(((10 + 180) * 1 + 300 * 1.25 + 300 * 0.1 + 72 * 2 + 120 * 0.1 + 9 * 0.4) / 1e6, 15),
  });
});
