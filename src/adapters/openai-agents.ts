/**
 * `trajlog/openai-agents`: a `TracingProcessor` for the OpenAI Agents SDK that turns each
 * trace (an agent run, or the runs grouped by `withTrace`) into one trajlog session.
 *
 * The spans of a run arrive as a tree: task → agent → turn → model call (`generation` from
 * Chat Completions and custom models, `response` from the Responses API) and the turn's tool
 * calls (`function`) and handoffs (`handoff`). A top-level model call is an iteration; the tool
 * calls and handoffs of its turn are its code blocks; model calls made inside a tool call (an
 * agent used as a tool, `agent.asTool()`) are sub-model calls of that code block.
 *
 * Lines are written through the session's public methods, so redaction, caps and the buffer
 * cap apply as to hand-written calls. Only types are imported from `@openai/agents`.
 */
import type { Span, Trace, TracingProcessor } from "@openai/agents";
import type { StartSessionOptions, TrajectoryLogger } from "../logger.js";
import type { CodeBlockInput, IterationInput, PromptMessageInput, RlmCallInput, SummaryInput, UsageInput } from "../lines.js";
import type { Session } from "../write/session.js";
import { describe } from "../internal/describe.js";
import { asText } from "../internal/json-safe.js";
import { flattenContent } from "../internal/normalize-prompt.js";
import { toolCallCode } from "./shared.js";

/** What a run came to, given to the {@link TrajlogTracingOptions.reward} callback. */
export interface TraceOutcome {
  /** The text of the last top-level model call that called no tool: the run's answer. */
  finalOutput: string | null;
  /** The first error an agent or task span of the run recorded, if any. */
  error: { message: string; data?: Record<string, unknown> } | null;
  /** Iterations written for the run. */
  iterations: number;
}

/** A reward, or a whole summary (`reward`, `error`, `extra`), or nothing known. */
export type TraceReward = number | SummaryInput | null | undefined;

/** Options of {@link TrajlogTracingProcessor}. */
export interface TrajlogTracingOptions {
  /**
   * The session a trace becomes, or `null`/`undefined` to leave the trace unlogged. Called
   * once per trace, when it starts. The default reads the trace's metadata (`run(agent,
   * input, { traceMetadata })` or `withTrace(name, fn, { metadata })`): `instance_id`,
   * `training_step` (a number or a numeric string), and optionally `model_name`,
   * `rollout_id`; a trace without an instance id or a training step is not logged, and
   * that is reported once.
   */
  session?: (trace: Trace) => StartSessionOptions | null | undefined;
  /**
   * The rollout's reward, called when the trace ends; it may return a promise (the summary
   * line waits for it; `forceFlush()` and `shutdown()` wait for every such line). The default
   * reads `reward` from the trace's metadata (a number or numeric string), which code inside
   * `withTrace` can set once it has scored the run.
   */
  reward?: (trace: Trace, outcome: TraceOutcome) => TraceReward | Promise<TraceReward>;
  /** `root_model` when the mapping gives no model name. @default "unknown" */
  modelName?: string;
}

/** What the processor keeps of a span: enough to find its place in the tree. */
interface SpanNode {
  type: string;
  parent: string | null;
  /** Agent spans: the agent's name. */
  name?: string;
}

/** An iteration being gathered: one top-level model call, and its turn's tool calls. */
interface OpenIteration {
  input: IterationInput & { codeBlocks: CodeBlockInput[]; extra: Record<string, unknown> };
  /** The turn span that opened it, if one did. */
  turn: string | null;
  /** Whether a model call has filled it. */
  modelCall: boolean;
  /** The response called no tool: a candidate final answer. */
  answer: string | null;
  usage: UsageInput | null;
}

/** A logged trace. */
interface TraceState {
  session: Session;
  spans: Map<string, SpanNode>;
  open: OpenIteration | null;
  /** Code blocks of tool calls in progress, by span id, filled when they end. */
  blocks: Map<string, CodeBlockInput>;
  /** Sub-model calls made inside a tool call, by the tool call's span id. */
  subCalls: Map<string, RlmCallInput[]>;
  /** Turns inside tool calls whose model call was seen (so the turn adds no sub-call of its own). */
  turnsWithModelCall: Set<string>;
  finalOutput: string | null;
  error: TraceOutcome["error"];
  iterations: number;
}

/**
 * A `TracingProcessor` writing each trace of the OpenAI Agents SDK as a trajlog session.
 * Register it with `addTraceProcessor(processor)` (beside the SDK's exporter) or
 * `setTraceProcessors([processor])` (instead of it). Traces whose session is not sampled cost a
 * map lookup per span.
 */
