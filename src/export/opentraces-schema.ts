/**
 * The opentraces TraceRecord, schema version 0.3.0, as TypeBox: the JSON Schema the tests
 * validate every exported line against, and through `Static` the TypeScript types the exporter
 * builds. Written from the published pydantic models: unknown keys are allowed (the models
 * ignore them), enum values are enforced, numbers are never accepted for strings.
 */
import type { Static, TSchema } from "@sinclair/typebox";
import { Type } from "../internal/typebox.js";

/** The schema version these definitions describe. */
export const OPENTRACES_SCHEMA_VERSION = "0.3.0";

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const OptString = Type.Optional(Nullable(Type.String()));
const Int = Type.Integer();
const Strings = Type.Array(Type.String());

/** Token counts of one model call. */
export const TokenUsageSchema = Type.Object({
  input_tokens: Type.Optional(Int),
  output_tokens: Type.Optional(Int),
  cache_read_tokens: Type.Optional(Int),
  cache_write_tokens: Type.Optional(Int),
  prefix_reuse_tokens: Type.Optional(Int),
});
/** Token counts of one model call. */
export type TokenUsage = Static<typeof TokenUsageSchema>;

/** A tool invocation made by a step. */
export const ToolCallSchema = Type.Object({
  tool_call_id: Type.String(),
  tool_name: Type.String(),
  input: Type.Record(Type.String(), Type.Unknown()),
  duration_ms: Type.Optional(Nullable(Int)),
});
/** A tool invocation made by a step. */
export type ToolCall = Static<typeof ToolCallSchema>;

/** What a tool call returned. */
export const ObservationSchema = Type.Object({
  source_call_id: Type.String(),
  content: OptString,
  output_summary: OptString,
  error: OptString,
});
/** What a tool call returned. */
export type Observation = Static<typeof ObservationSchema>;

/** One model call. */
export const StepSchema = Type.Object({
  step_index: Int,
  role: Type.Union([Type.Literal("system"), Type.Literal("user"), Type.Literal("agent")]),
  content: OptString,
  reasoning_content: OptString,
  model: OptString,
  system_prompt_hash: OptString,
  agent_role: OptString,
  subagent_trajectory_ref: OptString,
  parent_step: Type.Optional(Nullable(Int)),
  call_type: Type.Optional(
    Nullable(Type.Union([Type.Literal("main"), Type.Literal("subagent"), Type.Literal("warmup")])),
  ),
  tools_available: Type.Optional(Strings),
  tool_calls: Type.Optional(Type.Array(ToolCallSchema)),
  observations: Type.Optional(Type.Array(ObservationSchema)),
  snippets: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
  token_usage: Type.Optional(TokenUsageSchema),
  timestamp: OptString,
});
/** One model call. */
export type Step = Static<typeof StepSchema>;

/** How the trace ended. */
export const OutcomeSchema = Type.Object({
  success: Type.Optional(Nullable(Type.Boolean())),
  signal_source: Type.Optional(Type.String()),
  signal_confidence: Type.Optional(
    Type.Union([Type.Literal("derived"), Type.Literal("inferred"), Type.Literal("annotated")]),
  ),
  description: OptString,
  patch: OptString,
  committed: Type.Optional(Type.Boolean()),
  commit_sha: OptString,
  terminal_state: Type.Optional(
    Nullable(
      Type.Union([
        Type.Literal("goal_reached"),
        Type.Literal("interrupted"),
        Type.Literal("error"),
        Type.Literal("abandoned"),
      ]),
    ),
  ),
  reward: Type.Optional(Nullable(Type.Number())),
  reward_source: OptString,
});
/** How the trace ended. */
export type Outcome = Static<typeof OutcomeSchema>;

/** Totals over the trace. */
export const MetricsSchema = Type.Object({
  total_steps: Type.Optional(Int),
  total_input_tokens: Type.Optional(Int),
  total_output_tokens: Type.Optional(Int),
  total_cache_read_tokens: Type.Optional(Int),
  total_cache_creation_tokens: Type.Optional(Int),
  total_duration_s: Type.Optional(Nullable(Type.Number())),
  cache_hit_rate: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1 }))),
  estimated_cost_usd: Type.Optional(Nullable(Type.Number())),
});
/** Totals over the trace. */
export type Metrics = Static<typeof MetricsSchema>;

/** What the trace was about. */
export const TaskSchema = Type.Object({
  description: OptString,
  source: OptString,
  repository: OptString,
  repository_url: OptString,
  base_commit: OptString,
});

/** The agent that produced the trace. */
export const AgentSchema = Type.Object({
  name: Type.String(),
  version: OptString,
  model: OptString,
});

/** Where the agent ran. */
export const EnvironmentSchema = Type.Object({
  os: OptString,
  shell: OptString,
  vcs: Type.Optional(
    Type.Object({
      type: Type.Union([Type.Literal("git"), Type.Literal("none")]),
      base_commit: OptString,
      branch: OptString,
      diff: OptString,
    }),
  ),
  language_ecosystem: Type.Optional(Strings),
});

/** Security review state of the trace. */
export const SecuritySchema = Type.Object({
  scanned: Type.Optional(Type.Boolean()),
  flags_reviewed: Type.Optional(Int),
  redactions_applied: Type.Optional(Int),
  classifier_version: OptString,
});

/** One trace: one line of an opentraces JSONL file. */
export const TraceRecordSchema = Type.Object(
  {
    schema_version: Type.Optional(Type.String()),
    trace_id: Type.String(),
    session_id: Type.String(),
    content_hash: OptString,
    timestamp_start: OptString,
    timestamp_end: OptString,
    execution_context: Type.Optional(Nullable(Type.Union([Type.Literal("devtime"), Type.Literal("runtime")]))),
    task: Type.Optional(TaskSchema),
    agent: AgentSchema,
    environment: Type.Optional(EnvironmentSchema),
    system_prompts: Type.Optional(Type.Record(Type.String(), Type.String())),
    tool_definitions: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()))),
    steps: Type.Optional(Type.Array(StepSchema)),
    outcome: Type.Optional(OutcomeSchema),
    dependencies: Type.Optional(Strings),
    metrics: Type.Optional(MetricsSchema),
    security: Type.Optional(SecuritySchema),
    lifecycle: Type.Optional(Type.Union([Type.Literal("provisional"), Type.Literal("final")])),
    generation_index: Type.Optional(Int),
    git_links: Type.Optional(Type.Array(Type.Unknown())),
    metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { title: "TraceRecord 0.3.0" },
);
/** One trace: one line of an opentraces JSONL file. */
export type TraceRecord = Static<typeof TraceRecordSchema>;
