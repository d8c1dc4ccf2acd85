/**
 * `trajlog/ai-sdk`: a language-model middleware for the Vercel AI SDK that logs every model
 * call made through the wrapped model as one iteration of a trajlog session.
 *
 * It sees what the model sees — the call options after every earlier middleware — and what
 * it returns, in both `doGenerate` and `doStream`. Tool results are not part of a model call:
 * the SDK runs the tools between two calls and sends their results in the next prompt. So a
 * call that asked for client-side tools is held until the next call through this middleware
 * shows its results (or until `flush()` / `finalize()`), then written with them.
 *
 * Everything goes through `session.logIteration`, the path a hand-written loop uses, so the
 * same redaction, caps and checks apply. Only types are imported from `ai`: loading this
 * module never loads the SDK.
 */
import type { LanguageModelMiddleware } from "ai";
import type { CodeBlockInput, IterationInput, SummaryInput } from "../lines.js";
import type { Session } from "../write/session.js";
import { describe } from "../internal/describe.js";
import { toolCallCode, toolOutputText } from "./shared.js";

/** What the {@link TrajlogMiddlewareOptions.finalAnswer} rule is given about one call. */
export interface ModelCallOutcome {
  /** The response text (text parts joined with `\n`). */
  text: string;
  /** The unified finish reason: `stop`, `length`, `tool-calls`, `error`, ... */
  finishReason: string | null;
  /** How many tool calls the model made in this call. */
  toolCalls: number;
}

/** Options of {@link trajlogMiddleware}. */
export interface TrajlogMiddlewareOptions {
  /**
   * Which calls carry a final answer, and what it is. The default: a call that finished with
   * `stop` and made no tool call — where a tool loop ends — has its text as the final answer.
   * Return `null` (or `undefined`) for none.
   */
  finalAnswer?: (outcome: ModelCallOutcome) => string | null | undefined;
}

/** The tool results the SDK returned for the last step, for calls still waiting on them. */
export interface ToolResultsInput {
  /**
   * `result.toolResults`, `result.content` or `result.steps` of `generateText`/`streamText`:
   * entries of type `tool-result` (`output`) and `tool-error` (`error`) are matched by
   * `toolCallId`; anything else is ignored.
   */
  toolResults?: readonly unknown[];
}

/**
 * The middleware, plus what a held call needs at the end of the rollout. Pass it to
 * `wrapLanguageModel({ model, middleware })`.
 */
export type TrajlogMiddleware = LanguageModelMiddleware & {
  /**
   * Writes every call still waiting for its tool results. Results given here are used;
   * calls whose results are still unknown are written without them and name those calls in
   * `unresolved_tool_calls`. Later calls through the middleware log as usual.
   */
  flush(results?: ToolResultsInput): void;
  /** `flush(results)`, then `session.finalize(summary)`. */
  finalize(summary?: SummaryInput, results?: ToolResultsInput): Promise<void>;
};

/** A call written once its tool results are known. */
interface HeldCall {
  input: IterationInput & { codeBlocks: CodeBlockInput[] };
  /** The code blocks of client-side tool calls, by tool call id, until their result arrives. */
  waiting: Map<string, CodeBlockInput>;
}

/**
 * A middleware that logs each model call made through the wrapped model as one iteration of
 * `session`: the prompt as the model received it, the response text, each tool call as a code
 * block (`code` = the call, `result.stdout` = its result, errors in `stderr`), the usage, the
 * finish reason (`finish_reason`) and the call's time. On a session that is not sampled (the
 * `NullSession`) it has no hooks at all, so the wrapped model does no extra work.
 *
 * Put it last in a middleware array so it logs the call as the model receives it.
 */
