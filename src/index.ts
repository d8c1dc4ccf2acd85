export {
  TrajectoryLogger,
  FORCE_ENV,
  LOG_LEVEL_ENV,
  DEFAULT_MAX_BUFFER_BYTES,
  DEFAULT_MAX_OPEN_FILES,
  type TrajectoryLoggerOptions,
  type StartSessionOptions,
  type TrajectoryLoggerStats,
} from "./logger.js";
export { TrajectorySession, NullSession, NULL_SESSION, type Session } from "./write/session.js";
export type { DiagnosticsLogger } from "./diagnostics.js";
export type { InputStats } from "./input-report.js";
export {
  BernoulliSampler,
  type BernoulliSamplerOptions,
  type Sampler,
  type SampleBy,
  type SamplingContext,
} from "./sampler.js";
export type {
  IterationInput,
  SummaryInput,
  PromptInput,
  PromptMessageInput,
  CodeBlockInput,
  CodeResultInput,
  RlmCallInput,
  UsageInput,
} from "./lines.js";
export type { WriterStats } from "./write/writer-stats.js";
export { applyContentPolicy, type ContentPolicyResult } from "./write/policy/apply.js";
export {
  ContentPolicy,
  createContentPolicy,
  defaultContentPolicy,
  BUILTIN_SECRET_KINDS,
  DEFAULT_MAX_FIELD_BYTES,
  DEFAULT_MAX_LINE_BYTES,
  MIN_LINE_CAP,
  REDACTOR_KIND,
  type BuiltinSecretKind,
  type ContentPolicyOptions,
  type RedactOptions,
  type SecretPattern,
} from "./write/policy/content-policy.js";
export {
  LINE_SCHEMAS,
  METADATA_DEFAULTS,
  MetadataLineSchema,
  IterationLineSchema,
  SummaryLineSchema,
  CodeBlockSchema,
  CodeBlockResultSchema,
  RlmCallSchema,
  UsageSchema,
  PromptMessageSchema,
  FinalAnswerSchema,
  SamplingInfoSchema,
  ContentPolicyInfoSchema,
  PromptDeltaSchema,
  DeltaIterationLineSchema,
  PROMPT_ENCODING_KEY,
  type PromptDelta,
  type PromptEncoding,
  type DeltaIterationLine,
  type ContentPolicyInfo,
  type MetadataLine,
  type IterationLine,
  type SummaryLine,
  type TrajectoryLine,
  type LineType,
  type CodeBlock,
  type CodeBlockResult,
  type RlmCall,
  type Usage,
  type PromptMessage,
  type FinalAnswer,
  type SamplingInfo,
} from "./format.js";
export { safeSegment, sessionPath, stepDir } from "./paths.js";
export { readSessions, scanSessions, sessionStart, findLatestSession, type SessionRef, type SessionFilter } from "./read/scan.js";
export {
  readSession,
  parseSession,
  DEFAULT_READ_MAX_LINE_BYTES,
  DEFAULT_READ_MAX_FILE_BYTES,
  SessionFileTooLargeError,
  type ReadOptions,
  type TrajectoryRecord,
  type LineProblem,
  type CompactIterationLine,
} from "./read/reader.js";
export { validateSessionFile, type ExpectedPlace, type ValidateOptions } from "./read/validate.js";
export type { ExportOptions } from "./export/options.js";
export { toOpenTraces } from "./export/opentraces.js";
export {
  TraceRecordSchema,
  StepSchema as OpenTracesStepSchema,
  OPENTRACES_SCHEMA_VERSION,
  type TraceRecord,
  type Step as OpenTracesStep,
} from "./export/opentraces-schema.js";
export {
  toAtlas,
  atlasJson,
  ATLAS_PRIOR_RESULT_MAX_BYTES,
  ATLAS_PRIOR_RESULTS_MAX_BYTES,
  type AtlasSessionTrace,
  type AtlasStepTrace,
  type AtlasRewardBreakdown,
} from "./export/atlas.js";
export { toMessages, type MessagesRecord, type ChatMessage } from "./export/messages.js";
export { toRlmLines, toRlmText } from "./export/rlm.js";
export {
  toHfTraceLines,
  toHfTraceText,
  HF_TRACES_HARNESS,
  type HfSessionHeader,
  type HfMessage,
  type HfMessageLine,
  type HfToolCall,
} from "./export/hf-traces.js";
export { parsePriceTable, estimateCost, type PriceTable, type ModelPrice, type CostEstimate } from "./export/prices.js";
export { EXPORT_FORMATS, EXPORT_FORMAT_NAMES, type ExportFormat, type ExportFormatName } from "./export/formats.js";
export {
  sessionState,
  sessionReward,
  missingReward,
  isForced,
  DEFAULT_LIVE_WINDOW_MS,
  type SessionState,
  type MissingReward,
} from "./read/session-facts.js";
export {
  convertSessionFile,
  type ConvertOptions,
  type ConvertResult,
} from "./convert.js";
