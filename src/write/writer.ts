/**
 * The writer: gets serialized lines onto disk without ever blocking or failing the caller.
 *
 * - `append` only queues a string; writes happen later, one batched positional write per file.
 * - Lines are encoded to UTF-8 on the event loop turn after they were logged, even for a file
 *   whose write is still in flight, so what waits in memory is counted at its true size.
 * - Memory is bounded by `maxBufferBytes`; past it, iteration lines are dropped whole and counted.
 * - At most `maxOpenFiles` descriptors are held (and never more than half the process's
 *   limit); idle files give theirs up to waiting ones.
 * - At most {@link MAX_WRITES_IN_FLIGHT} writes are in flight at once, across all files: the
 *   rest of libuv's thread pool stays free for the application's own I/O, and a file waiting
 *   its turn gathers its lines into fewer, larger writes.
 * - Writes are positional (`pwrite`), never appends, so the exit path can repeat a write that
 *   may or may not have reached the disk: the same bytes at the same offset change nothing.
 * - An I/O error fails that one file: counted, reported once per error code, never thrown.
 */
import fs from "node:fs";
import path from "node:path";
import { isMainThread } from "node:worker_threads";
import type { DiagnosticsLogger } from "../diagnostics.js";
import { descriptorBudget } from "../internal/fd-limit.js";
import { makeDir, makeDirSync } from "../internal/make-dir.js";
import type { LinePieces } from "./serialize/line-text.js";

/** Options of {@link Writer}. */
export interface WriterOptions {
  /** Cap on lines queued in memory across all files, in bytes of serialized text. */
  maxBufferBytes: number;
  /** Cap on file descriptors held open at once; lowered to half the process's soft limit. */
  maxOpenFiles: number;
  /** Where the writer reports I/O problems. */
  diagnostics: () => DiagnosticsLogger;
}

/** Counters of what the writer did. */
export interface WriterStats {
  /** Lines that reached their file. */
  linesWritten: number;
  /** Bytes that reached files. */
  bytesWritten: number;
  /** Iteration lines refused because the buffer was full (or the logger closed). */
  linesDropped: number;
  /** Lines lost to an I/O error on their file. */
  linesFailed: number;
  /** Failed file operations (open, write). */
  writeErrors: number;
  /** Serialized text waiting in memory right now. */
  bufferedBytes: number;
  /** Descriptors held right now. */
  openFiles: number;
}

/** How many times a file name collision is retried with a fresh name. */
const MAX_RENAMES = 8;

/**
 * Writes in flight at once, across all files: half of libuv's default thread pool (4).
 * Each write costs a round trip through the pool whatever its size, so with many files
 * logging at once, one write per file per event loop turn costs more than the copying
 * itself; files waiting for a turn batch their lines instead.
 */
export const MAX_WRITES_IN_FLIGHT = 2;

/**
 * Text logged in one turn of the event loop and not yet encoded, across files, in UTF-16
 * units: past it, it is encoded at once rather than on the next turn. Encoding a string first
 * makes a flat copy of it (JSON text is built in pieces), so this bounds what the exit flush
 * can add to memory however much one turn logged.
 */
const MAX_UNENCODED_UNITS = 4 * 1024 * 1024;

