/**
 * Rewriting session files from one prompt encoding to the other (`trajlog compact`, `trajlog
 * expand`): every value stays as it was, only how iteration lines carry their prompts changes.
 *
 * A file is rewritten atomically: the new text goes to a temporary file beside it, which then
 * replaces it by a rename, and only if the file did not change meanwhile. A session that may
 * still be written to (no summary line, modified recently) is left alone unless forced, since
 * its writer would go on appending to the file the rename replaced. The new file keeps the
 * old one's modification time.
 */
import { randomBytes } from "node:crypto";
import { open, readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { PROMPT_ENCODING_KEY, type PromptEncoding, type PromptMessage } from "./format.js";
import type { LineProblem } from "./read/reader.js";
import { PromptDeltaEncoder, PromptResolver, withPromptDelta } from "./internal/prompt-delta.js";
import { splitLines } from "./read/split-lines.js";
import { DEFAULT_LIVE_WINDOW_MS } from "./read/session-facts.js";


/** Options of {@link convertSessionFile}. */
export interface ConvertOptions {
  /** Rewrite a session that may still be written to (no summary, recently modified). @default false */
  force?: boolean;
  /** How recent a modification makes an unfinished session possibly live, in ms. @default 300000 */
  liveWindowMs?: number;
  /** Work out the result without writing anything. @default false */
  dryRun?: boolean;
}

/** What {@link convertSessionFile} did with one file. */
export interface ConvertResult {
  path: string;
  /**
   * `converted`: rewritten (or would be, with `dryRun`); `unchanged`: already in that encoding;
   * `live`: no summary line and recently modified, left alone; `no-metadata`: line 1 is not a
   * metadata line, left alone; `changed`: the file changed while it was read, left alone.
   */
  status: "converted" | "unchanged" | "live" | "no-metadata" | "changed";
  /** Size before, in bytes. */
  bytesBefore: number;
  /** Size after (as it is, when not rewritten). */
  bytesAfter: number;
  /** Lines copied as they were because they could not be read (a torn last line, a broken delta). */
  problems: LineProblem[];
}

/**
 * Rewrites one session file in the `to` encoding. Lines that are not iteration lines, and lines
 * that cannot be read, are copied byte for byte. Rejects only on I/O errors.
 */
export async function convertSessionFile(file: string, to: PromptEncoding, options: ConvertOptions = {}): Promise<ConvertResult> {
  const before = await stat(file);
  const bytes = await readFile(file);
  const result: ConvertResult = { path: file, status: "unchanged", bytesBefore: bytes.length, bytesAfter: bytes.length, problems: [] };
  const converted = convertText(bytes, to, result.problems);
  if (converted === null) return { ...result, status: "no-metadata" };
  const out = Buffer.from(converted.text, "utf8");
  if (out.equals(bytes)) return result;
  if (!converted.complete && options.force !== true) {
    const window = options.liveWindowMs ?? DEFAULT_LIVE_WINDOW_MS;
    if (Date.now() - before.mtimeMs < window) return { ...result, status: "live" };
  }
  const done: ConvertResult = { ...result, status: "converted", bytesAfter: out.length };
  if (options.dryRun === true) return done;
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const handle = await open(temp, "wx", before.mode & 0o7777);
    try {
      await handle.writeFile(out);
      // The content did not change, so neither does its time: a crashed session stays one that
      // stopped long ago (the viewer and the live check read mtime), not one written just now.
      await handle.utimes(before.atime, before.mtime);
      await handle.sync();
    } finally {
      await handle.close();
    }
    const now = await stat(file);
    if (now.size !== before.size || now.mtimeMs !== before.mtimeMs || now.ino !== before.ino) {
      await rm(temp, { force: true });
      return { ...result, status: "changed" };
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return done;
}

/**
 * The metadata line with `prompt_encoding` set for `"delta"` (where the logger writes it: after
 * trajlog's own keys, before the caller's) or removed for `"full"`.
 */
function withEncoding(metadata: Record<string, unknown>, to: PromptEncoding): Record<string, unknown> {
  const { [PROMPT_ENCODING_KEY]: _old, ...rest } = metadata;
  if (to === "full") return rest;
  const after = ["content_policy", "sampling", "experiment_name"].find((key) => key in rest);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) {
    out[key] = value;
    if (key === after) out[PROMPT_ENCODING_KEY] = "delta";
  }
  if (after === undefined) out[PROMPT_ENCODING_KEY] = "delta";
  return out;
}

/**
 * The file's text in the `to` encoding, and whether it has a summary line; null when line 1
 * is not a metadata line (such a file is not trajlog's to rewrite).
 */
function convertText(bytes: Buffer, to: PromptEncoding, problems: LineProblem[]): { text: string; complete: boolean } | null {
  // The source is read strictly (no normalisation), so that every value is written back as it was.
  const resolver = new PromptResolver(false);
  const encoder = new PromptDeltaEncoder();
  const out: string[] = [];
  let complete = false;
  for (const { line, text, torn } of splitLines(bytes)) {
    const end = torn ? "" : "\n";
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    const record = typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
    if (line === 1 && record?.type !== "metadata") return null;
    if (record === null) {
      if (text.trim() !== "") {
        problems.push({ line, message: torn ? "torn last line, copied as it is" : "not valid JSON, copied as it is" });
        resolver.skip();
        encoder.reset();
      }
      out.push(text + end);
      continue;
    }
    if (record.type === "metadata" && line === 1) {
      out.push(JSON.stringify(withEncoding(record, to)) + end);
      continue;
    }
    if (record.type === "summary") complete = true;
    if (record.type !== "iteration") {
      out.push(text + end);
      continue;
    }
    const resolved = resolver.take(record);
    if (!resolved.ok || !Array.isArray(record.prompt)) {
      problems.push({ line, message: `prompt cannot be rebuilt (${resolved.ok ? "prompt is not a list of messages" : resolved.message}), copied as it is` });
      resolver.skip();
      encoder.reset();
      out.push(text + end);
      continue;
    }
    if (to === "full") {
      out.push(JSON.stringify(record) + end);
      continue;
    }
    const delta = encoder.next(record.prompt as PromptMessage[]);
    encoder.commit();
    out.push(JSON.stringify(withPromptDelta(record, delta)) + end);
  }
  return { text: out.join(""), complete };
}
