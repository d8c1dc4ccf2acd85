/**
 * Comparing two sessions of one instance iteration by iteration: iteration k of one against
 * iteration k of the other, as line diffs of the response, the code and its output.
 */
import type { IterationLine } from "../../format.js";
import { diffLines, type DiffLine } from "./line-diff.js";
import { iterationAnswer } from "../../read/session-facts.js";
import type { IterationOutline, SessionLines } from "./session-lines.js";

/** Characters of each text compared; longer texts are compared by their start. */
export const COMPARE_TEXT_LIMIT = 20_000;

/** What one side of a compared pair did, in short. */
export interface ComparedIteration {
  line: number;
  iteration: number;
  seconds: number | null;
  codeBlocks: number;
  errors: number;
  finalAnswer: string | null;
}

/** One iteration index, on both sides. */
export interface ComparedPair {
  /** 0-based position in each session's list of iterations. */
  index: number;
  a: ComparedIteration | null;
  b: ComparedIteration | null;
  response: DiffLine[];
  code: DiffLine[];
  output: DiffLine[];
  /** True when a text was longer than {@link COMPARE_TEXT_LIMIT} or had too many lines. */
  clipped: boolean;
}

/** Pairs `offset` to `offset + limit - 1` of two sessions, and how many pairs there are. */
export async function compareSessions(
  a: SessionLines,
  b: SessionLines,
  offset: number,
  limit: number,
): Promise<{ total: number; pairs: ComparedPair[] }> {
  const total = Math.max(a.outline.length, b.outline.length);
  const [left, right] = await Promise.all([a.readIterations(offset, limit), b.readIterations(offset, limit)]);
  const pairs: ComparedPair[] = [];
  for (let i = 0; i < Math.min(limit, total - offset); i++) {
    const x = left[i];
    const y = right[i];
    const texts = [x, y].map((item) => (item === undefined ? null : textsOf(item.data)));
    const [tx, ty] = texts;
    let clipped = (tx?.clipped ?? false) || (ty?.clipped ?? false);
    const diff = (field: "response" | "code" | "output"): DiffLine[] => {
      const result = diffLines(tx?.[field] ?? "", ty?.[field] ?? "");
      clipped ||= result.clipped;
      return result.lines;
    };
    pairs.push({
      index: offset + i,
      a: x === undefined ? null : summarize(x.outline, x.data),
      b: y === undefined ? null : summarize(y.outline, y.data),
      response: diff("response"),
      code: diff("code"),
      output: diff("output"),
      clipped,
    });
  }
  return { total, pairs };
}

function textsOf(iteration: IterationLine): { response: string; code: string; output: string; clipped: boolean } {
  let clipped = false;
  const cap = (text: string): string => {
    if (text.length <= COMPARE_TEXT_LIMIT) return text;
    clipped = true;
    return text.slice(0, COMPARE_TEXT_LIMIT);
  };
  const code = iteration.code_blocks.map((block) => block.code).join("\n\n");
  const output = iteration.code_blocks
    .map((block) => [block.result.stdout, block.result.stderr].filter((text) => text !== "").join("\n"))
    .filter((text) => text !== "")
    .join("\n\n");
  return { response: cap(iteration.response), code: cap(code), output: cap(output), clipped };
}

function summarize(outline: IterationOutline, iteration: IterationLine): ComparedIteration {
  const { line, seconds, codeBlocks, errors } = outline;
  const answer = iterationAnswer(iteration);
  return {
    line,
    iteration: outline.iteration,
    seconds,
    codeBlocks,
    errors,
    finalAnswer: answer === null ? null : answer.slice(0, COMPARE_TEXT_LIMIT),
  };
}
