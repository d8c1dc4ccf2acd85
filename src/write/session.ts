/**
 * Sessions: what the rollout loop talks to. A sampled rollout gets a {@link TrajectorySession}
 * that writes its file; every other rollout gets the {@link NullSession}, which does nothing,
 * so the loop never branches on whether it is being logged.
 */
import path from "node:path";
import type { DiagnosticsLogger } from "../diagnostics.js";
import type { InputReport } from "../input-report.js";
import { buildIterationLine, buildSummaryLine, type IterationInput, type SummaryInput } from "../lines.js";
import type { ContentPolicy, RedactionCounts } from "./policy/content-policy.js";
import type { IterationLine, MetadataLine, PromptEncoding, SummaryLine } from "../format.js";
import type { SessionSink } from "./sink.js";
import { PromptMemo } from "./prompt-memo.js";
import { SessionLines } from "./serialize/session-lines.js";
import { describe } from "../internal/describe.js";
import { readOr, rebuildFromCopy } from "../internal/hostile-input.js";
import { lastUnreadableMarker, unreadableCount } from "../internal/json-safe.js";

/** The interface every session satisfies, logged or not. */
export interface Session {
  /** True when this rollout is written to disk. */
  readonly sampled: boolean;
  /** Absolute path of the session file; null when not sampled. */
  readonly path: string | null;
  /** The file name without `.jsonl`; null when not sampled. */
  readonly id: string | null;
  /** Writes one iteration line. Returns at once; the disk is written in the background. */
  logIteration(input: IterationInput): void;
  /**
   * Writes the summary line and closes the file. The promise resolves once the file is
   * complete on disk; it never rejects. A second call does nothing.
   */
  finalize(input?: SummaryInput): Promise<void>;
}

const RESOLVED: Promise<void> = Promise.resolve();

/** The session of a rollout that is not logged: every method is an empty call. */
export class NullSession implements Session {
  readonly sampled = false;
  readonly path = null;
  readonly id = null;
  logIteration(_input: IterationInput): void {}
  finalize(_input?: SummaryInput): Promise<void> {
    return RESOLVED;
  }
}

/** The one NullSession every sampled-out rollout shares. */
export const NULL_SESSION: Session = Object.freeze(new NullSession());

/** @internal What a {@link TrajectorySession} needs from its logger. */
export interface SessionContext {
  /** Where the session's lines go. */
  sink: SessionSink;
  metadata: MetadataLine;
  diagnostics: () => DiagnosticsLogger;
  /** Where keys and values the lines cannot hold are reported. */
  input: InputReport;
  /** Applied to every line; its counts go to the logger's stats. */
  policy: ContentPolicy;
  counts: RedactionCounts;
  /** How iteration lines carry prompts. */
  promptEncoding: PromptEncoding;
}

/** The session of a logged rollout: writes a metadata line, one line per iteration, a summary. */
export class TrajectorySession implements Session {
  readonly sampled = true;
  readonly #sink: SessionSink;
  readonly #diagnostics: () => DiagnosticsLogger;
  readonly #input: InputReport;
  /** This session's lines as text, under its content policy. */
  readonly #lines: SessionLines;
  /** Last iteration's built prompt messages, for messages passed again unchanged. */
  readonly #memo = new PromptMemo();
  #iterations = 0;
  #lastIteration = 0;
  #finalized: Promise<void> | null = null;
  #warnedLate = false;

  /** @internal Sessions are made by `TrajectoryLogger.startSession`. */
  constructor(context: SessionContext) {
    this.#sink = context.sink;
    this.#diagnostics = context.diagnostics;
    this.#input = context.input;
    this.#lines = new SessionLines(context.policy, context.counts, context.promptEncoding, this.#memo);
    this.#sink.append(this.#lines.line(context.metadata), true);
  }

  get path(): string {
    return this.#sink.path;
  }

  get id(): string {
    return path.basename(this.#sink.path, ".jsonl");
  }

  /** Iteration lines this session has handed to the writer. */
  get iterations(): number {
    return this.#iterations;
  }

  logIteration(input: IterationInput): void {
    if (this.#finalized !== null) {
      this.#warnLate("logIteration");
      return;
    }
    if (typeof input !== "object" || input === null) {
      throw new TypeError(`trajlog: logIteration expects an object; received ${describe(input)}`);
    }
    const before = unreadableCount();
    let iteration = this.#lastIteration + 1;
    const given = readOr(input, "iteration", undefined);
    if (given !== undefined) {
      if (typeof given !== "number" || !Number.isInteger(given) || given < 1) {
        throw new TypeError(`trajlog: "iteration" must be an integer >= 1 (1-based); received ${describe(given)}`);
      }
      iteration = given;
    }
    this.#lastIteration = iteration;
    // The disk is not keeping up: the line would be dropped whatever it holds, so not built.
    if (this.#sink.refuseIfFull()) return;
    const now = new Date();
    let built: IterationLine;
    try {
      built = buildIterationLine(input, iteration, now, this.#input, this.#memo);
    } catch {
      // A value threw when read. The first attempt reported what it found wrong with the
      // input; the copy is only built from, not reported on again.
      built = rebuildFromCopy(
        input,
        before,
        (copy) => buildIterationLine(copy, iteration, now),
        (marker) => buildIterationLine({ prompt: [], response: "", extra: { unreadable: marker } }, iteration, now),
      );
    }
    const line = this.#lines.iteration(built);
    this.#reportUnreadable("logIteration", before);
    if (this.#sink.append(line, false)) {
      this.#lines.written();
      this.#iterations++;
    }
  }

  finalize(input: SummaryInput = {}): Promise<void> {
    if (this.#finalized !== null) {
      this.#warnLate("finalize");
      return this.#finalized;
    }
    if (typeof input !== "object" || input === null) {
      throw new TypeError(`trajlog: finalize expects an object; received ${describe(input)}`);
    }
    const before = unreadableCount();
    let totalSteps = this.#iterations;
    const given = readOr(input, "totalSteps", undefined);
    if (given !== undefined) {
      if (typeof given !== "number" || !Number.isInteger(given) || given < 0) {
        throw new TypeError(`trajlog: "totalSteps" must be a non-negative integer; received ${describe(given)}`);
      }
      totalSteps = given;
    }
    this.#lines.release();
    this.#memo.release();
    const now = new Date();
    const iterations = this.#iterations;
    const dropped = this.#sink.dropped;
    // Whatever the input holds, the summary is written: it is what says the rollout finished.
    let line: SummaryLine;
    try {
      line = buildSummaryLine(input, totalSteps, iterations, dropped, now, this.#input);
    } catch {
      line = rebuildFromCopy(
        input,
        before,
        (copy) => buildSummaryLine(copy, totalSteps, iterations, dropped, now),
        (marker) => buildSummaryLine({ extra: { unreadable: marker } }, totalSteps, iterations, dropped, now),
      );
    }
    this.#sink.append(this.#lines.line(line), true);
    this.#reportUnreadable("finalize", before);
    this.#finalized = this.#sink.end();
    return this.#finalized;
  }

  /** Counts and reports the values that could not be read since `before`. */
  #reportUnreadable(method: string, before: number): void {
    const total = unreadableCount();
    if (total > before) this.#input.unreadable(method, total - before, lastUnreadableMarker());
  }

  #warnLate(method: string): void {
    if (this.#warnedLate) return;
    this.#warnedLate = true;
    try {
      this.#diagnostics().warn(
        { path: this.#sink.path, method },
        `trajlog: ${method}() called after finalize(); ignored (the file is complete)`,
      );
    } catch {
      // Diagnostics never break the loop.
    }
  }
}
