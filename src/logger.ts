/**
 * The entry point: a `TrajectoryLogger` per training process decides which rollouts are
 * logged and hands each one a session.
 */
import path from "node:path";
import { BernoulliSampler, type SampleBy, type Sampler, type SamplingContext } from "./sampler.js";
import { NULL_SESSION, TrajectorySession, type Session } from "./write/session.js";
import { Writer } from "./write/writer.js";
import { NO_WRITES, type WriterStats } from "./write/writer-stats.js";
import { buildMetadataLine } from "./lines.js";
import { newSuffix, sessionPath } from "./paths.js";
import { trackExit, untrackExit } from "./internal/exit-hook.js";
import { describe } from "./internal/describe.js";
import { pseudoFileSystemOf } from "./internal/pseudo-fs.js";
import type { PromptEncoding } from "./format.js";
import { lastUnreadableMarker, unreadableCount } from "./internal/json-safe.js";
import { defaultDiagnostics } from "./internal/default-diagnostics.js";
import { closestName, looseName } from "./internal/closest-name.js";
import type { DiagnosticsLogger } from "./diagnostics.js";
import { LOGGER_OPTIONS, START_SESSION_INPUT, startSessionKeysKnown, suggestField } from "./input-fields.js";
import { InputReport, type InputStats } from "./input-report.js";
import { createContentPolicy, type ContentPolicy, type RedactOptions, type RedactionCounts } from "./write/policy/content-policy.js";

/** Environment variable that forces every rollout of the run to be logged (`1`, `true`, `yes`). */
export const FORCE_ENV = "TRAJLOG_FORCE";
/** Environment variable that sets the level of trajlog's own diagnostics. @default "warn" */
export const LOG_LEVEL_ENV = "TRAJLOG_LOG_LEVEL";

/** Default cap on serialized lines held in memory: 64 MiB. */
export const DEFAULT_MAX_BUFFER_BYTES = 64 * 1024 * 1024;
/** Default cap on descriptors held open at once. */
export const DEFAULT_MAX_OPEN_FILES = 1024;

/** Options of {@link TrajectoryLogger}. */
export interface TrajectoryLoggerOptions {
  /** Root directory of all session files. @default "logs" */
  logDir?: string;
  /** First directory level under `logDir`. @default "default" */
  experimentName?: string;
  /** Probability in [0, 1] that a rollout is logged. 0 does no I/O at all. @default 0 */
  sampleRate?: number;
  /** Makes sampling reproducible: a rerun with the same seed logs the same rollouts. */
  seed?: string | number;
  /**
   * `"rollout"` decides per rollout; `"instance"` per instance id, identically at every
   * training step, so that an instance can be followed across steps.
   * @default "rollout"
   */
  sampleBy?: SampleBy;
  /** A custom sampling policy; replaces `sampleRate`, `seed` and `sampleBy`. */
  sampler?: Sampler;
  /**
   * Where trajlog reports its own problems: a pino logger (a child with
   * `component: "trajlog"` is used), or anything with `warn(context, message)`.
   * @default stderr, level "warn": one readable line per warning on a terminal, JSON otherwise
   */
  logger?: DiagnosticsLogger;
  /**
   * Cap on serialized lines waiting in memory for the disk. When it is reached, new
   * iteration lines are dropped whole and counted in `stats().linesDropped`; metadata and
   * summary lines are always kept. @default 67108864 (64 MiB)
   */
  maxBufferBytes?: number;
  /**
   * Cap on file descriptors held at once; idle session files give theirs up. Never more
   * than half the process's descriptor limit is taken, whatever this says. @default 1024
   */
  maxOpenFiles?: number;
  /**
   * Secret redaction on every line written: `true` for the built-in patterns (API keys,
   * tokens, private keys, passwords...), `false` to write secrets verbatim, or
   * {@link RedactOptions} to choose kinds and add patterns or a function.
   * @default true
   */
  redact?: boolean | RedactOptions;
  /**
   * Cap on any single string of a line (object keys included), in UTF-8 bytes; a longer
   * one is cut and ends with `[TRUNCATED:<n> bytes]`. `Infinity` for none.
   * @default 1048576 (1 MiB)
   */
  maxFieldBytes?: number;
  /**
   * Cap on a whole line, in UTF-8 bytes: the largest strings are cut first, so the line
   * stays valid JSON with all its keys. `Infinity` for none.
   * @default 8388608 (8 MiB)
   */
  maxLineBytes?: number;
  /**
   * How iteration lines carry the prompt. `"full"` writes every prompt whole, so each line
   * stands alone. `"delta"` writes only what changed since the previous iteration line
   * (`prompt_delta`: how many of its messages are kept, then the new ones), so a file grows
   * with the conversation rather than with its square; recommended for long rollouts. Every
   * trajlog reader, command, export and the viewer rebuild the whole prompts.
   * @default "full"
   */
  prompts?: PromptEncoding;
}

