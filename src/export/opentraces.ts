/**
 * `--format opentraces`: a session as one opentraces TraceRecord (schema 0.3.0).
 * Each iteration becomes a `main` step whose code blocks are `repl` tool calls with their
 * observations, followed by one `subagent` step per sub-model call its code made.
 */
import { createHash } from "node:crypto";
import type { IterationLine, MetadataLine } from "../format.js";
import { sessionState, type TrajectoryRecord } from "../reader.js";
import { VERSION } from "../version.js";
import { errorText, limitedIterations, recordedPath, taskText } from "../internal/session-facts.js";
import { uuidFromName } from "../internal/uuid.js";
import type { ExportOptions } from "./options.js";
import {
  OPENTRACES_SCHEMA_VERSION,
  type Metrics,
  type Observation,
  type Outcome,
  type Step,
  type ToolCall,
  type TraceRecord,
} from "./opentraces-schema.js";

/** Metadata keys the record states elsewhere, or that are trajlog's own. */
const OWN_METADATA_KEYS = new Set(["type"]);

/** The TraceRecord of one session. */
export function toOpenTraces(record: TrajectoryRecord, options: ExportOptions = {}): TraceRecord {
  const metadata = record.metadata;
  const iterations = limitedIterations(record, options.trajectoryLimit);
  const model = metadata?.root_model ?? null;
  const systemPrompts: Record<string, string> = {};
  const steps: Step[] = [];
  let inputTokens = 0;
  let outputTokens = 0;
  for (const iteration of iterations) {
    const mainIndex = steps.length + 1;
    const main = mainStep(iteration, mainIndex, model, systemPrompts);
    steps.push(main);
    inputTokens += main.token_usage?.input_tokens ?? 0;
    outputTokens += main.token_usage?.output_tokens ?? 0;
    for (const block of iteration.code_blocks) {
      for (const call of block.result.rlm_calls) {
        steps.push({
          step_index: steps.length + 1,
          role: "agent",
          call_type: "subagent",
          agent_role: "sub_query",
          parent_step: mainIndex,
          model: call.root_model,
          content: call.response,
          token_usage: { input_tokens: call.prompt_tokens, output_tokens: call.completion_tokens },
        });
        inputTokens += call.prompt_tokens;
        outputTokens += call.completion_tokens;
      }
    }
  }

  const task = taskText(record);
  const outcome = outcomeOf(record, options.successThreshold ?? 0);
  return {
    schema_version: OPENTRACES_SCHEMA_VERSION,
    trace_id: uuidFromName(record.sessionId),
    session_id: record.sessionId,
    timestamp_start: metadata?.timestamp ?? null,
    ...(record.summary !== null ? { timestamp_end: record.summary.timestamp } : {}),
    execution_context: "runtime",
    ...(task !== null ? { task: { description: task } } : {}),
    agent: { name: agentName(metadata), model },
    ...(Object.keys(systemPrompts).length > 0 ? { system_prompts: systemPrompts } : {}),
    steps,
    ...(outcome !== null ? { outcome } : {}),
    metrics: metricsOf(record, iterations, steps.length, inputTokens, outputTokens),
    ...(options.redactionsApplied !== undefined
      ? {
          security: {
            scanned: true,
            flags_reviewed: 0,
            redactions_applied: options.redactionsApplied,
            classifier_version: `trajlog ${VERSION}`,
          },
        }
      : {}),
    lifecycle: record.summary !== null ? "final" : "provisional",
    metadata: metadataOf(record, options, iterations.length),
  };
}

