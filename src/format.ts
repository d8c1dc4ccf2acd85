/**
 * The trajectory file format: one definition of each line type.
 *
 * Each schema below is both the JSON Schema (for validation by `trajlog validate` and the
 * tests) and, through `Static`, the TypeScript type, so the two cannot drift apart.
 * Every schema allows unknown extra keys: the format says readers ignore what they do not know.
 */
import type { Static, TSchema } from "@sinclair/typebox";
import { Type } from "./internal/typebox.js";

/** An ISO 8601 UTC timestamp, as `Date#toISOString()` writes it. */
export const IsoTimestamp = Type.String({
  pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$",
  description: "ISO 8601 timestamp, UTC",
});

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Count = Type.Integer({ minimum: 0 });
const Seconds = Type.Number({ minimum: 0, description: "seconds" });

/** One chat message sent to the model. */
export const PromptMessageSchema = Type.Object({
  role: Type.String(),
  content: Type.String(),
});
/** One chat message sent to the model. */
export type PromptMessage = Static<typeof PromptMessageSchema>;

/**
 * Token counts of one model call. `prompt_tokens` counts every input token, those read from
 * or written to the provider's prompt cache included; the cache counts say how many of them
 * were, and are present only when the model's SDK reported them.
 */
export const UsageSchema = Type.Object(
  {
    prompt_tokens: Count,
    completion_tokens: Count,
    cache_read_tokens: Type.Optional(
      Type.Integer({ minimum: 0, description: "prompt tokens read from the prompt cache" }),
    ),
    cache_creation_tokens: Type.Optional(
      Type.Integer({ minimum: 0, description: "prompt tokens written to the prompt cache" }),
    ),
  },
  { description: "token usage of a model call, when the caller knows it" },
);
/** Token counts of one model call. */
export type Usage = Static<typeof UsageSchema>;

/** A sub-model call made while a code block ran. */
export const RlmCallSchema = Type.Object({
  root_model: Type.String(),
  prompt: Type.Union([Type.String(), Type.Record(Type.String(), Type.Unknown()), Type.Array(Type.Unknown())]),
  response: Type.String(),
  prompt_tokens: Count,
  completion_tokens: Count,
  cache_read_tokens: Type.Optional(UsageSchema.properties.cache_read_tokens),
  cache_creation_tokens: Type.Optional(UsageSchema.properties.cache_creation_tokens),
  execution_time: Seconds,
});
/** A sub-model call made while a code block ran. */
export type RlmCall = Static<typeof RlmCallSchema>;

/** What running one code block produced. */
export const CodeBlockResultSchema = Type.Object({
  stdout: Type.String(),
  stderr: Type.String(),
  locals: Type.Record(Type.String(), Type.Unknown()),
  execution_time: Seconds,
  rlm_calls: Type.Array(RlmCallSchema),
  final_answer: Nullable(Type.String()),
});
/** What running one code block produced. */
export type CodeBlockResult = Static<typeof CodeBlockResultSchema>;

/** One executed code block and its result. */
export const CodeBlockSchema = Type.Object({
  code: Type.String(),
  result: CodeBlockResultSchema,
});
/** One executed code block and its result. */
export type CodeBlock = Static<typeof CodeBlockSchema>;

/** A final answer: plain, or a `[label, answer]` pair. */
export const FinalAnswerSchema = Nullable(
  Type.Union([Type.String(), Type.Tuple([Type.String(), Type.String()])]),
);
/** A final answer: plain, or a `[label, answer]` pair. */
export type FinalAnswer = Static<typeof FinalAnswerSchema>;

/** How the session came to be logged; written by trajlog as an extra metadata key. */
export const SamplingInfoSchema = Type.Object({
  rate: Type.Number({ minimum: 0, maximum: 1 }),
  by: Type.Union([Type.Literal("rollout"), Type.Literal("instance"), Type.Literal("custom")]),
  forced: Type.Boolean(),
});
/** How the session came to be logged; written by trajlog as an extra metadata key. */
export type SamplingInfo = Static<typeof SamplingInfoSchema>;

/** The content policy the session was written under; written by trajlog as an extra metadata key. */
export const ContentPolicyInfoSchema = Type.Object({
  redact: Type.Array(Type.String(), { description: "kinds of secret replaced by [REDACTED:<kind>]" }),
  max_field_bytes: Nullable(Type.Integer({ minimum: 1, description: "cap on one string, UTF-8 bytes; null: none" })),
  max_line_bytes: Nullable(Type.Integer({ minimum: 1, description: "cap on one line, UTF-8 bytes; null: none" })),
});
/** The content policy the session was written under; written by trajlog as an extra metadata key. */
export type ContentPolicyInfo = Static<typeof ContentPolicyInfoSchema>;

