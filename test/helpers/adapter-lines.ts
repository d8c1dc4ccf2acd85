/**
 * Expected lines for the framework adapter tests: the fields a test states, and what is the
 * same in every iteration line (a timestamp, a duration) matched by kind.
 */
import { expect } from "vitest";

/** Any ISO timestamp. */
export const anyTimestamp = expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/);
/** Any duration in seconds. */
export const anySeconds = expect.any(Number);

/** An iteration line: `fields` over the defaults of a call with no text, no tool call, no answer. */
export function expectedIteration(iteration: number, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    type: "iteration",
    iteration,
    timestamp: anyTimestamp,
    response: "",
    code_blocks: [],
    final_answer: null,
    iteration_time: anySeconds,
    ...fields,
  };
}

/** A code block: the call, its stdout, and any other result fields that differ from a clean run. */
export function expectedBlock(code: string, stdout: string, result: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    code,
    result: { stdout, stderr: "", locals: {}, execution_time: 0, rlm_calls: [], final_answer: null, ...result },
  };
}
