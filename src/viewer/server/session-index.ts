/**
 * The viewer's index of a log directory: one {@link SessionRow} per session file, kept up to
 * date by polling. A file is read again only when its size or modification time changed, so
 * requests never re-read files and a poll of an idle tree costs one `stat` per file.
 *
 * The first scan runs in the background: the server answers at once, rows show up in batches
 * as they are read (a hundred thousand files take a while), and {@link SessionIndex.progress}
 * says how far it got. Every sort order of the sessions table is kept up to date batch by
 * batch ({@link SortedRows}), as are the groupings the other pages read ({@link IndexView}).
 *
 * Polling, not `fs.watch`: recursive watching is unreliable on Linux with Node 20, and a
 * training run on a network file system may not deliver events at all.
 */
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import { scanSessions, type SessionRef } from "../../read/scan.js";
import { readSessionRow, type SessionRow } from "./session-row.js";
import { DEFAULT_LIVE_WINDOW_MS, isLive, type SessionMeasures } from "../../read/session-facts.js";
import { SortedRows } from "./sorted-rows.js";
import { SORT_KEYS, type IndexProgress, type SessionStatus, type SortKey } from "../api-types.js";
import { prepareSearchText, SORT_VALUE } from "./session-query.js";

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
 * Rows read during a scan are handed on (to the pages, the sort orders) every this many
 * milliseconds at least, in batches of at least {@link PUBLISH_ROWS}. Each hand-over costs a
 * pass over every sort order, growing with the index: the pause before the next one is also
 * at least {@link PUBLISH_LOAD_FACTOR} times the last one's cost, so that handing on never takes
 * more than a fifth of the scan, and between sort orders the loop is let go (requests are
 * answered in between).
 */
const PUBLISH_MS = 250;
const PUBLISH_ROWS = 256;
const PUBLISH_LOAD_FACTOR = 4;
/**
 * A finished session (one with a summary line) never changes: the format is append-only and
 * the summary is the last line. Scans skip its `stat`, except every this many scans, which
 * catch a file that was rewritten anyway.
 */
const FULL_SCAN_EVERY = 30;
/** The pause between scans is at least this many times the last scan's duration. */
const POLL_LOAD_FACTOR = 4;
/**
 * A scan lets the loop go (requests are answered) after at most this many milliseconds of
 * work in one go: going over a hundred thousand known rows takes a few hundred milliseconds,
 * and most of it never waits for the disk (a finished session is not even stat'ed).
 */
const SLICE_MS = 8;

/** Resolves on a later turn of the event loop, after pending I/O (requests) has been handled. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Rows that came and went in one batch: a changed file's old row is removed, its new one added. */
export interface IndexChange {
  added: readonly SessionRow[];
  removed: ReadonlySet<SessionRow>;
}

/** Something kept up to date from the index's rows, batch by batch (e.g. the overview's groupings). */
export interface IndexView {
  apply(change: IndexChange): void;
}

/**
 * A row's place in the last scan's order, kept on the row itself (not enumerable, so never
 * copied or sent): every sort order breaks ties by it, and comparing two numbers is what keeps
 * merging a batch into a hundred thousand sorted rows cheap. Every scan numbers the rows anew
 * before it hands any on; the relative order of two files never changes (it follows from
 * their paths), so orders kept from earlier scans stay sorted.
 */
const SCAN_POSITION = Symbol("scanPosition");

type Positioned = SessionRow & { [SCAN_POSITION]?: number };

function positionOf(row: SessionRow): number {
  return (row as Positioned)[SCAN_POSITION] ?? 0;
}

function setPosition(row: SessionRow, position: number): void {
  Object.defineProperty(row, SCAN_POSITION, { value: position, writable: true, enumerable: false, configurable: true });
}

/** Orders rows as the last scan found them: experiment, step, start time, file name. */
export function compareScanOrder(a: SessionRow, b: SessionRow): number {
  return positionOf(a) - positionOf(b);
}