export class TrajlogTracingProcessor implements TracingProcessor {
  readonly #logger: TrajectoryLogger;
  readonly #session: (trace: Trace) => StartSessionOptions | null | undefined;
  readonly #reward: (trace: Trace, outcome: TraceOutcome) => TraceReward | Promise<TraceReward>;
  readonly #traces = new Map<string, TraceState>();
  readonly #finishing = new Set<Promise<void>>();
  #warned = new Set<string>();

  constructor(logger: TrajectoryLogger, options: TrajlogTracingOptions = {}) {
    if (typeof logger !== "object" || logger === null || typeof logger.startSession !== "function") {
      throw new TypeError(`trajlog: TrajlogTracingProcessor expects a TrajectoryLogger; received ${describe(logger)}`);
    }
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`trajlog: TrajlogTracingProcessor options must be an object; received ${describe(options)}`);
    }
    for (const name of ["session", "reward"] as const) {
      if (options[name] !== undefined && typeof options[name] !== "function") {
        throw new TypeError(
          `trajlog: option "${name}" of TrajlogTracingProcessor must be a function; received ${describe(options[name])}`,
        );
      }
    }
    if (options.modelName !== undefined && typeof options.modelName !== "string") {
      throw new TypeError(
        `trajlog: option "modelName" of TrajlogTracingProcessor must be a string; received ${describe(options.modelName)}`,
      );
    }
    this.#logger = logger;
    const modelName = options.modelName ?? "unknown";
    this.#session = options.session ?? ((trace) => this.#fromMetadata(trace, modelName));
    this.#reward = options.reward ?? ((trace) => numberOf(trace.metadata?.reward) ?? null);
  }

  async onTraceStart(trace: Trace): Promise<void> {
    const state = this.#guard("mapping a trace to a session", () => {
      const options = this.#session(trace);
      if (options === null || options === undefined) return undefined;
      const session = this.#logger.startSession(options);
      if (!session.sampled) return undefined;
      return newState(session);
    });
    if (state !== undefined) this.#traces.set(trace.traceId, state);
  }

  async onSpanStart(span: Span<any>): Promise<void> {
    const state = this.#traces.get(span.traceId);
    if (state === undefined) return;
    this.#guard("a span", () => this.#started(state, span));
  }

  async onSpanEnd(span: Span<any>): Promise<void> {
    const state = this.#traces.get(span.traceId);
    if (state === undefined) return;
    this.#guard("a span", () => this.#ended(state, span));
  }

  async onTraceEnd(trace: Trace): Promise<void> {
    const state = this.#traces.get(trace.traceId);
    if (state === undefined) return;
    this.#traces.delete(trace.traceId);
    this.#guard("the end of a trace", () => this.#write(state));
    // The run does not wait for the reward or the disk: forceFlush() and shutdown() do.
    const done = this.#finish(trace, state);
    this.#finishing.add(done);
    void done.finally(() => this.#finishing.delete(done));
  }

  /** Resolves once every ended trace has its summary line on disk. */
  async forceFlush(): Promise<void> {
    while (this.#finishing.size > 0) await Promise.all([...this.#finishing]);
    await this.#logger.flush();
  }

  /** Waits for ended traces like {@link forceFlush}; traces still running stay without a summary. */
  async shutdown(): Promise<void> {
    await this.forceFlush();
  }

  async #finish(trace: Trace, state: TraceState): Promise<void> {
    const outcome: TraceOutcome = { finalOutput: state.finalOutput, error: state.error, iterations: state.iterations };
    let summary: SummaryInput = {};
    try {
      const reward = await this.#reward(trace, outcome);
      summary = typeof reward === "object" && reward !== null ? reward : { reward: reward ?? null };
    } catch (err) {
      this.#warn("reward", `trajlog/openai-agents: the reward callback failed (${describe(err)}); the summary has reward null`);
    }
    if (state.error !== null && summary.error === undefined) summary = { ...summary, error: state.error };
    await state.session.finalize(summary);
  }

  #fromMetadata(trace: Trace, modelName: string): StartSessionOptions | undefined {
    const meta = trace.metadata ?? {};
    const instanceId = meta.instance_id ?? meta.instanceId;
    const trainingStep = numberOf(meta.training_step ?? meta.trainingStep);
    if (typeof instanceId !== "string" || trainingStep === undefined) {
      this.#warn(
        "metadata",
        "trajlog/openai-agents: a trace without instance_id and training_step metadata is not logged " +
          `(trace "${trace.name}"; give them with traceMetadata or withTrace, or pass a session callback)`,
      );
      return undefined;
    }
    const rolloutId = meta.rollout_id ?? meta.rolloutId;
    const name = meta.model_name ?? meta.modelName;
    return {
      instanceId,
      trainingStep,
      modelName: typeof name === "string" ? name : modelName,
      ...(typeof rolloutId === "string" || typeof rolloutId === "number" ? { rolloutId } : {}),
    };
  }

  #started(state: TraceState, span: Span<any>): void {
    const data = span.spanData as { type: string; name?: unknown; agent_name?: unknown };
    state.spans.set(span.spanId, {
      type: data.type,
      parent: span.parentId,
      ...(data.type === "agent" && typeof data.name === "string" ? { name: data.name } : {}),
    });
    if (this.#owner(state, span.spanId) !== null) return;
    if (data.type === "turn") {
      this.#write(state);
      state.open = openIteration(span.spanId, typeof data.agent_name === "string" ? data.agent_name : this.#agentOf(state, span.spanId));
    } else if (data.type === "function" || data.type === "handoff") {
      // Reserve its place now so blocks keep the order the calls started in.
      const block: CodeBlockInput = { code: "" };
      state.blocks.set(span.spanId, block);
      this.#ensureOpen(state, span.spanId).input.codeBlocks.push(block);
    }
  }

  #ended(state: TraceState, span: Span<any>): void {
    const data = span.spanData as Record<string, unknown> & { type: string };
    const owner = this.#owner(state, span.spanId);
    if (owner !== null) {
      this.#endedInsideTool(state, span, data, owner);
    } else if (data.type === "generation" || data.type === "response") {
      const call = modelCall(data);
      let open = state.open;
      if (open !== null && open.modelCall) {
        this.#write(state);
        open = null;
      }
      open ??= this.#ensureOpen(state, span.spanId);
      open.modelCall = true;
      open.input.prompt = call.prompt;
      open.input.response = call.text;
      open.input.iterationTime = duration(span);
      if (call.model !== null) open.input.extra.model = call.model;
      if (call.reasoning !== "") open.input.extra.reasoning = call.reasoning;
      open.usage = call.usage;
      open.answer = call.toolCalls === 0 ? call.text : null;
    } else if (data.type === "function" || data.type === "handoff") {
      const block = state.blocks.get(span.spanId);
      state.blocks.delete(span.spanId);
      if (block === undefined) return;
      const error = span.error === null ? "" : errorText(span.error);
      if (data.type === "function") {
        block.code = toolCallCode(data.name, typeof data.input === "string" ? data.input : undefined);
        block.result = {
          stdout: asText(data.output),
          stderr: error,
          executionTime: duration(span) ?? 0,
          rlmCalls: state.subCalls.get(span.spanId) ?? [],
        };
        state.subCalls.delete(span.spanId);
      } else {
        const to = asText(data.to_agent);
        block.code = `handoff(${JSON.stringify(to)})`;
        block.result = { stdout: `${asText(data.from_agent)} handed off to ${to}`, stderr: error, executionTime: duration(span) ?? 0 };
      }
    } else if (data.type === "turn") {
      const open = state.open;
      if (open === null || open.turn !== span.spanId) return;
      open.usage ??= usageOf(data.usage);
      open.input.iterationTime = duration(span);
      this.#write(state);
    } else if ((data.type === "agent" || data.type === "task") && span.error !== null) {
      state.error ??= { message: span.error.message, ...(span.error.data ? { data: span.error.data } : {}) };
    }
  }

  /** Model calls inside a tool call (an agent used as a tool) are sub-model calls of its block. */
  #endedInsideTool(state: TraceState, span: Span<any>, data: Record<string, unknown> & { type: string }, owner: string): void {
    let call: RlmCallInput | null = null;
    if (data.type === "generation" || data.type === "response") {
      const model = modelCall(data);
      const turn = this.#ancestor(state, span.spanId, "turn");
      if (turn !== null) state.turnsWithModelCall.add(turn);
      call = {
        rootModel: model.model ?? this.#agentOf(state, span.spanId) ?? "",
        prompt: model.prompt,
        response: model.text,
        ...(model.usage !== null ? { usage: model.usage } : {}),
        executionTime: duration(span) ?? 0,
      };
    } else if (data.type === "turn" && !state.turnsWithModelCall.delete(span.spanId)) {
      // The model recorded no span of its own: the turn still says who ran and what it cost.
      const usage = usageOf(data.usage);
      call = {
        rootModel: asText(data.agent_name),
        ...(usage !== null ? { usage } : {}),
        executionTime: duration(span) ?? 0,
      };
    }
    if (call === null) return;
    const calls = state.subCalls.get(owner);
    if (calls === undefined) state.subCalls.set(owner, [call]);
    else calls.push(call);
  }

  /** The iteration being gathered, opened (for the agent running `spanId`) if there is none. */
  #ensureOpen(state: TraceState, spanId: string): OpenIteration {
    state.open ??= openIteration(null, this.#agentOf(state, spanId));
    return state.open;
  }

  /** Writes the iteration being gathered, if any. */
  #write(state: TraceState): void {
    const open = state.open;
    if (open === null) return;
    state.open = null;
    if (open.usage !== null) open.input.usage = open.usage;
    if (open.answer !== null && open.answer !== "") {
      open.input.finalAnswer = open.answer;
      state.finalOutput = open.answer;
    }
    state.session.logIteration(open.input);
    state.iterations++;
  }

  /** The nearest enclosing function span of `spanId`, not counting itself. */
  #owner(state: TraceState, spanId: string): string | null {
    return this.#ancestor(state, spanId, "function");
  }

  #ancestor(state: TraceState, spanId: string, type: string): string | null {
    let id = state.spans.get(spanId)?.parent ?? null;
    for (let depth = 0; id !== null && depth < 256; depth++) {
      const node = state.spans.get(id);
      if (node === undefined) return null;
      if (node.type === type) return id;
      id = node.parent;
    }
    return null;
  }

  #agentOf(state: TraceState, spanId: string): string | null {
    const agent = this.#ancestor(state, spanId, "agent");
    return agent === null ? null : (state.spans.get(agent)?.name ?? null);
  }

  /** Tracing never breaks the run: a failure is reported once per kind and the event dropped. */
  #guard<T>(what: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      this.#warn(what, `trajlog/openai-agents: ${what} could not be logged: ${err instanceof Error ? err.message : describe(err)}`);
      return undefined;
    }
  }

  #warn(kind: string, message: string): void {
    if (this.#warned.has(kind)) return;
    this.#warned.add(kind);
    try {
      process.emitWarning(message, "TrajlogWarning");
    } catch {
      // Nothing more can be done without risking the run.
    }
  }
}

