/**
 * Checking a session file against the format: every line valid JSON and valid against its
 * schema (`LINE_SCHEMAS`), metadata on line 1 only, summary only last, iteration numbers
 * increasing, the file placed where its metadata says.
 */
import { safeSegment } from "../paths.js";
import { DEFAULT_READ_MAX_LINE_BYTES, type LineProblem } from "./reader.js";
import { classifyLine, overlongMessage, schemaErrors } from "./line-parser.js";
import { readFileLines } from "./file-lines.js";
import { PromptResolver } from "../internal/prompt-delta.js";

/** Where the file was found, to check it against its metadata. */
export interface ExpectedPlace {
  /** The experiment folder's name. */
  experiment?: string;
  /** The training step of its `step_<N>` folder. */
  trainingStep?: number;
}

/** Schema errors listed per line, at most. */
const MAX_ERRORS_PER_LINE = 3;
/** Problems listed per file, at most: a file of garbage must not fill memory with reports. */
const MAX_PROBLEMS_PER_FILE = 1000;

/** How {@link validateSessionFile} reads. */
export interface ValidateOptions {
  /** A longer line is a problem and is passed over unread. Default: the reader's. */
  maxLineBytes?: number;
}

/**
 * Every problem of one session file, in line order; empty when the file is valid. The file
 * is streamed: any size is checked in bounded memory. Rejects only on I/O errors.
 */
export async function validateSessionFile(file: string, expected: ExpectedPlace = {}, options: ValidateOptions = {}): Promise<LineProblem[]> {
  const listed: LineProblem[] = [];
  let unlisted = 0;
  const problems = {
    push(problem: LineProblem): void {
      if (listed.length < MAX_PROBLEMS_PER_FILE) listed.push(problem);
      else unlisted++;
    },
  };
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_READ_MAX_LINE_BYTES;
  let lines = 0;
  let summaryLine = 0;
  let lastIteration = 0;
  let iterations = 0;
  let declaredIterations: number | null = null;
  // Every delta must rebuild from the lines before it, as a reader would rebuild it.
  const prompts = new PromptResolver(false);
  let encoding: unknown = "full";
  for await (const batch of readFileLines(file, maxLineBytes)) {
    for (const item of batch) {
      lines++;
      if ("overlong" in item) {
        prompts.skip();
        problems.push({ line: item.line, message: overlongMessage(item, maxLineBytes) });
      } else checkLine(item.line, item.text, item.torn);
    }
  }
  if (lines === 0) return [{ line: 1, message: "empty file: line 1 must be the metadata line" }];

  function checkLine(line: number, text: string, torn: boolean): void {
    if (text.trim() === "") {
      problems.push({ line, message: "blank line" });
      return;
    }
    const parsed = classifyLine(text, torn);
    // A torn last line that is whole JSON is still missing its newline.
    if (torn && !(!parsed.ok && parsed.notJson)) problems.push({ line, message: "no newline at the end of the last line" });
    if (!parsed.ok) {
      if (parsed.notJson) prompts.skip();
      problems.push({ line, message: parsed.message });
      return;
    }
    const { type, value } = parsed;
    let rebuilt = true;
    if (type === "iteration") {
      const delta = value.prompt_delta !== undefined;
      if (delta !== (encoding === "delta")) {
        problems.push({
          line,
          message: delta
            ? 'iteration line has prompt_delta, but the metadata line does not declare prompt_encoding "delta"'
            : 'iteration line has a whole prompt, but the metadata line declares prompt_encoding "delta"',
        });
      }
      const resolved = prompts.take(value);
      if (!resolved.ok) {
        problems.push({ line, message: `prompt_delta does not rebuild: ${resolved.message}` });
        rebuilt = false;
      }
    }
    const errors = rebuilt ? schemaErrors(type, value, MAX_ERRORS_PER_LINE).map((error) => `${type} line: ${error}`) : [];
    if (errors.length > 0 && type === "iteration") prompts.skip();
    for (const message of errors) problems.push({ line, message });
    if (summaryLine > 0) problems.push({ line, message: `line after the summary line (line ${summaryLine}); the summary must be last` });
    const record = value;
    if (type === "metadata") {
      if (line !== 1) problems.push({ line, message: "metadata line must be line 1 (and only line 1)" });
      else {
        checkPlace(record, expected, problems);
        encoding = record.prompt_encoding ?? "full";
      }
    } else if (line === 1) {
      problems.push({ line, message: `line 1 must be the metadata line; found a ${type} line` });
    }
    if (type === "iteration") {
      iterations++;
      const n = record.iteration;
      if (typeof n === "number") {
        if (n <= lastIteration) problems.push({ line, message: `iteration ${n} does not follow iteration ${lastIteration}: numbers must increase` });
        lastIteration = n;
      }
    }
    if (type === "summary") {
      summaryLine = line;
      if (typeof record.total_iterations === "number") declaredIterations = record.total_iterations;
    }
  }
  if (declaredIterations !== null && declaredIterations !== iterations) {
    problems.push({
      line: summaryLine,
      message: `summary says total_iterations ${declaredIterations}, but the file has ${iterations} iteration lines`,
    });
  }
  listed.sort((a, b) => a.line - b.line);
  if (unlisted > 0) listed.push({ line: lines, message: `${unlisted} more problems in this file, not listed` });
  return listed;
}

function checkPlace(metadata: Record<string, unknown>, expected: ExpectedPlace, problems: { push(problem: LineProblem): void }): void {
  const step = metadata.training_step;
  if (expected.trainingStep !== undefined && typeof step === "number" && step !== expected.trainingStep) {
    problems.push({ line: 1, message: `training_step is ${step} but the file is under step_${expected.trainingStep}` });
  }
  const name = metadata.experiment_name;
  if (expected.experiment !== undefined && typeof name === "string" && safeSegment(name) !== expected.experiment) {
    problems.push({
      line: 1,
      message: `experiment_name ${JSON.stringify(name)} does not match its folder ${JSON.stringify(expected.experiment)}`,
    });
  }
}
