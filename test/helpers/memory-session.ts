/**
 * A {@link TrajectorySession} writing to a {@link MemorySink}, with the parts a logger gives
 * it: the default content policy, an input report and diagnostics the test reads back.
 */
import { createContentPolicy } from "../../src/write/policy/content-policy.js";
import type { PromptEncoding } from "../../src/format.js";
import { InputReport } from "../../src/input-report.js";
import { buildMetadataLine } from "../../src/lines.js";
import { TrajectorySession } from "../../src/write/session.js";
import { captureLogger } from "./diagnostics.js";
import { MemorySink } from "./memory-sink.js";

export function memorySession(promptEncoding: PromptEncoding = "full") {
  const { logger, records } = captureLogger();
  const diagnostics = () => logger;
  const sink = new MemorySink();
  const policy = createContentPolicy();
  const counts = { redactions: 0, truncations: 0, byKind: {} };
  const metadata = buildMetadataLine({
    timestamp: new Date(),
    modelName: "m",
    instanceId: "a",
    trainingStep: 0,
    experimentName: "exp",
    sampling: { rate: 1, by: "rollout", forced: false },
    contentPolicy: policy.record,
    promptEncoding,
  });
  const session = new TrajectorySession({
    sink,
    metadata,
    diagnostics,
    input: new InputReport(diagnostics),
    policy,
    counts,
    promptEncoding,
  });
  return { session, sink, records, metadata };
}
