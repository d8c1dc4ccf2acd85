/**
 * `--format atlas`: a session as one AtlasSessionTrace, the record the ATLAS trainers load with
 * `load_runtime_traces` and flatten with `flatten_traces_for_training` (one row per step).
 */
import type { IterationLine, RlmCall } from "../format.js";
import { sessionState, type TrajectoryRecord } from "../reader.js";
import { lastFinalAnswer, limitedIterations, taskText } from "../internal/session-facts.js";
import type { ExportOptions } from "./options.js";

/** The reward of a step. */
export interface AtlasRewardBreakdown {
  /** A float: {@link atlasJson} writes it with a decimal point. */
  score: number;
  rationale: null;
  judges: never[];
  raw: { source: "trajlog"; session_reward: number | null };
}

/** One step: one iteration. */
export interface AtlasStepTrace {
  step_id: number;
  description: string;
  trace: string;
  output: string;
  reward: AtlasRewardBreakdown;
  tool: string | null;
  tool_params: Record<string, unknown>;
  context: { prior_results: Record<string, string> };
  validation: Record<string, never>;
  attempts: number;
  guidance: string[];
  metadata: Record<string, unknown>;
}

/** One plan entry per iteration. */
export interface AtlasPlanStep {
  id: number;
  description: string;
  tool: string | null;
  tool_params: Record<string, unknown>;
  depends_on: number[];
}

/** One session. */
export interface AtlasSessionTrace {
  task: string;
  final_answer: string;
  plan: { steps: AtlasPlanStep[] };
  steps: AtlasStepTrace[];
  session_metadata: Record<string, unknown>;
  session_reward?: { score: number };
}

/** Fields of an iteration line the step states elsewhere; the rest goes to its metadata. */
const ITERATION_FIELDS = new Set([
  "type",
  "iteration",
  "timestamp",
  "prompt",
  "response",
  "code_blocks",
  "final_answer",
  "iteration_time",
]);

/** The AtlasSessionTrace of one session. Serialize it with {@link atlasJson}. */
export function toAtlas(record: TrajectoryRecord, options: ExportOptions = {}): AtlasSessionTrace {
  const iterations = limitedIterations(record, options.trajectoryLimit);
  const reward = record.summary?.reward ?? null;
  const priorResults: Record<string, string> = {};
  const steps: AtlasStepTrace[] = [];
  const plan: AtlasPlanStep[] = [];
  let previous: number | null = null;
  for (const iteration of iterations) {
    const code = iteration.code_blocks.map((b) => b.code).join("\n\n");
    const tool = iteration.code_blocks.length > 0 ? "repl" : null;
    const toolParams = tool !== null ? { code } : {};
    const output = outputOf(iteration);
    steps.push({
      step_id: iteration.iteration,
      description: "",
      trace: iteration.response,
      output,
      reward: {
        score: reward ?? 0,
        rationale: null,
        judges: [],
        raw: { source: "trajlog", session_reward: reward },
      },
      tool,
      tool_params: toolParams,
      context: { prior_results: { ...priorResults } },
      validation: {},
      attempts: 1,
      guidance: [],
      metadata: stepMetadata(iteration),
    });
    plan.push({
      id: iteration.iteration,
      description: "",
      tool,
      tool_params: toolParams,
      depends_on: previous === null ? [] : [previous],
    });
    priorResults[String(iteration.iteration)] = output;
    previous = iteration.iteration;
  }
  const trace: AtlasSessionTrace = {
    task: taskText(record) ?? "",
    final_answer: lastFinalAnswer(record.iterations) ?? "",
    plan: { steps: plan },
    steps,
    session_metadata: sessionMetadata(record),
  };
  if (reward !== null) trace.session_reward = { score: reward };
  return trace;
}

/**
 * One JSON line of an AtlasSessionTrace, scores written as floats (`0.0`, `1.0`) as the
 * trainers' records carry them; JSON.stringify alone would write `0` and `1`. Scores are
 * swapped for marked strings in a shallow copy, then unquoted in the text (a replacer function
 * would be called for every value and slow the export down several times).
 */
export function atlasJson(trace: AtlasSessionTrace): string {
  const marked = {
    ...trace,
    steps: trace.steps.map((step) => ({ ...step, reward: { ...step.reward, score: FLOAT_MARK + floatText(step.reward.score) } })),
    ...(trace.session_reward !== undefined ? { session_reward: { score: FLOAT_MARK + floatText(trace.session_reward.score) } } : {}),
  };
  return JSON.stringify(marked).replace(FLOAT_PATTERN, "$1");
}

/** Marks a score in the first serialization; random, so that no content can contain it. */
const FLOAT_MARK = `@trajlog-float-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}:`;
const FLOAT_PATTERN = new RegExp(`"${FLOAT_MARK}([^"]*)"`, "g");

function floatText(value: number): string {
  if (!Number.isFinite(value)) return "0.0";
  const text = JSON.stringify(value);
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

function outputOf(iteration: IterationLine): string {
  let output = "";
  let stderr = "";
  for (const block of iteration.code_blocks) {
    output = joinText(output, block.result.stdout);
    stderr = joinText(stderr, block.result.stderr);
  }
  return stderr === "" ? output : joinText(output, `[stderr]\n${stderr}`);
}

/** Joins two texts so the second starts on its own line. */
function joinText(a: string, b: string): string {
  if (a === "" || b === "") return a + b;
  return a.endsWith("\n") ? a + b : `${a}\n${b}`;
}

function stepMetadata(iteration: IterationLine): Record<string, unknown> {
  const rlmCalls: RlmCall[] = [];
  for (const block of iteration.code_blocks) rlmCalls.push(...block.result.rlm_calls);
  const out: Record<string, unknown> = {
    iteration_time: iteration.iteration_time,
    timestamp: iteration.timestamp,
    rlm_calls: rlmCalls,
  };
  for (const key of Object.keys(iteration)) {
    if (!ITERATION_FIELDS.has(key) && !(key in out)) out[key] = iteration[key];
  }
  return out;
}

function sessionMetadata(record: TrajectoryRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const metadata = record.metadata;
  if (metadata !== null) {
    for (const key of Object.keys(metadata)) if (key !== "type") out[key] = metadata[key];
  }
  const state = sessionState(record);
  const reward = record.summary?.reward ?? null;
  out.session_id = record.sessionId;
  out.status = state === "incomplete" ? "running" : state === "completed" && reward !== null && reward > 0 ? "succeeded" : "failed";
  out.created_at = metadata?.timestamp ?? null;
  out.completed_at = record.summary?.timestamp ?? null;
  out.reward = reward;
  out.total_steps = record.summary?.total_steps ?? null;
  out.total_iterations = record.summary?.total_iterations ?? record.iterations.length;
  return out;
}
