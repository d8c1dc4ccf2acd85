/**
 * The export formats: for each, how a session is rendered, where it goes (one JSON line per
 * session, or one file per session under a directory), and whether the format needs a reward.
 * `trajlog export` and its help are driven by this table.
 */
import type { TrajectoryRecord } from "../read/reader.js";
import { atlasJson, toAtlas } from "./atlas.js";
import { toHfTraceText } from "./hf-traces.js";
import { toMessages } from "./messages.js";
import type { ExportOptions } from "./options.js";
import { toOpenTraces } from "./opentraces.js";
import { toRlmText } from "./rlm.js";

/** The names `--format` accepts. */
export const EXPORT_FORMAT_NAMES = ["opentraces", "atlas", "messages", "rlm", "hf-traces"] as const;
/** One of {@link EXPORT_FORMAT_NAMES}. */
export type ExportFormatName = (typeof EXPORT_FORMAT_NAMES)[number];

/** One export format. */
export interface ExportFormat {
  name: ExportFormatName;
  /** One line for the help. */
  summary: string;
  /** `lines`: one JSON line per session to a file or stdout; `files`: one file per session, under a directory as `<experiment>/step_N/<session>.jsonl`. */
  layout: "lines" | "files";
  /**
   * True when the format carries the reward as a number a trainer learns from: sessions
   * without a finite reward are then left out unless the caller asks for them, and written
   * marked (a null reward and `missing_reward`) when asked.
   */
  needsReward: boolean;
  /** The session's line (without its newline) or file text; null when the format has nothing to write for it. */
  render(record: TrajectoryRecord, options: ExportOptions): string | null;
}

/** Every format, by name. */
export const EXPORT_FORMATS: Readonly<Record<ExportFormatName, ExportFormat>> = {
  opentraces: {
    name: "opentraces",
    summary: "opentraces TraceRecord, schema 0.3.0 (default)",
    layout: "lines",
    needsReward: false,
    render: (record, options) => JSON.stringify(toOpenTraces(record, options)),
  },
  atlas: {
    name: "atlas",
    summary: "AtlasSessionTrace, as the ATLAS trainers' load_runtime_traces reads it",
    layout: "lines",
    needsReward: true,
    render: (record, options) => atlasJson(toAtlas(record, options)),
  },
  messages: {
    name: "messages",
    summary: '{"messages": [...], "reward", "forced", "session_id"}: last prompt + last response',
    layout: "lines",
    needsReward: true,
    render: (record, options) => {
      const messages = toMessages(record, options);
      return messages === null ? null : JSON.stringify(messages);
    },
  },
  rlm: {
    name: "rlm",
    summary: "copies the RLM visualizer loads (no summary line)",
    layout: "files",
    needsReward: false,
    render: (record, options) => toRlmText(record, options),
  },
  "hf-traces": {
    name: "hf-traces",
    summary: "Hugging Face Hub session traces (header line, then one line per message)",
    layout: "files",
    needsReward: false,
    render: (record, options) => toHfTraceText(record, options),
  },
};