/** Options of {@link TrajectoryLogger.startSession}. */
export interface StartSessionOptions {
  /** The task instance; any string (the file name is made safe, the metadata keeps it as is). */
  instanceId: string;
  /** Non-negative integer: the file goes under `step_<trainingStep>/`. */
  trainingStep: number;
  /** The root model, written as `root_model`. */
  modelName: string;
  /** Written into the metadata line: `max_steps`, `backend`, ... and any other key. */
  configMetadata?: Record<string, unknown>;
  /** Log this rollout whatever the sample rate: for debug rollouts. @default false */
  force?: boolean;
  /**
   * Identity of the rollout within its instance and step (e.g. its index in the group).
   * With a seed, it makes the decision independent of start order.
   * @default the count of earlier sessions of the same instance and step
   */
  rolloutId?: string | number;
}

/** Counters returned by {@link TrajectoryLogger.stats}. */
export interface TrajectoryLoggerStats extends WriterStats, InputStats {
  /** `startSession` calls. */
  sessionsStarted: number;
  /** Sessions that got a file (sampled or forced). */
  sessionsLogged: number;
  /** Sessions not chosen by sampling (they got the NullSession). */
  sessionsSampledOut: number;
  /**
   * Sessions that were to be logged but got the NullSession: started while the write buffer
   * was full (the disk not keeping up), or after `close()`.
   */
  sessionsDropped: number;
  /** Secrets replaced by a `[REDACTED:<kind>]` marker. */
  redactions: number;
  /** Secrets replaced, per kind. */
  redactionsByKind: Record<string, number>;
  /** Strings cut by `maxFieldBytes` or `maxLineBytes`. */
  truncations: number;
}

/** Config keys read by {@link TrajectoryLogger.fromConfig}: camelCase and snake_case. */
const CONFIG_KEYS = {
  logDir: ["logDir", "log_dir"],
  experimentName: ["experimentName", "experiment_name"],
  sampleRate: ["logTrajectorySampleRate", "log_trajectory_sample_rate"],
  seed: ["logTrajectorySeed", "log_trajectory_seed"],
  sampleBy: ["logTrajectorySampleBy", "log_trajectory_sample_by"],
} as const;

/** Decides which rollouts are logged and gives each rollout its session. */
export class TrajectoryLogger {
  /** Absolute root directory of session files. */
  readonly logDir: string;
  /** The experiment, the first directory level under `logDir`. */
  readonly experimentName: string;
  /** The sampling policy in force. */
  readonly sampler: Sampler;
  /** The content policy in force: redaction and size caps. */
  readonly contentPolicy: ContentPolicy;
  /** How iteration lines carry prompts. */
  readonly promptEncoding: PromptEncoding;
  readonly #contentCounts: RedactionCounts = { redactions: 0, truncations: 0, byKind: {} };
  readonly #forceAll: boolean;
  readonly #maxBufferBytes: number;
  readonly #maxOpenFiles: number;
  readonly #callerLogger: DiagnosticsLogger | undefined;
  #diagnostics: DiagnosticsLogger | null = null;
  /** Keys and values handed over that the lines cannot hold: warned once, counted. */
  readonly #input = new InputReport(() => this.#diag());
  #writer: Writer | null = null;
  #closed = false;
  #warnedClosed = false;
  /** Occurrences of (step, instance), the default rollout identity; only recent steps kept. */
  readonly #occurrences = new Map<number, Map<string, number>>();
  #anonymousDecisions = 0;
  readonly #counts = { sessionsStarted: 0, sessionsLogged: 0, sessionsSampledOut: 0, sessionsDropped: 0 };

