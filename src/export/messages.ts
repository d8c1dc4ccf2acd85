/**
 * `--format messages`: chat fine-tuning records. The final conversation of a session (its last
 * prompt and last response) with the session's reward beside it, so that a reward filter
 * gives a behaviour-cloning set. `trajlog export` writes only sessions with a finite reward
 * unless asked; a record of a session without one says why in `missing_reward`.
 */
import type { TrajectoryRecord } from "../read/reader.js";
import { isForced, limitedIterations, missingReward, sessionReward, type MissingReward } from "../read/session-facts.js";
import type { ExportOptions } from "./options.js";

/** One chat message of a fine-tuning record. */
export interface ChatMessage {
  role: string;
  content: string;
}

/** One fine-tuning record. */
export interface MessagesRecord {
  messages: ChatMessage[];
  /** The session's reward; null when it has none (then `missing_reward` says why). */
  reward: number | null;
  /** Why the session has no reward; present only then. */
  missing_reward?: MissingReward;
  /** True for a session logged because it was forced: not part of the sample. */
  forced: boolean;
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
  const missing = missingReward(record);
  return {
    messages,
    reward: sessionReward(record),
    ...(missing !== null ? { missing_reward: missing } : {}),
    forced: isForced(record),
    session_id: record.sessionId,
  };
}