function mainStep(
  iteration: IterationLine,
  stepIndex: number,
  model: string | null,
  systemPrompts: Record<string, string>,
): Step {
  const toolCalls: ToolCall[] = [];
  const observations: Observation[] = [];
  iteration.code_blocks.forEach((block, b) => {
    const id = `step${stepIndex}_repl${b + 1}`;
    toolCalls.push({
      tool_call_id: id,
      tool_name: "repl",
      input: { code: block.code },
      duration_ms: Math.round(block.result.execution_time * 1000),
    });
    observations.push({
      source_call_id: id,
      content: block.result.stdout,
      error: block.result.stderr === "" ? null : block.result.stderr,
    });
  });
  const step: Step = {
    step_index: stepIndex,
    role: "agent",
    call_type: "main",
    agent_role: "action",
    model,
    content: iteration.response,
    timestamp: iteration.timestamp,
  };
  let hash: string | null = null;
  for (const message of iteration.prompt) {
    if (message.role !== "system") continue;
    const h = createHash("sha256").update(message.content, "utf8").digest("hex");
    systemPrompts[h] ??= message.content;
    hash ??= h;
  }
  if (hash !== null) step.system_prompt_hash = hash;
  if (iteration.usage !== undefined) {
    step.token_usage = { input_tokens: iteration.usage.prompt_tokens, output_tokens: iteration.usage.completion_tokens };
  }
  step.tool_calls = toolCalls;
  step.observations = observations;
  return step;
}

function agentName(metadata: MetadataLine | null): string {
  for (const key of ["agent_name", "agent"]) {
    const value = metadata?.[key];
    if (typeof value === "string" && value !== "") return value;
  }
  return "rlm";
}

function outcomeOf(record: TrajectoryRecord, threshold: number): Outcome | null {
  const summary = record.summary;
  if (summary === null) return null;
  const reward = summary.reward;
  const success = reward === null ? null : reward > threshold;
  let terminal: Outcome["terminal_state"] = null;
  if (sessionState(record) === "errored") terminal = "error";
  else if (success === true) terminal = "goal_reached";
  else if (
    record.metadata !== null &&
    record.iterations.length >= record.metadata.max_iterations &&
    !record.iterations.some((it) => it.final_answer !== null)
  ) {
    terminal = "interrupted";
  }
  const outcome: Outcome = {
    success,
    signal_confidence: "derived",
    terminal_state: terminal,
    reward,
    reward_source: "rl_environment",
  };
  const error = errorText(record);
  if (error !== null) outcome.description = error;
  return outcome;
}

function metricsOf(
  record: TrajectoryRecord,
  iterations: readonly IterationLine[],
  totalSteps: number,
  inputTokens: number,
  outputTokens: number,
): Metrics {
  let duration: number | null = null;
  const start = record.metadata?.timestamp;
  const end = record.summary?.timestamp;
  if (start !== undefined && end !== undefined) {
    duration = (Date.parse(end) - Date.parse(start)) / 1000;
  } else {
    for (const iteration of iterations) {
      if (iteration.iteration_time !== null) duration = (duration ?? 0) + iteration.iteration_time;
    }
  }
  return {
    total_steps: totalSteps,
    total_input_tokens: inputTokens,
    total_output_tokens: outputTokens,
    total_cache_read_tokens: 0,
    total_cache_creation_tokens: 0,
    total_duration_s: duration,
    cache_hit_rate: null,
  };
}

function metadataOf(record: TrajectoryRecord, options: ExportOptions, exported: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const metadata = record.metadata;
  if (metadata !== null) {
    for (const key of Object.keys(metadata)) if (!OWN_METADATA_KEYS.has(key)) out[key] = metadata[key];
  }
  out.producer = "trajlog";
  out.trajlog_version = VERSION;
  out.experiment_name = metadata?.experiment_name ?? record.ref?.experiment ?? null;
  out.training_step = metadata?.training_step ?? record.ref?.trainingStep ?? null;
  out.instance_id = metadata?.instance_id ?? record.ref?.instance ?? null;
  out.path = recordedPath(record, options.relPath);
  out.total_steps = record.summary?.total_steps ?? null;
  out.state = sessionState(record);
  if (exported < record.iterations.length) out.truncated_iterations = record.iterations.length - exported;
  if (record.problems.length > 0) out.skipped_lines = record.problems.length;
  return out;
}
