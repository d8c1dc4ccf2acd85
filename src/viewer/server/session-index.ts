/**
 * The viewer's index of a log directory: one {@link SessionRow} per session file, kept up to
 * date by polling. A file is read again only when its size or modification time changed, so
 * requests never re-read files and a poll of an idle tree costs one `stat` per file.
 *
 * Polling, not `fs.watch`: recursive watching is unreliable on Linux with Node 20, and a
 * training run on a network file system may not deliver events at all.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { scanSessions, type SessionRef } from "../../read/reader.js";
import { readSessionRow, type SessionRow } from "./session-row.js";
import { DEFAULT_LIVE_WINDOW_MS, isLive, type SessionMeasures } from "../../read/session-facts.js";

/** A session's state as the viewer shows it: an incomplete session is live or unfinished. */
export type SessionStatus = "completed" | "errored" | "live" | "unfinished";

/** Options of {@link SessionIndex}. */
export interface SessionIndexOptions {
  /** The log directory. */
  logDir: string;
  /** Milliseconds between two scans. @default 1000 */
  pollMs?: number;
  /** An incomplete session modified within this many milliseconds is live. @default 300000 (5 min) */
  liveWindowMs?: number;
  /** Called when polling fails (e.g. the directory was removed), once per distinct error; the last good index is kept. */
  onError?: (error: unknown) => void;
}

/** Default time between two scans, in milliseconds. */
export const DEFAULT_POLL_MS = 1000;
/** Files stat'ed or read at once during a scan. */
const PARALLEL = 32;
/**
 * A finished session (one with a summary line) never changes: the format is append-only and
 * the summary is the last line. Scans skip its `stat`, except every this many scans, which
 * catch a file that was rewritten anyway.
 */
const FULL_SCAN_EVERY = 30;
/** The pause between scans is at least this many times the last scan's duration. */
const POLL_LOAD_FACTOR = 4;

/** Every session of a log directory, as rows, refreshed by polling. */
export class SessionIndex {
  /** Absolute log directory. */
  readonly logDir: string;
  readonly #pollMs: number;
  readonly #liveWindowMs: number;
  readonly #onError: (error: unknown) => void;
  #rows = new Map<string, SessionRow>();
  #list: SessionRow[] = [];
  #generation = 0;
  #liveCount = 0;
  #scanning: Promise<void> | null = null;
  #next: Promise<void> | null = null;
  #scans = 0;
  #lastError: string | null = null;
  #lastScanMs = 0;
  #timer: NodeJS.Timeout | null = null;
  #stopped = true;

  constructor(options: SessionIndexOptions) {
    this.logDir = path.resolve(options.logDir);
    this.#pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.#liveWindowMs = options.liveWindowMs ?? DEFAULT_LIVE_WINDOW_MS;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** Changes whenever a session appears, changes, disappears or stops being live. */
  get generation(): number {
    return this.#generation;
  }

  /** Every session, in scan order: experiment, training step, start time, file name. */
  rows(): readonly SessionRow[] {
    return this.#list;
  }

  /** The session with this path relative to the log directory. */
  get(relPath: string): SessionRow | undefined {
    return this.#rows.get(relPath);
  }

  /** Whether a session is completed, errored, live (incomplete, recently written) or unfinished. */
  status(row: SessionRow, now: number = Date.now()): SessionStatus {
    if (row.state !== "incomplete") return row.state;
    return isLive(row.state, row.mtimeMs, now, this.#liveWindowMs) ? "live" : "unfinished";
  }

  /** What the step statistics need of a row, with its live state now. */
  measures(row: SessionRow, now: number = Date.now()): SessionMeasures {
    return { ...row, live: isLive(row.state, row.mtimeMs, now, this.#liveWindowMs) };
  }

  /**
   * Scans, and resolves once the index reflects the directory as it was at the call. A call
   * while a scan runs gets the next scan (shared by every such call): the running one may have
   * passed the file that was just written. Rejects when the directory cannot be listed.
   */
  refresh(): Promise<void> {
    if (this.#scanning === null) {
      this.#scanning = this.#scan().finally(() => {
        this.#scanning = null;
      });
      return this.#scanning;
    }
    this.#next ??= this.#scanning
      .catch(() => undefined)
      .then(() => {
        this.#next = null;
        return this.refresh();
      });
    return this.#next;
  }

  /** Scans now, then keeps scanning every `pollMs` until {@link stop}. */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.refresh();
    this.#schedule();
  }

  /** Stops polling; resolves once a scan in progress has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#scanning?.catch(() => undefined);
    await this.#next?.catch(() => undefined);
  }

  #schedule(): void {
    if (this.#stopped) return;
    // A huge tree is scanned less often, so that polling never takes over the CPU.
    const delay = Math.max(this.#pollMs, this.#lastScanMs * POLL_LOAD_FACTOR);
    this.#timer = setTimeout(() => {
      this.refresh()
        .then(() => {
          this.#lastError = null;
        })
        .catch((error: unknown) => {
          // A lasting failure (the directory was removed) is reported once, not every poll.
          const message = error instanceof Error ? error.message : String(error);
          if (message !== this.#lastError) this.#onError(error);
          this.#lastError = message;
        })
        .finally(() => this.#schedule());
    }, delay);
    // Polling alone never keeps the process alive.
    this.#timer.unref();
  }

  async #scan(): Promise<void> {
    const started = performance.now();
    const full = this.#scans++ % FULL_SCAN_EVERY === 0;
    const refs: SessionRef[] = [];
    for await (const ref of scanSessions(this.logDir)) refs.push(ref);
    const next = new Map<string, SessionRow>();
    let changed = refs.length !== this.#rows.size;
    for (let i = 0; i < refs.length; i += PARALLEL) {
      const batch = refs.slice(i, i + PARALLEL);
      const rows = await Promise.all(batch.map((ref) => this.#rowOf(ref, full)));
      for (const row of rows) {
        if (row === null) continue;
        if (this.#rows.get(row.relPath) !== row) changed = true;
        next.set(row.relPath, row);
      }
    }
    const now = Date.now();
    let live = 0;
    for (const row of next.values()) if (this.status(row, now) === "live") live++;
    if (changed || live !== this.#liveCount || next.size !== this.#rows.size) {
      this.#rows = next;
      this.#list = [...next.values()];
      this.#liveCount = live;
      this.#generation++;
    }
    this.#lastScanMs = performance.now() - started;
  }

  /**
   * The row of a file: the known one when size and mtime are unchanged (or, outside a full
   * scan, when the session is finished). Null when the file vanished.
   */
  async #rowOf(ref: SessionRef, full: boolean): Promise<SessionRow | null> {
    const known = this.#rows.get(ref.relPath);
    if (!full && known !== undefined && known.state !== "incomplete") return known;
    try {
      const info = await stat(ref.path);
      if (known !== undefined && known.sizeBytes === info.size && known.mtimeMs === info.mtimeMs) return known;
      return await readSessionRow(ref, info.size, info.mtimeMs, known);
    } catch {
      return null;
    }
  }
}
