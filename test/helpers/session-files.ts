/**
 * Reading session files back the way a consumer would, and checking the structural promises:
 * metadata first, iterations in order, summary last, one session per file, no half line.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import { LINE_SCHEMAS } from "../../src/format.js";

const ajv = new Ajv({ strict: false, allErrors: true });
const validators = {
  metadata: ajv.compile(LINE_SCHEMAS.metadata),
  iteration: ajv.compile(LINE_SCHEMAS.iteration),
  summary: ajv.compile(LINE_SCHEMAS.summary),
};

/** Every regular file under `dir`, sorted. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** Every `.jsonl` file under `dir`, sorted. */
export function listSessionFiles(dir: string): string[] {
  return listFiles(dir).filter((file) => file.endsWith(".jsonl"));
}

/** A file split into parsed complete lines and what follows the last `\n` (a torn tail). */
export interface ParsedFile {
  lines: Array<Record<string, unknown>>;
  /** Text after the last newline: "" when the file ends with a complete line. */
  tail: string;
}

/** Parses every newline-terminated line; throws if one of them is not JSON. */
export function parseFile(file: string): ParsedFile {
  const text = fs.readFileSync(file, "utf8");
  const end = text.lastIndexOf("\n") + 1;
  const body = text.slice(0, end);
  const lines = body.length === 0 ? [] : body.slice(0, -1).split("\n");
  return {
    lines: lines.map((line, i) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`${file}: line ${i + 1} is not JSON: ${JSON.stringify(line.slice(0, 200))}`);
      }
    }),
    tail: text.slice(end),
  };
}

/** The lines of a JSONL file, parsed; throws if one is not JSON or the file ends with half a line. */
export function readLines(file: string): Array<Record<string, unknown>> {
  const { lines, tail } = parseFile(file);
  if (tail !== "") throw new Error(`${file}: ends with half a line`);
  return lines;
}

/** Parses every line of each file with Python's json.loads; returns the line count or throws with Python's error. */
export function parseWithPython(files: string[]): number {
  const script = [
    "import json, sys",
    "n = 0",
    "for f in sys.argv[1:]:",
    "    with open(f, encoding='utf-8', errors='strict') as fh:",
    "        for line in fh:",
    "            assert line.endswith('\\n'), f",
    "            json.loads(line)",
    "            n += 1",
    "print(n)",
  ].join("\n");
  const out = spawnSync("python3", ["-c", script, ...files], { encoding: "utf8" });
  if (out.status !== 0) throw new Error(`python3 failed: ${out.stderr}`);
  return Number(out.stdout.trim());
}

/** What a well-formed session file holds. */
export interface SessionShape {
  metadata: Record<string, unknown>;
  iterations: Array<Record<string, unknown>>;
  summary: Record<string, unknown> | null;
}

/**
 * Checks a file holds exactly one session: one metadata line first, iterations numbered
 * 1, 2, 3... in order (or only increasing, with `allowGaps`: lines were dropped), at most one summary and only as the last line, every line valid
 * against its schema, no torn tail (unless `allowTornTail`).
 */
export function readSession(
  file: string,
  options: { allowTornTail?: boolean; allowGaps?: boolean } = {},
): SessionShape {
  const { lines, tail } = parseFile(file);
  if (tail !== "" && options.allowTornTail !== true) throw new Error(`${file}: ends with half a line`);
  const [metadata, ...rest] = lines;
  if (metadata?.type !== "metadata") throw new Error(`${file}: first line is not metadata`);
  let summary: Record<string, unknown> | null = null;
  if (rest.at(-1)?.type === "summary") summary = rest.pop() ?? null;
  for (const [i, line] of lines.entries()) {
    const validate = validators[line.type as keyof typeof validators];
    if (validate === undefined) throw new Error(`${file}: line ${i + 1} has type ${String(line.type)}`);
    if (!validate(line)) throw new Error(`${file}: line ${i + 1} invalid: ${ajv.errorsText(validate.errors)}`);
  }
  let previous = 0;
  rest.forEach((line, i) => {
    if (line.type !== "iteration") throw new Error(`${file}: line ${i + 2} is a ${String(line.type)} line`);
    const n = line.iteration as number;
    if (options.allowGaps === true ? n <= previous : n !== i + 1) {
      throw new Error(`${file}: line ${i + 2} has iteration ${n} after ${previous}`);
    }
    previous = n;
  });
  return { metadata, iterations: rest, summary };
}
