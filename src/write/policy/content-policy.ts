/**
 * The content policy: what a line may carry to disk. Secrets are replaced by a marker naming
 * their kind, and oversized strings and lines are cut, with a marker saying how much.
 *
 * A {@link ContentPolicy} is a validated, compiled set of options; what it does to a line is
 * in transform.ts, and which parts of a line it is applied to, in write/serialize/. The logger
 * applies it to every line it writes; `applyContentPolicy` applies the very same steps to a
 * line already parsed from a file.
 */
import type { ContentPolicyInfo } from "../../format.js";
import { readPolicyOptions, type ContentPolicyOptions, type PolicySpec } from "./options.js";
import { BUILTIN_SECRET_KINDS, type BuiltinSecretKind, type RedactionCounts } from "./secret-patterns.js";
import { PolicyTransform, REDACTOR_KIND } from "./transform.js";

export { BUILTIN_SECRET_KINDS, REDACTOR_KIND, type BuiltinSecretKind, type RedactionCounts };
export {
  DEFAULT_MAX_FIELD_BYTES,
  DEFAULT_MAX_LINE_BYTES,
  MIN_LINE_CAP,
  type ContentPolicyOptions,
  type RedactOptions,
  type SecretPattern,
} from "./options.js";

let make: (spec: PolicySpec) => ContentPolicy;
let transformOfPolicy: (policy: ContentPolicy) => PolicyTransform;

/** A validated, compiled content policy. Build it with {@link createContentPolicy}. */
export class ContentPolicy {
  /** Every kind redacted, as in the metadata record. */
  readonly redactKinds: readonly string[];
  /** Cap on one string in bytes; `Infinity` when none. */
  readonly maxFieldBytes: number;
  /** Cap on a line in bytes; `Infinity` when none. */
  readonly maxLineBytes: number;
  /** The record written in the metadata line. */
  readonly record: ContentPolicyInfo;
  readonly #transform: PolicyTransform;

  static {
    make = (spec) => new ContentPolicy(spec);
    transformOfPolicy = (policy) => policy.#transform;
  }

  /** Use {@link createContentPolicy}, which validates the options. */
  private constructor(spec: PolicySpec) {
    this.#transform = new PolicyTransform(spec);
    this.maxFieldBytes = spec.maxFieldBytes;
    this.maxLineBytes = spec.maxLineBytes;
    this.redactKinds = Object.freeze(this.#transform.kinds.slice());
    this.record = Object.freeze({
      redact: this.#transform.kinds.slice(),
      max_field_bytes: Number.isFinite(spec.maxFieldBytes) ? spec.maxFieldBytes : null,
      max_line_bytes: Number.isFinite(spec.maxLineBytes) ? spec.maxLineBytes : null,
    });
  }
}

/** @internal The steps of `policy`, for the serializer. */
export function policyTransform(policy: ContentPolicy): PolicyTransform {
  return transformOfPolicy(policy);
}

/**
 * Validates options and compiles a policy. Throws a `TypeError`/`RangeError` naming the
 * option, what was expected and what was received.
 */
export function createContentPolicy(options: ContentPolicyOptions = {}): ContentPolicy {
  return make(readPolicyOptions(options));
}

let defaultPolicy: ContentPolicy | null = null;

/** The policy a logger uses when given no content options: every built-in kind, default caps. */
export function defaultContentPolicy(): ContentPolicy {
  defaultPolicy ??= createContentPolicy();
  return defaultPolicy;
}
