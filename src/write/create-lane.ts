/**
 * The create lane: session files created on a thread of their own.
 *
 * libuv's pool runs its jobs first in, first out on four threads. A thousand sessions started
 * together queue a thousand exclusive creates there, and every write of a file already open
 * waits behind all of them; where the disk creates files slowly (a millisecond each, as on some
 * virtual disks), nothing is written for a second while the loop goes on logging, and the
 * buffer fills and drops lines although the disk could take the bytes. Creates in a directory
 * are serialized by the file system anyway, so one thread making them one after another is as
 * fast as four, and leaves the pool to the writes.
 *
 * The thread is started the first time the writer has many creates in flight (one session at
 * a time never needs it), shared by every writer of the process, and never keeps the process
 * alive while it has nothing to do. Where it cannot run (a build without the compiled thread,
 * Node.js's permission model, or the thread failing), its jobs are done in libuv's pool as before.
 */
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { makeDir } from "../internal/make-dir.js";

/**
 * @internal Descriptors the thread holds while it runs, its event loop's: an epoll instance,
 * an eventfd and a pipe; and two io_uring rings where libuv is told to use io_uring, which it
 * does only when UV_USE_IO_URING is set to a number other than 0 (libuv reads it with `atoi`,
 * once, when the process starts; a kernel without io_uring makes the two a count too many,
 * never too few).
 */
export const LANE_DESCRIPTORS = 4 + ((Number.parseInt(process.env.UV_USE_IO_URING ?? "", 10) || 0) !== 0 ? 2 : 0);

/** The compiled thread; absent when running from the TypeScript sources (in-process tests). */
const THREAD_URL = new URL("./create-thread.js", import.meta.url);
/** Looked for once, as the module loads: never a synchronous disk read in a caller's call. */
const THREAD_BUILT = fs.existsSync(fileURLToPath(THREAD_URL));

/** @internal One file to create, with its directory. */
export interface CreateJob {
  readonly id: number;
  readonly dir: string;
  readonly path: string;
  /** The directory was found gone: make it again even if the thread made it before. */
  readonly remakeDir: boolean;
}

/** @internal What the thread is sent: jobs, in the order asked, or the ids of jobs someone now waits for. */
export type CreateMessage = { readonly jobs: readonly CreateJob[] } | { readonly hurry: readonly number[] };

/** @internal What the thread answers: the new descriptor, or the error, as plain data. */
export type CreateResult =
  | { readonly id: number; readonly fd: number; readonly error?: undefined }
  | { readonly id: number; readonly error: { message: string; code?: string; syscall?: string; path?: string } };

/** Called once with the open descriptor, or the error. */
export type Created = (err: NodeJS.ErrnoException | null, fd: number) => void;

/** @internal The shared create thread (see the module's comment). */
export class CreateLane {
  /** The lane writers share: undefined while none holds it, null once it could not run. */
  static #shared: CreateLane | null | undefined;

