/**
 * The documented fields of every object the caller hands to trajlog, and the names people
 * use for them elsewhere (the seed format's snake_case, other SDKs' words), so that a key
 * trajlog does not know can be reported with the field it most likely stands for.
 * `validate` cannot see a dropped key; this table is the only place one is caught.
 */
import { closestName, looseName } from "./internal/closest-name.js";

/** One kind of input object: its fields and the foreign names that map onto them. */
export interface InputShape {
  /** How the object is named in messages: `logIteration`, `result`, `rlmCalls[]`. */
  readonly name: string;
  /** The documented fields, in the order the README lists them. */
  readonly fields: readonly string[];
  /** Fast membership test for {@link fields}. */
  readonly known: ReadonlySet<string>;
  /**
   * Loose names (see {@link looseName}) that mean a documented field, possibly of a nested
   * object (`"execresult"` → `"result"`, `"stdout"` → `"result.stdout"`), or another call.
   */
  readonly aliases: Readonly<Record<string, string>>;
  /** What the object takes, for messages, when more than its field list (default: the fields). */
  readonly takes?: string;
}

function shape(name: string, fields: readonly string[], aliases: Record<string, string> = {}): InputShape {
  return { name, fields, known: new Set(fields), aliases };
}

/** What `logIteration` takes. */
export const ITERATION_INPUT = shape(
  "logIteration",
  ["iteration", "prompt", "response", "codeBlocks", "code", "result", "finalAnswer", "iterationTime", "usage", "extra"],
  {
    execresult: "result",
    executionresult: "result",
    coderesult: "result",
    stdout: "result.stdout",
    stderr: "result.stderr",
    locals: "result.locals",
    executiontime: "result.executionTime",
    exectime: "result.executionTime",
    rlmcalls: "result.rlmCalls",
    subcalls: "result.rlmCalls",
    submodelcalls: "result.rlmCalls",
    llmcalls: "result.rlmCalls",
    messages: "prompt",
    completion: "response",
    reply: "response",
    output: "response",
    blocks: "codeBlocks",
    answer: "finalAnswer",
    time: "iterationTime",
    duration: "iterationTime",
    elapsed: "iterationTime",
    tokenusage: "usage",
    tokens: "usage",
    reward: "finalize({ reward })",
    step: "iteration",
    turn: "iteration",
    metadata: "extra",
  },
);

/** One entry of `codeBlocks`. */
export const CODE_BLOCK_INPUT = shape("codeBlocks[]", ["code", "result"], {
  source: "code",
  execresult: "result",
  output: "result.stdout",
  stdout: "result.stdout",
  stderr: "result.stderr",
  locals: "result.locals",
  executiontime: "result.executionTime",
  rlmcalls: "result.rlmCalls",
  subcalls: "result.rlmCalls",
});

/** A code block's `result`. */
export const CODE_RESULT_INPUT = shape("result", ["stdout", "stderr", "locals", "executionTime", "rlmCalls", "finalAnswer"], {
  output: "stdout",
  error: "stderr",
  errors: "stderr",
  variables: "locals",
  vars: "locals",
  namespace: "locals",
  time: "executionTime",
  duration: "executionTime",
  elapsed: "executionTime",
  subcalls: "rlmCalls",
  submodelcalls: "rlmCalls",
  llmcalls: "rlmCalls",
  calls: "rlmCalls",
  answer: "finalAnswer",
});

/** One sub-model call in `rlmCalls`. */
export const RLM_CALL_INPUT = shape(
  "rlmCalls[]",
  ["rootModel", "prompt", "response", "promptTokens", "completionTokens", "usage", "executionTime"],
  {
    model: "rootModel",
    modelname: "rootModel",
    messages: "prompt",
    input: "prompt",
    output: "response",
    completion: "response",
    content: "response",
    inputtokens: "usage",
    outputtokens: "usage",
    tokens: "usage",
    tokenusage: "usage",
    time: "executionTime",
    duration: "executionTime",
    elapsed: "executionTime",
  },
);

/** What `finalize` takes. */
export const SUMMARY_INPUT = shape("finalize", ["reward", "totalSteps", "error", "extra"], {
  score: "reward",
  rewards: "reward",
  return: "reward",
  steps: "totalSteps",
  numsteps: "totalSteps",
  totaliterations: "totalSteps",
  err: "error",
  exception: "error",
  failure: "error",
  metadata: "extra",
  info: "extra",
});

/** What `startSession` takes. */
export const START_SESSION_INPUT = shape(
  "startSession",
  ["instanceId", "trainingStep", "modelName", "configMetadata", "force", "rolloutId"],
  {
    instance: "instanceId",
    task: "instanceId",
    taskid: "instanceId",
    step: "trainingStep",
    globalstep: "trainingStep",
    trainstep: "trainingStep",
    model: "modelName",
    rootmodel: "modelName",
    config: "configMetadata",
    metadata: "configMetadata",
    forced: "force",
    debug: "force",
    rollout: "rolloutId",
    rolloutindex: "rolloutId",
    experiment: "new TrajectoryLogger({ experimentName })",
    experimentname: "new TrajectoryLogger({ experimentName })",
  },
);

/**
 * True when every key of `options` is a field of {@link START_SESSION_INPUT}. startSession
 * runs for every rollout, logged or not, so this is spelt out as a switch: several times
 * cheaper than set lookups, which showed against a sampled-out rollout's few nanoseconds.
 * A test keeps it in step with the field list.
 */
export function startSessionKeysKnown(options: object): boolean {
  try {
    for (const key in options) {
      switch (key) {
        case "instanceId":
        case "trainingStep":
        case "modelName":
        case "configMetadata":
        case "force":
        case "rolloutId":
          continue;
        default:
          return false;
      }
    }
  } catch {
    // A proxy whose keys cannot be listed: nothing to report from here.
  }
  return true;
}

/** What `new TrajectoryLogger(options)` takes. */
export const LOGGER_OPTIONS = shape(
  "TrajectoryLogger",
  [
    "logDir",
    "experimentName",
    "sampleRate",
    "seed",
    "sampleBy",
    "sampler",
    "logger",
    "maxBufferBytes",
    "maxOpenFiles",
    "redact",
    "maxFieldBytes",
    "maxLineBytes",
    "prompts",
  ],
  {
    promptencoding: "prompts",
    rate: "sampleRate",
    logtrajectorysamplerate: "sampleRate",
    logtrajectoryseed: "seed",
    logtrajectorysampleby: "sampleBy",
    dir: "logDir",
    outdir: "logDir",
    outputdir: "logDir",
    experiment: "experimentName",
    runname: "experimentName",
    redaction: "redact",
    force: "startSession({ force: true }) or TRAJLOG_FORCE=1",
  },
);

/**
 * The documented name `key` most likely stands for in `inputShape`, as a path relative to
 * the object (`"result"`, `"result.rlmCalls"`), or `null` when nothing is close.
 */
export function suggestField(inputShape: InputShape, key: string): string | null {
  const alias = inputShape.aliases[looseName(key)];
  if (alias !== undefined) return alias;
  return closestName(key, inputShape.fields);
}
