/**
 * The viewer's read-only JSON API. Every handler answers from the session index or from the
 * few session files being viewed; a session is named by its path relative to the log
 * directory and must be one the index found, so nothing else on disk can be reached.
 */
import { createReadStream } from "node:fs";
import { realpath } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import path from "node:path";
import { HttpError, SECURITY_HEADERS, sendJson, sendJsonText, sendText } from "./http-response.js";
import { QueryParams } from "./query-params.js";
import { checkRelativeSessionPath } from "./request-path.js";
import { compareScanOrder, type SessionIndex } from "./session-index.js";
import { querySessions } from "./session-query.js";
import type { SessionRow } from "./session-row.js";
import type { ExperimentOverviews } from "./experiment-overview.js";
import type { RowGroups } from "./row-groups.js";
import type { InstanceGridCache } from "./instance-grid-cache.js";
import type { LastMatches } from "./filter-matches.js";
import type { SessionLinesCache } from "./session-lines-cache.js";
import type { SessionLines } from "./session-lines.js";
import { resolvePointer, truncateForDisplay } from "./display-truncate.js";
import { compareSessions } from "./session-compare.js";
import type { SessionSketch, SessionSketches } from "./session-sketch.js";
import { errorFacts } from "../../read/error-facts.js";
import {
  FORCED_MODES,
  SEARCH_FIELDS,
  SORT_KEYS,
  SORT_ORDERS,
  STATUSES,
  type ApiResponses,
  type ListsResponse,
  type SessionsResponse,
  type VersionResponse,
  type CompareResponse,
  type GroupResponse,
  type InstanceResponse,
  type OverviewResponse,
  type SearchEnd,
  type SearchHit,
  type SearchProgress,
  type StepResponse,
} from "../api-types.js";
import { groupRollouts, instanceSteps, stepGroups } from "./groups.js";
import { IterationLineSchema } from "../../format.js";
import { searchSessions } from "./search.js";

/** What the handlers work from. */
export interface ApiContext {
  index: SessionIndex;
  /** The index's rows by experiment, step and instance. */
  groups: RowGroups;
  /** Step figures, kept as rows change. */
  overviews: ExperimentOverviews;
  lines: SessionLinesCache;
  sketches: SessionSketches;
  /** The instance grid's answers, serialized, reused while their rows are unchanged. */
  grids: InstanceGridCache;
  /** The last filter of the sessions table and the rows it matched. */
  matches: LastMatches;
  /** The log directory with symbolic links resolved. */
  realLogDir: string;
}

/** A GET handler of one API path. */
export type ApiHandler = (context: ApiContext, query: QueryParams, res: ServerResponse) => Promise<void>;

/** Largest page of sessions the table may ask for. */
export const MAX_SESSION_PAGE = 500;
/** Largest page of iterations the trajectory page may ask for. */
export const MAX_ITERATION_PAGE = 50;
/** Iterations listed in a session's outline; a longer session's timeline shows the first ones. */
export const MAX_OUTLINE = 5000;
/** Sessions of one instance that get a sketch; past that, the page lists them without. */
export const MAX_SKETCHES = 500;
/** Sessions of a group sketched at once (each a file read). */
const SKETCH_PARALLEL = 8;
/** Problems listed for a session; the count says how many there are. */
const MAX_PROBLEMS = 100;
/** Results a search gives by default, and at most. */
export const DEFAULT_SEARCH_LIMIT = 100;
export const MAX_SEARCH_LIMIT = 1000;
/** Milliseconds between two progress lines of a search. */
const SEARCH_PROGRESS_MS = 500;

/** Paths of the API: one per JSON answer of the contract, and the three that answer otherwise. */
type ApiPath = `/api/${keyof ApiResponses}` | "/api/search" | "/api/text" | "/api/raw";

