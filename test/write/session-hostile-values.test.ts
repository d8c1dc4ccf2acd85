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
