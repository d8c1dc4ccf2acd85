/**
 * A sketch of how a session went, for the instance page's side-by-side columns: one mark per
 * iteration and the first line of the model's first reply. Kept per file while its size and
 * modification time stay the same, so the page costs one read per new or changed session.
 */
import { SessionLines } from "./session-lines.js";
import { cutChars, firstLine } from "../../internal/short-text.js";
import type { SessionRow } from "./session-row.js";

/** One iteration, in short. */
export interface IterationMark {
  errors: number;
  subCalls: number;
  codeBlocks: number;
  final: boolean;
  seconds: number | null;
}

/** How a session went, in short; `marks` is null for a file too large to sketch. */
export interface SessionSketch {
  marks: IterationMark[] | null;
  /** The first non-blank line of the first response, at most {@link OPENING_LIMIT} characters (`…` included). */
  opening: string | null;
}

/** Files larger than this are not sketched (their page still opens). */
export const SKETCH_MAX_BYTES = 8 * 1024 * 1024;
/** Longest opening line kept. */
export const OPENING_LIMIT = 160;
const MAX_ENTRIES = 5000;

/** Sketches of session files, recomputed when a file changes. */
export class SessionSketches {
  readonly #entries = new Map<string, { size: number; mtimeMs: number; sketch: SessionSketch }>();

  /** The sketch of the session file `file`, whose index row is `row`. */
  async get(file: string, row: SessionRow): Promise<SessionSketch> {
    const known = this.#entries.get(file);
    if (known !== undefined && known.size === row.sizeBytes && known.mtimeMs === row.mtimeMs) return known.sketch;
    const sketch = row.sizeBytes > SKETCH_MAX_BYTES ? { marks: null, opening: null } : await sketchOf(file);
    this.#entries.delete(file);
    this.#entries.set(file, { size: row.sizeBytes, mtimeMs: row.mtimeMs, sketch });
    if (this.#entries.size > MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value as string);
    return sketch;
  }
}

async function sketchOf(file: string): Promise<SessionSketch> {
  const lines = new SessionLines(file);
  await lines.update();
  const first = (await lines.readIterations(0, 1))[0]?.data.response ?? null;
  const opening = first === null ? null : firstLine(first);
  return {
    marks: lines.outline.map((o) => ({ errors: o.errors, subCalls: o.subCalls, codeBlocks: o.codeBlocks, final: o.final, seconds: o.seconds })),
    opening: opening === null ? null : cutChars(opening, OPENING_LIMIT),
  };
}
