/**
 * Random access to one session file for the trajectory page: where each line starts, an
 * outline of every iteration, and the metadata and summary lines. Built by one streaming pass
 * and extended as the file grows, so a 100 MB session is read once and then served a page of
 * iterations at a time. Every line is parsed and checked by the reader's `parseSession`.
 */
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { parseSessionLines, type LineProblem } from "../../read/reader.js";
import { SECOND_METADATA } from "../../read/line-parser.js";
import type { IterationLine, MetadataLine, PromptMessage, SummaryLine } from "../../format.js";
import { PromptDeltaEncoder, PromptResolver } from "../../internal/prompt-delta.js";
import { iterationFacts, type IterationFacts } from "../../read/session-facts.js";

/** What the timeline shows of one iteration: where it is, and its facts. */
export interface IterationOutline extends IterationFacts {
  /** 1-based line number in the file. */
  line: number;
  iteration: number;
  timestamp: string;
  /** Leading messages of the prompt that the previous iteration's prompt had too: the rest are new. */
  promptKept: number;
}

const NEWLINE = 0x0a;
const READ_CHUNK = 1024 * 1024;

/** One session file, indexed by line. Call {@link update} before reading to pick up growth. */
export class SessionLines {
  /** The session file. */
  readonly path: string;
  /** The first valid metadata line; null when there is none. */
  metadata: MetadataLine | null = null;
  /** 1-based line number of the metadata line. */
  metadataLine: number | null = null;
  /** The last valid summary line; null while the session has not finished. */
  summary: SummaryLine | null = null;
  /** 1-based line number of the (last) summary line. */
  summaryLine: number | null = null;
  /** Lines skipped because they are not valid lines of the format. */
  problems: LineProblem[] = [];
  /** One entry per valid iteration line, in file order. */
  outline: IterationOutline[] = [];
  /** Byte range of each line, its newline included; 1-based line n at index n - 1. */
  #starts: number[] = [];
  #ends: number[] = [];
  /** Offset just after the last complete line: where the next update reads from. */
  #parsedTo = 0;
  #size = -1;
  #mtimeMs = -1;
  #updating: Promise<void> = Promise.resolve();
  /** Rebuilds delta prompts while the file is indexed, a line at a time. */
  #resolver = new PromptResolver();
  /** Works out what each prompt kept of the previous one, whatever the encoding. */
  #encoder = new PromptDeltaEncoder();
  /**
   * The rebuilt prompt of each iteration line, by line number, for a file whose prompts are
   * deltas: a page of iterations is then served without reading every line before it. The
   * prompts share their message objects, so this holds each message once.
   */
  #deltaPrompts: Map<number, PromptMessage[]> | null = null;

  constructor(file: string) {
    this.path = file;
  }

  /** Bytes of the file read so far. */
  get size(): number {
    return this.#size;
  }

