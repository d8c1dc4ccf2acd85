/**
 * A finished session stays finished: a second finalize() or a late logIteration() changes
 * nothing on disk and warns once; a sampled-out session is a no-op.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import fs from "node:fs";
import v8 from "node:v8";
import vm from "node:vm";
import { NULL_SESSION, TrajectoryLogger } from "../../src/index.js";
import { captureLogger } from "../helpers/diagnostics.js";
import { makeTempDir, removeTempDir } from "../helpers/processes.js";
import { readSession } from "../helpers/session-files.js";

let logDir: string;
beforeEach(() => {
  logDir = makeTempDir();
});
afterEach(() => removeTempDir(logDir));

describe("after finalize()", () => {
  it("a second finalize() and later logIteration() calls leave the file alone and warn once", async () => {
    const { logger: diagnostics, records } = captureLogger();
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1, logger: diagnostics });
    const session = logger.startSession({ instanceId: "a", trainingStep: 3, modelName: "m" });
    session.logIteration({ prompt: "p", response: "r" });
    await session.finalize({ reward: 0.5 });
    const file = session.path as string;
    const before = fs.readFileSync(file, "utf8");
    const statsBefore = logger.stats();

    await session.finalize({ reward: 1 });
    session.logIteration({ prompt: "late", response: "late" });
    session.logIteration({ prompt: "late", response: "late" });
    await session.finalize();
    await logger.flush();

    expect(fs.readFileSync(file, "utf8")).toBe(before);
    expect(readSession(file).summary).toMatchObject({ reward: 0.5, total_iterations: 1, total_steps: 1 });
    expect(logger.stats()).toEqual(statsBefore);
    expect(records()).toEqual([
      {
        level: 40,
        component: "trajlog",
        path: file,
        method: "finalize",
        msg: "trajlog: finalize() called after finalize(); ignored (the file is complete)",
      },
    ]);
    await logger.close();
  });

  it("logIteration() after finalize() warns (once) and writes nothing", async () => {
    const { logger: diagnostics, records } = captureLogger();
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1, logger: diagnostics });
    const session = logger.startSession({ instanceId: "a", trainingStep: 0, modelName: "m" });
    const done = session.finalize();
    session.logIteration({ prompt: "late", response: "late" });
    session.logIteration({ prompt: "late", response: "late" });
    await done;
    await logger.close();
    const file = readSession(session.path as string);
    expect(file.iterations).toEqual([]);
    expect(file.summary).toMatchObject({ total_iterations: 0 });
    expect(records().map((r) => r.method)).toEqual(["logIteration"]);
  });
});

/** A full collection, whether or not the process was started with --expose-gc. */
function collectGarbage(): void {
  v8.setFlagsFromString("--expose-gc");
  (vm.runInNewContext("gc") as () => void)();
}

/** Logs two iterations of one prompt of messages the memo keeps (`name`, content parts); gives weak references to them. */
function logKeptPrompt(session: { logIteration(input: object): void }): WeakRef<object>[] {
  const prompt = [
    { role: "system", content: [{ type: "text", text: "be brief" }] },
    { role: "user", content: "go", name: "alice" },
  ];
  session.logIteration({ prompt, response: "one" });
  session.logIteration({ prompt: [...prompt, { role: "assistant", content: "one" }], response: "two" });
  return prompt.map((message) => new WeakRef(message));
}

describe("a finalized session kept by the caller", () => {
  it("lets go of its last prompt's messages: nothing of them is held for lines that will never come", async () => {
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1 });
    const session = logger.startSession({ instanceId: "kept", trainingStep: 0, modelName: "m" });
    const refs = logKeptPrompt(session);
    await session.finalize({ reward: 1 });
    await logger.flush();
    // WeakRefs made in a job hold their target until it ends.
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    // The session object is still held (read here), its file complete.
    expect({
      iterations: readSession(session.path as string).iterations.length,
      collected: refs.map((ref) => ref.deref() === undefined),
    }).toEqual({ iterations: 2, collected: [true, true] });
    await logger.close();
  });
});

describe("a sampled-out session", () => {
  it("is the shared NullSession and does nothing", async () => {
    const logger = new TrajectoryLogger({ logDir, sampleRate: 0 });
    const session = logger.startSession({ instanceId: "a", trainingStep: 0, modelName: "m" });
    expect(session).toBe(NULL_SESSION);
    expect({ sampled: session.sampled, path: session.path, id: session.id }).toEqual({ sampled: false, path: null, id: null });
    session.logIteration({ prompt: "p", response: "r" });
    await expect(session.finalize()).resolves.toBeUndefined();
    await logger.close();
  });
});