/** The API, by path: the type makes sure every answer of the contract has its handler. */
export const API_ROUTES: Readonly<Record<ApiPath, ApiHandler>> = {
  /** Changes whenever anything in the log directory changed: the page polls it to refresh. */
  "/api/version": async ({ index }, _query, res) => {
    sendJson(res, { generation: index.generation, indexing: index.progress } satisfies VersionResponse);
  },

  /** The lists the browser builds its controls from: sort columns, states, search fields. */
  "/api/lists": async (_context, _query, res) => {
    sendJson(res, {
      sortKeys: [...SORT_KEYS],
      sortOrders: [...SORT_ORDERS],
      statuses: [...STATUSES],
      searchFields: [...SEARCH_FIELDS],
      forcedModes: [...FORCED_MODES],
      iterationKeys: Object.keys(IterationLineSchema.properties),
      limits: { sessionPage: MAX_SESSION_PAGE, iterationPage: MAX_ITERATION_PAGE, search: MAX_SEARCH_LIMIT },
    } satisfies ListsResponse);
  },

  /** Experiments with per-step statistics; forced sessions apart unless `forced=include`. */
  "/api/overview": async ({ index, overviews }, query, res) => {
    const includeForced = query.oneOf("forced", FORCED_MODES, "apart") === "include";
    sendJson(res, {
      logDir: index.logDir,
      generation: index.generation,
      indexing: index.progress,
      sessions: index.rows().length,
      forced: includeForced ? "include" : "apart",
      experiments: overviews.overview(includeForced),
    } satisfies OverviewResponse);
  },

  /** One page of the sessions table, filtered and sorted. */
  "/api/sessions": async ({ index, matches }, query, res) => {
    const sort = query.oneOf("sort", SORT_KEYS, "step");
    const now = Date.now();
    const page = querySessions(index.sorted(sort), (row) => index.status(row, now), {
      experiment: query.string("experiment"),
      step: query.integer("step", undefined, 0, Number.MAX_SAFE_INTEGER),
      instance: query.string("instance"),
      search: query.string("q"),
      status: query.oneOf("status", STATUSES, undefined),
      sort,
      order: query.oneOf("order", SORT_ORDERS, "asc"),
      offset: query.integer("offset", 0, 0, Number.MAX_SAFE_INTEGER),
      limit: query.integer("limit", 50, 1, MAX_SESSION_PAGE),
    }, matches);
    sendJson(res, { generation: index.generation, indexing: index.progress, ...page } satisfies SessionsResponse);
  },

  /** A session's row, metadata, summary, problems and the outline of every iteration. */
  "/api/session": async (context, query, res) => {
    const { row, lines } = await openSession(context, query.requiredString("path"));
    const metadata = truncateForDisplay(lines.metadata, {}, "");
    const summary = truncateForDisplay(lines.summary, {}, "");
    sendJson(res, {
      row: { ...row, status: context.index.status(row) },
      metadata: metadata.value,
      metadataLine: lines.metadataLine,
      metadataTruncated: metadata.truncated,
      summary: summary.value,
      summaryLine: lines.summaryLine,
      summaryTruncated: summary.truncated,
      errorFacts: errorFacts(lines.summary?.error),
      problems: lines.problems.slice(0, MAX_PROBLEMS),
      problemCount: lines.problems.length,
      iterationCount: lines.outline.length,
      outline: lines.outline.slice(0, MAX_OUTLINE),
      pendingBytes: lines.pendingBytes,
      sizeBytes: lines.size,
    } satisfies ApiResponses["session"]);
  },

  /** A page of a session's iterations, long strings cut (see `truncated`). */
  "/api/session/iterations": async (context, query, res) => {
    const { lines } = await openSession(context, query.requiredString("path"));
    const offset = query.integer("offset", 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = query.integer("limit", 10, 1, MAX_ITERATION_PAGE);
    const items = (await lines.readIterations(offset, limit)).map(({ line, data, outline }) => {
      const cut = truncateForDisplay(data);
      // The page shows the iteration's facts as the server worked them out, never its own count.
      return { line, data: cut.value, truncated: cut.truncated, promptKept: outline.promptKept, outline };
    });
    sendJson(res, { total: lines.outline.length, offset, limit, items } satisfies ApiResponses["session/iterations"]);
  },

  /** The whole of one value of one line, as plain text: what "show all" fetches. */
  "/api/text": async (context, query, res) => {
    const { lines } = await openSession(context, query.requiredString("path"));
    const line = query.integer("line", undefined, 1, Number.MAX_SAFE_INTEGER);
    if (line === undefined) throw new HttpError(400, 'query parameter "line" is required');
    const value = resolvePointer(await lines.readJsonLine(line), query.string("pointer") ?? "");
    if (value === undefined) throw new HttpError(404, "no such value in that line");
    sendText(res, typeof value === "string" ? value : JSON.stringify(value, null, 2));
  },

  /** The session file itself, as a download. */
  "/api/raw": async (context, query, res) => {
    const { row, file } = await locateSession(context, query.requiredString("path"));
    const name = path.basename(row.relPath).replace(/[^\w.-]/g, "_");
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      "Content-Type": "application/x-ndjson; charset=utf-8",
      "Content-Disposition": `attachment; filename="${name}"`,
      "Cache-Control": "no-store",
    });
    // pipeline closes the file when the client goes away mid-download.
    await pipeline(createReadStream(file), res).catch(() => res.destroy());
  },

  /** One instance at every training step, compactly: a grid of steps × rollouts. */
  "/api/instance": async ({ index, groups, grids }, query, res) => {
    const experiment = query.requiredString("experiment");
    const instance = query.requiredString("instance");
    const now = Date.now();
    const set = groups.instance(experiment, instance);
    const body = grids.get(experiment, instance, set, groups.changes(set), now, () => {
      const rows = inScanOrder(set, () => true);
      const steps = instanceSteps(rows, (row) => index.status(row, now));
      // The answer holds until a live session in it stops being live, or its rows change.
      let expiresAt = Infinity;
      for (const row of rows) if (index.isLive(row, now)) expiresAt = Math.min(expiresAt, index.liveUntil(row));
      const answer = {
        experiment,
        instanceId: instance,
        sessions: rows.length,
        maxRollouts: steps.reduce((max, step) => Math.max(max, step.rollouts.length), 0),
        steps,
      } satisfies InstanceResponse;
      return { json: JSON.stringify(answer), expiresAt };
    });
    sendJsonText(res, body);
  },

  /** A GRPO group: every rollout of one instance at one step, ranked by reward, with advantages. */
  "/api/group": async (context, query, res) => {
    const { index } = context;
    const experiment = query.requiredString("experiment");
    const step = query.integer("step", undefined, 0, Number.MAX_SAFE_INTEGER);
    if (step === undefined) throw new HttpError(400, 'query parameter "step" is required');
    const instance = query.requiredString("instance");
    const now = Date.now();
    const rows = inScanOrder(context.groups.step(experiment, step), (row) => row.instanceId === instance).map(
      (row) => ({ ...row, status: index.status(row, now) }),
    );
    const { figures, partial, rollouts } = groupRollouts(rows);
    // A few files are read at once: one after the other, a group of sixteen new sessions
    // waits for sixteen reads in turn.
    const sketches: (SessionSketch | null)[] = [];
    const sketched = rollouts.slice(0, MAX_SKETCHES);
    for (let i = 0; i < sketched.length; i += SKETCH_PARALLEL) {
      const batch = sketched.slice(i, i + SKETCH_PARALLEL).map((rollout) => {
        const file = path.join(index.logDir, ...rollout.relPath.split("/"));
        return context.sketches.get(file, rollout).catch(() => null);
      });
      sketches.push(...(await Promise.all(batch)));
    }
    const withSketches = rollouts.map((rollout, i) => ({ ...rollout, sketch: sketches[i] ?? null }));
    sendJson(res, {
      experiment,
      step,
      instanceId: instance,
      mean: figures.mean,
      std: figures.std,
      zeroVariance: figures.zeroVariance,
      rewarded: figures.rewarded,
      partial,
      rollouts: withSketches,
    } satisfies GroupResponse);
  },

  /** One step of one experiment: its figures and its groups, zero-variance ones first. */
  "/api/step": async ({ index, groups, overviews }, query, res) => {
    const experiment = query.requiredString("experiment");
    const step = query.integer("step", undefined, 0, Number.MAX_SAFE_INTEGER);
    if (step === undefined) throw new HttpError(400, 'query parameter "step" is required');
    const now = Date.now();
    const rows = inScanOrder(groups.step(experiment, step), () => true);
    sendJson(res, {
      experiment,
      step,
      stats: overviews.step(experiment, step, false, now),
      groups: stepGroups(rows, (row) => index.status(row, now)),
    } satisfies StepResponse);
  },

  /**
   * Full-text search, streamed as JSON lines: one {@link SearchHit} per match as it is found,
   * a progress line now and then, and a last line `{ "done": true, ... }`.
   */
  "/api/search": async ({ index }, query, res) => {
    const text = query.requiredString("q");
    const experiment = query.string("experiment");
    const step = query.integer("step", undefined, 0, Number.MAX_SAFE_INTEGER);
    const instance = query.string("instance");
    const minReward = query.number("minReward");
    const maxReward = query.number("maxReward");
    const fields = query.list("fields", SEARCH_FIELDS);
    const limit = query.integer("limit", DEFAULT_SEARCH_LIMIT, 1, MAX_SEARCH_LIMIT);
    const order = query.oneOf("order", SORT_ORDERS, "asc");
    const rows = index.rows().filter(
      (row) =>
        (experiment === undefined || row.experiment === experiment) &&
        (step === undefined || row.trainingStep === step) &&
        (instance === undefined || row.instanceId === instance) &&
        (minReward === undefined || (row.reward !== null && row.reward >= minReward)) &&
        (maxReward === undefined || (row.reward !== null && row.reward <= maxReward)),
    );
    if (order === "desc") rows.reverse();
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    res.writeHead(200, { ...SECURITY_HEADERS, "Content-Type": "application/x-ndjson; charset=utf-8", "Cache-Control": "no-store" });
    const write = async (value: SearchHit | SearchProgress | SearchEnd): Promise<void> => {
      // Back-pressure: a slow reader pauses the search rather than filling memory.
      if (!res.write(`${JSON.stringify(value)}\n`) && !abort.signal.aborted) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            res.off("drain", done);
            res.off("close", done);
            resolve();
          };
          res.on("drain", done);
          res.on("close", done);
        });
      }
    };
    const count = { sessionsSearched: 0, results: 0 };
    const progress = setInterval(() => {
      if (!abort.signal.aborted) res.write(`${JSON.stringify({ progress: { ...count, sessionsTotal: rows.length } } satisfies SearchProgress)}\n`);
    }, SEARCH_PROGRESS_MS);
    try {
      const { capped } = await searchSessions(index.logDir, rows, { text, limit, ...(fields ? { fields } : {}) }, write, count, abort.signal);
      if (!abort.signal.aborted) await write({ done: true, sessionsSearched: count.sessionsSearched, sessionsTotal: rows.length, results: count.results, capped });
    } finally {
      clearInterval(progress);
      res.end();
    }
  },

  /** Two sessions side by side, iteration by iteration, as line diffs. */
  "/api/compare": async (context, query, res) => {
    const a = await openSession(context, query.requiredString("a"));
    const b = await openSession(context, query.requiredString("b"));
    const offset = query.integer("offset", 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = query.integer("limit", 10, 1, MAX_ITERATION_PAGE);
    const { total, pairs } = await compareSessions(a.lines, b.lines, offset, limit);
    sendJson(res, {
      a: { ...a.row, status: context.index.status(a.row) },
      b: { ...b.row, status: context.index.status(b.row) },
      total,
      offset,
      limit,
      pairs,
    } satisfies CompareResponse);
  },
};

