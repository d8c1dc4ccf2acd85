/**
 * Full-text search over the sessions' responses, code, stdout, stderr and final answers, on
 * the server, streamed. Files are read one line at a time (one line in memory at most); a line
 * is parsed only when its JSON text holds the query, so most of a tree costs one pass of a
 * case-insensitive scan. The search stops at `limit` results or when the client goes away.
 */
import path from "node:path";
import type { IterationLine } from "../../format.js";
import { parseSession } from "../../read/reader.js";
import type { SearchField, SearchHit } from "../api-types.js";
import { streamLines } from "./line-stream.js";
import type { SessionRow } from "./session-row.js";

/** Characters of context kept on each side of a match. */
export const EXCERPT_CONTEXT = 80;
/** Files read at once. */
const PARALLEL_FILES = 8;
/** Lines longer than this are not searched: with the files read at once, a bound on memory. */
const MAX_SEARCH_LINE = 16 * 1024 * 1024;

/** What to look for, and in which sessions. */
export interface SearchQuery {
  /** Looked for case-insensitively, as plain text. */
  text: string;
  /** Fields to look in; all when absent. */
  fields?: readonly SearchField[];
  limit: number;
}

/** How far a search got. */
export interface SearchCount {
  sessionsSearched: number;
  results: number;
}

/**
 * Searches `rows` (files under `logDir`) in order, calling `onHit` for each match (awaited: a
 * slow client slows the search instead of filling memory). Resolves with whether it stopped
 * at the limit; stops early, without error, when `signal` aborts.
 */
export async function searchSessions(
  logDir: string,
  rows: readonly SessionRow[],
  query: SearchQuery,
  onHit: (hit: SearchHit) => Promise<void>,
  count: SearchCount,
  signal: AbortSignal,
): Promise<{ capped: boolean }> {
  const needle = query.text.toLowerCase();
  // The text as it appears inside a JSON string: what the line's text is scanned for.
  const raw = new RegExp(escapeRegExp(JSON.stringify(query.text).slice(1, -1)), "i");
  const fields = new Set<SearchField>(query.fields ?? ["response", "code", "stdout", "stderr", "final_answer"]);
  // A few files are read at once (most of the time goes to opening and reading them); their
  // hits are given in the index's order, and a file keeps at most `limit` of them.
  for (let i = 0; i < rows.length; i += PARALLEL_FILES) {
    if (signal.aborted) return { capped: false };
    const batch = rows.slice(i, i + PARALLEL_FILES);
    const found = await Promise.all(batch.map((row) => searchFile(logDir, row, raw, needle, fields, query.limit - count.results + 1, signal)));
    for (const hits of found) {
      for (const hit of hits) {
        if (count.results >= query.limit) return { capped: true };
        count.results++;
        await onHit(hit);
        if (signal.aborted) return { capped: false };
      }
      count.sessionsSearched++;
    }
  }
  return { capped: false };
}

/** The matches of one file, at most `max` of them. */
async function searchFile(
  logDir: string,
  row: SessionRow,
  raw: RegExp,
  needle: string,
  fields: ReadonlySet<SearchField>,
  max: number,
  signal: AbortSignal,
): Promise<SearchHit[]> {
  const hits: SearchHit[] = [];
  const file = path.join(logDir, ...row.relPath.split("/"));
  let lineNumber = 0;
  try {
    for await (const { bytes } of streamLines(file, 0, row.sizeBytes, MAX_SEARCH_LINE, signal)) {
      lineNumber++;
      if (!raw.test(bytes.toString("utf8"))) continue;
      const iteration = parseSession(file, bytes).iterations[0];
      if (iteration === undefined) continue;
      for (const [field, pointer, text] of texts(iteration)) {
        if (!fields.has(field)) continue;
        const at = text.toLowerCase().indexOf(needle);
        if (at === -1) continue;
        hits.push(hitOf(row, iteration, lineNumber, field, pointer, text, at, needle.length));
        if (hits.length >= max) return hits;
      }
    }
  } catch {
    // A file removed or unreadable since it was indexed: nothing to find in it.
  }
  return hits;
}

/** Every searchable text of an iteration, with its field and JSON pointer. */
function* texts(iteration: IterationLine): Generator<[SearchField, string, string]> {
  yield ["response", "/response", iteration.response];
  for (const [i, block] of iteration.code_blocks.entries()) {
    yield ["code", `/code_blocks/${i}/code`, block.code];
    yield ["stdout", `/code_blocks/${i}/result/stdout`, block.result.stdout];
    yield ["stderr", `/code_blocks/${i}/result/stderr`, block.result.stderr];
    if (block.result.final_answer !== null) yield ["final_answer", `/code_blocks/${i}/result/final_answer`, block.result.final_answer];
  }
  const answer = iteration.final_answer;
  if (typeof answer === "string") yield ["final_answer", "/final_answer", answer];
  else if (Array.isArray(answer)) yield ["final_answer", "/final_answer/1", answer[1]];
}

function hitOf(row: SessionRow, iteration: IterationLine, line: number, field: SearchField, pointer: string, text: string, at: number, length: number): SearchHit {
  const from = Math.max(0, at - EXCERPT_CONTEXT);
  const to = Math.min(text.length, at + length + EXCERPT_CONTEXT);
  const prefix = from > 0 ? "…" : "";
  return {
    path: row.relPath,
    experiment: row.experiment,
    step: row.trainingStep,
    instanceId: row.instanceId,
    reward: row.reward,
    iteration: iteration.iteration,
    line,
    field,
    pointer,
    excerpt: `${prefix}${text.slice(from, to)}${to < text.length ? "…" : ""}`,
    matchStart: prefix.length + at - from,
    matchEnd: prefix.length + at - from + length,
  };
}

/** `text` as a regular expression that matches it literally. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}
