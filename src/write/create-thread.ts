/**
 * The thread of `create-lane.ts`: makes session files' directories and creates the files
 * (exclusive create), one after another, so that creating many files at once never holds up
 * the writes of files already open in libuv's pool.
 */
import fs from "node:fs";
import { parentPort } from "node:worker_threads";
import { makeDirSync } from "../internal/make-dir.js";
import type { CreateJob, CreateMessage, CreateResult } from "./create-lane.js";
import { CreateQueue } from "./create-queue.js";

/**
 * Directories this thread has made (or found), so each costs one `mkdir` per step. A run
 * makes a directory per step for as long as it trains: only the latest few are remembered
 * (forgetting one costs one `mkdir` answered EEXIST).
 */
const made = new Set<string>();
const MAX_MADE = 64;

/**
 * Answers go back a few at a time while a long batch is under way, so the writer can start
 * writing the first files while the thread creates the rest.
 */
const ANSWER_EVERY = 32;
const ANSWER_AFTER_MS = 2;
/**
 * The thread works in slices this long, so that a file someone waits for (a `finalize` of a
 * session whose file is still to be made) is heard within one and created next, ahead of
 * the hundreds asked before it.
 */
const SLICE_MS = 2;

const queue = new CreateQueue();
let scheduled = false;

parentPort?.on("message", (message: CreateMessage) => {
  if ("jobs" in message) queue.add(message.jobs);
  else queue.hurry(message.hurry);
  if (!scheduled) {
    scheduled = true;
    setImmediate(work);
  }
});

/** Creates files for one slice, answering as it goes; the next slice after the messages that came meanwhile. */
function work(): void {
  scheduled = false;
  const start = performance.now();
  let since = start;
  let answers: CreateResult[] = [];
  for (let job = queue.next(); job !== undefined; job = queue.next()) {
    answers.push(create(job));
    const now = performance.now();
    if (answers.length >= ANSWER_EVERY || now - since >= ANSWER_AFTER_MS) {
      parentPort?.postMessage(answers);
      answers = [];
      since = now;
    }
    if (now - start >= SLICE_MS && queue.size > 0) {
      scheduled = true;
      setImmediate(work);
      break;
    }
  }
  if (answers.length > 0) parentPort?.postMessage(answers);
}

function create(job: CreateJob): CreateResult {
  try {
    if (job.remakeDir || !made.has(job.dir)) {
      makeDirSync(job.dir);
      if (made.size >= MAX_MADE) made.clear();
      made.add(job.dir);
    }
    return { id: job.id, fd: fs.openSync(job.path, "wx", 0o644) };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e?.code === "ENOENT") made.delete(job.dir);
    return { id: job.id, error: { message: e instanceof Error ? e.message : String(error), code: e?.code, syscall: e?.syscall, path: e?.path } };
  }
}
