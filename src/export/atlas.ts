/**
 * `--format atlas`: a session as one AtlasSessionTrace, the record the ATLAS trainers load with
 * `load_runtime_traces` and flatten with `flatten_traces_for_training` (one row per step).
 *
 * A reward is never made up: a session without a finite reward (unfinished, errored without
 * one, or finished without one) gets `score: null` on every step, so that a trainer reading it
 * as a number fails instead of learning a 0 nobody measured (the trainers' loader reads a
 * missing score as 0.0, hence an explicit null). `trajlog export` leaves such sessions out
 * unless asked. Each step's context holds a bounded excerpt of every earlier step's output,
 * because the trainers paste the whole context into every step's prompt.
 */
import type { IterationLine, RlmCall } from "../format.js";
import type { TrajectoryRecord } from "../read/reader.js";
import {
  isForced,
  iterationExtras,
  lastFinalAnswer,
  limitedIterations,
  missingReward,
  sessionReward,
  sessionState,
  taskText,
  type MissingReward,
} from "../read/session-facts.js";
import { cutChars, firstLine } from "../internal/short-text.js";
import { headTailExcerpt } from "../internal/utf8-excerpt.js";
import type { ExportOptions } from "./options.js";

/**
 * Cap on one earlier step's output in a step's `context.prior_results`, in UTF-8 bytes: a
 * longer output keeps its start and end around a marker saying how much was cut.
 */
export const ATLAS_PRIOR_RESULT_MAX_BYTES = 2048;
/**
 * Cap on all of a step's `prior_results` together, in UTF-8 bytes: the most recent earlier
 * steps get their excerpts; older ones, once this is spent, only a marker naming their size.
 */
export const ATLAS_PRIOR_RESULTS_MAX_BYTES = 16384;
/** Cap on a step's `description`, in characters. */
export const ATLAS_DESCRIPTION_MAX_CHARS = 160;

/** The reward of a step. */
export interface AtlasRewardBreakdown {
  /** The session reward as a float ({@link atlasJson} writes it with a decimal point); null when the session has none. */
  score: number | null;
  /** Null, or why there is no score. */
  rationale: string | null;
  judges: never[];
  raw: { source: "trajlog"; session_reward: number | null; missing_reward?: MissingReward };
}

/** One step: one iteration. */
export interface AtlasStepTrace {
  step_id: number;
  /** One line derived from the iteration: its first response line, else its code's first line. */
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
  /** Present only when the session has a finite reward. */
  session_reward?: { score: number };
}

/** The AtlasSessionTrace of one session. Serialize it with {@link atlasJson}. */
export function toAtlas(record: TrajectoryRecord, options: ExportOptions = {}): AtlasSessionTrace {
  const iterations = limitedIterations(record, options.trajectoryLimit);
  const reward = sessionReward(record);
  const missing = missingReward(record);
  const steps: AtlasStepTrace[] = [];
  const plan: AtlasPlanStep[] = [];
  const earlier: PriorResult[] = [];
  let previous: number | null = null;
  for (const iteration of iterations) {
    const code = iteration.code_blocks.map((b) => b.code).join("\n\n");
    const tool = iteration.code_blocks.length > 0 ? "repl" : null;
    const toolParams = tool !== null ? { code } : {};
    const output = outputOf(iteration);
    const description = stepDescription(iteration);
    steps.push({
      step_id: iteration.iteration,
      description,
      trace: iteration.response,
      output,
      reward: {
        score: reward,
        rationale: missing === null ? null : `no reward: ${missing}`,
        judges: [],
        raw: { source: "trajlog", session_reward: reward, ...(missing !== null ? { missing_reward: missing } : {}) },
      },
      tool,
      tool_params: toolParams,
      context: { prior_results: priorResults(earlier) },
      validation: {},
      attempts: 1,
      guidance: [],
      metadata: stepMetadata(iteration),
    });
    plan.push({
      id: iteration.iteration,
      description,
      tool,
      tool_params: toolParams,
      depends_on: previous === null ? [] : [previous],
    });
    earlier.push(priorResult(iteration.iteration, output));
    previous = iteration.iteration;
  }
  const trace: AtlasSessionTrace = {
    task: taskText(record) ?? "",
    final_answer: lastFinalAnswer(record.iterations) ?? "",
    plan: { steps: plan },
    steps,
    session_metadata: sessionMetadata(record, reward, missing),
  };
  if (reward !== null) trace.session_reward = { score: reward };
  return trace;
}

