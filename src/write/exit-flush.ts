/**
 * The synchronous write path: the exit flush, when no callback will ever run again, and the
 * write-at-once mode of worker threads. Everything else on the write path is asynchronous.
 */
import fs from "node:fs";
import { makeDirSync } from "../internal/make-dir.js";
import type { DescriptorPool } from "./descriptor-pool.js";
import { DONE, heldFd, type Chunk, type FileHandle } from "./file-handle.js";
import { writeLinesSync } from "./write-sync.js";

/** @internal How many times a file name collision is retried with a fresh name. */
export const MAX_RENAMES = 8;

/** @internal What the synchronous paths need of the writer. */
export interface SyncWriteContext {
  readonly pool: DescriptorPool;
  /** Lines reached the file. */
  written(file: FileHandle, lines: number, bytes: number, chars: number): void;
  /** An I/O error lost the file's queue, and `unwritten` when given. */
  fail(file: FileHandle, err: NodeJS.ErrnoException, op: "open" | "write", unwritten?: readonly Chunk[]): void;
}

/**
 * @internal Writes everything queued in `files`, synchronously. A file holding a descriptor is
 * written through it, so that exit needs no new descriptor for it: its in-flight chunks, if any,
 * are written again at their own offsets (the same bytes, which positional writes make harmless),
 * and a descriptor with a write in flight is left open, since closing it could let that write
 * land in whichever file reuses the number. Other files get fresh descriptors; when the process
 * has none left, idle ones of ours are closed.
 */
export function flushAllSync(files: Iterable<FileHandle>, context: SyncWriteContext): void {
  const todo = Array.from(files).filter(
    (file) => !file.finished && (file.state.kind === "writing" || !file.queue.empty),
  );
  // Files holding a descriptor first: they need no new one, and idle ones free theirs.
  todo.sort((a, b) => Number(heldFd(b.state) >= 0) - Number(heldFd(a.state) >= 0));
  for (const file of todo) {
    const unwritten = file.state.kind === "writing" ? file.state.flights.map((flight) => flight.chunk) : [];
    try {
      flushFileSync(file, context, unwritten);
    } catch (err) {
      context.fail(file, err as NodeJS.ErrnoException, "write", unwritten);
    }
  }
}

/** Writes `file`'s in-flight chunks (`unwritten`, emptied as they are written) and queue. */
function flushFileSync(file: FileHandle, context: SyncWriteContext, unwritten: Chunk[]): void {
  const state = file.state;
  const inFlight = state.kind === "writing";
  let fd = heldFd(state);
  if (fd >= 0) {
    context.pool.forget(file);
  } else {
    fd = openSync(file, context.pool);
    context.pool.openedSync();
  }
  // End of the last chunk known complete: a failed write is cut back to it.
  let pos = unwritten[0]?.pos ?? file.pos;
  try {
    for (let chunk = unwritten[0]; chunk !== undefined; chunk = unwritten[0]) {
      writeLinesSync(fd, chunk.buffers, chunk.pos);
      pos = chunk.pos + chunk.size;
      context.written(file, chunk.lines, chunk.size, chunk.chars);
      unwritten.shift();
    }
    const queue = file.queue;
    if (!queue.empty) {
      const bytes = writeLinesSync(fd, queue.items, pos);
      pos += bytes;
      context.written(file, queue.lines, bytes, queue.chars);
      queue.clear();
    }
    file.pos = pos;
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
      context.pool.closedSync();
    }
    // Nothing may touch this file again: an async callback arriving now would be stale.
    file.state = DONE;
  }
}

/**
 * @internal Writes the file's queue now, synchronously, keeping its descriptor for the next line
 * (in a worker thread: see `Writer`). Descriptors are still capped: past the cap, the least
 * recently used one is closed first. An error fails the file, as in the background.
 */
export function writeNowSync(file: FileHandle, context: SyncWriteContext): void {
  const pool = context.pool;
  const pos = file.pos;
  try {
    let fd = heldFd(file.state);
    if (fd < 0) {
      if (!pool.hasRoom) pool.closeIdleSync();
      fd = openSync(file, pool);
      file.created = true;
      pool.openedSync();
      file.state = { kind: "open", fd };
    }
    pool.touch(file);
    const queue = file.queue;
    const bytes = writeLinesSync(fd, queue.items, pos);
    file.pos = pos + bytes;
    context.written(file, queue.lines, bytes, queue.chars);
    queue.clear();
  } catch (err) {
    const fd = heldFd(file.state);
    if (fd >= 0) {
      try {
        fs.ftruncateSync(fd, pos);
      } catch {
        // The write error is what gets reported.
      }
    }
    context.fail(file, err as NodeJS.ErrnoException, "write");
  }
}

/** A fresh descriptor for `file`, creating the file if it has not been yet. */
function openSync(file: FileHandle, pool: DescriptorPool): number {
  if (file.created) return withDescriptorSync(pool, () => fs.openSync(file.path, "r+"));
  // An open of ours is in flight: it may have created the file a moment ago.
  const opening = file.state.kind === "opening";
  makeDirSync(file.dir);
  for (;;) {
    try {
      return withDescriptorSync(pool, () => fs.openSync(file.path, "wx", 0o644));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    // Nothing of ours is ever written before our open has succeeded: an empty file may be
    // the one our in-flight open created, anything else belongs to another session.
    if (opening) {
      const fd = withDescriptorSync(pool, () => fs.openSync(file.path, "r+"));
      if (fs.fstatSync(fd).size === 0) return fd;
      fs.closeSync(fd);
    }
    if (file.renames >= MAX_RENAMES) throw Object.assign(new Error(`file exists: ${file.path}`), { code: "EEXIST" });
    file.renames++;
    file.path = file.rename();
  }
}

/** Runs `open`, closing idle descriptors of ours while the process has none left. */
function withDescriptorSync(pool: DescriptorPool, open: () => number): number {
  for (;;) {
    try {
      return open();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "EMFILE" && code !== "ENFILE") throw err;
      if (!pool.closeIdleSync()) throw err;
    }
  }
}
