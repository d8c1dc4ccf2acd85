/**
 * Redaction runs in linear time: no input makes the built-in patterns or the pair scanner
 * slower than a small constant times ordinary text of the same size. Measured through
 * applyContentPolicy (the logger's write path and `trajlog export --redact` alike), each
 * adversarial input interleaved with a benign one in the same test, as a ratio of the two.
 */
import { describe, expect, it } from "vitest";
import { applyContentPolicy } from "../../../src/write/policy/apply.js";
import { ADVERSARIAL_INPUTS, benignText, iterationLineWith, type AdversarialInput } from "../../../bench/lib/adversarial-text.mjs";

/**
 * The most an adversarial input may cost, as a multiple of benign text of the same size.
 * Measured, the slowest costs about 8 times (dense matches: a marker every few characters,
 * or escape-heavy JSON); the rest of the margin is for a shared, busy machine. A scan that
 * goes back over what it read costs hundreds of times more at 64 KiB, thousands at 1 MiB.
 */
const MAX_RATIO = 40;
/** Attempts per input: a ratio over the bound is measured again, to rule out a noisy moment. */
const ATTEMPTS = 5;

/** Microseconds of CPU time this process has used so far (all its threads, user and kernel). */
function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/**
 * The CPU time applyContentPolicy takes on `line`, `times` over; fails on a policy error (a
 * throw inside). CPU time rather than wall time: the suite runs files side by side on few
 * cores, and the moments the scheduler gives another process are not the policy's cost.
 */
function cost(line: Record<string, unknown>, times: number): number {
  const started = cpuMicros();
  for (let i = 0; i < times; i++) {
    const result = applyContentPolicy(line);
    if (result.redactionsByKind.policy_error !== undefined) throw new Error("the content policy failed on its input");
  }
  return cpuMicros() - started;
}

/**
 * The input's cost over benign text's, the best of up to ATTEMPTS interleaved pairs (a pass
 * under the bound ends it). Small inputs are run several times per measurement, so that one
 * measurement is milliseconds long, well above the scheduler's slices on a busy machine.
 */
function ratio(input: AdversarialInput, size: number, benign: Record<string, unknown>): number {
  const line = iterationLineWith(input.build(size));
  const times = Math.max(1, Math.round((256 * 1024) / size));
  let best = Infinity;
  for (let i = 0; i < ATTEMPTS && best > MAX_RATIO; i++) {
    const base = cost(benign, times);
    best = Math.min(best, cost(line, times) / base);
  }
  return best;
}

function overBound(size: number): string[] {
  const benign = iterationLineWith(benignText(size));
  cost(benign, 3); // warm-up
  const over: string[] = [];
  for (const input of ADVERSARIAL_INPUTS) {
    const r = ratio(input, size, benign);
    if (r > MAX_RATIO) over.push(`${input.name}: ${r.toFixed(1)}×`);
  }
  return over;
}

describe("redaction in linear time", () => {
  it(`costs at most ${MAX_RATIO}× benign text on any of ${ADVERSARIAL_INPUTS.length} adversarial inputs, at 64 KiB then 1 MiB`, { timeout: 120_000 }, () => {
    // 64 KiB first: a quadratic scan already shows there, in a second rather than minutes.
    expect(overBound(64 * 1024)).toEqual([]);
    expect(overBound(1024 * 1024)).toEqual([]);
  });
});
