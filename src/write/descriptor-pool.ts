/**
 * The descriptor pool: at most `maxOpen` descriptors held at once (never more than half the
 * process's limit), idle files giving theirs up to files that wait, least recently used
 * first, and a lower cap once the process runs out of descriptors (EMFILE).
 */
import fs from "node:fs";
import { descriptorBudget } from "../internal/fd-limit.js";
import { AWAITING_DESCRIPTOR, CLOSED, type FileHandle } from "./file-handle.js";

/** @internal Counts and lends descriptors; files queue here when none is free. */
export class DescriptorPool {
  #max: number;
  #count = 0;
  /** Descriptors set aside for the create lane's thread (see {@link setAside}). */
  #aside = 0;
  /** Files holding a descriptor, least recently used first. */
  readonly #lru = new Map<FileHandle, true>();
  /** Files waiting for a descriptor that someone waits for (see `FileHandle.urgent`): served first. */
  readonly #urgent: FileHandle[] = [];
  readonly #waiting: FileHandle[] = [];
  /** Resolved when the last held descriptor is closed. */
  #noneOpen: Array<() => void> = [];

  constructor(
    maxOpen: number,
    /** Called with a file that may go on: given a free descriptor, or just closed idle. */
    readonly resume: (file: FileHandle) => void,
  ) {
    this.#max = Math.min(maxOpen, descriptorBudget());
  }

  /** Descriptors held (or being opened) right now. */
  get count(): number {
    return this.#count;
  }

  /** True when one more descriptor may be opened. */
  get hasRoom(): boolean {
    return this.hasRoomFor(1);
  }

  /** True when `n` more descriptors may be opened. */
  hasRoomFor(n: number): boolean {
    return this.#count + this.#aside + n <= this.#max;
  }

  /** The cap on descriptors held at once, as it stands (see {@link backOff}). */
  get max(): number {
    return this.#max;
  }

  /**
   * Counts `n` descriptors held for the writer by someone else (the create lane's thread
   * holds a few for its event loop) within the cap; a negative `n` gives them back.
   */
  setAside(n: number): void {
    this.#aside += n;
    if (n < 0) this.serve();
  }

  /** True when files wait for a descriptor. */
  get contended(): boolean {
    return this.#urgent.length > 0 || this.#waiting.length > 0;
  }

  /** Counts a descriptor about to be opened. */
  reserve(): void {
    this.#count++;
  }

  /** The open counted by {@link reserve} failed. */
  unreserve(): void {
    this.#count--;
  }

  /**
   * The process is out of descriptors: hold at most half of what we hold now, so the
   * application gets room to open its own files again. Descriptors set aside stay held
   * whatever the cap says, so only the files' share is halved and the cap stays above them:
   * a cap at or under what is set aside would leave no room for any file, and files waiting
   * for a descriptor would wait for good.
   */
  backOff(): void {
    this.#max = Math.min(this.#max, this.#aside + Math.max(1, Math.floor(this.#count / 2)));
  }

  /** `file` was used now: it is the last to be taken for another. Also registers a new holder. */
  touch(file: FileHandle): void {
    this.#lru.delete(file);
    this.#lru.set(file, true);
  }

  /** `file` no longer holds its descriptor (the caller closes it). */
  forget(file: FileHandle): void {
    this.#lru.delete(file);
  }

  /** Queues `file` for the next free descriptor. */
  wait(file: FileHandle): void {
    file.state = AWAITING_DESCRIPTOR;
    (file.urgent ? this.#urgent : this.#waiting).push(file);
  }

  /** Closes `fd`, which `file` held, then runs `then`, and serves the files waiting. */
  release(file: FileHandle, fd: number, then?: () => void): void {
    this.#lru.delete(file);
    this.closeFd(fd, then);
  }

  /** Closes a descriptor the pool counted. */
  closeFd(fd: number, then?: () => void): void {
    fs.close(fd, () => {
      this.#count--;
      then?.();
      this.serve();
      if (this.#count === 0 && this.#noneOpen.length > 0) {
        for (const resolve of this.#noneOpen) resolve();
        this.#noneOpen = [];
      }
    });
  }

  /** Closes the least recently used descriptor that no operation is using. */
  evictIdle(except: FileHandle): void {
    for (const candidate of this.#lru.keys()) {
      const state = candidate.state;
      if (candidate !== except && state.kind === "open") {
        candidate.state = CLOSED;
        this.release(candidate, state.fd, () => this.resume(candidate));
        return;
      }
    }
  }

  /** Hands free descriptors to the files waiting, in order; frees one more if they still wait. */
  serve(): void {
    while (this.hasRoom) {
      const file = this.#urgent.shift() ?? this.#waiting.shift();
      if (file === undefined) return;
      // A file settled meanwhile (by the exit flush, or failed) waits for nothing any more.
      if (file.state.kind !== "awaiting-descriptor") continue;
      file.state = CLOSED;
      this.resume(file);
    }
    const next = this.#urgent[0] ?? this.#waiting[0];
    if (next !== undefined) this.evictIdle(next);
  }

  /** Resolves once no descriptor is held. */
  whenNoneOpen(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.#noneOpen.push(resolve));
  }

  /** Counts a descriptor opened synchronously. */
  openedSync(): void {
    this.#count++;
  }

  /** Counts a descriptor closed synchronously. */
  closedSync(): void {
    this.#count--;
  }

  /**
   * Closes, synchronously, the least recently used descriptor no operation is using (for the
   * synchronous paths, when the cap or the process's limit is reached). False when there is none.
   */
  closeIdleSync(): boolean {
    for (const candidate of this.#lru.keys()) {
      const state = candidate.state;
      if (state.kind !== "open") continue;
      this.#lru.delete(candidate);
      candidate.state = CLOSED;
      fs.closeSync(state.fd);
      this.#count--;
      return true;
    }
    return false;
  }
}