/** @internal One session file as the writer sees it. Created by {@link Writer.createFile}. */
export class FileSink {
  /** Absolute path; changes only if the first choice already existed. */
  path: string;
  readonly dir: string;
  /**
   * @internal Lines waiting to be written, in order: strings and pieces as logged, and
   * Buffers holding the UTF-8 of earlier ones (lines as logged are only after the last Buffer).
   */
  queue: Array<string | LinePieces | Buffer> = [];
  /**
   * @internal Size of the queue as counted against the cap: UTF-16 length of the strings
   * (never more than their UTF-8 size), bytes of the Buffers (pieces counted the same way).
   */
  queuedChars = 0;
  /** @internal Lines in the queue. */
  queuedLines = 0;
  /** @internal UTF-16 units of the lines queued as logged, not yet encoded. */
  unencoded = 0;
  /** @internal */ fd = -1;
  /** @internal */ created = false;
  /** @internal */ busy = false;
  /** @internal */ scheduled = false;
  /** @internal */ waitingSlot = false;
  /** @internal Waiting for one of the {@link MAX_WRITES_IN_FLIGHT} write turns. */
  waitingWrite = false;
  /** @internal */ ended = false;
  /** @internal */ done = false;
  /** @internal */ failed = false;
  /** @internal */ pos = 0;
  /** @internal */ inflight: Buffer | null = null;
  /** @internal */ inflightPos = 0;
  /** @internal */ inflightLines = 0;
  /** @internal */ inflightChars = 0;
  /** @internal */ enqueued = 0;
  /** @internal */ settled = 0;
  /** @internal */ renames = 0;
  /** @internal The directory was made again after an open found it gone (once per file). */
  remadeDir = false;
  /** Lines of this file refused by the buffer cap. */
  dropped = 0;
  /** @internal */ waiters: Array<{ seq: number; resolve: () => void }> = [];
  /** @internal */ endWaiters: Array<() => void> = [];

  /** @internal */
  constructor(
    filePath: string,
    /** @internal */ readonly rename: () => string,
  ) {
    this.path = filePath;
    this.dir = path.dirname(filePath);
  }
}

/** The counters of a writer that does not exist yet: a logger that has logged nothing. */
export const NO_WRITES: Readonly<WriterStats> = Object.freeze({
  linesWritten: 0,
  bytesWritten: 0,
  linesDropped: 0,
  linesFailed: 0,
  writeErrors: 0,
  bufferedBytes: 0,
  openFiles: 0,
});