/** An earlier step's output as `prior_results` carries it. */
interface PriorResult {
  key: string;
  excerpt: string;
  /** UTF-8 bytes of the excerpt. */
  bytes: number;
  /** Marker standing for the excerpt once the step's budget is spent; "" for an empty output. */
  omitted: string;
}

function priorResult(stepId: number, output: string): PriorResult {
  const { text } = headTailExcerpt(
    output,
    ATLAS_PRIOR_RESULT_MAX_BYTES,
    (cut) => `\n[... ${cut} bytes cut: step ${stepId}'s output has them ...]\n`,
  );
  const bytes = Buffer.byteLength(text);
  const omitted = output === "" ? "" : `[... ${Buffer.byteLength(output)} bytes omitted: step ${stepId}'s output has them ...]`;
  return { key: String(stepId), excerpt: text, bytes, omitted };
}

/** Every earlier step, the most recent first to get excerpts until the budget is spent; keys in step order. */
function priorResults(earlier: readonly PriorResult[]): Record<string, string> {
  const texts: string[] = new Array<string>(earlier.length);
  let budget = ATLAS_PRIOR_RESULTS_MAX_BYTES;
  for (let i = earlier.length - 1; i >= 0; i--) {
    const entry = earlier[i] as PriorResult;
    if (entry.bytes <= budget) {
      texts[i] = entry.excerpt;
      budget -= entry.bytes;
    } else {
      texts[i] = entry.omitted;
      budget = 0;
    }
  }
  const out: Record<string, string> = {};
  earlier.forEach((entry, i) => (out[entry.key] = texts[i] as string));
  return out;
}

/**
 * One line saying what the iteration did: the first line of the response that is not a code
 * fence, else the first line of its code, cut to {@link ATLAS_DESCRIPTION_MAX_CHARS}.
 */
export function stepDescription(iteration: IterationLine): string {
  const line =
    firstLine(iteration.response, (l) => !l.startsWith("```")) ??
    firstLine(iteration.code_blocks.map((b) => b.code).join("\n"));
  if (line === null) return `iteration ${iteration.iteration}: no response text and no code`;
  return cutChars(line, ATLAS_DESCRIPTION_MAX_CHARS);
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
    steps: trace.steps.map((step) =>
      step.reward.score === null ? step : { ...step, reward: { ...step.reward, score: FLOAT_MARK + floatText(step.reward.score) } },
    ),
    ...(trace.session_reward !== undefined ? { session_reward: { score: FLOAT_MARK + floatText(trace.session_reward.score) } } : {}),
  };
  return JSON.stringify(marked).replace(FLOAT_PATTERN, "$1");
}

/** Marks a score in the first serialization; random, so that no content can contain it. */
const FLOAT_MARK = `@trajlog-float-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}:`;
const FLOAT_PATTERN = new RegExp(`"${FLOAT_MARK}([^"]*)"`, "g");

function floatText(value: number): string {
  // Only finite rewards reach here (sessionReward); JSON has no other numbers.
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
  return { iteration_time: iteration.iteration_time, timestamp: iteration.timestamp, rlm_calls: rlmCalls, ...withoutKeys(iterationExtras(iteration), STEP_METADATA_KEYS) };
}

const STEP_METADATA_KEYS = ["iteration_time", "timestamp", "rlm_calls"];

function withoutKeys(object: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  for (const key of keys) delete object[key];
  return object;
}

function sessionMetadata(record: TrajectoryRecord, reward: number | null, missing: MissingReward | null): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const metadata = record.metadata;
  if (metadata !== null) {
    for (const key of Object.keys(metadata)) if (key !== "type") out[key] = metadata[key];
  }
  const state = sessionState(record);
  out.session_id = record.sessionId;
  out.status = state === "incomplete" ? "running" : state === "completed" && reward !== null && reward > 0 ? "succeeded" : "failed";
  out.created_at = metadata?.timestamp ?? null;
  out.completed_at = record.summary?.timestamp ?? null;
  out.reward = reward;
  if (missing !== null) out.missing_reward = missing;
  out.forced = isForced(record);
  out.total_steps = record.summary?.total_steps ?? null;
  out.total_iterations = record.summary?.total_iterations ?? record.iterations.length;
  return out;
}