export function trajlogMiddleware(session: Session, options: TrajlogMiddlewareOptions = {}): TrajlogMiddleware {
  if (typeof session !== "object" || session === null || typeof session.logIteration !== "function") {
    throw new TypeError(`trajlog: trajlogMiddleware expects a session from logger.startSession(); received ${describe(session)}`);
  }
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`trajlog: trajlogMiddleware options must be an object; received ${describe(options)}`);
  }
  if (options.finalAnswer !== undefined && typeof options.finalAnswer !== "function") {
    throw new TypeError(
      `trajlog: option "finalAnswer" of trajlogMiddleware must be a function; received ${describe(options.finalAnswer)}`,
    );
  }
  if (!session.sampled) {
    return {
      specificationVersion: "v4",
      flush() {},
      finalize: (summary) => session.finalize(summary),
    };
  }
  const recorder = new CallRecorder(session, options.finalAnswer ?? defaultFinalAnswer);
  return {
    specificationVersion: "v4",
    async wrapGenerate({ doGenerate, params }) {
      const started = performance.now();
      const result = await recorder.call(params.prompt, started, doGenerate);
      recorder.generated(params.prompt, result, seconds(started));
      return result;
    },
    async wrapStream({ doStream, params }) {
      const started = performance.now();
      const result = await recorder.call(params.prompt, started, doStream);
      const parts = new StreamedCall();
      const reader = result.stream.getReader();
      let done = false;
      const finish = (note?: unknown): void => {
        if (done) return;
        done = true;
        recorder.streamed(params.prompt, parts, seconds(started), note);
      };
      const stream = new ReadableStream<(typeof result.stream extends ReadableStream<infer P> ? P : never)>({
        async pull(controller) {
          let next;
          try {
            next = await reader.read();
          } catch (err) {
            finish(err);
            throw err;
          }
          if (next.done) {
            finish();
            controller.close();
            return;
          }
          parts.add(next.value);
          controller.enqueue(next.value);
        },
        cancel(reason) {
          finish(new StreamCancelled(reason));
          return reader.cancel(reason);
        },
      });
      return { ...result, stream };
    },
    flush(results) {
      recorder.flush(results);
    },
    finalize(summary, results) {
      recorder.flush(results);
      return session.finalize(summary);
    },
  };
}

function defaultFinalAnswer(outcome: ModelCallOutcome): string | null {
  return outcome.finishReason === "stop" && outcome.toolCalls === 0 && outcome.text !== "" ? outcome.text : null;
}

/** Marks a streamed call its consumer stopped reading. */
class StreamCancelled {
  constructor(readonly reason: unknown) {}
}

/** What the parts of one streamed call add up to. */
class StreamedCall {
  readonly text: string[] = [];
  readonly reasoning: string[] = [];
  /** Tool calls and provider-executed results, in stream order, as generate content. */
  readonly content: unknown[] = [];
  /** `text` index where each text block starts, so blocks join with `\n` as in generate. */
  #blockOf = new Map<string, number>();
  usage: unknown = undefined;
  finishReason: unknown = undefined;
  errors: unknown[] = [];

  add(part: unknown): void {
    if (typeof part !== "object" || part === null) return;
    const p = part as { type?: unknown; id?: unknown; delta?: unknown };
    switch (p.type) {
      case "text-delta":
        this.#append(this.text, "t", p.id, p.delta);
        break;
      case "reasoning-delta":
        this.#append(this.reasoning, "r", p.id, p.delta);
        break;
      case "tool-call":
      case "tool-result":
        this.content.push(part);
        break;
      case "finish": {
        const f = part as { usage?: unknown; finishReason?: unknown };
        this.usage = f.usage;
        this.finishReason = f.finishReason;
        break;
      }
      case "error":
        this.errors.push((part as { error?: unknown }).error);
        break;
      default:
        break;
    }
  }

  #append(into: string[], kind: string, id: unknown, delta: unknown): void {
    if (typeof delta !== "string") return;
    const key = kind + String(id);
    let at = this.#blockOf.get(key);
    if (at === undefined) {
      at = into.length;
      into.push("");
      this.#blockOf.set(key, at);
    }
    into[at] += delta;
  }
}

/** Turns calls into iterations and holds those waiting for tool results. */
class CallRecorder {
  readonly #session: Session;
  readonly #finalAnswer: (outcome: ModelCallOutcome) => string | null | undefined;
  #held: HeldCall[] = [];
  #warned = false;