  /**
   * The shared lane, its thread started if none runs, for a writer that holds it until it
   * {@link release}s it; null where the thread cannot run.
   */
  static acquire(): CreateLane | null {
    if (CreateLane.#shared === undefined) CreateLane.#shared = CreateLane.open();
    const lane = CreateLane.#shared;
    if (lane !== null) lane.#users++;
    return lane;
  }

  /** The shared lane when a writer holds one, without holding it: to see what it did. */
  static current(): CreateLane | null {
    return CreateLane.#shared ?? null;
  }

  /** A lane of its own, with its own thread (writers use {@link acquire}); null where it cannot run. */
  static open(): CreateLane | null {
    // Running from the TypeScript sources (in-process tests): there is no compiled thread.
    if (!THREAD_BUILT) return null;
    // Under Node.js's permission model (`--permission`, from the command line or NODE_OPTIONS;
    // `process.permission` is there only then), the thread would not be held to it: it takes
    // none of the application's options (below), and a worker given none runs unrestricted, so
    // it would create files where the process may not write. The pool's creates are checked.
    if ((process as { permission?: unknown }).permission !== undefined) return null;
    return new CreateLane();
  }

  /** Undefined until the thread is started, on the turn after the lane is made. */
  #worker: Worker | undefined;
  #starting: NodeJS.Immediate | undefined;
  readonly #pending = new Map<number, { job: CreateJob; done: Created }>();
  #nextId = 0;
  /** Jobs asked for in this turn, sent together at its end (or once the thread is started). */
  #outbox: CreateJob[] = [];
  /** Jobs someone started waiting for in this turn (see {@link hurry}). */
  #hurried: number[] = [];
  #answered = 0;
  #dead = false;
  /** Writers holding the shared lane. */
  #users = 0;

  private constructor() {
    // Starting a worker takes the loop's thread a few ms: not inside the caller's call (a
    // `finalize` or `logIteration` that asks for the file), but on a turn of its own. Jobs
    // asked for meanwhile wait in the outbox.
    this.#starting = setImmediate(() => this.#start());
  }

  #start(): void {
    this.#starting = undefined;
    let worker: Worker;
    try {
      // The descriptors the thread opens are the writer's: by default a worker closes every
      // descriptor it opened when it exits, which would close them under the writer (and
      // leave their numbers to be reused by other files) if the thread ever stopped. It
      // takes none of the application's Node.js options (`--require`, `--import`, profilers),
      // from the command line or NODE_OPTIONS, which a worker would otherwise read from the
      // environment it is given: it only calls `mkdir` and `open`, and must not run the
      // application's preloads a second time.
      worker = new Worker(THREAD_URL, { trackUnmanagedFds: false, execArgv: [], env: {} });
    } catch {
      this.#fail();
      return;
    }
    this.#worker = worker;
    // Held in the loop only while it has work: a create under way keeps the process alive,
    // as the same create in libuv's pool would.
    if (this.#pending.size === 0) worker.unref();
    worker.on("message", (results: CreateResult[]) => {
      for (const result of results) this.#answer(result);
    });
    worker.on("error", () => this.#fail());
    worker.on("exit", () => this.#fail());
    this.#send();
  }

  /**
   * The thread failed, or is stopped: its jobs go back to libuv's pool; later jobs go there
   * directly. A job it had done but not yet answered then finds its file there (EEXIST) and
   * the writer picks a fresh name: the session is whole, an empty file is left where it was.
   */
  #fail(): void {
    if (this.#dead) return;
    this.#dead = true;
    if (this.#starting !== undefined) clearImmediate(this.#starting);
    this.#starting = undefined;
    // A thread that failed is not started again: its creates go to libuv's pool, as before.
    if (CreateLane.#shared === this && this.#users > 0) CreateLane.#shared = null;
    const jobs = [...this.#pending.values()];
    this.#pending.clear();
    this.#outbox = [];
    this.#hurried = [];
    for (const { job, done } of jobs) createInPool(job, done);
  }

  /** Jobs sent and not yet answered. */
  get pending(): number {
    return this.#pending.size;
  }

  /** The thread has been started (it is, on the turn after the lane is made). */
  get started(): boolean {
    return this.#worker !== undefined;
  }

  /** Jobs the thread has answered, ever: how much of the creating it did. */
  get answered(): number {
    return this.#answered;
  }

  /**
   * A writer is done with the shared lane (it has closed, so none of its creates is under
   * way). The last one to let go stops the thread, and resolves once it has ended: a closed
   * logger holds no descriptor, the thread's own included. The next writer to need the lane
   * starts a new thread.
   */
  async release(): Promise<void> {
    if (--this.#users > 0 || this.#dead) return;
    if (CreateLane.#shared === this) CreateLane.#shared = undefined;
    await this.terminate();
  }

  /**
   * Stops the thread (or its start); its unanswered jobs, and every later one, are done in
   * libuv's pool. Resolves once the thread has ended.
   */
  async terminate(): Promise<void> {
    const worker = this.#worker;
    if (worker === undefined) this.#fail();
    else await worker.terminate();
  }

  /**
   * Makes `dir` (once per step) and creates `path` exclusively; `done` hears how it went.
   * Returns the job's id, for {@link hurry}.
   */
  create(dir: string, path: string, remakeDir: boolean, done: Created): number {
    const job: CreateJob = { id: this.#nextId++, dir, path, remakeDir };
    if (this.#dead) {
      createInPool(job, done);
      return job.id;
    }
    if (this.#pending.size === 0) this.#worker?.ref();
    this.#pending.set(job.id, { job, done });
    // The writer asks for its files a drain at a time: they go to the thread in one message.
    if (this.#outbox.push(job) === 1) this.#sendSoon();
    return job.id;
  }

  /**
   * Someone waits for the file of job `id` (its session is ending, or flushed): the thread
   * creates it next, ahead of those asked before it. A job already done, or unknown, is left.
   */
  hurry(id: number): void {
    const entry = this.#pending.get(id);
    if (entry === undefined || this.#dead) return;
    if (this.#hurried.push(id) === 1) this.#sendSoon();
  }

  #sendSoon(): void {
    if (this.#worker !== undefined) queueMicrotask(() => this.#send());
  }

  #send(): void {
    const worker = this.#worker;
    // Not started yet: the start sends them. Failed meanwhile: libuv's pool has them already.
    if (worker === undefined || this.#dead) return;
    if (this.#outbox.length > 0) {
      worker.postMessage({ jobs: this.#outbox } satisfies CreateMessage);
      this.#outbox = [];
    }
    // After the jobs, so that the thread knows every id it is told to hurry.
    if (this.#hurried.length > 0) {
      worker.postMessage({ hurry: this.#hurried } satisfies CreateMessage);
      this.#hurried = [];
    }
  }

  #answer(result: CreateResult): void {
    const entry = this.#pending.get(result.id);
    if (entry === undefined) return;
    this.#pending.delete(result.id);
    this.#answered++;
    if (this.#pending.size === 0) this.#worker?.unref();
    if (result.error === undefined) entry.done(null, result.fd);
    else entry.done(Object.assign(new Error(result.error.message), result.error) as NodeJS.ErrnoException, -1);
  }
}

/** A job done the way the lane replaces: `mkdir` and the exclusive create in libuv's pool. */
function createInPool(job: CreateJob, done: Created): void {
  makeDir(job.dir).then(
    () => fs.open(job.path, "wx", 0o644, done),
    (err: NodeJS.ErrnoException) => done(err, -1),
  );
}