/** @internal Queues lines per file and writes them out in the background. */
export class Writer {
  readonly #maxBuffer: number;
  /**
   * Lines are written before `append` returns. True in a worker thread: a worker is stopped by
   * `worker.terminate()` or the main thread's `process.exit()` with no exit hook run in it, so
   * a line still queued there would be lost.
   */
  readonly #sync = !isMainThread;
  #maxOpen: number;
  readonly #diagnostics: () => DiagnosticsLogger;
  readonly #sinks = new Set<FileSink>();
  /** Sinks holding a descriptor, least recently used first. */
  readonly #lru = new Map<FileSink, true>();
  readonly #slotWaiters: FileSink[] = [];
  /** Files with lines to write and a descriptor, waiting for a write turn, first come first served. */
  readonly #writeWaiters: FileSink[] = [];
  #writesInFlight = 0;
  readonly #dirs = new Map<string, Promise<void>>();
  #pending: FileSink[] = [];
  #immediate: NodeJS.Immediate | null = null;
  #openCount = 0;
  /** Resolved when the last held descriptor is closed. */
  #noneOpen: Array<() => void> = [];
  #closed = false;
  readonly #warned = new Set<string>();
  readonly #stats: Omit<WriterStats, "bufferedBytes" | "openFiles"> = {
    linesWritten: 0,
    bytesWritten: 0,
    linesDropped: 0,
    linesFailed: 0,
    writeErrors: 0,
  };
  #buffered = 0;
  /** The sum of the files' `unencoded`. */
  #unencoded = 0;

  constructor(options: WriterOptions) {
    this.#maxBuffer = options.maxBufferBytes;
    this.#maxOpen = Math.min(options.maxOpenFiles, descriptorBudget());
    this.#diagnostics = options.diagnostics;
  }

  /** Registers a new file; nothing touches the disk until its first line is written. */
  createFile(filePath: string, rename: () => string): FileSink {
    const sink = new FileSink(filePath, rename);
    this.#sinks.add(sink);
    return sink;
  }

  /**
   * Queues one complete line (ending in `\n`). `essential` lines (metadata, summary) are
   * never refused for space: they are small and keep every file well-formed.
   * Returns false when the line was not queued.
   */
  append(sink: FileSink, line: string | LinePieces, essential: boolean): boolean {
    if (sink.failed) {
      this.#stats.linesFailed++;
      return false;
    }
    // close() has finished every file, so a closed writer's files are all done: test it first,
    // so a late line is counted as dropped (and warned about), not as an I/O failure.
    if (this.#closed || sink.done) {
      this.#stats.linesDropped++;
      sink.dropped++;
      this.#warnOnce("closed", { path: sink.path }, "trajlog: line logged after the logger was closed; dropped");
      return false;
    }
    const size = typeof line === "string" ? line.length : piecesSize(line);
    if (!essential && this.#buffered + size > this.#maxBuffer) {
      this.#dropForSpace(sink);
      return false;
    }
    sink.queue.push(line);
    sink.queuedChars += size;
    sink.queuedLines++;
    sink.enqueued++;
    sink.unencoded += size;
    this.#buffered += size;
    this.#unencoded += size;
    if (this.#sync) {
      this.#writeNowSync(sink);
      return true;
    }
    this.#schedule(sink);
    // Lines are queued as logged only until the next turn; a loop logging much more than
    // usual in one turn has them encoded now, the work the next turn would have done.
    if (this.#unencoded > MAX_UNENCODED_UNITS) for (const pending of this.#pending) this.#encodeQueued(pending);
    return true;
  }

  /**
   * Refuses an iteration line before it is even built when the buffer is full, so that it
   * would be dropped whatever its size: counted exactly as `append` would count it. While the
   * disk stalls, building and serializing lines only to drop them was most of the garbage the
   * process made, and of its CPU. Returns true when the line is refused.
   */
  refuseIfFull(sink: FileSink): boolean {
    if (this.#buffered < this.#maxBuffer || sink.failed || sink.done || this.#closed) return false;
    this.#dropForSpace(sink);
    return true;
  }

  /**
   * True when a new session should not start a file: the buffer is full, so its metadata
   * (always kept) would add to memory the disk is not draining. Warns once, like a dropped line.
   */
  refusesNewFiles(): boolean {
    if (this.#buffered < this.#maxBuffer || this.#closed) return false;
    this.#warnOnce(
      "buffer-full-sessions",
      { maxBufferBytes: this.#maxBuffer },
      "trajlog: write buffer full (the disk is not keeping up); new sessions are not logged until it drains, counted in stats().sessionsDropped",
    );
    return true;
  }

  #dropForSpace(sink: FileSink): void {
    this.#stats.linesDropped++;
    sink.dropped++;
    this.#warnOnce(
      "buffer-full",
      { path: sink.path, maxBufferBytes: this.#maxBuffer },
      "trajlog: write buffer full (the disk is not keeping up); dropping iteration lines and counting them in stats().linesDropped",
    );
  }

  /** Marks the file finished: once its lines are out, its descriptor is closed. */
  end(sink: FileSink): Promise<void> {
    if (sink.done || sink.failed) return Promise.resolve();
    sink.ended = true;
    const finished = new Promise<void>((resolve) => sink.endWaiters.push(resolve));
    if (!sink.busy) this.#pump(sink);
    return finished;
  }

  /** Resolves when every line queued before the call is on disk (or known lost). */
  async flush(): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const sink of this.#sinks) {
      if (sink.settled < sink.enqueued) {
        const seq = sink.enqueued;
        waits.push(new Promise<void>((resolve) => sink.waiters.push({ seq, resolve })));
      }
    }
    await Promise.all(waits);
  }

  /** Flushes, then releases every descriptor; later lines are dropped and counted. */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    await Promise.all(Array.from(this.#sinks, (sink) => this.end(sink)));
    if (this.#openCount > 0) await new Promise<void>((resolve) => this.#noneOpen.push(resolve));
  }

  /**
   * Writes everything queued, synchronously: only for process exit, when no callback
   * will ever run again. A file holding a descriptor is written through it, so that exit
   * needs no new descriptor for it: its in-flight chunk, if any, is written again at its own
   * offset (the same bytes), and a descriptor with a write in flight is left open, since
   * closing it could let that write land in whichever file reuses the number. Other files
   * get fresh descriptors; when the process has none left, idle ones of ours are closed.
   */
  flushSync(): void {
    const todo = Array.from(this.#sinks).filter(
      (sink) => !sink.failed && !sink.done && (sink.inflight !== null || sink.queue.length > 0),
    );
    // Files holding a descriptor first: they need no new one, and idle ones free theirs.
    todo.sort((a, b) => Number(b.fd >= 0) - Number(a.fd >= 0));
    for (const sink of todo) {
      try {
        this.#flushSinkSync(sink);
      } catch (err) {
        this.#fail(sink, err as NodeJS.ErrnoException, "write");
      }
    }
  }

  /** Current counters. */
  stats(): WriterStats {
    return { ...this.#stats, bufferedBytes: this.#buffered, openFiles: this.#openCount };
  }

  #flushSinkSync(sink: FileSink): void {
    const inFlight = sink.fd >= 0 && sink.busy;
    let fd = sink.fd;
    if (fd >= 0) {
      this.#lru.delete(sink);
      sink.fd = -1;
    } else {
      fd = this.#openSync(sink);
      this.#openCount++;
    }
    // End of the last chunk known complete: a failed write is cut back to it.
    let pos = sink.inflight === null ? sink.pos : sink.inflightPos;
    try {
      if (sink.inflight !== null) {
        writeAllSync(fd, sink.inflight, pos);
        pos += sink.inflight.length;
        this.#written(sink, sink.inflightLines, sink.inflight.length, sink.inflightChars);
        sink.inflight = null;
      }
      if (sink.queue.length > 0) {
        const bytes = writeLinesSync(fd, sink.queue, pos);
        pos += bytes;
        this.#written(sink, sink.queuedLines, bytes, sink.queuedChars);
        this.#clearQueue(sink);
      }
      sink.pos = pos;
    } catch (err) {
      try {
        fs.ftruncateSync(fd, pos);
      } catch {
        // The write error is what gets reported.
      }
      throw err;
    } finally {
      if (!inFlight) {
        fs.closeSync(fd);
        this.#openCount--;
      }
      // Nothing may touch this file again: an async callback arriving now would be stale.
      sink.done = true;
    }
  }

  /**
   * Writes the file's queue now, synchronously, keeping its descriptor for the next line (in
   * a worker thread: see `#sync`). Descriptors are still capped: past the cap, the least
   * recently used one is closed first. An error fails the file, as in the background.
   */
  #writeNowSync(sink: FileSink): void {
    const pos = sink.pos;
    try {
      if (sink.fd < 0) {
        const idle = this.#openCount >= this.#maxOpen ? Array.from(this.#lru.keys()).find(isIdle) : undefined;
        if (idle !== undefined) {
          this.#lru.delete(idle);
          fs.closeSync(idle.fd);
          idle.fd = -1;
          this.#openCount--;
        }
        sink.fd = this.#openSync(sink);
        sink.created = true;
        this.#openCount++;
      }
      this.#lru.delete(sink);
      this.#lru.set(sink, true);
      const bytes = writeLinesSync(sink.fd, sink.queue, pos);
      sink.pos = pos + bytes;
      this.#written(sink, sink.queuedLines, bytes, sink.queuedChars);
      this.#clearQueue(sink);
    } catch (err) {
      if (sink.fd >= 0) {
        try {
          fs.ftruncateSync(sink.fd, pos);
        } catch {
          // The write error is what gets reported.
        }
      }
      this.#fail(sink, err as NodeJS.ErrnoException, "write");
    }
  }

  /** A fresh descriptor for `sink` at exit, creating the file if it has not been yet. */
  #openSync(sink: FileSink): number {
    if (sink.created) return this.#withDescriptorSync(() => fs.openSync(sink.path, "r+"));
    // An open of ours is in flight: it may have created the file a moment ago.
    const opening = sink.busy && sink.fd < 0;
    makeDirSync(sink.dir);
    for (;;) {
      try {
        return this.#withDescriptorSync(() => fs.openSync(sink.path, "wx", 0o644));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      // Nothing of ours is ever written before our open has succeeded: an empty file may be
      // the one our in-flight open created, anything else belongs to another session.
      if (opening) {
        const fd = this.#withDescriptorSync(() => fs.openSync(sink.path, "r+"));
        if (fs.fstatSync(fd).size === 0) return fd;
        fs.closeSync(fd);
      }
      if (sink.renames >= MAX_RENAMES) throw Object.assign(new Error(`file exists: ${sink.path}`), { code: "EEXIST" });
      sink.renames++;
      sink.path = sink.rename();
    }
  }

  /** Runs `open`, closing idle descriptors of ours while the process has none left. */
  #withDescriptorSync(open: () => number): number {
    for (;;) {
      try {
        return open();
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== "EMFILE" && code !== "ENFILE") throw err;
        const idle = Array.from(this.#lru.keys()).find(isIdle);
        if (idle === undefined) throw err;
        this.#lru.delete(idle);
        fs.closeSync(idle.fd);
        idle.fd = -1;
        this.#openCount--;
      }
    }
  }

  #schedule(sink: FileSink): void {
    if (sink.scheduled) return;
    sink.scheduled = true;
    this.#pending.push(sink);
    // One immediate for all files: lines logged in the same tick go out in one write each.
    this.#immediate ??= setImmediate(this.#drain);
  }

  readonly #drain = (): void => {
    this.#immediate = null;
    const list = this.#pending;
    this.#pending = [];
    for (const sink of list) {
      sink.scheduled = false;
      this.#pump(sink);
      // Not written now (a write or open in flight, or no descriptor free): hold the lines
      // as UTF-8, which is what the cap counts, rather than as strings of up to 2 bytes a unit.
      if (!sink.failed && !sink.done) this.#encodeQueued(sink);
    }
  };

  /** Encodes the lines at the end of the queue into one Buffer, and counts its true size. */
  #encodeQueued(sink: FileSink): void {
    const queue = sink.queue;
    let first = queue.length;
    let chars = 0;
    for (let line = queue[first - 1]; first > 0 && !Buffer.isBuffer(line); line = queue[first - 1]) {
      first--;
      chars += typeof line === "string" ? line.length : piecesSize(line as LinePieces);
    }
    if (first === queue.length) return;
    const buf = encodeLines((first === 0 ? queue : queue.slice(first)) as Array<string | LinePieces>, chars);
    queue.length = first;
    queue.push(buf);
    sink.queuedChars += buf.length - chars;
    this.#buffered += buf.length - chars;
    sink.unencoded -= chars;
    this.#unencoded -= chars;
  }

  /** Empties the queue once its lines are written, or lost. */
  #clearQueue(sink: FileSink): void {
    sink.queue = [];
    sink.queuedChars = 0;
    sink.queuedLines = 0;
    this.#unencoded -= sink.unencoded;
    sink.unencoded = 0;
  }

  /** The whole queue as one Buffer, at its exact size; the queue itself is left to the caller. */
  #queuedBytes(sink: FileSink): Buffer {
    this.#encodeQueued(sink);
    const queue = sink.queue as Buffer[];
    return queue.length === 1 ? (queue[0] as Buffer) : Buffer.concat(queue, sink.queuedChars);
  }

  #pump(sink: FileSink): void {
    if (sink.busy || sink.failed || sink.done || sink.waitingSlot || sink.waitingWrite) return;
    if (sink.queue.length === 0) {
      if (sink.ended) this.#finish(sink);
      return;
    }
    if (sink.fd < 0) this.#open(sink);
    else if (this.#writesInFlight >= MAX_WRITES_IN_FLIGHT) {
      sink.waitingWrite = true;
      this.#writeWaiters.push(sink);
    } else this.#write(sink);
  }

  /** A write finished (or failed): its turn goes to the files waiting, in order. */
  #writeEnded(): void {
    this.#writesInFlight--;
    while (this.#writesInFlight < MAX_WRITES_IN_FLIGHT && this.#writeWaiters.length > 0) {
      const next = this.#writeWaiters.shift() as FileSink;
      next.waitingWrite = false;
      this.#pump(next);
    }
  }

  #open(sink: FileSink): void {
    if (this.#openCount >= this.#maxOpen) {
      this.#evictIdle(sink);
      sink.waitingSlot = true;
      this.#slotWaiters.push(sink);
      return;
    }
    sink.busy = true;
    this.#openCount++;
    const openFile = (): void => {
      fs.open(sink.path, sink.created ? "r+" : "wx", 0o644, (err, fd) => this.#opened(sink, err, fd));
    };
    if (sink.created) openFile();
    else this.#ensureDir(sink.dir).then(openFile, (err: NodeJS.ErrnoException) => this.#opened(sink, err, -1));
  }

  #opened(sink: FileSink, err: NodeJS.ErrnoException | null, fd: number): void {
    if (sink.done) {
      // flushSync ran meanwhile (process exit): the file is settled.
      if (!err) fs.close(fd, noop);
      return;
    }
    sink.busy = false;
    if (err) {
      this.#openCount--;
      if (err.code === "EEXIST" && !sink.created && sink.renames < MAX_RENAMES) {
        // Another session took this name first: never share a file, pick a fresh one.
        sink.renames++;
        sink.path = sink.rename();
        this.#pump(sink);
      } else if (err.code === "ENOENT" && !sink.created && !sink.remadeDir) {
        // The directory was there once (it is cached as made) but is gone: someone removed
        // it mid-run. Make it again, once, rather than failing this file and every later one.
        sink.remadeDir = true;
        this.#dirs.delete(sink.dir);
        this.#pump(sink);
      } else if ((err.code === "EMFILE" || err.code === "ENFILE") && this.#openCount > 0) {
        // The process is out of descriptors: hold at most half of what we hold now, so the
        // application gets room to open its own files again, and wait for one of ours.
        this.#maxOpen = Math.min(this.#maxOpen, Math.max(1, Math.floor(this.#openCount / 2)));
        this.#evictIdle(sink);
        sink.waitingSlot = true;
        this.#slotWaiters.push(sink);
      } else {
        this.#fail(sink, err, "open");
        this.#serveWaiters();
      }
      return;
    }
    sink.fd = fd;
    sink.created = true;
    this.#lru.set(sink, true);
    this.#pump(sink);
  }

  #write(sink: FileSink): void {
    const buf = this.#queuedBytes(sink);
    sink.inflight = buf;
    sink.inflightPos = sink.pos;
    sink.inflightLines = sink.queuedLines;
    sink.inflightChars = sink.queuedChars;
    this.#clearQueue(sink);
    sink.busy = true;
    this.#writesInFlight++;
    this.#lru.delete(sink);
    this.#lru.set(sink, true);
    this.#writeChunk(sink, buf, 0);
  }

  #writeChunk(sink: FileSink, buf: Buffer, offset: number): void {
    fs.write(sink.fd, buf, offset, buf.length - offset, sink.inflightPos + offset, (err, n) => {
      if (sink.done) {
        this.#writesInFlight--;
        return;
      }
      if (err) {
        sink.busy = false;
        this.#failWrite(sink, err);
        this.#writeEnded();
        this.#serveWaiters();
        return;
      }
      if (offset + n < buf.length) {
        if (n > 0) return this.#writeChunk(sink, buf, offset + n);
        sink.busy = false;
        this.#failWrite(sink, Object.assign(new Error("write made no progress"), { code: "EIO" }));
        this.#writeEnded();
        this.#serveWaiters();
        return;
      }
      sink.busy = false;
      sink.pos = sink.inflightPos + buf.length;
      sink.inflight = null;
      this.#written(sink, sink.inflightLines, buf.length, sink.inflightChars);
      if (this.#slotWaiters.length > 0 && !sink.ended) {
        // Others wait for a descriptor: give ours up and queue behind them (round robin).
        this.#release(sink);
        if (sink.queue.length > 0) {
          sink.waitingSlot = true;
          this.#slotWaiters.push(sink);
        }
      } else {
        // With the turn still counted as ours, more lines queue behind the files waiting.
        this.#pump(sink);
      }
      // Last: handing the turn on may evict this file's descriptor, now that it is idle.
      this.#writeEnded();
    });
  }

  #written(sink: FileSink, lines: number, bytes: number, chars: number): void {
    this.#stats.linesWritten += lines;
    this.#stats.bytesWritten += bytes;
    this.#buffered -= chars;
    sink.settled += lines;
    this.#settle(sink);
  }

  #settle(sink: FileSink): void {
    if (sink.waiters.length === 0) return;
    const still: typeof sink.waiters = [];
    for (const waiter of sink.waiters) {
      if (waiter.seq <= sink.settled) waiter.resolve();
      else still.push(waiter);
    }
    sink.waiters = still;
  }

  #finish(sink: FileSink): void {
    sink.done = true;
    this.#sinks.delete(sink);
    const resolveAll = (): void => {
      for (const resolve of sink.endWaiters) resolve();
      sink.endWaiters = [];
    };
    if (sink.fd >= 0) {
      this.#release(sink, resolveAll);
    } else {
      resolveAll();
    }
  }

  /** Closes a sink's descriptor (it reopens later if it has more to write). */
  #release(sink: FileSink, then?: () => void): void {
    const fd = sink.fd;
    sink.fd = -1;
    this.#lru.delete(sink);
    this.#closeFd(fd, then);
  }

  /**
   * A write failed part way (a full disk writes what fits): the file is cut back to the end
   * of its last complete chunk, so that it ends with a whole line, as the counters say.
   */
  #failWrite(sink: FileSink, err: NodeJS.ErrnoException): void {
    const fd = sink.fd;
    const keep = sink.inflightPos;
    // Taken from the sink so that #fail does not close it before the file is cut back.
    sink.fd = -1;
    this.#lru.delete(sink);
    this.#fail(sink, err, "write");
    fs.ftruncate(fd, keep, () => this.#closeFd(fd));
  }

  #closeFd(fd: number, then?: () => void): void {
    fs.close(fd, () => {
      this.#openCount--;
      then?.();
      this.#serveWaiters();
      if (this.#openCount === 0 && this.#noneOpen.length > 0) {
        for (const resolve of this.#noneOpen) resolve();
        this.#noneOpen = [];
      }
    });
  }

  /**
   * Closes the least recently used descriptor that no operation is using. A file waiting for
   * its write turn keeps its descriptor: it gives it up after that write, if others wait.
   */
  #evictIdle(except: FileSink): void {
    for (const candidate of this.#lru.keys()) {
      if (candidate !== except && !candidate.busy && !candidate.waitingWrite) {
        this.#release(candidate, () => {
          if (candidate.queue.length > 0 || candidate.ended) this.#pump(candidate);
        });
        return;
      }
    }
  }

  #serveWaiters(): void {
    while (this.#slotWaiters.length > 0 && this.#openCount < this.#maxOpen) {
      const sink = this.#slotWaiters.shift() as FileSink;
      sink.waitingSlot = false;
      this.#pump(sink);
    }
    if (this.#slotWaiters.length > 0 && this.#openCount >= this.#maxOpen) {
      this.#evictIdle(this.#slotWaiters[0] as FileSink);
    }
  }

  #ensureDir(dir: string): Promise<void> {
    let ready = this.#dirs.get(dir);
    if (ready === undefined) {
      ready = makeDir(dir);
      // A failure is not cached: the next file in this directory tries again.
      const made = ready;
      made.catch(() => {
        if (this.#dirs.get(dir) === made) this.#dirs.delete(dir);
      });
      this.#dirs.set(dir, ready);
    }
    return ready;
  }

  #fail(sink: FileSink, err: NodeJS.ErrnoException, op: "open" | "write"): void {
    this.#stats.writeErrors++;
    const lost = sink.queuedLines + (sink.inflight === null ? 0 : sink.inflightLines);
    this.#stats.linesFailed += lost;
    this.#buffered -= sink.queuedChars + (sink.inflight === null ? 0 : sink.inflightChars);
    this.#clearQueue(sink);
    sink.inflight = null;
    sink.failed = true;
    sink.settled = sink.enqueued;
    this.#settle(sink);
    if (sink.fd >= 0) this.#release(sink);
    this.#sinks.delete(sink);
    for (const resolve of sink.endWaiters) resolve();
    sink.endWaiters = [];
    const code = err.code ?? "UNKNOWN";
    this.#warnOnce(
      `io:${code}`,
      { err, code, op, path: sink.path },
      `trajlog: cannot ${op} session file (${code}); this session's lines are lost, other sessions go on. Later ${code} errors are only counted in stats().writeErrors`,
    );
  }

  #warnOnce(key: string, context: Record<string, unknown>, message: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    try {
      this.#diagnostics().warn(context, message);
    } catch {
      // Diagnostics must never be the thing that breaks the training loop.
    }
  }
}