  constructor(session: Session, finalAnswer: (outcome: ModelCallOutcome) => string | null | undefined) {
    this.#session = session;
    this.#finalAnswer = finalAnswer;
  }

  /**
   * Runs one model call: first writes the held calls whose tool results its prompt carries,
   * and logs the call if it throws (the error goes on to the caller unchanged).
   */
  async call<T>(prompt: unknown, started: number, run: () => PromiseLike<T>): Promise<T> {
    this.resolve(prompt);
    try {
      return await run();
    } catch (err) {
      this.failed(prompt, err, seconds(started));
      throw err;
    }
  }

  /** A new call starts: the results of held calls' tools are in its prompt; write those calls. */
  resolve(prompt: unknown): void {
    if (this.#held.length === 0) return;
    this.#guard(() => {
      const waiting = new Map<string, HeldCall>();
      for (const call of this.#held) for (const id of call.waiting.keys()) waiting.set(id, call);
      if (Array.isArray(prompt)) {
        // The newest messages hold the results: walk back until every waiting call is answered.
        for (let i = prompt.length - 1; i >= 0 && waiting.size > 0; i--) {
          const content = (prompt[i] as { content?: unknown } | null)?.content;
          if (!Array.isArray(content)) continue;
          for (const part of content) {
            const p = part as { type?: unknown; toolCallId?: unknown; output?: unknown } | null;
            if (p?.type !== "tool-result" || typeof p.toolCallId !== "string") continue;
            const call = waiting.get(p.toolCallId);
            const block = call?.waiting.get(p.toolCallId);
            if (call === undefined || block === undefined) continue;
            block.result = toolOutputText(p.output);
            call.waiting.delete(p.toolCallId);
            waiting.delete(p.toolCallId);
          }
        }
      }
      this.#writeHeld();
    });
  }

