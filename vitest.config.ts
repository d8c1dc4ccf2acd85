import os from "node:os";
import path from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { configDefaults, defineConfig } from "vitest/config";

/**
 * Files that take seconds (they pack and install the package, fill a 64 MiB buffer in a
 * memory-limited child, drive Chromium over thousands of files, or measure redaction at 1 MiB),
 * roughly longest first, by file name (folders move). They start first, so that the many short
 * files fill the other workers around them instead of one of these finishing alone at the end.
 * Vitest otherwise orders by durations cached from an earlier run, which a fresh clone does not
 * have.
 */
const SLOW_FIRST = [
  "install.test.ts",
  "exit-memory.test.ts",
  "pages.test.ts",
  "e2e.test.ts",
  "indexing.test.ts",
  "content-policy-linear-time.test.ts",
  "descriptors.test.ts",
  "hostile-tree.test.ts",
  "exit.test.ts",
  "view.test.ts",
  "concurrency.test.ts",
  "host-check.test.ts",
  "examples.test.ts",
];

/**
 * Files that time code in the test process itself, as a ratio against ordinary input: each
 * gets a fresh process, with no heap or compiled code left over from other files. Every other
 * file shares its worker's process with the files run before it (no new Node.js and no second
 * import of the same modules per file); they start their own processes for anything that
 * needs one.
 */
const OWN_PROCESS = ["test/**/content-policy-linear-time.test.ts", "test/**/free-form-linear-time.test.ts", "test/**/export-redact.test.ts"];

class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification) => {
      const i = SLOW_FIRST.indexOf(path.basename(spec.moduleId));
      return i === -1 ? SLOW_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the rest keep Vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Vitest's default is one worker fewer than the cores, so on two cores one file ran at a
    // time. Most slow files wait on child processes, Chromium or the disk rather than compute,
    // so a worker more than the cores keeps them all busy.
    maxWorkers: os.availableParallelism() + 1,
    sequence: { sequencer: SlowFirstSequencer },
    projects: [
      { extends: true, test: { name: "own-process", include: OWN_PROCESS, isolate: true } },
      {
        extends: true,
        test: { name: "shared-process", include: ["test/**/*.test.ts"], exclude: [...configDefaults.exclude, ...OWN_PROCESS], isolate: false },
      },
    ],
    // The JSON report lets .ci/run close with a plain "N passed, N failed" line.
    reporters: ["default", ["json", { outputFile: "test-artifacts/vitest.json" }]],
  },
});
