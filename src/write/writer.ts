/**
 * The writer: gets serialized lines onto disk without ever blocking or failing the caller.
 * It ties together the stages of this folder:
 *
 * - `append` only queues a line ({@link LineQueue}); memory is bounded by `maxBufferBytes`
 *   ({@link BufferBudget}); past it, iteration lines are dropped whole and counted.
 * - Lines are encoded to UTF-8 on the event loop turn after they were logged, even for a file
 *   whose write is still in flight, so what waits in memory is counted at its true size; the
 *   {@link WriteScheduler} decides when each file is written.
 * - The {@link DescriptorPool} caps descriptors; idle files give theirs up to waiting ones.
 * - Writes are positional (`pwritev`), never appends, so the exit flush (`exit-flush.ts`) can
 *   repeat a write that may or may not have reached the disk: the same bytes at the same
 *   offset change nothing.
 * - An I/O error fails that one file: counted, reported once per error code, never thrown.
 */
import fs from "node:fs";
import { isMainThread } from "node:worker_threads";
import type { DiagnosticsLogger } from "../diagnostics.js";
import { OnceWarnings } from "../internal/warn-once.js";
import { BufferBudget } from "./buffer-budget.js";
import { DescriptorPool } from "./descriptor-pool.js";
import { CreateLane, LANE_DESCRIPTORS } from "./create-lane.js";
import { Directories } from "./directories.js";
import { flushAllSync, MAX_RENAMES, writeNowSync, type SyncWriteContext } from "./exit-flush.js";
import { CLOSED, DONE, FAILED, FileHandle, heldFd, OPENING, type Chunk, type Flight } from "./file-handle.js";
import { lineSize } from "./line-queue.js";
import type { LineText } from "./serialize/line-text.js";
import { LINGER_MS, WriteScheduler } from "./scheduler.js";
import type { SessionSink } from "./sink.js";
import type { WriterStats } from "./writer-stats.js";

/**
 * Exclusive creates the writer keeps in libuv's pool at once; more go to the create lane
 * (`create-lane.ts`). Writes queue behind at most this many creates, which takes a few ms
 * even where a create takes one; and a loop of a few dozen sessions never starts the
 * lane's thread (started anew for every logger that needs it, a cost a short-lived logger
 * would feel).
 */
const POOL_CREATES = 64;
/** Below this cap on descriptors the create lane is not used (see `#createLane`). */
const LANE_MIN_OPEN_FILES = 32;
/** Fewest bytes a file gathers before it is written, unless it is due for another reason. */
const MIN_BATCH_BYTES = 16 * 1024;
/** Most bytes a file gathers before it is written: larger writes save nothing more. */
const MAX_BATCH_BYTES = 256 * 1024;

/** @internal Options of {@link Writer}. */
export interface WriterOptions {
  /** Cap on lines queued in memory across all files, in bytes of serialized text. */
  maxBufferBytes: number;
  /** Cap on file descriptors held open at once; lowered to half the process's soft limit. */
  maxOpenFiles: number;
  /** Where the writer reports I/O problems. */
  diagnostics: () => DiagnosticsLogger;
}