/** Scratch space lines are encoded into; reused, grown on demand up to {@link MAX_SCRATCH}. */
let scratch = Buffer.allocUnsafeSlow(256 * 1024);
const MAX_SCRATCH = 16 * 1024 * 1024;

/**
 * @internal The UTF-8 bytes of `lines`, in order, in a buffer of exactly their size. `chars` is their
 * size as the queue counts it (UTF-16 units of text, bytes of Buffers).
 *
 * Each string is encoded once, straight into scratch space, then copied out: no joined
 * string and no separate length pass, which `Buffer.from(lines.join(""))` both cost. The
 * copy is a plain memcpy, several times cheaper than encoding, and keeps what a write holds
 * in memory at its true size.
 */
export function encodeLines(lines: ReadonlyArray<string | LinePieces>, chars: number): Buffer {
  // A UTF-16 code unit never takes more than 3 bytes of UTF-8 (bytes are counted as they are).
  const max = chars * 3;
  let target = scratch;
  if (max > scratch.length) {
    target = Buffer.allocUnsafeSlow(max);
    if (max <= MAX_SCRATCH) scratch = target;
  }
  let n = 0;
  for (const line of lines) {
    if (typeof line === "string") {
      n += target.write(line, n, "utf8");
      continue;
    }
    for (const piece of line) n += typeof piece === "string" ? target.write(piece, n, "utf8") : piece.copy(target, n);
  }
  const out = Buffer.allocUnsafe(n);
  target.copy(out, 0, 0, n);
  return out;
}