function newState(session: Session): TraceState {
  return {
    session,
    spans: new Map(),
    open: null,
    blocks: new Map(),
    subCalls: new Map(),
    turnsWithModelCall: new Set(),
    finalOutput: null,
    error: null,
    iterations: 0,
  };
}

function openIteration(turn: string | null, agent: string | null): OpenIteration {
  const extra: Record<string, unknown> = {};
  if (agent !== null) extra.agent = agent;
  return { input: { prompt: [], response: "", codeBlocks: [], extra }, turn, modelCall: false, answer: null, usage: null };
}

/** What one model call span tells: the prompt, the response, its tool calls, usage, model. */
interface ModelCall {
  prompt: PromptMessageInput[];
  text: string;
  reasoning: string;
  toolCalls: number;
  usage: UsageInput | null;
  model: string | null;
}

/**
 * Reads a `generation` span (Chat Completions messages in, completions out — or whatever a
 * custom model recorded, chat messages or agent items) or a `response` span (the Responses
 * API's input items and response object).
 */
function modelCall(data: Record<string, unknown>): ModelCall {
  const call: ModelCall = { prompt: [], text: "", reasoning: "", toolCalls: 0, usage: null, model: null };
  const text: string[] = [];
  const reasoning: string[] = [];
  if (data.type === "response") {
    const response = (data._response ?? {}) as { instructions?: unknown; model?: unknown; output?: unknown; usage?: unknown };
    if (typeof response.instructions === "string" && response.instructions !== "") {
      call.prompt.push({ role: "system", content: response.instructions });
    }
    call.prompt.push(...promptOf(data._input));
    call.toolCalls = readOutput(response.output, text, reasoning);
    call.usage = usageOf(response.usage);
    call.model = typeof response.model === "string" ? response.model : null;
  } else {
    call.prompt.push(...promptOf(data.input));
    let usage: unknown = data.usage;
    for (const item of Array.isArray(data.output) ? data.output : []) {
      const completion = item as { choices?: unknown; usage?: unknown; model?: unknown } | null;
      if (Array.isArray(completion?.choices)) {
        // A Chat Completions response: its first choice is what the run went on with.
        call.toolCalls += readOutput([(completion.choices[0] as { message?: unknown } | undefined)?.message], text, reasoning);
        usage ??= completion.usage;
        if (call.model === null && typeof completion.model === "string") call.model = completion.model;
      } else {
        call.toolCalls += readOutput([item], text, reasoning);
      }
    }
    call.usage = usageOf(usage);
    if (typeof data.model === "string") call.model = data.model;
  }
  call.text = text.join("\n");
  call.reasoning = reasoning.join("\n");
  return call;
}

