/**
 * Where session files go: `<logDir>/<experiment>/step_<N>/<instance>_<YYYYMMDD_HHMMSS>_<suffix>.jsonl`.
 *
 * Names come from untrusted strings (instance ids, experiment names), so every segment is
 * made safe here and the final path is checked to lie inside the log directory.
 */
import { createHash, randomFillSync } from "node:crypto";
import path from "node:path";

/** Longest segment, in UTF-8 bytes, that an instance id or experiment name may take. */
const MAX_SEGMENT_BYTES = 180;
const HASH_CHARS = 8;

/** What a changed segment ends with: `-` and the hash. */
const HASHED = new RegExp(`-[0-9a-f]{${HASH_CHARS}}$`);

/**
 * Makes one path segment out of any string: keeps letters, digits, `.`, `_` and `-`,
 * replaces the rest with `_`, never starts with `.`, and fits in {@link MAX_SEGMENT_BYTES}.
 * When anything had to change, a short hash of the original keeps distinct inputs distinct.
 * A string that already ends like a hashed one gets a hash too, so that it cannot take the
 * name of the string it was made from.
 */
export function safeSegment(raw: string, maxBytes: number = MAX_SEGMENT_BYTES): string {
  let safe = raw.normalize("NFC").replace(/[^\p{L}\p{N}._-]/gu, "_").replace(/^\./, "_");
  if (safe === raw && Buffer.byteLength(safe) <= maxBytes && safe.length > 0 && !HASHED.test(raw)) return safe;
  const hash = createHash("sha256").update(raw, "utf8").digest("hex").slice(0, HASH_CHARS);
  safe = truncateUtf8(safe, maxBytes - HASH_CHARS - 1);
  return safe.length > 0 ? `${safe}-${hash}` : hash;
}

/** Cuts a string to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > maxBytes) break;
    bytes += size;
    end += ch.length;
  }
  return text.slice(0, end);
}

/** `YYYYMMDD_HHMMSS` in UTC, the timestamp part of a session file name. */
export function fileTimestamp(date: Date): string {
  const iso = date.toISOString(); // 2026-02-19T14:30:00.123Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}_${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

/**
 * Random bytes for suffixes, drawn from the system's generator 4 KiB at a time: one call
 * per 682 sessions rather than one each, which cost about 3 us per session start.
 */
const suffixBytes = Buffer.allocUnsafe(4092);
let suffixAt = suffixBytes.length;

/** A fresh random suffix: 48 bits, enough that sessions started together never collide. */
export function newSuffix(): string {
  if (suffixAt + 6 > suffixBytes.length) {
    randomFillSync(suffixBytes);
    suffixAt = 0;
  }
  const suffix = suffixBytes.toString("hex", suffixAt, suffixAt + 6);
  suffixAt += 6;
  return suffix;
}

/** The parts a session's file path is built from. */
export interface SessionPathParts {
  /** Absolute log directory. */
  logDir: string;
  experimentName: string;
  trainingStep: number;
  instanceId: string;
  startedAt: Date;
  suffix: string;
}

/** Directory of one experiment's training step: `<logDir>/<experiment>/step_<N>`. */
export function stepDir(logDir: string, experimentName: string, trainingStep: number): string {
  return path.join(logDir, safeSegment(experimentName), `step_${trainingStep}`);
}

/** The session id: the file name without `.jsonl`. */
export function sessionId(instanceId: string, startedAt: Date, suffix: string): string {
  return `${safeSegment(instanceId)}_${fileTimestamp(startedAt)}_${suffix}`;
}

/** Absolute path of a session file; throws if it would somehow leave `logDir`. */
export function sessionPath(parts: SessionPathParts): string {
  const dir = stepDir(parts.logDir, parts.experimentName, parts.trainingStep);
  const file = path.join(dir, `${sessionId(parts.instanceId, parts.startedAt, parts.suffix)}.jsonl`);
  const base = path.resolve(parts.logDir);
  // The file system root already ends with the separator.
  const root = base.endsWith(path.sep) ? base : base + path.sep;
  if (!path.resolve(file).startsWith(root)) {
    throw new Error(`trajlog: refusing to write outside the log directory: ${JSON.stringify(file)}`);
  }
  return file;
}
