/**
 * The create lane thread's queue: every job taken exactly once, in the order asked, except
 * the ones someone waits for, which go first but never starve the others.
 */
import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { CreateQueue, URGENT_RUN } from "../../src/write/create-queue.js";
import type { CreateJob } from "../../src/write/create-lane.js";

function jobs(from: number, count: number): CreateJob[] {
  return Array.from({ length: count }, (_, i) => ({ id: from + i, dir: "/d", path: `/d/${from + i}`, remakeDir: false }));
}

/** Takes every job left, by id. */
function drain(queue: CreateQueue): number[] {
  const out: number[] = [];
  for (let job = queue.next(); job !== undefined; job = queue.next()) out.push(job.id);
  return out;
}

describe("CreateQueue", () => {
  it("takes jobs in the order asked, each once", () => {
    const queue = new CreateQueue();
    queue.add(jobs(0, 3));
    queue.add(jobs(3, 2));
    expect({ size: queue.size, order: drain(queue), after: queue.size, next: queue.next() }).toEqual({
      size: 5,
      order: [0, 1, 2, 3, 4],
      after: 0,
      next: undefined,
    });
  });

  it("takes the jobs someone waits for first, in the order hurried; unknown, done and repeated ids change nothing", () => {
    const queue = new CreateQueue();
    queue.add(jobs(0, 6));
    expect(queue.next()?.id).toBe(0);
    queue.hurry([4, 0, 99, 2, 4]);
    expect(drain(queue)).toEqual([4, 2, 1, 3, 5]);
  });

  it(`takes one job in order after ${URGENT_RUN} urgent ones in a row, so files only logging are made however fast others end`, () => {
    const queue = new CreateQueue();
    queue.add(jobs(0, 10));
    // A new job, hurried at once, for every job taken: the ten asked first still come, one in
    // every URGENT_RUN + 1.
    const order: number[] = [];
    for (let id = 1000; id < 1000 + 10 * (URGENT_RUN + 1); id++) {
      queue.add(jobs(id, 1));
      queue.hurry([id]);
      order.push((queue.next() as CreateJob).id);
    }
    const positions = order.flatMap((id, at) => (id < 10 ? [at] : []));
    expect(positions).toEqual(Array.from({ length: 10 }, (_, k) => (k + 1) * (URGENT_RUN + 1) - 1));
  });

  it("keeps each job once through any mix of asking, hurrying and taking (seeded)", () => {
    const seed = "create-queue-20261202";
    const rng = seedrandom(seed);
    const queue = new CreateQueue();
    let nextId = 0;
    const taken: number[] = [];
    const hurried = new Set<number>();
    for (let step = 0; step < 200_000; step++) {
      const r = rng();
      if (r < 0.3) queue.add(jobs((nextId += 1) - 1, 1));
      else if (r < 0.4) {
        const id = Math.floor(rng() * (nextId + 5));
        queue.hurry([id]);
        hurried.add(id);
      } else {
        const job = queue.next();
        if (job !== undefined) taken.push(job.id);
      }
    }
    taken.push(...drain(queue));
    const sorted = [...taken].sort((a, b) => a - b);
    expect({ seed, taken: taken.length, distinct: new Set(taken).size, first: sorted[0], last: sorted.at(-1) }).toEqual({
      seed,
      taken: nextId,
      distinct: nextId,
      first: 0,
      last: nextId - 1,
    });
    expect(hurried.size).toBeGreaterThan(1000);
  });
});
