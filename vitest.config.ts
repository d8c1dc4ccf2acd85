import os from "node:os";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { defineConfig } from "vitest/config";

/**
 * Files that take seconds (they pack and install the package, drive Chromium, fill a 64 MiB
 * buffer in a memory-limited child, or measure redaction at 1 MiB), longest first. They start
 * first, so that the many short files fill the other workers around them instead of one of
 * these finishing alone at the end. Vitest orders by the durations it cached in an earlier run,
 * which a fresh clone does not have.
 */
const SLOW_FIRST = [
  "test/package/install.test.ts",
  "test/process/exit-memory.test.ts",
  "test/viewer/pages.test.ts",
  "test/viewer/e2e.test.ts",
  "test/content-policy.linear-time.test.ts",
  "test/process/descriptors.test.ts",
  "test/cli/hostile-tree.test.ts",
  "test/process/exit.test.ts",
  "test/cli/view.test.ts",
  "test/process/concurrency.test.ts",
  "test/viewer/host-check.test.ts",
];

class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const i = SLOW_FIRST.findIndex((file) => spec.moduleId.endsWith(`/${file}`));
      return i === -1 ? SLOW_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the rest keep Vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Vitest's default is one worker fewer than the cores, so on two cores one file ran at a
    // time. Most slow files wait on child processes, Chromium or the disk rather than compute,
    // so a worker more than the cores keeps them all busy.
    maxWorkers: os.availableParallelism() + 1,
    sequence: { sequencer: SlowFirstSequencer },
    // The JSON report lets .ci/run close with a plain "N passed, N failed" line.
    reporters: ["default", ["json", { outputFile: "test-artifacts/vitest.json" }]],
  },
});
