/**
 * `--format opentraces`: a session as one opentraces TraceRecord (schema 0.3.0).
 *
 * The trace alternates as agent traces do: each iteration's new user / REPL messages become a
 * `user` step, its model call a `main` agent step whose code blocks are `repl` tool calls with
 * their observations, followed by one `subagent` step per sub-model call its code made. The
 * final answer is the last agent step (`agent_role: "final_answer"`) and `outcome.description`.
 * What a Step has no field for (the iteration's number and time, locals, extra keys, sub-model
 * prompts) goes to `metadata.step_details`, keyed by step index.
 */
import { createHash } from "node:crypto";
import type { IterationLine, MetadataLine } from "../format.js";
import type { TrajectoryRecord } from "../read/reader.js";
import { VERSION } from "../version.js";
import {
  answerText,
  errorText,
  isForced,
  iterationExtras,
  iterationStart,
  lastFinalAnswer,
  limitedIterations,
  missingReward,
  recordedPath,
  sessionReward,
  sessionState,
  taskText,
} from "../read/session-facts.js";
import { uuidFromName } from "../internal/uuid.js";
import type { ExportOptions } from "./options.js";
import { estimateCost } from "./prices.js";
import { deltaText, promptDeltas } from "./prompt-delta.js";
import {
  OPENTRACES_SCHEMA_VERSION,
  type Metrics,
  type Observation,
  type Outcome,
  type Step,
  type TokenUsage,
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
  const details: Record<string, Record<string, unknown>> = {};
  const deltas = promptDeltas(iterations);
  let answer: { text: string; timestamp: string } | null = null;
  for (const [i, iteration] of iterations.entries()) {
    const input = deltaText(deltas[i]?.messages ?? []);
    if (input !== null) {
      const start = iterationStart(iteration);
      steps.push({ step_index: steps.length + 1, role: "user", content: input, ...(start !== null ? { timestamp: start } : {}) });
    }
    const mainIndex = steps.length + 1;
    const main = mainStep(iteration, mainIndex, model, systemPrompts);
    steps.push(main);
    details[String(mainIndex)] = mainDetails(iteration, main);
    for (const block of iteration.code_blocks) {
      for (const call of block.result.rlm_calls) {
        const index = steps.length + 1;
        steps.push({
          step_index: index,
          role: "agent",
          call_type: "subagent",
          agent_role: "sub_query",
          parent_step: mainIndex,
          model: call.root_model,
          content: call.response,
          // Calls carry durations, not start times: they ran within this iteration, logged at its timestamp.
          timestamp: iteration.timestamp,
          token_usage: tokenUsage(call),
        });
        details[String(index)] = { prompt: call.prompt, execution_time: call.execution_time };
      }
    }
    const text = answerText(iteration.final_answer);
    if (text !== null) answer = { text, timestamp: iteration.timestamp };
  }
  if (answer !== null) {
    const { text, timestamp } = answer;
    steps.push({ step_index: steps.length + 1, role: "agent", call_type: "main", agent_role: "final_answer", model, content: text, timestamp });
  }

  const task = taskText(record);
  const outcome = outcomeOf(record, options.successThreshold ?? 0);
  const metrics = metricsOf(record, iterations, steps);
  const unpriced: string[] = [];
  if (options.prices !== undefined) {
    const cost = estimateCost(
      steps.filter((s) => s.token_usage !== undefined).map((s) => ({ model: s.model, usage: s.token_usage ?? {} })),
      options.prices,
    );
    metrics.estimated_cost_usd = cost.usd;
    unpriced.push(...cost.unpricedModels);
  }
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
    metrics,
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
    metadata: metadataOf(record, options, iterations.length, details, unpriced),
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
    step.token_usage = tokenUsage(iteration.usage);
  }
  step.tool_calls = toolCalls;
  step.observations = observations;
  return step;
}

/**
 * A call's token counts as opentraces TokenUsage: `input_tokens` all prompt tokens (cached ones
 * included, as the format counts them), the cache counts only when the model's SDK gave them.
 */