/** @internal Queues lines per file and writes them out in the background. */
export class Writer {
  /**
   * Lines are written before `append` returns. True in a worker thread: a worker is stopped by
   * `worker.terminate()` or the main thread's `process.exit()` with no exit hook run in it, so
   * a line still queued there would be lost.
   */
  readonly #sync = !isMainThread;
  readonly #budget: BufferBudget;
  readonly #pool: DescriptorPool;
  readonly #scheduler: WriteScheduler;
  readonly #dirs = new Directories();
  readonly #warnings: OnceWarnings;
  /** Files not yet done or failed. */
  readonly #files = new Set<FileHandle>();
  #closed = false;
  /** The close under way or done (see {@link close}). */
  #closing: Promise<void> | undefined;
  /** Exclusive creates in flight in libuv's pool (see {@link POOL_CREATES}). */
  #creating = 0;
  /** The create lane, once this writer has needed it (null: it cannot run here). */
  #lane: CreateLane | null | undefined;
  readonly #stats: Omit<WriterStats, "bufferedBytes" | "openFiles"> = {
    linesWritten: 0,
    bytesWritten: 0,
    linesDropped: 0,
    linesFailed: 0,
    writeErrors: 0,
  };
  /** What the synchronous paths use of this writer. */
  readonly #syncContext: SyncWriteContext;

  constructor(options: WriterOptions) {
    this.#budget = new BufferBudget(options.maxBufferBytes);
    this.#pool = new DescriptorPool(options.maxOpenFiles, (file) => this.#pump(file));
    this.#scheduler = new WriteScheduler({
      drain: (file) => {
        if (this.#budget.pressed) this.#scheduler.wakeAll();
        this.#pump(file);
        // Not written now (a write or open in flight, or no descriptor free): hold the lines
        // as UTF-8, which is what the cap counts, rather than as strings of up to 2 bytes a unit.
        if (!file.finished) file.queue.encode();
      },
      start: (file) => this.#pump(file),
    });
    this.#warnings = new OnceWarnings(options.diagnostics);
    this.#syncContext = {
      pool: this.#pool,
      written: (file, lines, bytes, chars) => this.#written(file, lines, bytes, chars),
      fail: (file, err, op, unwritten) => this.#fail(file, err, op, unwritten ?? []),
    };
  }

  /** Registers a new file; nothing touches the disk before the turn after its first line is logged. */
  createFile(filePath: string, rename: () => string): SessionSink {
    const file = new FileHandle(filePath, rename, this.#budget);
    this.#files.add(file);
    return new WriterSink(this, file);
  }

  /** See {@link SessionSink.append}. */
  append(file: FileHandle, line: LineText, essential: boolean): boolean {
    if (file.state.kind === "failed") {
      this.#stats.linesFailed++;
      return false;
    }
    // close() has finished every file, so a closed writer's files are all done: test it first,
    // so a late line is counted as dropped (and warned about), not as an I/O failure.
    if (this.#closed || file.state.kind === "done") {
      this.#stats.linesDropped++;
      file.dropped++;
      this.#warnings.warn("closed", { path: file.path }, "trajlog: line logged after the logger was closed; dropped");
      return false;
    }
    const size = lineSize(line);
    if (!essential && !this.#budget.fits(size)) {
      this.#dropForSpace(file);
      return false;
    }
    file.queue.push(line, size);
    file.enqueued++;
    if (this.#sync) {
      writeNowSync(file, this.#syncContext);
      return true;
    }
    this.#scheduler.schedule(file);
    // Lines are queued as logged only until the next turn; a loop logging much more than
    // usual in one turn has them encoded now, the work the next turn would have done.
    if (this.#budget.tooMuchUnencoded(size)) for (const pending of this.#scheduler.pending) pending.queue.encode();
    return true;
  }

  /**
   * Refuses an iteration line before it is even built when the buffer is full, so that it
   * would be dropped whatever its size: counted exactly as `append` would count it. While the
   * disk stalls, building and serializing lines only to drop them was most of the garbage the
   * process made, and of its CPU. Returns true when the line is refused.
   */
  refuseIfFull(file: FileHandle): boolean {
    if (!this.#budget.full || file.finished || this.#closed) return false;
    this.#dropForSpace(file);
    return true;
  }

  /**
   * True when a new session should not start a file: the buffer is full, so its metadata
   * (always kept) would add to memory the disk is not draining. Warns once, like a dropped line.
   */
  refusesNewFiles(): boolean {
    if (!this.#budget.full || this.#closed) return false;
    this.#warnings.warn(
      "buffer-full-sessions",
      { maxBufferBytes: this.#budget.max },
      "trajlog: write buffer full (the disk is not keeping up); new sessions are not logged until it drains, counted in stats().sessionsDropped",
    );
    return true;
  }

  #dropForSpace(file: FileHandle): void {
    this.#stats.linesDropped++;
    file.dropped++;
    this.#warnings.warn(
      "buffer-full",
      { path: file.path, maxBufferBytes: this.#budget.max },
      "trajlog: write buffer full (the disk is not keeping up); dropping iteration lines and counting them in stats().linesDropped",
    );
  }

  /** Marks the file finished: once its lines are out, its descriptor is closed. */
  end(file: FileHandle): Promise<void> {
    if (file.finished) return Promise.resolve();
    const ended = file.whenEnded();
    this.#pump(file);
    return ended;
  }

  /** Resolves when every line queued before the call is on disk (or known lost). */
  async flush(): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const file of this.#files) {
      const settled = file.whenSettled();
      if (settled === null) continue;
      waits.push(settled);
      // Someone waits for it now: lines gathering for a larger write go at once.
      this.#pump(file);
    }
    await Promise.all(waits);
  }

  /**
   * Flushes, then releases every descriptor; later lines are dropped and counted. Calls while
   * one is under way share it: each would otherwise let go of the create lane once, and a
   * lane shared with another logger would be stopped under that logger's creates.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    await Promise.all(Array.from(this.#files, (file) => this.end(file)));
    await this.#pool.whenNoneOpen();
    if (this.#lane) {
      await this.#lane.release();
      this.#pool.setAside(-LANE_DESCRIPTORS);
    }
    this.#lane = undefined;
  }

  /** Writes everything queued, synchronously: only for process exit (see `exit-flush.ts`). */
  flushSync(): void {
    flushAllSync(this.#files, this.#syncContext);
  }

  /** Current counters. */
  stats(): WriterStats {
    return { ...this.#stats, bufferedBytes: this.#budget.buffered, openFiles: this.#pool.count };
  }

  /** Moves a file on from wherever it is: opens, writes, or finishes it. */
  #pump(file: FileHandle): void {
    const state = file.state;
    if (state.kind === "writing") {
      // Someone waits for this file: what it holds goes now, right after the write in flight,
      // rather than one more trip through libuv's pool (one more turn of the loop) later.
      if (file.urgent && state.flights.length === 1 && !file.queue.empty) this.#writeTail(file, state.fd, state.flights);
      return;
    }
    if (state.kind === "opening") {
      this.#hurryCreate(file);
      return;
    }
    if (state.kind !== "closed" && state.kind !== "open") return;
    if (file.queue.empty) {
      if (file.ending) this.#finish(file);
      return;
    }
    if (!this.#due(file)) {
      // Opened while its lines gather, when a descriptor is free: a thousand sessions started
      // together otherwise open their files only once their first batch is due, hundreds of
      // ms of libuv's pool during which nothing is written, and then all write at once.
      if (state.kind === "closed" && this.#pool.hasRoom) this.#open(file);
      this.#scheduler.linger(file);
    } else if (state.kind === "closed") this.#open(file);
    else this.#write(file, state.fd);
  }

  /**
   * True when the file's lines should be written now rather than gather more (see
   * `scheduler.ts`). A batch is what a file may hold while half the cap is shared by all files,
   * between {@link MIN_BATCH_BYTES} and {@link MAX_BATCH_BYTES}, scaled by the file's
   * {@link FileHandle.batchScale}: files that log in step (a loop logging every session each
   * turn) would otherwise all reach their batch in the same turn and be written together,
   * hundreds of writes ahead of a `finalize`'s in libuv's first-in first-out pool.
   */
  #due(file: FileHandle): boolean {
    if (file.urgent || this.#budget.pressed) return true;
    const queue = file.queue;
    const share = (this.#budget.max / (2 * this.#files.size)) * file.batchScale;
    const batch = Math.min(MAX_BATCH_BYTES, Math.max(MIN_BATCH_BYTES, share));
    return queue.chars >= batch || performance.now() >= queue.since + LINGER_MS;
  }

  #open(file: FileHandle): void {
    const pool = this.#pool;
    if (!pool.hasRoom) {
      pool.evictIdle(file);
      pool.wait(file);
      return;
    }
    // Many files to create at once: on the create lane, so writes do not queue behind them.
    const lane = !file.created && this.#creating >= POOL_CREATES ? this.#createLane() : null;
    file.state = OPENING;
    pool.reserve();
    if (file.created) {
      fs.open(file.path, "r+", (err, fd) => this.#opened(file, err, fd));
    } else if (lane !== null) {
      file.laneJob = lane.create(file.dir, file.path, file.remadeDir, (err, fd) => {
        file.laneJob = undefined;
        this.#opened(file, err, fd);
      });
      // Someone may wait for it already (asked again under a fresh name or in a remade
      // directory, or given a descriptor only now): nothing pumps this file again until its
      // create answers.
      this.#hurryCreate(file);
    } else {
      this.#creating++;
      const opened = (err: NodeJS.ErrnoException | null, fd: number): void => {
        this.#creating--;
        this.#opened(file, err, fd);
      };
      this.#dirs.ensure(file.dir).then(
        () => fs.open(file.path, "wx", 0o644, opened),
        (err: NodeJS.ErrnoException) => opened(err, -1),
      );
    }
  }

  /**
   * A file someone waits for, whose create is queued on the lane, goes ahead of the files
   * only logging, which may be hundreds asked before it. Asked when the file is put on the
   * lane and whenever it is pumped while opening; hurried once.
   */
  #hurryCreate(file: FileHandle): void {
    if (!file.urgent || file.laneJob === undefined) return;
    this.#lane?.hurry(file.laneJob);
    file.laneJob = undefined;
  }

  /**
   * The create lane, held from the first time this writer needs it until it closes; null
   * where it cannot run, or while its thread's descriptors would not fit under the cap
   * beside this file's (asked again at the next create). A cap too small to spare them is
   * never near enough creates at once to need the lane.
   */
  #createLane(): CreateLane | null {
    if (this.#lane !== undefined) return this.#lane;
    if (this.#pool.max < LANE_MIN_OPEN_FILES) this.#lane = null;
    else if (this.#pool.hasRoomFor(LANE_DESCRIPTORS + 1)) {
      this.#lane = CreateLane.acquire();
      if (this.#lane !== null) this.#pool.setAside(LANE_DESCRIPTORS);
    }
    return this.#lane ?? null;
  }

  #opened(file: FileHandle, err: NodeJS.ErrnoException | null, fd: number): void {
    if (file.finished) {
      // flushSync ran meanwhile (process exit): the file is settled.
      if (!err) fs.close(fd, noop);
      return;
    }
    const pool = this.#pool;
    file.state = CLOSED;
    if (err) {
      pool.unreserve();
      if (err.code === "EEXIST" && !file.created && file.renames < MAX_RENAMES) {
        // Another session took this name first: never share a file, pick a fresh one.
        file.renames++;
        file.path = file.rename();
        this.#pump(file);
      } else if (err.code === "ENOENT" && !file.created && !file.remadeDir) {
        // The directory was there once (it is cached as made) but is gone: someone removed
        // it mid-run. Make it again, once, rather than failing this file and every later one.
        file.remadeDir = true;
        this.#dirs.forget(file.dir);
        this.#pump(file);
      } else if ((err.code === "EMFILE" || err.code === "ENFILE") && pool.count > 0) {
        // The process is out of descriptors: hold fewer, and wait for one of ours.
        pool.backOff();
        pool.evictIdle(file);
        pool.wait(file);
      } else {
        this.#fail(file, err, "open", []);
        pool.serve();
      }
      return;
    }
    file.state = { kind: "open", fd };
    file.created = true;
    pool.touch(file);
    this.#pump(file);
  }

  #write(file: FileHandle, fd: number): void {
    file.nextBatch();
    const flight: Flight = { chunk: { ...file.queue.take(), pos: file.pos }, outcome: undefined };
    file.state = { kind: "writing", fd, flights: [flight] };
    this.#pool.touch(file);
    this.#writeFlight(file, fd, flight, 0);
  }

  /** Writes the file's queue right after its write in flight, at the offset where that one ends. */
  #writeTail(file: FileHandle, fd: number, flights: Flight[]): void {
    const last = flights[flights.length - 1] as Flight;
    const flight: Flight = {
      chunk: { ...file.queue.take(), pos: last.chunk.pos + last.chunk.size },
      outcome: undefined,
    };
    flights.push(flight);
    this.#writeFlight(file, fd, flight, 0);
  }

  /** Writes a chunk's Buffers from `offset` on, in one gathering write (`pwritev`). */
  #writeFlight(file: FileHandle, fd: number, flight: Flight, offset: number): void {
    const { buffers, size, pos } = flight.chunk;
    fs.writev(fd, offset === 0 ? buffers : buffersFrom(buffers, offset), pos + offset, (err, n) => {
      // flushSync ran meanwhile (process exit): the file is settled.
      if (file.finished) return;
      if (!err && offset + n < size && n > 0) return this.#writeFlight(file, fd, flight, offset + n);
      flight.outcome = err ?? (offset + n < size ? noProgress() : null);
      this.#landed(file, fd);
    });
  }

  /** A write of the file came back: its writes are settled in file order, as far as they have come back. */
  #landed(file: FileHandle, fd: number): void {
    const state = file.state;
    if (state.kind !== "writing") return;
    const flights = state.flights;
    for (let head = flights[0]; head !== undefined; head = flights[0]) {
      if (head.outcome === undefined) return;
      if (head.outcome !== null) {
        // Cut the file back only once its other write is back too, or that one could land
        // past the cut.
        if (flights.some((flight) => flight.outcome === undefined)) return;
        this.#failWrite(file, fd, flights, head.outcome);
        this.#pool.serve();
        return;
      }
      flights.shift();
      file.pos = head.chunk.pos + head.chunk.size;
      this.#written(file, head.chunk.lines, head.chunk.size, head.chunk.chars);
    }
    file.state = { kind: "open", fd };
    if (this.#pool.contended && !file.ending) {
      // Others wait for a descriptor: give ours up and queue behind them (round robin).
      file.state = CLOSED;
      this.#pool.release(file, fd);
      if (!file.queue.empty) this.#pool.wait(file);
    } else if (file.urgent || file.queue.empty) {
      this.#pump(file);
    } else {
      // Lines logged meanwhile are looked at in the next drain, not here: writes come back
      // hundreds at a time, and a `finalize` whose write is among them waits for every
      // callback before its own.
      this.#scheduler.schedule(file);
    }
  }

  #written(file: FileHandle, lines: number, bytes: number, chars: number): void {
    this.#stats.linesWritten += lines;
    this.#stats.bytesWritten += bytes;
    this.#budget.release(chars);
    file.settle(lines);
  }

  /**
   * Every line of an ending file is written: it is complete, and whoever waits for it goes on
   * now. Its descriptor is closed behind (counted in `openFiles` until it is): waiting for the
   * close too would add one more trip through libuv's pool, which the event loop only hears
   * back from between the application's turns.
   */
  #finish(file: FileHandle): void {
    const fd = heldFd(file.state);
    file.state = DONE;
    this.#files.delete(file);
    if (fd >= 0) this.#pool.release(file, fd);
    file.resolveEnded();
  }

  /**
   * A write failed part way (a full disk writes what fits): the file is cut back to the end
   * of its last complete chunk, so that it ends with a whole line, as the counters say.
   */
  #failWrite(file: FileHandle, fd: number, flights: readonly Flight[], err: NodeJS.ErrnoException): void {
    // Taken from the file so that #fail does not close it before the file is cut back.
    this.#pool.forget(file);
    file.state = CLOSED;
    const chunks = flights.map((flight) => flight.chunk);
    this.#fail(file, err, "write", chunks);
    fs.ftruncate(fd, chunks[0]?.pos ?? file.pos, () => this.#pool.closeFd(fd));
  }

  #fail(file: FileHandle, err: NodeJS.ErrnoException, op: "open" | "write", unwritten: readonly Chunk[]): void {
    this.#stats.writeErrors++;
    const queue = file.queue;
    let lines = queue.lines;
    let chars = queue.chars;
    for (const chunk of unwritten) {
      lines += chunk.lines;
      chars += chunk.chars;
    }
    this.#stats.linesFailed += lines;
    this.#budget.release(chars);
    queue.clear();
    const fd = heldFd(file.state);
    file.state = FAILED;
    file.settle();
    if (fd >= 0) this.#pool.release(file, fd);
    this.#files.delete(file);
    file.resolveEnded();
    const code = err.code ?? "UNKNOWN";
    this.#warnings.warn(
      `io:${code}`,
      { err, code, op, path: file.path },
      `trajlog: cannot ${op} session file (${code}); this session's lines are lost, other sessions go on. Later ${code} errors are only counted in stats().writeErrors`,
    );
  }
}

/** @internal A session's view of the writer: its one file. */
class WriterSink implements SessionSink {
  constructor(
    readonly writer: Writer,
    readonly file: FileHandle,
  ) {}

  get path(): string {
    return this.file.path;
  }

  get dropped(): number {
    return this.file.dropped;
  }

  append(line: LineText, essential: boolean): boolean {
    return this.writer.append(this.file, line, essential);
  }

  refuseIfFull(): boolean {
    return this.writer.refuseIfFull(this.file);
  }

  end(): Promise<void> {
    return this.writer.end(this.file);
  }
}

function noop(): void {}

/** What is left of `buffers` once their first `offset` bytes are written. */
function buffersFrom(buffers: readonly Buffer[], offset: number): Buffer[] {
  const rest: Buffer[] = [];
  let skip = offset;
  for (const buf of buffers) {
    if (skip >= buf.length) skip -= buf.length;
    else {
      rest.push(skip > 0 ? buf.subarray(skip) : buf);
      skip = 0;
    }
  }
  return rest;
}

/** A write that wrote nothing and reported no error. */
function noProgress(): NodeJS.ErrnoException {
  return Object.assign(new Error("write made no progress"), { code: "EIO" });
}