  constructor(options: TrajectoryLoggerOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`trajlog: TrajectoryLogger options must be an object; received ${describe(options)}`);
    }
    rejectUnknownOptions(options);
    const logDir = optionalString("logDir", options.logDir) ?? "logs";
    this.logDir = path.resolve(logDir);
    const pseudo = pseudoFileSystemOf(this.logDir);
    if (pseudo !== null) {
      throw new TypeError(
        `trajlog: option "logDir" must be a directory on a real file system; received ${describe(logDir)}, which is on ${pseudo}, a kernel pseudo file system`,
      );
    }
    this.experimentName = optionalString("experimentName", options.experimentName) ?? "default";
    if (options.sampler !== undefined) {
      if (typeof options.sampler?.shouldSample !== "function") {
        throw new TypeError(
          `trajlog: option "sampler" must have a shouldSample(context) method; received ${describe(options.sampler)}`,
        );
      }
      const constant: unknown = options.sampler.constantDecision;
      if (constant !== undefined && typeof constant !== "boolean") {
        throw new TypeError(
          `trajlog: option "sampler.constantDecision" must be true, false or undefined; received ${describe(constant)}`,
        );
      }
      this.sampler = options.sampler;
    } else {
      this.sampler = new BernoulliSampler({
        rate: sampleRate("sampleRate", options.sampleRate ?? 0),
        seed: seedOption("seed", options.seed),
        sampleBy: sampleByOption("sampleBy", options.sampleBy),
        namespace: this.experimentName,
      });
    }
    this.#maxBufferBytes = positiveInt("maxBufferBytes", options.maxBufferBytes, DEFAULT_MAX_BUFFER_BYTES);
    this.#maxOpenFiles = positiveInt("maxOpenFiles", options.maxOpenFiles, DEFAULT_MAX_OPEN_FILES);
    this.contentPolicy = createContentPolicy({
      redact: options.redact,
      maxFieldBytes: options.maxFieldBytes,
      maxLineBytes: options.maxLineBytes,
    });
    this.promptEncoding = promptEncodingOption("prompts", options.prompts);
    if (options.logger !== undefined && typeof options.logger?.warn !== "function") {
      throw new TypeError(`trajlog: option "logger" must be a pino logger; received ${describe(options.logger)}`);
    }
    this.#callerLogger = options.logger;
    this.#forceAll = isTruthyEnv(process.env[FORCE_ENV]);
  }

  /**
   * A logger from an experiment config: reads `logDir`, `experimentName`,
   * `logTrajectorySampleRate`, `logTrajectorySeed`, `logTrajectorySampleBy`, or their
   * snake_case forms (`log_dir`, `experiment_name`, `log_trajectory_sample_rate`, ...), so a
   * config shared with Python tooling works as is. `overrides` win over the config.
   */
  static fromConfig(config: Record<string, unknown>, overrides: TrajectoryLoggerOptions = {}): TrajectoryLogger {
    if (typeof config !== "object" || config === null) {
      throw new TypeError(`trajlog: fromConfig expects a config object; received ${describe(config)}`);
    }
    const options: TrajectoryLoggerOptions = {};
    const read = (name: keyof typeof CONFIG_KEYS): unknown => {
      const [camel, snake] = CONFIG_KEYS[name];
      const a = config[camel];
      const b = config[snake];
      if (a !== undefined && b !== undefined && a !== b) {
        throw new TypeError(
          `trajlog: config sets both "${camel}" (${describe(a)}) and "${snake}" (${describe(b)}); keep one`,
        );
      }
      return a ?? b;
    };
    const logDir = read("logDir");
    const experimentName = read("experimentName");
    const rate = read("sampleRate");
    const seed = read("seed");
    const by = read("sampleBy");
    if (logDir !== undefined) options.logDir = logDir as string;
    if (experimentName !== undefined) options.experimentName = experimentName as string;
    if (rate !== undefined) options.sampleRate = sampleRate("log_trajectory_sample_rate", rate);
    if (seed !== undefined) options.seed = seed as string | number;
    if (by !== undefined) options.sampleBy = by as SampleBy;
    const logger = new TrajectoryLogger({ ...options, ...overrides });
    for (const [key, meant] of configNearMisses(config)) {
      logger.#diag().warn(
        { key, suggestion: meant },
        `trajlog: config key \`${key}\` is not read by fromConfig; did you mean \`${meant}\`?`,
      );
    }
    return logger;
  }

  /**
   * The sampling decision alone. Pass the rollout's identity to get the same answer a
   * session with that identity gets; without it, each call is an independent draw.
   */
  shouldLog(context: Partial<SamplingContext> = {}): boolean {
    if (this.#forceAll) return true;
    return this.sampler.shouldSample({
      instanceId: context.instanceId ?? "",
      trainingStep: context.trainingStep ?? 0,
      rolloutId: context.rolloutId ?? `#${this.#anonymousDecisions++}`,
    });
  }

  /**
   * Starts a rollout's session: a {@link TrajectorySession} writing its file when the
   * rollout is sampled (or forced), else the shared no-op {@link NullSession}.
   * Throws on a missing instance id, a bad training step or a missing model name.
   */
  startSession(options: StartSessionOptions): Session {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`trajlog: startSession expects an object; received ${describe(options)}`);
    }
    // Every rollout, logged or not: a mistyped `force` would otherwise never show.
    if (!startSessionKeysKnown(options)) this.#input.checkKeys(options, START_SESSION_INPUT, "startSession", "");
    const { instanceId, trainingStep } = options;
    if (typeof instanceId !== "string" || instanceId.length === 0) {
      throw new TypeError(`trajlog: "instanceId" must be a non-empty string; received ${describe(instanceId)}`);
    }
    if (typeof trainingStep !== "number" || !Number.isSafeInteger(trainingStep) || trainingStep < 0) {
      throw new TypeError(
        `trajlog: "trainingStep" must be a non-negative integer; received ${describe(trainingStep)}`,
      );
    }
    this.#counts.sessionsStarted++;
    const forced = options.force === true || this.#forceAll;
    if (!forced && !this.#sampled(options.rolloutId, trainingStep, instanceId)) {
      this.#counts.sessionsSampledOut++;
      return NULL_SESSION;
    }
    if (this.#closed) {
      this.#counts.sessionsDropped++;
      this.#warnClosed();
      return NULL_SESSION;
    }
    if (this.#writer?.refusesNewFiles() === true) {
      // Metadata and summary lines are never dropped, so memory stays bounded only if no new
      // file starts while the disk is stalled; sessions already started finish their files.
      this.#counts.sessionsDropped++;
      return NULL_SESSION;
    }
    if (typeof options.modelName !== "string") {
      throw new TypeError(`trajlog: "modelName" must be a string; received ${describe(options.modelName)}`);
    }
    this.#counts.sessionsLogged++;
    const startedAt = new Date();
    const where = { logDir: this.logDir, experimentName: this.experimentName, trainingStep, instanceId, startedAt };
    const writer = this.#ensureWriter();
    const sink = writer.createFile(sessionPath({ ...where, suffix: newSuffix() }), () =>
      sessionPath({ ...where, suffix: newSuffix() }),
    );
    const unreadableBefore = unreadableCount();
    const metadata = buildMetadataLine({
      timestamp: startedAt,
      modelName: options.modelName,
      instanceId,
      trainingStep,
      experimentName: this.experimentName,
      configMetadata: options.configMetadata,
      sampling: { rate: this.sampler.rate, by: this.sampler.by, forced },
      contentPolicy: this.contentPolicy.record,
      promptEncoding: this.promptEncoding,
    });
    const session = new TrajectorySession({
      sink,
      metadata,
      diagnostics: this.#diag,
      input: this.#input,
      policy: this.contentPolicy,
      counts: this.#contentCounts,
      promptEncoding: this.promptEncoding,
    });
    // configMetadata values that threw when read are in the metadata line as markers.
    const unreadable = unreadableCount() - unreadableBefore;
    if (unreadable > 0) this.#input.unreadable("startSession", unreadable, lastUnreadableMarker());
    return session;
  }

  /** Resolves when every line handed over so far is written to its file. Never rejects. */
  flush(): Promise<void> {
    return this.#writer?.flush() ?? Promise.resolve();
  }

  /**
   * Flushes and releases every file. Sessions not finalized stay without a summary line
   * (that is how an unfinished rollout looks). Later sessions are not logged.
   */
  async close(): Promise<void> {
    this.#closed = true;
    const writer = this.#writer;
    if (writer === null) return;
    await writer.close();
    untrackExit(writer);
  }

  /** Counters: sessions started, logged and sampled out; redactions and truncations; lines and bytes written; losses. */
  stats(): TrajectoryLoggerStats {
    const writer: WriterStats = this.#writer?.stats() ?? NO_WRITES;
    const content = this.#contentCounts;
    return {
      ...this.#counts,
      redactions: content.redactions,
      redactionsByKind: { ...content.byKind },
      truncations: content.truncations,
      ...this.#input.stats(),
      ...writer,
    };
  }

  readonly #diag = (): DiagnosticsLogger => {
    if (this.#diagnostics === null) {
      const caller = this.#callerLogger;
      this.#diagnostics =
        caller === undefined
          ? defaultDiagnostics(process.env[LOG_LEVEL_ENV])
          : typeof caller.child === "function"
            ? caller.child({ component: "trajlog" })
            : caller;
    }
    return this.#diagnostics;
  };

  #ensureWriter(): Writer {
    if (this.#writer === null) {
      // Created on the first logged session: a logger that logs nothing touches nothing.
      this.#writer = new Writer({
        maxBufferBytes: this.#maxBufferBytes,
        maxOpenFiles: this.#maxOpenFiles,
        diagnostics: this.#diag,
      });
      trackExit(this.#writer);
    }
    return this.#writer;
  }

  /** The sampling decision for one rollout. */
  #sampled(rolloutId: string | number | undefined, trainingStep: number, instanceId: string): boolean {
    const sampler = this.sampler;
    // A decision that is the same for every rollout (rate 0 or 1) is taken without hashing or
    // counting: rate 0 must cost next to nothing.
    const constant = sampler.constantDecision;
    if (constant !== undefined) return constant;
    const id = rolloutId === undefined ? this.#nextOccurrence(trainingStep, instanceId) : String(rolloutId);
    return sampler.shouldSample({ instanceId, trainingStep, rolloutId: id });
  }

  #nextOccurrence(trainingStep: number, instanceId: string): string {
    let perStep = this.#occurrences.get(trainingStep);
    if (perStep === undefined) {
      perStep = new Map();
      this.#occurrences.set(trainingStep, perStep);
      // Bounded memory: only the most recent steps keep their counts.
      if (this.#occurrences.size > 16) this.#occurrences.delete(this.#occurrences.keys().next().value as number);
    }
    const n = perStep.get(instanceId) ?? 0;
    perStep.set(instanceId, n + 1);
    return String(n);
  }

  #warnClosed(): void {
    if (this.#warnedClosed) return;
    this.#warnedClosed = true;
    this.#diag().warn({}, "trajlog: startSession() after close(); the session is not logged");
  }
}

