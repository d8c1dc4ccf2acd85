/**
 * `trajlog export --redact`: the logger's content policy applied to a session read from disk,
 * for logs written without it (or with an older policy). Same patterns, markers and caps.
 */
import { applyContentPolicy } from "../write/policy/apply.js";
import { defaultContentPolicy, type ContentPolicy } from "../write/policy/content-policy.js";
import type { TrajectoryRecord } from "../read/reader.js";

/** A session after the content policy, with what the policy did to it. */
export interface RedactedRecord {
  record: TrajectoryRecord;
  /** Secrets replaced across all lines of the session. */
  redactions: number;
  /** Strings cut by a cap across all lines of the session. */
  truncations: number;
  /** Secrets replaced, per kind. */
  redactionsByKind: Record<string, number>;
}

/** Applies `policy` to every line of a session; the input record is not changed. */
export function redactRecord(record: TrajectoryRecord, policy: ContentPolicy = defaultContentPolicy()): RedactedRecord {
  const out: RedactedRecord = { record, redactions: 0, truncations: 0, redactionsByKind: {} };
  const apply = <T extends object>(line: T): T => {
    const result = applyContentPolicy(line, policy);
    out.redactions += result.redactions;
    out.truncations += result.truncations;
    for (const [kind, n] of Object.entries(result.redactionsByKind)) {
      out.redactionsByKind[kind] = (out.redactionsByKind[kind] ?? 0) + n;
    }
    return result.line;
  };
  out.record = {
    ...record,
    metadata: record.metadata === null ? null : apply(record.metadata),
    iterations: record.iterations.map(apply),
    summary: record.summary === null ? null : apply(record.summary),
  };
  return out;
}