/** Collects text and reasoning from output items; returns how many tool calls they hold. */
function readOutput(items: unknown, text: string[], reasoning: string[]): number {
  if (!Array.isArray(items)) return 0;
  let toolCalls = 0;
  for (const entry of items) {
    if (typeof entry !== "object" || entry === null) continue;
    const item = entry as { type?: unknown; role?: unknown; content?: unknown; tool_calls?: unknown; summary?: unknown; refusal?: unknown };
    if (item.type === "function_call" || (typeof item.type === "string" && item.type.endsWith("_call"))) {
      toolCalls++;
    } else if (item.type === "reasoning") {
      const parts = [...(Array.isArray(item.summary) ? item.summary : []), ...(Array.isArray(item.content) ? item.content : [])];
      const said = flattenContent(parts);
      if (said !== "") reasoning.push(said);
    } else if (item.type === "message" || item.role === "assistant") {
      if (typeof item.content === "string") text.push(item.content);
      else if (Array.isArray(item.content)) {
        for (const part of item.content) {
          const p = part as { text?: unknown; refusal?: unknown } | null;
          if (typeof p?.text === "string") text.push(p.text);
          else if (typeof p?.refusal === "string") text.push(p.refusal);
        }
      }
      if (typeof item.refusal === "string" && item.refusal !== "") text.push(item.refusal);
      if (Array.isArray(item.tool_calls)) toolCalls += item.tool_calls.length;
    }
  }
  return toolCalls;
}