/** Loose names (see `looseName`) of config keys that mean a setting fromConfig reads under another name. */
const CONFIG_ALIASES: Record<string, string> = {
  samplerate: "log_trajectory_sample_rate",
  trajectorysamplerate: "log_trajectory_sample_rate",
  logsamplerate: "log_trajectory_sample_rate",
  sampleby: "log_trajectory_sample_by",
  trajectorysampleby: "log_trajectory_sample_by",
  trajectoryseed: "log_trajectory_seed",
};

/**
 * Config keys that look like a setting fromConfig reads but are not spelt as it reads them
 * (`logdir`, `sample_rate`, `log_trajectory_samplerate`), each with the spelling meant.
 * A config holds the whole experiment's settings, so other keys are not trajlog's to judge.
 */
function configNearMisses(config: Record<string, unknown>): Array<[string, string]> {
  const spellings: string[] = Object.values(CONFIG_KEYS).flat();
  const misses: Array<[string, string]> = [];
  for (const key of Object.keys(config)) {
    if (spellings.includes(key)) continue;
    const meant = CONFIG_ALIASES[looseName(key)] ?? closestName(key, spellings);
    if (meant === null) continue;
    // Answer in the config's own style: snake_case keys get the snake_case spelling.
    const pair = Object.values(CONFIG_KEYS).find((names) => (names as readonly string[]).includes(meant));
    misses.push([key, pair !== undefined && !/[A-Z]/.test(key) && key.includes("_") ? pair[1] : meant]);
  }
  return misses;
}

