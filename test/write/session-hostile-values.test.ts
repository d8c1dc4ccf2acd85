/**
 * Hostile values never throw into the loop. A getter that throws, a proxy whose traps throw,
 * a `toJSON` that throws: wherever they sit in what `logIteration`, `finalize` or
 * `startSession` is handed, the call returns, the line is written with
 * `"[Unreadable: <message>]"` where the value was (or the field's default where the format
 * needs a number), every such value is counted in `stats().unreadableValues`, one warning says
 * so, and `finalize` always writes the summary.
 */
import { describe, expect, it } from "vitest";
import path from "node:path";
import { TrajectoryLogger, type IterationInput } from "../../src/index.js";
import { anyTimestamp, expectedBlock, expectedIteration } from "../helpers/adapter-lines.js";
import { captureLogger } from "../helpers/diagnostics.js";
import { tempDirs } from "../helpers/processes.js";
import { readSession } from "../helpers/session-files.js";
import { statsWith } from "../helpers/stats.js";

const tempDir = tempDirs();
const MARKER = "[Unreadable: boom]";

function boom(): never {
  throw new Error("boom");
}

/** `target` with an enumerable property `key` whose getter throws. */
function throwingGetter<T extends object>(target: T, key: string): T {
  return Object.defineProperty(target, key, { get: boom, enumerable: true, configurable: true });
}

/** A proxy over `target` whose every trap throws, the key listing and prototype included. */
function throwingProxy(target: object = {}): object {
  return new Proxy(target, { get: boom, ownKeys: boom, getPrototypeOf: boom, has: boom, getOwnPropertyDescriptor: boom });
}

const cases: Array<[string, () => IterationInput, Record<string, unknown>, number]> = [
  [
    "a key of extra",
    () => ({ prompt: "p", response: "r", extra: throwingGetter({ ok: 1 }, "bad") }),
    { prompt: [{ role: "user", content: "p" }], response: "r", ok: 1, bad: MARKER },
    1,
  ],
  [
    "extra itself",
    () => throwingGetter({ prompt: "p", response: "r" } as IterationInput, "extra"),
    { prompt: [{ role: "user", content: "p" }], response: "r" },
    1,
  ],
  [
    "result.stdout",
    () => ({ prompt: "p", response: "r", code: "c", result: throwingGetter({ stderr: "e" }, "stdout") }),
    { prompt: [{ role: "user", content: "p" }], response: "r", code_blocks: [expectedBlock("c", MARKER, { stderr: "e" })] },
    1,
  ],
  [
    "result.locals",
    () => ({ prompt: "p", response: "r", code: "c", result: throwingGetter({ stdout: "o" }, "locals") }),
    { prompt: [{ role: "user", content: "p" }], response: "r", code_blocks: [expectedBlock("c", "o", { locals: { value: MARKER } })] },
    1,
  ],
  [
    "an rlmCalls entry's field, and an entry itself",
    () => {
      const calls: unknown[] = [throwingGetter({ rootModel: "sub", response: "ok" }, "prompt")];
      throwingGetter(calls, "1");
      return { prompt: "p", response: "r", code: "c", result: { stdout: "o", rlmCalls: calls as never } };
    },
    {
      prompt: [{ role: "user", content: "p" }],
      response: "r",
      code_blocks: [
        expectedBlock("c", "o", {
          rlm_calls: [
            { root_model: "sub", prompt: MARKER, response: "ok", prompt_tokens: 0, completion_tokens: 0, execution_time: 0 },
            { root_model: "", prompt: "", response: "", prompt_tokens: 0, completion_tokens: 0, execution_time: 0 },
          ],
        }),
      ],
    },
    2,
  ],
  [
    "usage.promptTokens",
    () => ({ prompt: "p", response: "r", usage: throwingGetter({ completionTokens: 5 }, "promptTokens") }),
    { prompt: [{ role: "user", content: "p" }], response: "r", usage: { prompt_tokens: 0, completion_tokens: 5 } },
    1,
  ],
  [
    "a prompt message's content",
    () => ({ prompt: [{ role: "system", content: "s" }, throwingGetter({ role: "user" }, "content")] as never, response: "r" }),
    { prompt: [{ role: "system", content: "s" }, { role: "user", content: MARKER }], response: "r" },
    1,
  ],
  [
    "a proxy as the response and in locals",
    () => ({ prompt: "p", response: throwingProxy(), code: "c", result: { locals: { ok: 1, bad: throwingProxy() } } }),
    {
      prompt: [{ role: "user", content: "p" }],
      response: JSON.stringify(MARKER),
      code_blocks: [expectedBlock("c", "", { locals: { ok: 1, bad: MARKER } })],
    },
    2,
  ],
  [
    "a proxy as the whole input",
    () => throwingProxy({ prompt: "p", response: "r" }) as IterationInput,
    { iteration: 1 },
    1,
  ],
  [
    "a toJSON that throws, and codeBlocks: [null]",
    () => ({ prompt: "p", response: { toJSON: boom }, codeBlocks: [null] as never }),
    { prompt: [{ role: "user", content: "p" }], response: JSON.stringify(MARKER), code_blocks: [expectedBlock("", "")] },
    1,
  ],
  [
    "iteration",
    () => throwingGetter({ prompt: "p", response: "r" } as IterationInput, "iteration"),
    { prompt: [{ role: "user", content: "p" }], response: "r" },
    1,
  ],
];

