/**
 * The delta prompt encoding is invisible to every reader: the golden tree written with
 * `prompts: "delta"` reads back, validates and exports exactly as the one written whole.
 */
import { readdir, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  atlasJson,
  readSession,
  TrajectoryLogger,
  readSessions,
  toAtlas,
  toMessages,
  toOpenTraces,
  toRlmText,
  toHfTraceText,
  validateSessionFile,
  type TrajectoryRecord,
} from "../src/index.js";
import { buildLogTree, TREE_SESSIONS } from "./fixtures/log-tree.js";
import { readLines } from "./helpers/session-files.js";

let fullDir: string;
let deltaDir: string;
let full: TrajectoryRecord[];
let delta: TrajectoryRecord[];

async function readAll(dir: string): Promise<TrajectoryRecord[]> {
  const out: TrajectoryRecord[] = [];
  for await (const record of readSessions(dir)) out.push(record);
  return out;
}

/** A record as every consumer sees it, minus where it lies. */
function content(record: TrajectoryRecord): unknown {
  return { ...record, path: undefined, ref: { ...record.ref, path: undefined } };
}

async function sessionFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith(".jsonl")) out.push(path.join(entry.parentPath, entry.name));
  }
  return out.sort();
}

beforeAll(async () => {
  fullDir = await buildLogTree();
  deltaDir = await buildLogTree({ prompts: "delta" });
  full = await readAll(fullDir);
  delta = await readAll(deltaDir);
});
afterAll(async () => {
  await rm(fullDir, { recursive: true, force: true });
  await rm(deltaDir, { recursive: true, force: true });
});

describe('prompts: "delta"', () => {
  test("writes prompt_delta in place of prompt and records the encoding in the metadata line", async () => {
    const file = path.join(deltaDir, "exp-a", "step_0", `${TREE_SESSIONS[1]}.jsonl`);
    const lines = readLines(file);
    expect(lines[0]?.prompt_encoding).toBe("delta");
    const iterations = lines.filter((line) => line.type === "iteration");
    expect(iterations.map((line) => [Object.keys(line).slice(0, 4), (line.prompt_delta as { keep: number }).keep])).toEqual([
      [["type", "iteration", "timestamp", "prompt_delta"], 0],
      [["type", "iteration", "timestamp", "prompt_delta"], 2],
      [["type", "iteration", "timestamp", "prompt_delta"], 2],
    ]);
    expect(iterations.every((line) => !("prompt" in line))).toBe(true);
    // A whole-prompt file says nothing about the encoding: the format as it has always been.
    expect(readLines(file.replace(deltaDir, fullDir))[0]).not.toHaveProperty("prompt_encoding");
  });

  test("every session reads back equal to the same session written whole", () => {
    expect(delta.map((record) => record.sessionId)).toEqual([...TREE_SESSIONS]);
    expect(delta.map(content)).toEqual(full.map(content));
  });

  test("validates clean, like the whole tree", async () => {
    for (const file of await sessionFiles(deltaDir)) expect(await validateSessionFile(file), file).toEqual([]);
  });

  test("every export format gives the same bytes", () => {
    for (const [i, record] of delta.entries()) {
      const whole = full[i] as TrajectoryRecord;
      const relPath = record.ref?.relPath;
      expect(JSON.stringify(toOpenTraces(record, { relPath }))).toBe(JSON.stringify(toOpenTraces(whole, { relPath })));
      expect(atlasJson(toAtlas(record, { relPath }))).toBe(atlasJson(toAtlas(whole, { relPath })));
      expect(JSON.stringify(toMessages(record))).toBe(JSON.stringify(toMessages(whole)));
      expect(toRlmText(record)).toBe(toRlmText(whole));
      expect(toHfTraceText(record)).toBe(toHfTraceText(whole));
    }
  });

  test("the files are smaller", async () => {
    let fullBytes = 0;
    let deltaBytes = 0;
    for (const file of await sessionFiles(fullDir)) fullBytes += (await stat(file)).size;
    for (const file of await sessionFiles(deltaDir)) deltaBytes += (await stat(file)).size;
    expect(deltaBytes).toBeLessThan(fullBytes);
  });

  test('readSession(file, { prompts: "delta" }) gives the same deltas from either encoding', async () => {
    for (const file of await sessionFiles(fullDir)) {
      const compactFromFull = await readSession(file, { prompts: "delta" });
      const compactFromDelta = await readSession(file.replace(fullDir, deltaDir), { prompts: "delta" });
      expect(compactFromDelta).toEqual({ ...compactFromFull, path: compactFromDelta.path });
      expect(compactFromDelta.metadata?.prompt_encoding).toBe("delta");
      // What the delta file holds, as written.
      const written = readLines(file.replace(fullDir, deltaDir)).filter((line) => line.type === "iteration");
      expect(compactFromDelta.iterations.map((it) => it.prompt_delta)).toEqual(written.map((line) => line.prompt_delta));
    }
  });

  test("a file truncated anywhere reads every complete line with its right prompt", async () => {
    const file = path.join(deltaDir, "exp-a", "step_0", `${TREE_SESSIONS[1]}.jsonl`);
    const bytes = await readFile(file);
    const whole = full.find((record) => record.sessionId === TREE_SESSIONS[1]) as TrajectoryRecord;
    const { parseSession } = await import("../src/index.js");
    for (let cut = 1; cut < bytes.length; cut += 97) {
      const record = parseSession(file, bytes.subarray(0, cut));
      const n = record.iterations.length;
      expect(record.iterations).toEqual(whole.iterations.slice(0, n));
    }
  });
});

test('a bad "prompts" option throws at once, naming the option, what it takes and what it got', () => {
  expect(() => new TrajectoryLogger({ prompts: "compact" as never })).toThrow(
    new TypeError('trajlog: option "prompts" must be "full" or "delta"; received "compact" (string)'),
  );
});

test("a prompt message that throws when read again never throws into the loop with delta prompts", async () => {
  const { mkdtemp } = await import("node:fs/promises");
  const os = await import("node:os");
  const dir = await mkdtemp(path.join(os.tmpdir(), "trajlog-delta-hostile-"));
  try {
    const logger = new TrajectoryLogger({ logDir: dir, sampleRate: 1, prompts: "delta" });
    const session = logger.startSession({ instanceId: "t", trainingStep: 0, modelName: "m" });
    let reads = 0;
    const sly = { role: "user" } as { role: string; content: string };
    Object.defineProperty(sly, "content", {
      enumerable: true,
      get() {
        if (++reads > 1) throw new Error("boom");
        return "fine once";
      },
    });
    session.logIteration({ prompt: [{ role: "system", content: "s" }], response: "a" });
    expect(() => session.logIteration({ prompt: [{ role: "system", content: "s" }, sly], response: "b" })).not.toThrow();
    session.logIteration({ prompt: [{ role: "system", content: "s" }, { role: "user", content: "u" }], response: "c" });
    await session.finalize({ reward: 1 });
    await logger.close();
    const record = await readSession(session.path as string);
    // Every line is there and every prompt rebuilds; nothing wrong is shown.
    expect(record.problems).toEqual([]);
    expect(record.iterations.map((it) => it.response)).toEqual(["a", "b", "c"]);
    expect(record.iterations[2]?.prompt).toEqual([{ role: "system", content: "s" }, { role: "user", content: "u" }]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