/**
 * Options are config: one trajlog does not know throws at once, before any rollout runs,
 * like a bad value does (`sample_rate`, `logdir` would otherwise be ignored in silence).
 */
function rejectUnknownOptions(options: object): void {
  for (const key in options) {
    if (LOGGER_OPTIONS.known.has(key)) continue;
    const suggestion = suggestField(LOGGER_OPTIONS, key);
    const hint = suggestion !== null ? `did you mean ${suggestion.includes("(") ? suggestion : `"${suggestion}"`}? ` : "";
    throw new TypeError(
      `trajlog: option "${key}" is not a TrajectoryLogger option; ${hint}received ${describe((options as Record<string, unknown>)[key])}; options are ${LOGGER_OPTIONS.fields.join(", ")}`,
    );
  }
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length === 0) {
    throw new TypeError(`trajlog: option "${name}" must be a non-empty string; received ${describe(value)}`);
  }
  return value;
}

function sampleRate(name: string, value: unknown): number {
  if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
    throw new RangeError(`trajlog: option "${name}" must be a number in [0, 1]; received ${describe(value)}`);
  }
  return value;
}

function seedOption(name: string, value: unknown): string | number | undefined {
  if (value === undefined) return undefined;
  if ((typeof value === "number" && Number.isFinite(value)) || (typeof value === "string" && value.length > 0)) {
    return value;
  }
  throw new TypeError(`trajlog: option "${name}" must be a non-empty string or a finite number; received ${describe(value)}`);
}

function promptEncodingOption(name: string, value: unknown): PromptEncoding {
  if (value === undefined) return "full";
  if (value === "full" || value === "delta") return value;
  throw new TypeError(`trajlog: option "${name}" must be "full" or "delta"; received ${describe(value)}`);
}

function sampleByOption(name: string, value: unknown): SampleBy | undefined {
  if (value === undefined || value === "rollout" || value === "instance") return value;
  throw new TypeError(`trajlog: option "${name}" must be "rollout" or "instance"; received ${describe(value)}`);
}

function positiveInt(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`trajlog: option "${name}" must be a positive integer; received ${describe(value)}`);
  }
  return value;
}

function isTruthyEnv(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}
