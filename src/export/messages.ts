/**
 * `--format messages`: chat fine-tuning records. The final conversation of a session (its last
 * prompt and last response) with the session's reward beside it, so that a reward filter
 * gives a behaviour-cloning set.
 */
import type { TrajectoryRecord } from "../reader.js";
import { limitedIterations } from "../internal/session-facts.js";
import type { ExportOptions } from "./options.js";

/** One chat message of a fine-tuning record. */
export interface ChatMessage {
  role: string;
  content: string;
}

/** One fine-tuning record. */
export interface MessagesRecord {
  messages: ChatMessage[];
  /** The session's reward; null when it has none. */
  reward: number | null;
  /** The session it came from. */
  session_id: string;
}

/** The fine-tuning record of one session; null when the session has no iteration. */
export function toMessages(record: TrajectoryRecord, options: ExportOptions = {}): MessagesRecord | null {
  const iterations = limitedIterations(record, options.trajectoryLimit);
  const last = iterations[iterations.length - 1];
  if (last === undefined) return null;
  const messages: ChatMessage[] = last.prompt.map((m) => ({ role: m.role, content: m.content }));
  messages.push({ role: "assistant", content: last.response });
  return { messages, reward: record.summary?.reward ?? null, session_id: record.sessionId };
}
