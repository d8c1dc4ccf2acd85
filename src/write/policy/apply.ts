/**
 * `applyContentPolicy`: the content policy on a line already parsed from a file, exactly as
 * the logger applies it when writing (same serializer, same steps).
 */
import { describe } from "../../internal/describe.js";
import { lineText } from "../serialize/line-text.js";
import { ContentPolicy, defaultContentPolicy, policyTransform } from "./content-policy.js";
import type { RedactionCounts } from "./secret-patterns.js";

/** What {@link applyContentPolicy} returns. */
export interface ContentPolicyResult<T> {
  /** The line after the policy: a new object, the input is never changed. */
  line: T;
  /** Secrets replaced. */
  redactions: number;
  /** Strings (or, as a last resort, free-form values) cut by a cap. */
  truncations: number;
  /** Secrets replaced, per kind. */
  redactionsByKind: Record<string, number>;
}

/**
 * Applies a policy to one line already parsed from a trajectory file (any line type), exactly
 * as the logger would have applied it when writing: same patterns, same markers, same caps.
 * Pure: the input is not changed and nothing is written. Throws only on a line that is not
 * an object or a policy not made by `createContentPolicy`.
 *
 * ```ts
 * const policy = defaultContentPolicy();
 * const { line, redactions } = applyContentPolicy(JSON.parse(text), policy);
 * ```
 */
export function applyContentPolicy<T extends object>(
  line: T,
  policy: ContentPolicy = defaultContentPolicy(),
): ContentPolicyResult<T> {
  if (typeof line !== "object" || line === null || Array.isArray(line)) {
    throw new TypeError(`trajlog: applyContentPolicy expects a parsed line (an object); received ${describe(line)}`);
  }
  if (!(policy instanceof ContentPolicy)) {
    throw new TypeError(
      `trajlog: applyContentPolicy expects a policy from createContentPolicy() or defaultContentPolicy(); received ${describe(policy)}`,
    );
  }
  const counts: RedactionCounts = { redactions: 0, truncations: 0, byKind: {} };
  const text = lineText(line, policyTransform(policy), counts);
  return {
    line: JSON.parse(text) as T,
    redactions: counts.redactions,
    truncations: counts.truncations,
    redactionsByKind: counts.byKind,
  };
}