describe("a value that throws when read", () => {
  it.each(cases)("%s: written as a marker, counted, warned once; the summary is written", async (_name, input, fields, unreadable) => {
    const { logger: diagnostics, records } = captureLogger();
    const logDir = tempDir();
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1, logger: diagnostics });
    const session = logger.startSession({ instanceId: "i", trainingStep: 0, modelName: "m" });
    expect(() => session.logIteration(input())).not.toThrow();
    expect(() => session.logIteration({ prompt: "q", response: "fine" })).not.toThrow();
    await session.finalize({ reward: 1, extra: throwingGetter({ note: "n" }, "late") });
    await logger.close();

    const file = readSession(session.path as string);
    expect(file.iterations).toEqual([
      expectedIteration(1, { prompt: [], iteration_time: null, ...fields }),
      expectedIteration(2, { prompt: [{ role: "user", content: "q" }], response: "fine", iteration_time: null }),
    ]);
    expect(file.summary).toEqual({
      type: "summary",
      timestamp: anyTimestamp,
      reward: 1,
      total_steps: 2,
      total_iterations: 2,
      note: "n",
      late: MARKER,
    });
    expect(logger.stats()).toEqual(
      statsWith({
        sessionsStarted: 1,
        sessionsLogged: 1,
        unreadableValues: unreadable + 1,
        linesWritten: 4,
        bytesWritten: logger.stats().bytesWritten,
      }),
    );
    expect(records().map((r) => r.msg)).toEqual([
      `trajlog: a value handed to logIteration threw when read (a getter, a proxy or toJSON); written as "${MARKER}", counted in stats().unreadableValues`,
    ]);
    expect(path.dirname(session.path as string)).toBe(path.join(logDir, "default", "step_0"));
  });

  it("in configMetadata: the metadata line holds the marker, counted", async () => {
    const { logger: diagnostics, records } = captureLogger();
    const logger = new TrajectoryLogger({ logDir: tempDir(), sampleRate: 1, logger: diagnostics });
    const session = logger.startSession({
      instanceId: "i",
      trainingStep: 0,
      modelName: "m",
      configMetadata: throwingGetter({ max_steps: 4 }, "seed_config"),
    });
    await session.finalize();
    await logger.close();
    expect(readSession(session.path as string).metadata).toMatchObject({ max_iterations: 4, seed_config: MARKER });
    expect(logger.stats().unreadableValues).toBe(1);
    expect(records().map((r) => r.method)).toEqual(["startSession"]);
  });
});

const MiB = 1024 * 1024;
/** What a hostile getter answers when it answers long: three times the default field cap. */
const LONG = "x".repeat(3 * MiB);

/** `LONG` as the default field cap writes it: cut to 1 MiB, marker included, the marker counting the bytes cut. */
function cutLong(): string {
  let keep = MiB;
  while (keep + `[TRUNCATED:${LONG.length - keep} bytes]`.length > MiB) keep--;
  return `${LONG.slice(0, keep)}[TRUNCATED:${LONG.length - keep} bytes]`;
}