/** Size of a line in pieces as the queue counts it. */
function piecesSize(line: LinePieces): number {
  let size = 0;
  for (const piece of line) size += piece.length;
  return size;
}

/**
 * Writes queued lines, in order, from `position`, without ever holding them all in one piece:
 * text is encoded into the scratch space and written a scratch-full at a time, and encoded
 * Buffers are written as they are (small ones packed in with the text). Used at exit, when the
 * buffer may be full: joining 64 MiB of lines, or encoding them all at once, would double or
 * triple the process's memory just as it ends, and a memory-limited container would kill it
 * there with nothing written. Returns the bytes written.
 */
function writeLinesSync(fd: number, lines: ReadonlyArray<string | LinePieces | Buffer>, position: number): number {
  const out = scratch;
  let used = 0;
  let total = 0;
  const writeOut = (): void => {
    writeAllSync(fd, out, position + total, used);
    total += used;
    used = 0;
  };
  const putBytes = (bytes: Buffer): void => {
    if (bytes.length <= out.length - used) {
      used += bytes.copy(out, used);
      return;
    }
    if (used > 0) writeOut();
    writeAllSync(fd, bytes, position + total);
    total += bytes.length;
  };
  const putText = (text: string): void => {
    for (let from = 0; ; ) {
      const { read, written } = utf8.encodeInto(from === 0 ? text : text.slice(from), out.subarray(used));
      used += written;
      from += read;
      if (from >= text.length) return;
      writeOut();
    }
  };
  for (const line of lines) {
    if (typeof line === "string") putText(line);
    else if (Buffer.isBuffer(line)) putBytes(line);
    else for (const piece of line) typeof piece === "string" ? putText(piece) : putBytes(piece);
  }
  if (used > 0) writeOut();
  return total;
}

const utf8 = new TextEncoder();

function writeAllSync(fd: number, buf: Buffer, position: number, length: number = buf.length): void {
  let offset = 0;
  while (offset < length) {
    const n = fs.writeSync(fd, buf, offset, length - offset, position + offset);
    if (n <= 0) throw Object.assign(new Error("write made no progress"), { code: "EIO" });
    offset += n;
  }
}

function noop(): void {}

/** Holds a descriptor that no operation is using. */
function isIdle(sink: FileSink): boolean {
  return sink.fd >= 0 && !sink.busy;
}
