/**
 * Kill moments for the crash tests: random, so that runs cover many points of the write path,
 * and drawn from a seed so that a failure can be replayed. The seed is printed when a test
 * that drew a moment fails; `TRAJLOG_CRASH_SEED=<seed>` replays the same moments.
 */
import { randomInt } from "node:crypto";
import seedrandom from "seedrandom";
import { onTestFailed } from "vitest";

/** A generator of kill delays in milliseconds, below `maxMs`; call it inside a test. */
export function killMoments(maxMs = 300): () => number {
  const seed = process.env.TRAJLOG_CRASH_SEED ?? String(randomInt(2 ** 31));
  const random = seedrandom(seed);
  return () => {
    onTestFailed(() => {
      console.error(`crash test kill moments from seed ${seed}: rerun with TRAJLOG_CRASH_SEED=${seed}`);
    });
    return Math.floor(random() * maxMs);
  };
}
