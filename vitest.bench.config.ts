import { defineConfig } from "vitest/config";

// `npm run bench:smoke`: the benchmark in smoke mode, apart from `npm test` (it takes about a
// minute on a busy machine). CI runs both and adds up the two JSON reports.
export default defineConfig({
  test: {
    include: ["bench/**/*.test.ts"],
    testTimeout: 240_000,
    pool: "forks",
    reporters: ["default", ["json", { outputFile: "test-artifacts/vitest-bench.json" }]],
  },
});
