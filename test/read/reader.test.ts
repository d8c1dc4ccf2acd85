import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  defaultContentPolicy,
  findLatestSession,
  readSession,
  readSessions,
  scanSessions,
  sessionState,
  type SessionFilter,
  type SessionRef,
} from "../../src/index.js";
import { buildLogTree, TREE_SESSIONS } from "../fixtures/log-tree.js";
import { iterationLine, metadataLine } from "../helpers/lines.js";

let logDir: string;
let scratch: string;

beforeAll(async () => {
  logDir = await buildLogTree();
  scratch = await mkdtemp(path.join(os.tmpdir(), "trajlog-reader-"));
});
afterAll(async () => {
  await rm(logDir, { recursive: true, force: true });
  await rm(scratch, { recursive: true, force: true });
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const METADATA = metadataLine({ timestamp: "2026-02-19T14:30:00.000Z", root_model: "m", instance_id: "i", training_step: 0, experiment_name: "e" });
const ITERATION = iterationLine(1, { prompt: [{ role: "user", content: "hi" }], response: "hello" });

describe("readSession", () => {
  test("reads a whole session file", async () => {
    const file = path.join(logDir, "exp-b", "step_1", `${TREE_SESSIONS[6]}.jsonl`);
    expect(await readSession(file)).toEqual({
      path: file,
      sessionId: TREE_SESSIONS[6],
      metadata: metadataLine({
        timestamp: "2026-02-19T14:30:00.000Z",
        root_model: "llama-3.1-8b",
        instance_id: "requests__requests-2317",
        training_step: 1,
        experiment_name: "exp-b",
        sampling: { rate: 1, by: "rollout", forced: false },
        content_policy: defaultContentPolicy().record,
      }),
      iterations: [
        {
          type: "iteration",
          iteration: 1,
          timestamp: "2026-02-19T14:30:00.700Z",
          prompt: [{ role: "user", content: "Is the method a bytes object?" }],
          response: "No code needed. FINAL(yes)",
          code_blocks: [],
          final_answer: "yes",
          iteration_time: 0.7,
        },
      ],
      summary: { type: "summary", timestamp: "2026-02-19T14:30:00.700Z", reward: 0, total_steps: 1, total_iterations: 1 },
      complete: true,
      problems: [],
    });
  });

  test("a torn last line, junk and lines outside the format are problems, never exceptions", async () => {
    const file = path.join(scratch, "torn_20260219_143000_abcdef012345.jsonl");
    const lines = [
      JSON.stringify(METADATA),
      JSON.stringify(ITERATION),
      "",
      "[1, 2]",
      JSON.stringify({ type: "checkpoint" }),
      JSON.stringify({ ...ITERATION, iteration: "two" }),
      JSON.stringify({ ...METADATA, root_model: "again" }),
      '{"type":"iteration","iteration":2,"prom',
    ];
    await writeFile(file, lines.join("\n"));
    const record = await readSession(file);
    expect(record).toEqual({
      path: file,
      sessionId: "torn_20260219_143000_abcdef012345",
      metadata: METADATA,
      iterations: [ITERATION],
      summary: null,
      complete: false,
      problems: [
        { line: 4, message: 'not a trajectory line (no "type")' },
        { line: 5, message: 'unknown line type "checkpoint"' },
        { line: 6, message: "invalid iteration line: /iteration: Expected integer" },
        { line: 7, message: "a second metadata line (ignored)" },
        { line: 8, message: `torn last line (no newline at the end): not valid JSON: ${JSON.stringify(lines[7])}` },
      ],
    });
    expect(sessionState(record)).toBe("incomplete");
  });

  test("a string prompt and content given as parts are brought to the format's shape", async () => {
    const file = path.join(scratch, "loose.jsonl");
    const loose = [
      { ...ITERATION, prompt: "just text" },
      { ...ITERATION, iteration: 2, prompt: [{ role: "user", content: [{ type: "text", text: "a" }, { type: "image", url: "x" }] }] },
    ];
    await writeFile(file, `${[METADATA, ...loose].map((l) => JSON.stringify(l)).join("\n")}\n`);
    const record = await readSession(file);
    expect(record.problems).toEqual([]);
    expect(record.iterations.map((i) => i.prompt)).toEqual([
      [{ role: "user", content: "just text" }],
      [{ role: "user", content: 'a\n{"type":"image","url":"x"}' }],
    ]);
  });

  test("rejects when the file cannot be read", async () => {
    await expect(readSession(path.join(scratch, "missing.jsonl"))).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("sessionState", () => {
  test("no summary → incomplete; non-null error → errored; else completed", async () => {
    const states = (await collect(readSessions(logDir))).map((r) => [r.sessionId, sessionState(r)]);
    expect(states).toEqual([
      [TREE_SESSIONS[0], "completed"],
      [TREE_SESSIONS[1], "completed"],
      [TREE_SESSIONS[2], "errored"],
      [TREE_SESSIONS[3], "incomplete"],
      [TREE_SESSIONS[4], "completed"],
      [TREE_SESSIONS[5], "completed"],
      [TREE_SESSIONS[6], "completed"],
    ]);
    const summary = { type: "summary" as const, timestamp: "2026-02-19T14:30:00.000Z", reward: 1, total_steps: 1, total_iterations: 1 };
    expect(sessionState({ summary: { ...summary, error: null } })).toBe("completed");
  });
});

describe("scanSessions", () => {
  const refs = async (dir: string, filter?: SessionFilter): Promise<string[]> =>
    (await collect(scanSessions(dir, filter))).map((r) => r.relPath);

  test("a whole log directory: experiment, step (numerically), start time, file name", async () => {
    const found = await collect(scanSessions(logDir));
    expect(found[0]).toEqual({
      path: path.join(logDir, "exp-a", "step_0", `${TREE_SESSIONS[0]}.jsonl`),
      relPath: `exp-a/step_0/${TREE_SESSIONS[0]}.jsonl`,
      sessionId: TREE_SESSIONS[0],
      experiment: "exp-a",
      trainingStep: 0,
      instance: "django__django-11099",
      startedAt: "2026-02-19T14:30:00Z",
    } satisfies SessionRef);
    expect(found.map((r) => [r.experiment, r.trainingStep, r.sessionId])).toEqual([
      ["exp-a", 0, TREE_SESSIONS[0]],
      ["exp-a", 0, TREE_SESSIONS[1]],
      ["exp-a", 0, TREE_SESSIONS[2]],
      ["exp-a", 2, TREE_SESSIONS[3]],
      ["exp-a", 2, TREE_SESSIONS[4]],
      ["exp-a", 10, TREE_SESSIONS[5]],
      ["exp-b", 1, TREE_SESSIONS[6]],
    ]);
  });

  test("one experiment, one step folder, one file", async () => {
    expect(await refs(path.join(logDir, "exp-a"))).toEqual([
      `step_0/${TREE_SESSIONS[0]}.jsonl`,
      `step_0/${TREE_SESSIONS[1]}.jsonl`,
      `step_0/${TREE_SESSIONS[2]}.jsonl`,
      `step_2/${TREE_SESSIONS[3]}.jsonl`,
      `step_2/${TREE_SESSIONS[4]}.jsonl`,
      `step_10/${TREE_SESSIONS[5]}.jsonl`,
    ]);
    const step = await collect(scanSessions(path.join(logDir, "exp-a", "step_2")));
    expect(step.map((r) => [r.relPath, r.experiment, r.trainingStep])).toEqual([
      [`${TREE_SESSIONS[3]}.jsonl`, "exp-a", 2],
      [`${TREE_SESSIONS[4]}.jsonl`, "exp-a", 2],
    ]);
    const one = await collect(scanSessions(path.join(logDir, "exp-b", "step_1", `${TREE_SESSIONS[6]}.jsonl`)));
    expect(one.map((r) => [r.relPath, r.experiment, r.trainingStep])).toEqual([[`${TREE_SESSIONS[6]}.jsonl`, "exp-b", 1]]);
  });

  test("filters on what the path tells", async () => {
    expect(await refs(logDir, { steps: { from: 2, to: 10 }, experiments: ["exp-a"] })).toEqual([
      `exp-a/step_2/${TREE_SESSIONS[3]}.jsonl`,
      `exp-a/step_2/${TREE_SESSIONS[4]}.jsonl`,
      `exp-a/step_10/${TREE_SESSIONS[5]}.jsonl`,
    ]);
    expect(await refs(logDir, { instances: ["astropy/12907 weird"] })).toEqual([`exp-a/step_0/${TREE_SESSIONS[2]}.jsonl`]);
    expect(await refs(logDir, { sessionIds: [TREE_SESSIONS[6], "nope"] })).toEqual([`exp-b/step_1/${TREE_SESSIONS[6]}.jsonl`]);
  });

  test("rejects on a missing directory", async () => {
    await expect(collect(scanSessions(path.join(scratch, "nope")))).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("readSessions", () => {
  const ids = async (filter: SessionFilter): Promise<string[]> =>
    (await collect(readSessions(logDir, filter))).map((r) => r.sessionId);

  test("filters on content: state, reward, exact start time", async () => {
    expect(await ids({ states: ["errored", "incomplete"] })).toEqual([TREE_SESSIONS[2], TREE_SESSIONS[3]]);
    expect(await ids({ minReward: 0.5 })).toEqual([TREE_SESSIONS[0], TREE_SESSIONS[4], TREE_SESSIONS[5]]);
    expect(await ids({ since: new Date("2026-02-19T15:00:00.001Z"), until: new Date("2026-02-19T15:00:05Z") })).toEqual([
      TREE_SESSIONS[4],
    ]);
  });

  test("each record carries where it was found", async () => {
    const [first] = await collect(readSessions(path.join(logDir, "exp-b")));
    expect(first?.ref).toEqual({
      path: path.join(logDir, "exp-b", "step_1", `${TREE_SESSIONS[6]}.jsonl`),
      relPath: `step_1/${TREE_SESSIONS[6]}.jsonl`,
      sessionId: TREE_SESSIONS[6],
      experiment: "exp-b",
      trainingStep: 1,
      instance: "requests__requests-2317",
      startedAt: "2026-02-19T14:30:00Z",
    });
  });

  test("stopping early leaves nothing pending", async () => {
    const seen: string[] = [];
    for await (const record of readSessions(logDir)) {
      seen.push(record.sessionId);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([TREE_SESSIONS[0], TREE_SESSIONS[1]]);
  });

  test("problems reach the caller in reading order, however far the reads run ahead", async () => {
    const dir = path.join(scratch, "order", "e", "step_0");
    await mkdir(dir, { recursive: true });
    const small = `${JSON.stringify(METADATA)}\n${JSON.stringify(ITERATION)}\n`;
    const large = `${small}${JSON.stringify({ ...ITERATION, iteration: 2, response: "x".repeat(4096) })}\n`;
    const names = ["a", "b", "c", "d", "e"].map((n) => `${n}_20260219_143000_00000000000${n.charCodeAt(0) - 96}`);
    await Promise.all(names.map((name, i) => writeFile(path.join(dir, `${name}.jsonl`), i % 2 === 1 ? large : small)));
    for (const readAhead of [1, 4]) {
      const events: string[] = [];
      const options = { maxFileBytes: 2048, readAhead, onUnreadable: (file: string) => void events.push(`unreadable ${path.basename(file, ".jsonl")}`) };
      for await (const record of readSessions(path.join(scratch, "order"), {}, options)) {
        // A slow consumer: the reads ahead of it finish (and fail) long before it asks for them.
        await new Promise((resolve) => setTimeout(resolve, 20));
        events.push(`record ${record.sessionId}`);
      }
      expect({ readAhead, events }).toEqual({
        readAhead,
        events: [`record ${names[0]}`, `unreadable ${names[1]}`, `record ${names[2]}`, `unreadable ${names[3]}`, `record ${names[4]}`],
      });
    }
  });
});

test("findLatestSession: latest start across experiments", async () => {
  expect((await findLatestSession(logDir))?.sessionId).toBe(TREE_SESSIONS[5]);
  expect((await findLatestSession(path.join(logDir, "exp-b")))?.sessionId).toBe(TREE_SESSIONS[6]);
  expect(await findLatestSession(scratch, { experiments: ["none"] })).toBe(null);
});
