/** A pino logger whose output the test reads back: trajlog's diagnostics, captured. */
import { pino, type Logger } from "pino";

export interface CapturedLogger {
  logger: Logger;
  /** Every record logged so far, parsed. */
  records: () => Array<Record<string, unknown>>;
}

export function captureLogger(): CapturedLogger {
  const lines: string[] = [];
  const logger = pino({ level: "debug", base: null, timestamp: false }, { write: (line: string) => lines.push(line) });
  return { logger, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}