  /** Writes held calls with the results given (matched by id) and without the rest. */
  flush(results: ToolResultsInput | undefined): void {
    if (this.#held.length === 0) return;
    this.#guard(() => {
      const given = results?.toolResults;
      if (Array.isArray(given)) {
        for (const call of this.#held) {
          for (const entry of flattenSteps(given)) {
            const r = entry as { type?: unknown; toolCallId?: unknown; output?: unknown; error?: unknown } | null;
            if (typeof r?.toolCallId !== "string") continue;
            const block = call.waiting.get(r.toolCallId);
            if (block === undefined) continue;
            if (r.type === "tool-result") block.result = { stdout: toolOutputText(r.output).stdout };
            else if (r.type === "tool-error") block.result = { stderr: errorText(r.error) };
            else continue;
            call.waiting.delete(r.toolCallId);
          }
        }
      }
      this.#writeHeld();
    });
  }

  generated(prompt: unknown, result: unknown, time: number): void {
    this.#guard(() => {
      const r = result as { content?: unknown; usage?: unknown; finishReason?: unknown } | null;
      const content = Array.isArray(r?.content) ? r.content : [];
      const text: string[] = [];
      const reasoning: string[] = [];
      for (const part of content) {
        const p = part as { type?: unknown; text?: unknown } | null;
        if (p?.type === "text" && typeof p.text === "string") text.push(p.text);
        else if (p?.type === "reasoning" && typeof p.text === "string") reasoning.push(p.text);
      }
      this.#record(prompt, text, reasoning, content, r?.usage, r?.finishReason, time, undefined);
    });
  }

  streamed(prompt: unknown, call: StreamedCall, time: number, note: unknown): void {
    this.#guard(() => {
      let error: unknown = call.errors.length === 0 ? undefined : call.errors.length === 1 ? call.errors[0] : call.errors;
      let stopped: string | undefined;
      if (note instanceof StreamCancelled) stopped = "cancelled by the consumer";
      else if (note !== undefined) error = note;
      this.#record(prompt, call.text, call.reasoning, call.content, call.usage, call.finishReason, time, error, stopped);
    });
  }

  failed(prompt: unknown, err: unknown, time: number): void {
    this.#guard(() => {
      this.#writeHeld();
      this.#session.logIteration({ prompt: prompt as IterationInput["prompt"], response: "", iterationTime: time, extra: { error: err } });
    });
  }

  #record(
    prompt: unknown,
    text: readonly string[],
    reasoning: readonly string[],
    content: readonly unknown[],
    usage: unknown,
    finishReason: unknown,
    time: number,
    error: unknown,
    stopped?: string,
  ): void {
    const codeBlocks: CodeBlockInput[] = [];
    const waiting = new Map<string, CodeBlockInput>();
    const byId = new Map<string, CodeBlockInput>();
    let toolCalls = 0;
    for (const part of content) {
      const p = part as {
        type?: unknown;
        toolCallId?: unknown;
        toolName?: unknown;
        input?: unknown;
        providerExecuted?: unknown;
        result?: unknown;
        isError?: unknown;
      } | null;
      if (p?.type === "tool-call") {
        toolCalls++;
        const block: CodeBlockInput = { code: toolCallCode(p.toolName, p.input) };
        codeBlocks.push(block);
        if (typeof p.toolCallId === "string") {
          byId.set(p.toolCallId, block);
          if (p.providerExecuted !== true) waiting.set(p.toolCallId, block);
        }
      } else if (p?.type === "tool-result" && typeof p.toolCallId === "string") {
        // A tool the provider ran: its result comes with the response.
        const block = byId.get(p.toolCallId);
        const output = toolOutputText(p.result);
        const out = p.isError === true ? { stderr: output.stdout + output.stderr } : output;
        if (block !== undefined) {
          block.result = out;
          waiting.delete(p.toolCallId);
        } else {
          codeBlocks.push({ code: toolCallCode(p.toolName, undefined), result: out });
        }
      }
    }
    const response = text.join("\n");
    const reason = finishReasonOf(finishReason);
    const extra: Record<string, unknown> = { finish_reason: reason };
    if (reasoning.length > 0) extra.reasoning = reasoning.join("\n");
    if (error !== undefined) extra.error = error;
    if (stopped !== undefined) extra.stopped = stopped;
    const answer = this.#finalAnswer({ text: response, finishReason: reason, toolCalls });
    const input: IterationInput & { codeBlocks: CodeBlockInput[] } = {
      prompt: prompt as IterationInput["prompt"],
      response,
      codeBlocks,
      finalAnswer: typeof answer === "string" ? answer : null,
      iterationTime: time,
      // The SDK's own usage object: logIteration reads its shape (cache counts included).
      ...(typeof usage === "object" && usage !== null ? { usage: usage as IterationInput["usage"] } : {}),
      extra,
    };
    // Earlier held calls go first, so iterations stay in call order.
    if (waiting.size > 0) {
      this.#held.push({ input, waiting });
    } else {
      this.#writeHeld();
      this.#session.logIteration(input);
    }
  }

  #writeHeld(): void {
    const held = this.#held;
    if (held.length === 0) return;
    this.#held = [];
    for (const call of held) {
      if (call.waiting.size > 0) {
        (call.input.extra as Record<string, unknown>).unresolved_tool_calls = [...call.waiting.keys()];
      }
      this.#session.logIteration(call.input);
    }
  }

  /** Logging never breaks the model call: a failure here is reported once and dropped. */
  #guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (this.#warned) return;
      this.#warned = true;
      try {
        process.emitWarning(`trajlog/ai-sdk: a model call could not be logged: ${errorText(err)}`, "TrajlogWarning");
      } catch {
        // Nothing more can be done without risking the caller.
      }
    }
  }
}

/** `steps` (each with `content`) or flat results, as one flat list. */
function flattenSteps(entries: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const entry of entries) {
    const content = (entry as { content?: unknown } | null)?.content;
    if (Array.isArray(content)) out.push(...content);
    else out.push(entry);
  }
  return out;
}

function finishReasonOf(reason: unknown): string | null {
  if (typeof reason === "string") return reason;
  const unified = (reason as { unified?: unknown } | null | undefined)?.unified;
  return typeof unified === "string" ? unified : null;
}

function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return typeof err === "string" ? err : toolOutputText({ type: "json", value: err }).stdout;
}

function seconds(started: number): number {
  return (performance.now() - started) / 1000;
}
