/**
 * The create lane thread's queue of jobs (see `create-thread.ts`): first in, first out, except
 * for the files someone waits for, which go first, but never so many in a row that the
 * others wait for ever.
 */
import type { CreateJob } from "./create-lane.js";

/**
 * @internal Urgent jobs taken in a row, at most, while older ones wait: a loop that ends sessions as fast
 * as the thread creates files would otherwise keep every file only logging from being made.
 */
export const URGENT_RUN = 16;

/** @internal Jobs waiting to be done, in the order they are taken. */
export class CreateQueue {
  /** Jobs in the order asked; `#head` is the next to look at. */
  #fifo: CreateJob[] = [];
  #head = 0;
  /** Jobs someone waits for, in the order they were hurried. */
  #urgent: CreateJob[] = [];
  #urgentHead = 0;
  /** Jobs not done yet, by id: a job also listed as urgent is done once, whichever list reaches it first. */
  readonly #waiting = new Map<number, CreateJob>();
  /** Urgent jobs taken since the last one from the FIFO. */
  #run = 0;

  /** Jobs not done yet. */
  get size(): number {
    return this.#waiting.size;
  }

  /** Jobs asked, in order. */
  add(jobs: readonly CreateJob[]): void {
    for (const job of jobs) {
      this.#fifo.push(job);
      this.#waiting.set(job.id, job);
    }
  }

  /** Someone waits for these jobs' files: they go ahead. Unknown or done ids are left. */
  hurry(ids: readonly number[]): void {
    for (const id of ids) {
      const job = this.#waiting.get(id);
      if (job !== undefined) this.#urgent.push(job);
    }
  }

  /** The next job to do, taken out of the queue; undefined when none is left. */
  next(): CreateJob | undefined {
    const job = (this.#run < URGENT_RUN ? this.#nextUrgent() : undefined) ?? this.#nextInOrder() ?? this.#nextUrgent();
    if (job !== undefined) this.#waiting.delete(job.id);
    return job;
  }

  #nextUrgent(): CreateJob | undefined {
    if (this.#urgentHead >= 1024 && this.#urgentHead * 2 >= this.#urgent.length) {
      this.#urgent.splice(0, this.#urgentHead);
      this.#urgentHead = 0;
    }
    while (this.#urgentHead < this.#urgent.length) {
      const job = this.#urgent[this.#urgentHead++] as CreateJob;
      if (this.#waiting.has(job.id)) {
        this.#run++;
        return job;
      }
    }
    this.#urgent = [];
    this.#urgentHead = 0;
    return undefined;
  }

  #nextInOrder(): CreateJob | undefined {
    this.#run = 0;
    // Jobs may keep coming before the queue is ever empty: what is behind the head goes, now
    // and then (at most as much again as what is left, so each job is moved a bounded number
    // of times).
    if (this.#head >= 1024 && this.#head * 2 >= this.#fifo.length) {
      this.#fifo.splice(0, this.#head);
      this.#head = 0;
    }
    while (this.#head < this.#fifo.length) {
      const job = this.#fifo[this.#head++] as CreateJob;
      if (this.#waiting.has(job.id)) return job;
    }
    this.#fifo = [];
    this.#head = 0;
    return undefined;
  }
}
