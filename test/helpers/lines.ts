/** Metadata lines for fixtures and expectations: the format's defaults, and what the test sets. */
import type { Static } from "@sinclair/typebox";
import { METADATA_DEFAULTS, MetadataLineSchema, type MetadataLine } from "../../src/index.js";

/** A metadata line's fields after `type`: the spec's keys, none other. */
type SpecFields = Omit<Static<typeof MetadataLineSchema>, "type">;

/** The fields of a metadata line a test may set. */
export type MetadataFields = Partial<SpecFields>;

/**
 * The fields of a metadata line after `type`, in the spec's order: the format's defaults
 * (`METADATA_DEFAULTS`, null kwargs), a fixed session identity, then `fields`.
 */
export function metadataFields(fields: MetadataFields = {}): SpecFields {
  return {
    timestamp: "2026-02-19T14:30:00.000Z",
    root_model: "m",
    max_depth: METADATA_DEFAULTS.max_depth,
    max_iterations: METADATA_DEFAULTS.max_iterations,
    backend: METADATA_DEFAULTS.backend,
    backend_kwargs: null,
    environment_type: METADATA_DEFAULTS.environment_type,
    environment_kwargs: null,
    other_backends: null,
    instance_id: "i",
    training_step: 0,
    experiment_name: "e",
    ...fields,
  };
}

/** A complete metadata line: {@link metadataFields} behind `type: "metadata"`. */
export function metadataLine(fields: MetadataFields = {}): MetadataLine {
  return { type: "metadata", ...metadataFields(fields) };
}

/** A minimal valid iteration line: iteration `n`, one user message, no code, one second. */
export function iterationLine(n = 1, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "iteration",
    iteration: n,
    timestamp: "2026-02-19T14:30:01.000Z",
    prompt: [{ role: "user", content: "q" }],
    response: "r",
    code_blocks: [],
    final_answer: null,
    iteration_time: 1,
    ...extra,
  };
}
