import { appendFileSync, copyFileSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import seedrandom from "seedrandom";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { convertSessionFile, readSession, TrajectoryLogger, validateSessionFile } from "../src/index.js";
import { SECRET_CASES } from "./fixtures/content-corpus.js";
import { makeTempDir, removeTempDir } from "./helpers/processes.js";
import { listSessionFiles } from "./helpers/session-files.js";

const SEED = process.env.TRAJLOG_TEST_SEED ?? "convert-corpus-1";
let dir: string;
let corpus: string[];

/** Every line parsed, or the raw text where it is not JSON. */
function parsedLines(file: string): unknown[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((text) => text !== "")
    .map((text) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    });
}

/** A corpus of sessions written by the SDK: growing and rewritten histories, tools, unicode, secrets, cut strings. */
async function writeCorpus(root: string): Promise<void> {
  const rng = seedrandom(SEED);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
  const words = ["def", "solve", "résumé", "ünïcödé", "日本語", "🙂🚀", "\u2028", "tab\there", "quote\"s", "back\\slash", "\ud800 lone"];
  const text = (n: number): string => Array.from({ length: n }, () => pick(words)).join(" ");
  const logger = new TrajectoryLogger({ logDir: root, experimentName: "corpus", sampleRate: 1, maxFieldBytes: 4096 });
  for (let s = 0; s < 12; s++) {
    const session = logger.startSession({ instanceId: `task-${s}`, trainingStep: s % 3, modelName: "m" });
    let messages: Array<{ role: string; content: unknown; [key: string]: unknown }> = [{ role: "system", content: `system ${text(5)}` }, { role: "user", content: text(20) }];
    const iterations = 3 + Math.floor(rng() * 10);
    for (let i = 1; i <= iterations; i++) {
      session.logIteration({ prompt: messages, response: `${text(30)} ${pick(SECRET_CASES).text}`, code: "x = 1", result: { stdout: text(300) } });
      const roll = rng();
      if (roll < 0.15) {
        // A summarised context: the history is rewritten, the system message kept.
        messages = [messages[0] as (typeof messages)[number], { role: "user", content: `summary: ${text(10)}` }];
      } else if (roll < 0.25) {
        messages = [...messages, { role: "assistant", content: [{ type: "text", text: text(5) }, { type: "image_url", image_url: { url: "data:," } }] }];
      } else if (roll < 0.35) {
        messages = [...messages, { role: "assistant", content: "", tool_calls: [{ id: `c${i}`, type: "function", function: { name: "run", arguments: "{}" } }] }, { role: "tool", tool_call_id: `c${i}`, content: text(8) }];
      } else {
        messages = [...messages, { role: "assistant", content: text(12) }, { role: "user", content: `${text(6)} ${pick(SECRET_CASES).text}` }];
      }
    }
    if (s === 11) continue; // never finalized
    await session.finalize({ reward: rng() });
  }
  await logger.close();
}

beforeAll(async () => {
  dir = makeTempDir("trajlog-convert-");
  await writeCorpus(path.join(dir, "logs"));
  corpus = listSessionFiles(path.join(dir, "logs"));
  // A file from another producer: content as parts, a string prompt; and a torn last line.
  const foreign = path.join(dir, "logs", "corpus", "step_0", "foreign_20260219_143000_000000000001.jsonl");
  const meta = { type: "metadata", timestamp: "2026-02-19T14:30:00.000Z", root_model: "m", max_depth: 2, max_iterations: 15, backend: "local", backend_kwargs: null, environment_type: "local_repl", environment_kwargs: null, other_backends: null, instance_id: "foreign", training_step: 0, experiment_name: "corpus" };
  const it = (n: number, prompt: unknown) => ({ type: "iteration", iteration: n, timestamp: "2026-02-19T14:30:01.000Z", prompt, response: "r", code_blocks: [], final_answer: null, iteration_time: 1.0 });
  const parts = [{ role: "user", content: [{ type: "text", text: "look" }, { type: "image_url", image_url: { url: "data:," } }] }];
  writeFileSync(foreign, [meta, it(1, parts), it(2, [...parts, { role: "assistant", content: "ok" }]), it(3, "a string prompt"), it(4, [{ role: "user", content: "x" }])].map((l) => JSON.stringify(l)).join("\n") + "\n");
  appendFileSync(foreign, '{"type":"iteration","iteration":5,"prom');
  corpus.push(foreign);
  // Old enough not to look live.
  const old = new Date(Date.now() - 3_600_000);
  for (const file of corpus) utimesSync(file, old, old);
}, 60_000);
afterAll(() => removeTempDir(dir));

describe("convertSessionFile", () => {
  test(`expand(compact(f)) parses to the same lines as f, and compact(f) reads as f (seed ${SEED})`, async () => {
    let before = 0;
    let after = 0;
    for (const file of corpus) {
      const original = path.join(dir, "original.jsonl");
      copyFileSync(file, original);
      const expected = parsedLines(file);
      const read = await readSession(file);
      const compacted = await convertSessionFile(file, "delta", { force: true });
      expect(compacted.status, file).toBe("converted");
      before += compacted.bytesBefore;
      after += compacted.bytesAfter;
      const asDelta = await readSession(file);
      expect({ ...asDelta, problems: [] }, file).toEqual({ ...read, problems: [] });
      expect(asDelta.problems.map((p) => p.line), file).toEqual(read.problems.map((p) => p.line));
      if (!file.includes("foreign")) expect(await validateSessionFile(file), file).toEqual([]);
      // Converting again changes nothing.
      expect((await convertSessionFile(file, "delta")).status).toBe("unchanged");
      const expanded = await convertSessionFile(file, "full", { force: true });
      expect(expanded.status).toBe("converted");
      expect(parsedLines(file), file).toEqual(expected);
      if (!file.includes("foreign")) expect(readFileSync(file)).toEqual(readFileSync(original));
    }
    expect(after).toBeLessThan(before);
    // Nothing left behind but the session files.
    expect(readdirSync(path.dirname(corpus[0] as string)).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  test("reports the lines it copies as they are", async () => {
    const foreign = corpus.find((file) => file.includes("foreign")) as string;
    const result = await convertSessionFile(foreign, "delta", { dryRun: true, force: true });
    expect(result).toEqual({
      path: foreign,
      status: "converted",
      bytesBefore: expect.any(Number),
      bytesAfter: expect.any(Number),
      problems: [
        { line: 4, message: "prompt cannot be rebuilt (prompt is not a list of messages), copied as it is" },
        { line: 6, message: "torn last line, copied as it is" },
      ],
    });
  });

  test("a session that may still be written to is left alone unless forced; a file without metadata always", async () => {
    const live = path.join(dir, "live.jsonl");
    const unfinished = corpus.find((file) => file.includes("task-11")) as string;
    copyFileSync(unfinished, live);
    const bytes = readFileSync(live);
    expect((await convertSessionFile(live, "delta")).status).toBe("live");
    expect(readFileSync(live)).toEqual(bytes);
    expect((await convertSessionFile(live, "delta", { force: true })).status).toBe("converted");
    const notOurs = path.join(dir, "other.jsonl");
    writeFileSync(notOurs, '{"hello":"world"}\n');
    expect((await convertSessionFile(notOurs, "delta")).status).toBe("no-metadata");
  });
});
