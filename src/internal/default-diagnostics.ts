/**
 * trajlog's default diagnostics on stderr: one readable line per warning on a terminal,
 * pino's JSON lines otherwise (a log collector, a file, a pipe). Either way each line is
 * written when it happens, synchronously.
 */
import fs from "node:fs";
import { pino, type Logger } from "pino";

/** pino's level names, which `TRAJLOG_LOG_LEVEL` takes. */
const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
const LEVEL_NAMES: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
/** pino's own keys of a record: not repeated on the human line. */
const RECORD_KEYS = new Set(["level", "time", "pid", "hostname", "name", "msg", "component"]);

/**
 * The default diagnostics: pino at `level` (a level name; anything else falls back to
 * `warn`, and says so) writing to stderr, as a human line when stderr is a terminal.
 */
export function defaultDiagnostics(level: string | undefined, stderr: NodeJS.WriteStream = process.stderr): Logger {
  const valid = level === undefined || (LEVELS as readonly string[]).includes(level);
  const human = stderr.isTTY === true;
  const destination = human
    ? { write: (line: string) => writeStderr(humanLine(line, useColor(stderr))) }
    : pino.destination({ dest: 2, sync: true });
  const logger = pino({ name: "trajlog", level: valid && level !== undefined ? level : "warn" }, destination);
  if (!valid) {
    logger.warn(
      { env: "TRAJLOG_LOG_LEVEL", value: level },
      `trajlog: TRAJLOG_LOG_LEVEL=${JSON.stringify(level)} is not a level (${LEVELS.join(", ")}); using "warn"`,
    );
  }
  return logger;
}

/**
 * One pino JSON record as one line for a person: `12:00:03 WARN trajlog: ... path=/x.jsonl`.
 * Context values that are not already in the message follow it as `key=value`.
 */
export function humanLine(record: string, color = false): string {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(record) as Record<string, unknown>;
  } catch {
    return record.endsWith("\n") ? record : `${record}\n`;
  }
  const level = typeof parsed.level === "number" ? (LEVEL_NAMES[parsed.level] ?? String(parsed.level)) : "LOG";
  const time = typeof parsed.time === "number" ? new Date(parsed.time).toTimeString().slice(0, 8) : "";
  const message = typeof parsed.msg === "string" ? parsed.msg : "";
  let text = message;
  for (const [key, value] of Object.entries(parsed)) {
    if (RECORD_KEYS.has(key)) continue;
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") continue;
    const shown = String(value);
    if (message.includes(shown)) continue;
    text += ` ${key}=${/\s/.test(shown) || shown === "" ? JSON.stringify(shown) : shown}`;
  }
  // One line, whatever a message or value held.
  text = text.replace(/[\r\n]+/g, " ");
  const tag = color ? `${level === "WARN" ? "\x1b[33m" : level === "INFO" || level === "DEBUG" || level === "TRACE" ? "\x1b[36m" : "\x1b[31m"}${level}\x1b[39m` : level;
  return `${time} ${tag} ${text}\n`;
}

function useColor(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "") return false;
  try {
    return typeof stream.hasColors === "function" && stream.hasColors();
  } catch {
    return false;
  }
}

function writeStderr(text: string): void {
  try {
    fs.writeSync(2, text);
  } catch {
    // Diagnostics never break the loop: a closed or full stderr loses the line, nothing else.
  }
}