/** Every session of a log directory, as rows, refreshed by polling. */
export class SessionIndex {
  /** Absolute log directory. */
  readonly logDir: string;
  readonly #pollMs: number;
  readonly #liveWindowMs: number;
  readonly #onError: (error: unknown) => void;
  #rows = new Map<string, SessionRow>();
  readonly #byScan: SortedRows;
  readonly #sorted: ReadonlyMap<SortKey, SortedRows>;
  readonly #views: IndexView[] = [];
  #generation = 0;
  #liveCount = 0;
  #progress: IndexProgress | null = { indexed: 0, total: 0, listing: true };
  #ready: Promise<void> = Promise.resolve();
  #scanning: Promise<void> | null = null;
  #next: Promise<void> | null = null;
  #scans = 0;
  #lastError: string | null = null;
  #lastScanMs = 0;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(options: SessionIndexOptions) {
    this.logDir = path.resolve(options.logDir);
    this.#pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.#liveWindowMs = options.liveWindowMs ?? DEFAULT_LIVE_WINDOW_MS;
    this.#onError = options.onError ?? (() => undefined);
    this.#byScan = new SortedRows(() => null, compareScanOrder);
    this.#sorted = new Map(SORT_KEYS.map((key) => [key, new SortedRows(SORT_VALUE[key], compareScanOrder)]));
  }

  /** Changes whenever a session appears, changes, disappears or stops being live. */
  get generation(): number {
    return this.#generation;
  }

  /** How far the first scan got; null once it is done (later scans change rows in place). */
  get progress(): IndexProgress | null {
    return this.#progress === null ? null : { ...this.#progress };
  }

  /** Resolves once the first scan is done, every file of the directory in the index. */
  get ready(): Promise<void> {
    return this.#ready;
  }

  /** Every session, in scan order: experiment, training step, start time, file name. */
  rows(): readonly SessionRow[] {
    return this.#byScan.rows;
  }

  /** Every session in the order of a column of the sessions table, kept up to date. */
  sorted(key: SortKey): SortedRows {
    return this.#sorted.get(key) as SortedRows;
  }

  /** Keeps `view` up to date from now on, starting with every row the index has. */
  addView(view: IndexView): void {
    this.#views.push(view);
    view.apply({ added: this.rows(), removed: new Set() });
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

  /** Whether an incomplete session counts as live at `now`. */
  isLive(row: SessionRow, now: number = Date.now()): boolean {
    return isLive(row.state, row.mtimeMs, now, this.#liveWindowMs);
  }

  /** When a live session stops counting as live unless it is written to again (epoch ms). */
  liveUntil(row: SessionRow): number {
    return row.mtimeMs + this.#liveWindowMs;
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

  /**
   * Starts the first scan in the background ({@link ready} says when it is done), then keeps
   * scanning every `pollMs` until {@link stop}. Rejects at once when the directory cannot be
   * listed.
   */
  async start(): Promise<void> {
    await readdir(this.logDir);
    this.#ready = this.refresh()
      .catch((error: unknown) => {
        this.#lastError = error instanceof Error ? error.message : String(error);
        this.#onError(error);
      })
      .finally(() => {
        this.#progress = null;
        this.#schedule();
      });
  }

  /** Stops polling; resolves once a scan in progress has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#scanning?.catch(() => undefined);
    await this.#next?.catch(() => undefined);
    await this.#ready;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
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
    const progress = this.#progress;
    let sliceStart = performance.now();
    const breathe = async (): Promise<void> => {
      if (performance.now() - sliceStart < SLICE_MS) return;
      await nextTurn();
      sliceStart = performance.now();
    };
    const refs: SessionRef[] = [];
    for await (const ref of scanSessions(this.logDir)) {
      refs.push(ref);
      if (progress !== null) progress.total = refs.length;
      if (refs.length % 1024 === 0) await breathe();
    }
    if (progress !== null) progress.listing = false;
    let added: SessionRow[] = [];
    let removed = new Set<SessionRow>();
    // Files gone from the listing leave before anything is handed on, and the rows still
    // there take their places in this scan's order.
    const positions = new Map<string, number>();
    for (const [i, ref] of refs.entries()) {
      positions.set(ref.relPath, i);
      if (i % 1024 === 0) await breathe();
    }
    // In one go (no turn of the loop given away): a request never sees some rows renumbered
    // and others not. Most keep their number: only the changed ones are written.
    for (const [relPath, row] of this.#rows) {
      const position = positions.get(relPath);
      if (position !== undefined) {
        if (positionOf(row) !== position) setPosition(row, position);
      } else {
        this.#rows.delete(relPath);
        removed.add(row);
      }
    }
    const seen = new Set<string>();
    let published = false;
    let nextPublish = performance.now() + PUBLISH_MS;
    const publish = async (): Promise<void> => {
      if (added.length === 0 && removed.size === 0) return;
      const change = { added, removed };
      added = [];
      removed = new Set();
      const cost = await this.#publish(change);
      published = true;
      nextPublish = performance.now() + Math.max(PUBLISH_MS, cost * PUBLISH_LOAD_FACTOR);
    };
    for (let i = 0; i < refs.length; i += PARALLEL) {
      // Closing the viewer does not wait for the rest of a long first scan.
      if (this.#stopped) return;
      const batch = refs.slice(i, i + PARALLEL);
      const rows = await Promise.all(batch.map((ref) => this.#rowOf(ref, full)));
      for (const [j, row] of rows.entries()) {
        if (row === null) continue;
        seen.add(row.relPath);
        const known = this.#rows.get(row.relPath);
        if (known === row) continue;
        if (known !== undefined) removed.add(known);
        setPosition(row, i + j);
        prepareSearchText(row);
        this.#rows.set(row.relPath, row);
        added.push(row);
      }
      // The last file counts once the scan has handed every row on: until then the pages
      // still show a partial index, and say so.
      if (progress !== null) progress.indexed = Math.min(refs.length - 1, i + PARALLEL);
      if (added.length + removed.size >= PUBLISH_ROWS && performance.now() >= nextPublish) await publish();
      else await breathe();
    }
    for (const [relPath, row] of this.#rows) {
      if (seen.has(relPath)) continue;
      this.#rows.delete(relPath);
      removed.add(row);
    }
    await publish();
    const now = Date.now();
    let live = 0;
    for (const row of this.#rows.values()) if (this.status(row, now) === "live") live++;
    if (!published && live !== this.#liveCount) this.#generation++;
    this.#liveCount = live;
    this.#lastScanMs = performance.now() - started;
  }

  /**
   * Hands a batch on; resolves with the milliseconds of work it took (not counting the turns
   * of the loop given to requests between sort orders). Each order is whole at every moment:
   * a request between two of them sees the batch in some orders and not yet in others.
   */
  async #publish(change: IndexChange): Promise<number> {
    let cost = 0;
    const timed = (work: () => void): void => {
      const started = performance.now();
      work();
      cost += performance.now() - started;
    };
    timed(() => {
      this.#byScan.apply(change.added, change.removed);
      for (const view of this.#views) view.apply(change);
    });
    for (const sorted of this.#sorted.values()) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      timed(() => sorted.apply(change.added, change.removed));
    }
    this.#generation++;
    return cost;
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
