/**
 * A line over the line cap made of many small strings (small locals, short messages, small code
 * blocks) costs linear time: twice the strings, about twice the CPU time. Timed in a process of
 * its own (see vitest.config.ts), as CPU time, the two sizes interleaved.
 */
import { describe, expect, it } from "vitest";
import { applyContentPolicy } from "../../../src/write/policy/apply.js";
import { createContentPolicy } from "../../../src/write/policy/content-policy.js";

/** Microseconds of CPU time this process has used so far (all its threads, user and kernel). */
function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

describe("a line over the cap made of many small strings", () => {
  /** A line over the cap of `n` small locals, `n` short messages or `n` small code blocks. */
  const shapes: Record<string, (n: number) => Record<string, unknown>> = {
    locals: (n) => {
      const locals: Record<string, string> = {};
      for (let i = 0; i < n; i++) locals[`v${i}`] = `value number ${i} of many`;
      return { type: "iteration", prompt: [{ role: "user", content: "go" }], code_blocks: [{ code: "x", result: { stdout: "", locals } }] };
    },
    messages: (n) => ({
      type: "iteration",
      prompt: Array.from({ length: n }, (_, i) => ({ role: "user", content: `message number ${i} with some words in it, more words to fill it up `.repeat(3) })),
    }),
    blocks: (n) => ({ type: "iteration", code_blocks: Array.from({ length: n }, (_, i) => ({ code: `print(${i})`, result: { stdout: `out ${i}`, locals: {} } })) }),
  };
  const policy = createContentPolicy({ maxLineBytes: 64 * 1024 });
  /** CPU time of applying the policy to `line`, best of three. */
  const cost = (line: Record<string, unknown>): number => {
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const started = cpuMicros();
      applyContentPolicy(line, policy);
      best = Math.min(best, cpuMicros() - started);
    }
    return best;
  };

  it.each(Object.keys(shapes))("costs linear time: twice the %s, under three times the CPU", { timeout: 60_000 }, (shape) => {
    const make = shapes[shape] as (n: number) => Record<string, unknown>;
    const single = make(20_000);
    const double = make(40_000);
    cost(single); // warm-up
    // Interleaved, best of each: a busy moment on a shared machine (a collection of the
    // other test's garbage) decides neither side. A ratio over the bound is measured again.
    let times = { single: Infinity, double: Infinity };
    for (let round = 0; round < 6 && !(times.double / times.single < 3 && round >= 2); round++) {
      times = { single: Math.min(times.single, cost(single)), double: Math.min(times.double, cost(double)) };
    }
    expect(times.double / times.single, `${shape}: 40,000 ${(times.double / 1000).toFixed(0)} ms, 20,000 ${(times.single / 1000).toFixed(0)} ms`).toBeLessThan(3);
  });
});