/** The rows of `rows` that pass `keep`, in scan order (which breaks ties of every ranking). */
function inScanOrder(rows: ReadonlySet<SessionRow>, keep: (row: SessionRow) => boolean): SessionRow[] {
  const kept: SessionRow[] = [];
  for (const row of rows) if (keep(row)) kept.push(row);
  return kept.sort(compareScanOrder);
}

/** A session the index knows, by its relative path, checked to resolve inside the log directory. */
async function locateSession(context: ApiContext, rel: string): Promise<{ row: SessionRow; file: string }> {
  const checked = checkRelativeSessionPath(rel);
  const row = checked === null ? undefined : context.index.get(checked);
  if (checked === null || row === undefined) throw new HttpError(404, "no such session");
  const file = path.join(context.index.logDir, ...checked.split("/"));
  let real: string;
  try {
    real = await realpath(file);
  } catch {
    throw new HttpError(404, "no such session");
  }
  if (!real.startsWith(context.realLogDir + path.sep)) throw new HttpError(404, "no such session");
  return { row, file: real };
}

async function openSession(context: ApiContext, rel: string): Promise<{ row: SessionRow; lines: SessionLines }> {
  const { row, file } = await locateSession(context, rel);
  try {
    return { row, lines: await context.lines.get(file) };
  } catch {
    throw new HttpError(404, "no such session");
  }
}
