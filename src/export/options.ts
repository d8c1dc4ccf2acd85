/** Options shared by the export formats. */
import type { PriceTable } from "./prices.js";

/** How a session is turned into output records. */
export interface ExportOptions {
  /** The session file's path relative to the exported directory, recorded in the output. @default the file name */
  relPath?: string;
  /** Export at most this many iterations of each session (the first ones). @default no limit */
  trajectoryLimit?: number;
  /** A reward above this counts as success (opentraces `outcome.success`). @default 0 */
  successThreshold?: number;
  /**
   * Secrets the export replaced in this session (`--redact`); recorded in opentraces
   * `security`. @default none: the content was not scanned at export
   */
  redactionsApplied?: number;
  /**
   * Prices for opentraces `metrics.estimated_cost_usd`. @default none: the cost is left null,
   * since the logs hold tokens, not prices
   */
  prices?: PriceTable;
}