/**
 * The prompt as messages: chat messages as they are (their parts are flattened by
 * `logIteration`); an agent item without a role — a tool call, a tool result — as one message
 * holding the item, from `assistant` for what the model produced and `tool` for results.
 */
function promptOf(input: unknown): PromptMessageInput[] {
  if (typeof input === "string") return [{ role: "user", content: input }];
  if (!Array.isArray(input)) return [];
  const messages: PromptMessageInput[] = [];
  for (const entry of input) {
    const item = entry as { type?: unknown; role?: unknown; content?: unknown } | null;
    if (typeof item !== "object" || item === null) {
      messages.push({ role: "user", content: asText(item) });
    } else if (typeof item.role === "string") {
      messages.push(item.type === undefined ? (item as PromptMessageInput) : { role: item.role, content: item.content });
    } else {
      const type = typeof item.type === "string" ? item.type : "";
      messages.push({ role: /_(result|output)$/.test(type) ? "tool" : "assistant", content: [item] });
    }
  }
  return messages;
}

/**
 * Token counts under any of the names the Agents SDK and OpenAI use (generation, response and
 * turn spans, Chat Completions), in trajlog's own usage names.
 */
function usageOf(usage: unknown): UsageInput | null {
  if (typeof usage !== "object" || usage === null) return null;
  const u = usage as Record<string, unknown>;
  const details = (u.input_tokens_details ?? u.prompt_tokens_details ?? u.details ?? {}) as Record<string, unknown>;
  const promptTokens = numberOf(u.input_tokens ?? u.prompt_tokens);
  const completionTokens = numberOf(u.output_tokens ?? u.completion_tokens);
  if (promptTokens === undefined && completionTokens === undefined) return null;
  const out: UsageInput = { promptTokens: promptTokens ?? 0, completionTokens: completionTokens ?? 0 };
  const read = numberOf(u.cached_input_tokens ?? details.cached_tokens ?? details.cached_input_tokens);
  const write = numberOf(u.cache_write_input_tokens ?? details.cache_write_tokens);
  if (read !== undefined) out.cacheReadTokens = read;
  if (write !== undefined) out.cacheCreationTokens = write;
  return out;
}

function numberOf(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function errorText(error: { message: string; data?: Record<string, unknown> }): string {
  return error.data === undefined ? error.message : `${error.message}\n${asText(error.data)}`;
}

/** Seconds between a span's start and end, when both are known. */
function duration(span: Span<any>): number | undefined {
  if (span.startedAt === null || span.endedAt === null) return undefined;
  const ms = Date.parse(span.endedAt) - Date.parse(span.startedAt);
  return Number.isFinite(ms) && ms >= 0 ? ms / 1000 : undefined;
}