  /** Bytes after the last newline: a line still being written (or torn by a crash). */
  get pendingBytes(): number {
    return Math.max(0, this.#size - this.#parsedTo);
  }

  /** Reads what was appended since the last call; starts over if the file shrank or was rewritten. */
  update(): Promise<void> {
    this.#updating = this.#updating.catch(() => undefined).then(() => this.#update());
    return this.#updating;
  }

  /** Iterations `offset` to `offset + limit - 1` of the outline, parsed, with their line numbers and outline entries. */
  async readIterations(offset: number, limit: number): Promise<{ line: number; data: IterationLine; outline: IterationOutline }[]> {
    const wanted = this.outline.slice(offset, offset + limit);
    const out: { line: number; data: IterationLine; outline: IterationOutline }[] = [];
    const handle = await open(this.path, "r");
    try {
      for (const item of wanted) {
        const data = this.#parseLine(await this.#readLine(handle, item.line), item.line).iterations[0];
        if (data !== undefined) out.push({ line: item.line, data, outline: item });
      }
    } finally {
      await handle.close();
    }
    return out;
  }

  /** One line parsed as JSON; undefined when the line does not exist or is not JSON. */
  async readJsonLine(line: number): Promise<unknown> {
    if (!Number.isInteger(line) || line < 1 || line > this.#starts.length) return undefined;
    const handle = await open(this.path, "r");
    try {
      const bytes = await this.#readLine(handle, line);
      // An iteration line of a delta file is handed out with its prompt rebuilt, as the page shows it.
      const iteration = this.#deltaPrompts?.has(line) === true ? this.#parseLine(bytes, line).iterations[0] : undefined;
      return iteration ?? JSON.parse(bytes.toString("utf8"));
    } catch {
      return undefined;
    } finally {
      await handle.close();
    }
  }

  /** One line read again, its delta prompt rebuilt from the stored prompt of the iteration before. */
  #parseLine(bytes: Buffer, line: number): ReturnType<typeof parseSessionLines> {
    const resolver = new PromptResolver();
    if (this.#deltaPrompts !== null) {
      const index = this.outline.findIndex((item) => item.line === line);
      const before = index > 0 ? (this.outline[index - 1] as IterationOutline).line : null;
      resolver.seed(before === null ? [] : (this.#deltaPrompts.get(before) ?? null));
    }
    const record = parseSessionLines(this.path, bytes, resolver);
    const iteration = record.iterations[0];
    const stored = this.#deltaPrompts?.get(line);
    if (iteration !== undefined && stored !== undefined) iteration.prompt = stored;
    return record;
  }

  async #readLine(handle: Awaited<ReturnType<typeof open>>, line: number): Promise<Buffer> {
    const start = this.#starts[line - 1] ?? 0;
    const end = this.#ends[line - 1] ?? 0;
    const buffer = Buffer.alloc(end - start);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
    return buffer.subarray(0, bytesRead);
  }

  async #update(): Promise<void> {
    const info = await stat(this.path);
    if (info.size === this.#size && info.mtimeMs === this.#mtimeMs) return;
    if (info.size < this.#size || (info.size === this.#size && info.mtimeMs !== this.#mtimeMs)) this.#reset();
    await this.#readFrom(this.#parsedTo, info.size);
    this.#size = info.size;
    this.#mtimeMs = info.mtimeMs;
  }

  #reset(): void {
    this.metadata = null;
    this.metadataLine = null;
    this.summary = null;
    this.summaryLine = null;
    this.problems = [];
    this.outline = [];
    this.#starts = [];
    this.#ends = [];
    this.#parsedTo = 0;
    this.#resolver = new PromptResolver();
    this.#encoder = new PromptDeltaEncoder();
    this.#deltaPrompts = null;
  }

  /** Streams [from, to) and takes in every complete line; a partial last line waits for the next update. */
  async #readFrom(from: number, to: number): Promise<void> {
    if (to <= from) return;
    let pending: Buffer[] = [];
    let lineStart = from;
    let position = from;
    for await (const chunk of createReadStream(this.path, { start: from, end: to - 1, highWaterMark: READ_CHUNK })) {
      const bytes = chunk as Buffer;
      let at = 0;
      for (let nl = bytes.indexOf(NEWLINE); nl !== -1; nl = bytes.indexOf(NEWLINE, at)) {
        // Lines keep their newline: the reader tells a torn last line by its absence.
        pending.push(bytes.subarray(at, nl + 1));
        this.#takeLine(Buffer.concat(pending), lineStart, position + nl + 1);
        pending = [];
        at = nl + 1;
        lineStart = position + at;
      }
      if (at < bytes.length) pending.push(bytes.subarray(at));
      position += bytes.length;
    }
    this.#parsedTo = lineStart;
  }

  #takeLine(bytes: Buffer, start: number, end: number): void {
    this.#starts.push(start);
    this.#ends.push(end);
    const line = this.#starts.length;
    // Blank lines come back as an empty record.
    const record = parseSessionLines(this.path, bytes, this.#resolver);
    for (const problem of record.problems) this.problems.push({ line, message: problem.message });
    const iteration = record.iterations[0];
    if (iteration !== undefined) {
      const kept = this.#encoder.next(iteration.prompt).keep;
      this.#encoder.commit();
      this.outline.push(outlineOf(iteration, line, kept));
      this.#deltaPrompts?.set(line, iteration.prompt);
    }
    if (record.summary !== null) {
      this.summary = record.summary;
      this.summaryLine = line;
    }
    if (record.metadata !== null) {
      if (this.metadata === null) {
        this.metadata = record.metadata;
        this.metadataLine = line;
        if (record.metadata.prompt_encoding === "delta") this.#deltaPrompts = new Map();
      } else this.problems.push({ line, message: SECOND_METADATA });
    }
  }
}

function outlineOf(iteration: IterationLine, line: number, promptKept: number): IterationOutline {
  return { line, iteration: iteration.iteration, timestamp: iteration.timestamp, ...iterationFacts(iteration), promptKept };
}
