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
      {
        step_index: 1,
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
      total_steps: 1,
      total_input_tokens: 0,
      total_output_tokens: 0,
      total_cache_read_tokens: 0,
      total_cache_creation_tokens: 0,
      total_duration_s: null,
      cache_hit_rate: null,
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
    },
  });
});

test("terminal_state: interrupted when max_iterations ran out without a final answer", () => {
  const sympy = records.find((r) => r.sessionId === TREE_SESSIONS[1]) as TrajectoryRecord;
  expect(toOpenTraces(sympy).outcome).toEqual({
    success: false,
    signal_confidence: "derived",
    terminal_state: "interrupted",
    reward: 0,
    reward_source: "rl_environment",
  });
});