/** Line 1 of every file: the session's configuration. */
export const MetadataLineSchema = Type.Object({
  type: Type.Literal("metadata"),
  timestamp: IsoTimestamp,
  root_model: Type.String(),
  max_depth: Type.Integer(),
  max_iterations: Type.Integer(),
  backend: Type.String(),
  backend_kwargs: Nullable(Type.Record(Type.String(), Type.Unknown())),
  environment_type: Type.String(),
  environment_kwargs: Nullable(Type.Record(Type.String(), Type.Unknown())),
  other_backends: Nullable(Type.Array(Type.Unknown())),
  instance_id: Type.String(),
  training_step: Count,
  experiment_name: Type.String(),
  sampling: Type.Optional(SamplingInfoSchema),
  content_policy: Type.Optional(ContentPolicyInfoSchema),
  prompt_encoding: Type.Optional(
    Type.Union([Type.Literal("full"), Type.Literal("delta")], {
      description: "how iteration lines carry their prompts: whole (`prompt`, the default) or as `prompt_delta`",
    }),
  ),
});
/** Line 1 of every file: the session's configuration. */
export type MetadataLine = Static<typeof MetadataLineSchema> & Record<string, unknown>;

/** One line per iteration (REPL step). */
export const IterationLineSchema = Type.Object({
  type: Type.Literal("iteration"),
  iteration: Type.Integer({ minimum: 1 }),
  timestamp: IsoTimestamp,
  prompt: Type.Array(PromptMessageSchema),
  response: Type.String(),
  code_blocks: Type.Array(CodeBlockSchema),
  final_answer: FinalAnswerSchema,
  iteration_time: Nullable(Seconds),
  usage: Type.Optional(UsageSchema),
});
/** One line per iteration (REPL step). */
export type IterationLine = Static<typeof IterationLineSchema> & Record<string, unknown>;

/** The last line: how the rollout ended. A file without one never finished. */
export const SummaryLineSchema = Type.Object({
  type: Type.Literal("summary"),
  timestamp: IsoTimestamp,
  reward: Nullable(Type.Number()),
  total_steps: Count,
  total_iterations: Count,
  error: Type.Optional(Type.Unknown({ description: "set when the rollout failed: the error, made JSON-safe" })),
  dropped_lines: Type.Optional(Count),
});
/** The last line: how the rollout ended. A file without one never finished. */
export type SummaryLine = Static<typeof SummaryLineSchema> & Record<string, unknown>;

/** Any line of a trajectory file. */
export type TrajectoryLine = MetadataLine | IterationLine | SummaryLine;

/** The schema of each line type, keyed by its `type` value. */
export const LINE_SCHEMAS = {
  metadata: MetadataLineSchema,
  iteration: IterationLineSchema,
  summary: SummaryLineSchema,
} as const;

/** The `type` values a trajectory line can have. */
export type LineType = keyof typeof LINE_SCHEMAS;

/** Defaults the format gives metadata fields the caller's config does not set. */
export const METADATA_DEFAULTS = {
  max_depth: 2,
  max_iterations: 15,
  backend: "local",
  environment_type: "local_repl",
} as const;

/**
 * How an iteration line of a `"delta"` session carries its prompt: the first `keep` messages of
 * the previous iteration line's prompt, then `append`. Written instead of `prompt`, so a reader
 * that does not know it sees no prompt rather than a wrong one.
 */
export const PromptDeltaSchema = Type.Object(
  {
    keep: Type.Integer({ minimum: 0, description: "messages kept from the previous iteration line's prompt" }),
    append: Type.Array(PromptMessageSchema, { description: "the messages that follow them" }),
  },
  { description: "the prompt as a change to the previous iteration line's prompt" },
);
/** How an iteration line of a `"delta"` session carries its prompt. */
export type PromptDelta = Static<typeof PromptDeltaSchema>;

/** How a session's iteration lines carry their prompts; recorded as `prompt_encoding` in its metadata line. */
export type PromptEncoding = "full" | "delta";

/** The metadata key that records a session's {@link PromptEncoding}; absent means `"full"`. */
export const PROMPT_ENCODING_KEY = "prompt_encoding";

/**
 * An iteration line as a `"delta"` session writes it: `prompt_delta` in place of `prompt`.
 * Readers rebuild `prompt` from it, so what they hand out is an {@link IterationLine}.
 */
export const DeltaIterationLineSchema = Type.Composite([
  Type.Omit(IterationLineSchema, ["prompt"]),
  Type.Object({ prompt_delta: PromptDeltaSchema }),
]);
/** An iteration line as a `"delta"` session writes it. */
export type DeltaIterationLine = Static<typeof DeltaIterationLineSchema> & Record<string, unknown>;
