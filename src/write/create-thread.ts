/**
 * The thread of `create-lane.ts`: makes session files' directories and creates the files
 * (exclusive create), one after another, so that creating many files at once never holds up
 * the writes of files already open in libuv's pool.
 */
import fs from "node:fs";
import { parentPort } from "node:worker_threads";
import { makeDirSync } from "../internal/make-dir.js";
import type { CreateJob, CreateResult } from "./create-lane.js";

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

parentPort?.on("message", (jobs: CreateJob[]) => {
  let answers: CreateResult[] = [];
  let since = performance.now();
  for (const job of jobs) {
    answers.push(create(job));
    if (answers.length >= ANSWER_EVERY || performance.now() - since >= ANSWER_AFTER_MS) {
      parentPort?.postMessage(answers);
      answers = [];
      since = performance.now();
    }
  }
  if (answers.length > 0) parentPort?.postMessage(answers);
});

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
