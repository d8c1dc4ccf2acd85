/**
 * `--format rlm`: copies the RLM visualizer can load. The visualizer takes every line but the
 * metadata as an iteration and reads `code_blocks.length` unguarded, so the copy drops the
 * summary line (and any skipped line), and keeps prompts as arrays of string-content messages.
 */
import type { IterationLine, MetadataLine } from "../format.js";
import type { TrajectoryRecord } from "../read/reader.js";
import { limitedIterations } from "../read/session-facts.js";
import { flattenContent } from "../internal/normalize-prompt.js";
import type { ExportOptions } from "./options.js";

/** The lines of the visualizer copy of one session: metadata (when present), then iterations. */
export function toRlmLines(record: TrajectoryRecord, options: ExportOptions = {}): (MetadataLine | IterationLine)[] {
  const lines: (MetadataLine | IterationLine)[] = [];
  if (record.metadata !== null) lines.push(record.metadata);
  for (const iteration of limitedIterations(record, options.trajectoryLimit)) {
    lines.push({
      ...iteration,
      prompt: iteration.prompt.map((m) => ({ ...m, content: flattenContent(m.content) })),
    });
  }
  return lines;
}

/** The visualizer copy of one session as file text. */
export function toRlmText(record: TrajectoryRecord, options: ExportOptions = {}): string {
  let text = "";
  for (const line of toRlmLines(record, options)) text += `${JSON.stringify(line)}\n`;
  return text;
}