function tokenUsage(usage: { prompt_tokens: number; completion_tokens: number; cache_read_tokens?: number; cache_creation_tokens?: number }): TokenUsage {
  return {
    input_tokens: usage.prompt_tokens,
    output_tokens: usage.completion_tokens,
    ...(usage.cache_read_tokens !== undefined ? { cache_read_tokens: usage.cache_read_tokens } : {}),
    ...(usage.cache_creation_tokens !== undefined ? { cache_write_tokens: usage.cache_creation_tokens } : {}),
  };
}

/** What a main step has no field for: the iteration, its time, its code's locals and final answers, its extra keys. */
function mainDetails(iteration: IterationLine, main: Step): Record<string, unknown> {
  const out: Record<string, unknown> = { iteration: iteration.iteration, iteration_time: iteration.iteration_time };
  const locals: Record<string, unknown> = {};
  const blockAnswers: Record<string, string> = {};
  iteration.code_blocks.forEach((block, b) => {
    const id = main.tool_calls?.[b]?.tool_call_id ?? String(b);
    if (Object.keys(block.result.locals).length > 0) locals[id] = block.result.locals;
    if (block.result.final_answer !== null) blockAnswers[id] = block.result.final_answer;
  });
  if (Object.keys(locals).length > 0) out.locals = locals;
  if (Object.keys(blockAnswers).length > 0) out.block_final_answers = blockAnswers;
  if (iteration.final_answer !== null) out.final_answer = iteration.final_answer;
  const extras = iterationExtras(iteration);
  delete extras.usage; // token_usage carries it
  for (const [key, value] of Object.entries(extras)) if (!(key in out)) out[key] = value;
  return out;
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
  const reward = sessionReward(record);
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
    // The reward comes from the RL environment: the signal is its, not a deterministic check's.
    signal_source: "rl_environment",
    signal_confidence: "derived",
    terminal_state: terminal,
    reward,
    reward_source: "rl_environment",
  };
  const description = lastFinalAnswer(record.iterations) ?? errorText(record);
  if (description !== null) outcome.description = description;
  return outcome;
}

function metricsOf(record: TrajectoryRecord, iterations: readonly IterationLine[], steps: readonly Step[]): Metrics {
  let inputTokens = 0;
  let outputTokens = 0;
  let cacheRead = 0;
  let cacheWrite = 0;
  // The hit rate is known only over calls whose SDK reported cache counts.
  let cachedCallsInput = 0;
  let cacheReported = false;
  for (const step of steps) {
    const usage = step.token_usage;
    inputTokens += usage?.input_tokens ?? 0;
    outputTokens += usage?.output_tokens ?? 0;
    cacheRead += usage?.cache_read_tokens ?? 0;
    cacheWrite += usage?.cache_write_tokens ?? 0;
    if (usage?.cache_read_tokens !== undefined || usage?.cache_write_tokens !== undefined) {
      cacheReported = true;
      cachedCallsInput += usage.input_tokens ?? 0;
    }
  }
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
    total_steps: steps.length,
    total_input_tokens: inputTokens,
    total_output_tokens: outputTokens,
    total_cache_read_tokens: cacheRead,
    total_cache_creation_tokens: cacheWrite,
    total_duration_s: duration,
    cache_hit_rate: cacheReported && cachedCallsInput > 0 ? Math.min(1, cacheRead / cachedCallsInput) : null,
    // Known only from a price table (ExportOptions.prices); never guessed.
    estimated_cost_usd: null,
  };
}

function metadataOf(
  record: TrajectoryRecord,
  options: ExportOptions,
  exported: number,
  stepDetails: Record<string, Record<string, unknown>>,
  unpricedModels: readonly string[],
): Record<string, unknown> {
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
  out.forced = isForced(record);
  const missing = missingReward(record);
  if (missing !== null) out.missing_reward = missing;
  const error = errorText(record);
  if (error !== null) out.error = error;
  if (options.prices === undefined) out.cost_note = "estimated_cost_usd is null: no price table was given (trajlog export --prices FILE)";
  else if (unpricedModels.length > 0) out.cost_note = `estimated_cost_usd is null: no price for ${unpricedModels.join(", ")}`;
  if (exported < record.iterations.length) out.truncated_iterations = record.iterations.length - exported;
  if (record.problems.length > 0) out.skipped_lines = record.problems.length;
  out.step_details = stepDetails;
  return out;
}