/**
 * `target` with an enumerable property `key` whose getter answers `LONG` on the reads `long`
 * says (by the read's number, from 1) and "short" on the others, each read counted in `reads`.
 */
function changingGetter<T extends object>(target: T, key: string, long: (read: number) => boolean, reads: { n: number }): T {
  const get = (): string => (long(++reads.n) ? LONG : "short");
  return Object.defineProperty(target, key, { get, enumerable: true, configurable: true });
}

/** Where the getter sits: the input, and the line's fields holding what it answered. */
const places: Array<[string, (getter: <T extends object>(target: T, key: string) => T) => IterationInput, (v: string) => Record<string, unknown>]> = [
  [
    "a local",
    (g) => ({ prompt: "p", response: "r", code: "c", result: { stdout: "o", locals: g({ ok: 1 }, "v") } }),
    (v) => ({ prompt: [{ role: "user", content: "p" }], response: "r", code_blocks: [expectedBlock("c", "o", { locals: { ok: 1, v } })] }),
  ],
  [
    "a value in extra",
    (g) => ({ prompt: "p", response: "r", extra: { nested: g({ ok: 1 }, "v") } }),
    (v) => ({ prompt: [{ role: "user", content: "p" }], response: "r", nested: { ok: 1, v } }),
  ],
  [
    "a prompt message's name",
    (g) => ({ prompt: [{ role: "system", content: "s" }, g({ role: "user", content: "u" }, "name")] as never, response: "r" }),
    (v) => ({ prompt: [{ role: "system", content: "s" }, { role: "user", content: "u", name: v }], response: "r" }),
  ],
  [
    "a prompt message's tool call",
    (g) => ({ prompt: [{ role: "user", content: "u" }, { role: "assistant", content: "", tool_calls: [g({ id: "t" }, "arguments")] }] as never, response: "r" }),
    (v) => ({ prompt: [{ role: "user", content: "u" }, { role: "assistant", content: "", tool_calls: [{ id: "t", arguments: v }] }], response: "r" }),
  ],
  [
    "a local, with an empty prompt (no prompt cache)",
    (g) => ({ prompt: [], response: "r", code: "c", result: { stdout: "o", locals: g({ ok: 1 }, "v") } }),
    (v) => ({ prompt: [], response: "r", code_blocks: [expectedBlock("c", "o", { locals: { ok: 1, v } })] }),
  ],
];

/** When the getter answers long: only on read k, or from read k on (k = 1: long first, short later). */
const patterns: Array<[string, (k: number) => (read: number) => boolean]> = [
  ["only on read", (k) => (read) => read === k],
  ["from read", (k) => (read) => read >= k],
];

describe("a value that answers differently from one read to the next", () => {
  const cases = places.flatMap(([place, input, fields]) =>
    patterns.flatMap(([pattern, long]) => [1, 2, 3, 4, 5, 6].map((k) => [`${place}, long ${pattern} ${k}`, input, fields, long(k)] as const)),
  );
  it.each(cases)("%s: written under the field cap, cut as any long string and counted", async (_name, input, fields, long) => {
    const logger = new TrajectoryLogger({ logDir: tempDir(), sampleRate: 1 });
    const session = logger.startSession({ instanceId: "i", trainingStep: 0, modelName: "m" });
    const reads = { n: 0 };
    session.logIteration(input((target, key) => changingGetter(target, key, long, reads)));
    await session.finalize();
    await logger.close();

    const [line] = readSession(session.path as string).iterations;
    // Whichever read the line was written from, the value is "short" or LONG cut to the cap.
    const text = JSON.stringify(line);
    const written = text.includes("[TRUNCATED:") ? cutLong() : "short";
    expect(reads.n).toBeGreaterThan(0);
    expect(line).toEqual(expectedIteration(1, { iteration_time: null, ...fields(written) }));
    expect(logger.stats()).toEqual(
      statsWith({
        sessionsStarted: 1,
        sessionsLogged: 1,
        linesWritten: 3,
        truncations: written === "short" ? 0 : 1,
        bytesWritten: logger.stats().bytesWritten,
      }),
    );
  });
});
