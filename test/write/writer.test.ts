/**
 * The writer's promises, through the public API and real files: the loop never waits for
 * the disk, a session's lines land in call order, many lines go out in one write (lines
 * nobody waits for gather, and still reach the file), and memory stays under `maxBufferBytes`
 * by dropping whole iteration lines.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import fs from "node:fs";
import path from "node:path";
import { TrajectoryLogger, type Session } from "../../src/index.js";
import { captureLogger } from "../helpers/diagnostics.js";
import { holdDisk } from "../helpers/held-disk.js";
import { makeTempDir, removeTempDir } from "../helpers/processes.js";
import { listSessionFiles, readSession } from "../helpers/session-files.js";
import { statsWith } from "../helpers/stats.js";

let logDir: string;
beforeEach(() => {
  logDir = makeTempDir();
});
afterEach(() => {
  vi.restoreAllMocks();
  removeTempDir(logDir);
});

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

function start(logger: TrajectoryLogger, instanceId: string, trainingStep = 0): Session {
  return logger.startSession({ instanceId, trainingStep, modelName: "m" });
}

describe("logIteration", () => {
  it("returns before anything touches the disk; flush() then finds every line written", async () => {
    const { logger: diagnostics, records } = captureLogger();
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1, logger: diagnostics });
    const session = start(logger, "a");
    for (let i = 0; i < 10; i++) session.logIteration({ prompt: "p", response: "r".repeat(1000) });
    // Nothing has been written yet, not even the directory: the lines wait in memory.
    expect(fs.existsSync(path.dirname(session.path as string))).toBe(false);
    const queued = logger.stats();
    expect(queued.linesWritten).toBe(0);
    expect(queued.bufferedBytes).toBeGreaterThan(10_000);

    await logger.flush();
    const file = readSession(session.path as string);
    expect(file.iterations).toHaveLength(10);
    expect(logger.stats()).toEqual(
      statsWith({
        sessionsStarted: 1,
        sessionsLogged: 1,
        linesWritten: 11,
        bytesWritten: fs.statSync(session.path as string).size,
        bufferedBytes: 0,
        openFiles: 1,
      }),
    );
    await logger.close();
    expect(logger.stats().openFiles).toBe(0);
    expect(records()).toEqual([]);
  });

  it("keeps each session's lines in call order across reopened files (maxOpenFiles 2, 20 sessions)", async () => {
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1, maxOpenFiles: 2 });
    const sessions = Array.from({ length: 20 }, (_, i) => start(logger, `task-${i}`, i % 3));
    let maxOpen = 0;
    for (let round = 1; round <= 30; round++) {
      // Sessions take turns in a varying order, a few rounds per tick.
      for (const [i, session] of sessions.entries()) {
        if ((i + round) % 3 !== 0) session.logIteration({ iteration: round, prompt: `${i}`, response: `${round}` });
      }
      for (const [i, session] of sessions.entries()) {
        if ((i + round) % 3 === 0) session.logIteration({ iteration: round, prompt: `${i}`, response: `${round}` });
      }
      if (round % 4 === 0) await tick();
      maxOpen = Math.max(maxOpen, logger.stats().openFiles);
    }
    await Promise.all(sessions.map((s) => s.finalize()));
    await logger.close();
    for (const session of sessions) {
      const file = readSession(session.path as string);
      expect(file.iterations.map((line) => line.response)).toEqual(Array.from({ length: 30 }, (_, i) => `${i + 1}`));
      expect(file.summary).toMatchObject({ total_iterations: 30 });
    }
    expect(maxOpen).toBeLessThanOrEqual(2);
    expect(logger.stats()).toMatchObject({ linesWritten: 20 * 32, linesDropped: 0, writeErrors: 0, openFiles: 0 });
  });

  it("writes the lines handed over in one tick with one write per file", async () => {
    const writes = vi.spyOn(fs, "writev");
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1 });
    const sessions = Array.from({ length: 5 }, (_, i) => start(logger, `task-${i}`));
    for (let i = 0; i < 50; i++) for (const session of sessions) session.logIteration({ prompt: "p", response: `${i}` });
    await logger.flush();
    // 5 files x (1 metadata + 50 iterations) = 255 lines, in 5 writes.
    expect(logger.stats().linesWritten).toBe(255);
    expect(writes).toHaveBeenCalledTimes(5);
    for (const session of sessions) expect(readSession(session.path as string).iterations).toHaveLength(50);
    await logger.close();
  });

  it("sends the lines that pile up while a write is in flight in one next write", async () => {
    const { held, writes, untilHeld } = holdDisk();
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1 });
    const session = start(logger, "a");
    session.logIteration({ prompt: "p", response: "first" });
    await untilHeld();
    // The first write (metadata + 1 line) is in flight; 50 more lines are handed over.
    for (let i = 0; i < 50; i++) session.logIteration({ prompt: "p", response: `${i}` });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(writes).toHaveBeenCalledTimes(1);
    held.shift()?.();
    await untilHeld();
    held.shift()?.();
    await logger.flush();
    expect(writes).toHaveBeenCalledTimes(2);
    const [, secondBuffers] = writes.mock.calls[1] as unknown as [number, Buffer[]];
    expect(Buffer.concat(secondBuffers).toString("utf8").split("\n").filter(Boolean)).toHaveLength(50);
    expect(readSession(session.path as string).iterations).toHaveLength(51);
    expect(logger.stats()).toMatchObject({ linesWritten: 52, bufferedBytes: 0 });
    vi.restoreAllMocks();
    await logger.close();
  });
});

describe("a write that takes only part of its bytes", () => {
  it("goes on from where it stopped, across the lines of several turns: the file ends whole and in order", async () => {
    const realWritev = fs.writev;
    const calls: number[] = [];
    // The first gathering write takes 7 bytes of its first Buffer and 5 of its second, as a
    // short write may; every later one is real.
    vi.spyOn(fs, "writev").mockImplementation(((fd: number, buffers: Buffer[], position: number, callback: (...r: unknown[]) => void) => {
      calls.push(buffers.length);
      if (calls.length > 1 || buffers.length < 2) return realWritev(fd, buffers, position, callback);
      const first = buffers[0] as Buffer;
      const second = buffers[1] as Buffer;
      return realWritev(fd, [first, second.subarray(0, 5)], position, callback);
    }) as unknown as typeof fs.writev);
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1 });
    const session = start(logger, "a");
    // Three turns of lines, held as one Buffer each, written together by finalize.
    for (let turn = 0; turn < 3; turn++) {
      for (let i = 0; i < 2; i++) session.logIteration({ prompt: "p", response: `${turn}-${i}` });
      await tick();
    }
    await session.finalize({ reward: 1 });
    expect(calls[0]).toBeGreaterThanOrEqual(2);
    expect(calls.length).toBeGreaterThan(1);
    // Every line whole and valid (readSession throws on anything else), in order.
    const file = readSession(session.path as string);
    expect(file.iterations.map((line) => line.response)).toEqual(["0-0", "0-1", "1-0", "1-1", "2-0", "2-1"]);
    expect(file.summary).toMatchObject({ reward: 1, total_iterations: 6 });
    expect(logger.stats()).toMatchObject({ linesWritten: 8, linesFailed: 0, bufferedBytes: 0 });
    await logger.close();
  });
});

describe("lines nobody waits for", () => {
  it("gather into one write per file, and reach the file without flush() or finalize()", async () => {
    const writes = vi.spyOn(fs, "writev");
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1 });
    const sessions = Array.from({ length: 3 }, (_, i) => start(logger, `task-${i}`));
    // Ten turns of the loop, one line per session each: small lines gather rather than going
    // out one write per turn.
    for (let i = 0; i < 10; i++) {
      for (const session of sessions) session.logIteration({ prompt: "p", response: `${i}` });
      await tick();
    }
    // Nothing awaits the logger: the lines still reach their files, in a bounded time.
    const deadline = Date.now() + 10_000;
    while (logger.stats().linesWritten < 33 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(logger.stats()).toMatchObject({ linesWritten: 33, bufferedBytes: 0, linesDropped: 0 });
    for (const session of sessions) expect(readSession(session.path as string).iterations).toHaveLength(10);
    expect(writes.mock.calls.length).toBeLessThan(3 * 10);
    await logger.close();
  });

  it("have their file opened while they gather, before any is due, and then go out in one write", async () => {
    const opens = vi.spyOn(fs, "open");
    const writes = vi.spyOn(fs, "writev");
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1 });
    const session = start(logger, "a");
    session.logIteration({ prompt: "p", response: "r" });
    await tick();
    // The next turn asked for a descriptor (the directory first), although nothing is due.
    expect(logger.stats()).toMatchObject({ openFiles: 1, linesWritten: 0 });
    const deadline = Date.now() + 10_000;
    while (opens.mock.calls.length === 0 && Date.now() < deadline) await tick();
    // Opened, not written: the lines still wait for their batch or their time.
    for (let i = 0; i < 5; i++) await tick();
    expect({ opens: opens.mock.calls.length, writes: writes.mock.calls.length, written: logger.stats().linesWritten }).toEqual({
      opens: 1,
      writes: 0,
      written: 0,
    });
    await session.finalize({ reward: 1 });
    expect(readSession(session.path as string).iterations).toHaveLength(1);
    expect({ opens: opens.mock.calls.length, writes: writes.mock.calls.length }).toEqual({ opens: 1, writes: 1 });
    await logger.close();
  });
});

describe("a file someone waits for", () => {
  it("writes its tail beside a write still in flight, at its own offset; the file ends complete and in order", async () => {
    const { held, writes, untilHeld } = holdDisk();
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1 });
    const session = start(logger, "a");
    session.logIteration({ prompt: "p", response: "0" });
    const flushed = logger.flush();
    await untilHeld();
    for (let i = 1; i < 4; i++) session.logIteration({ prompt: "p", response: `${i}` });
    const finalized = session.finalize({ reward: 1 });
    while (held.length < 2) await new Promise((resolve) => setTimeout(resolve, 1));
    // Both writes are in flight at once; the later one comes back first.
    expect(writes).toHaveBeenCalledTimes(2);
    held.pop()?.();
    held.pop()?.();
    await Promise.all([flushed, finalized]);
    const file = readSession(session.path as string);
    expect(file.iterations.map((line) => line.response)).toEqual(["0", "1", "2", "3"]);
    expect(file.summary).toMatchObject({ reward: 1, total_iterations: 4 });
    expect(logger.stats()).toMatchObject({ linesWritten: 6, linesFailed: 0, bufferedBytes: 0 });
    vi.restoreAllMocks();
    await logger.close();
  });

  it("a write failing while its tail is in flight: the file is cut back once both are back, every line counted lost", async () => {
    const realWrite = fs.writev;
    // Each write really happens; its answer waits for the test: the real one, or an error instead.
    const callbacks: Array<(error?: NodeJS.ErrnoException) => void> = [];
    vi.spyOn(fs, "writev").mockImplementation(((...args: unknown[]) => {
      const callback = args.pop() as (...results: unknown[]) => void;
      (realWrite as (...a: unknown[]) => void)(...args, (...results: unknown[]) =>
        callbacks.push((error) => (error === undefined ? callback(...results) : callback(error, 0))),
      );
    }) as typeof fs.writev);
    const { logger: diagnostics, records } = captureLogger();
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1, logger: diagnostics });
    const session = start(logger, "a");
    session.logIteration({ prompt: "p", response: "0" });
    void logger.flush();
    while (callbacks.length < 1) await new Promise((resolve) => setTimeout(resolve, 1));
    session.logIteration({ prompt: "p", response: "1" });
    const finalized = session.finalize({ reward: 1 });
    while (callbacks.length < 2) await new Promise((resolve) => setTimeout(resolve, 1));
    const [head, tail] = callbacks;
    // Both writes reached the file; the first is reported failed while the second is still out.
    head?.(Object.assign(new Error("EIO: i/o error, write"), { code: "EIO" }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const tailBytes = fs.statSync(session.path as string).size;
    tail?.();
    await finalized;
    await logger.close();
    expect(tailBytes).toBeGreaterThan(0);
    expect(fs.statSync(session.path as string).size).toBe(0);
    expect(logger.stats()).toMatchObject({ linesWritten: 0, linesFailed: 4, writeErrors: 1, bufferedBytes: 0 });
    expect(records().map((record) => record.code)).toEqual(["EIO"]);
  });
});

describe("a turn that logs much more than usual", () => {
  it("has its text encoded in the turn once 1 Mi units wait, counted at its UTF-8 size, and written whole and in order", async () => {
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1 });
    const sessions = [start(logger, "a"), start(logger, "b")];
    // Two bytes of UTF-8 a unit: once encoded, a line counts about twice its length.
    const text = (i: number) => `${i}:`.padEnd(32 * 1024, "é");
    for (let i = 0; i < 40; i++) sessions[i % 2]?.logIteration({ prompt: "p", response: text(i) });
    // 40 lines of 32 Ki units (1.25 Mi) in this turn: the 1 Mi that waited first (33 lines) now
    // count their UTF-8 bytes (about 2.1 MiB), the 7 lines after them their units.
    const { bufferedBytes, linesWritten } = logger.stats();
    expect({ linesWritten, counted: bufferedBytes > 2.2e6 && bufferedBytes < 2.5e6 }).toEqual({ linesWritten: 0, counted: true });
    await logger.flush();
    const responses = sessions.map((session) => readSession(session.path as string).iterations.map((line) => line.response));
    expect(responses).toEqual([0, 1].map((s) => Array.from({ length: 20 }, (_, k) => text(2 * k + s))));
    expect(logger.stats()).toMatchObject({ linesWritten: 42, bufferedBytes: 0, linesDropped: 0 });
    await logger.close();
  });

  it("leaves one long line alone for the next turn to encode, up to 4 Mi units, and encodes it with the next line logged", async () => {
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1, maxFieldBytes: 8 * 1024 * 1024 });
    const session = start(logger, "a");
    const long = "1:".padEnd(2 * 1024 * 1024, "é");
    session.logIteration({ prompt: "p", response: long });
    // Still counted in UTF-16 units (about 2 Mi), not encoded (about 4 MiB of UTF-8).
    const alone = logger.stats().bufferedBytes;
    session.logIteration({ prompt: "p", response: "2:short" });
    const withNext = logger.stats().bufferedBytes;
    expect({ alone: alone > 2.0e6 && alone < 2.3e6, withNext: withNext > 4.1e6 && withNext < 4.4e6 }).toEqual({ alone: true, withNext: true });
    await logger.flush();
    expect(readSession(session.path as string).iterations.map((line) => line.response)).toEqual([long, "2:short"]);
    await logger.close();
  });
});

describe("the buffer cap", () => {
  it("drops whole iteration lines past maxBufferBytes, counts them, warns once, keeps metadata and summary", async () => {
    const { logger: diagnostics, records } = captureLogger();
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1, maxBufferBytes: 100_000, logger: diagnostics });
    const a = start(logger, "a");
    const b = start(logger, "b");
    // 2 x 30 lines of ~10 kB in one tick: the disk cannot have taken any of them yet.
    const big = "x".repeat(10_000);
    for (let i = 0; i < 30; i++) {
      a.logIteration({ prompt: "p", response: big });
      b.logIteration({ prompt: "p", response: big });
    }
    expect(logger.stats().bufferedBytes).toBeLessThanOrEqual(100_000);
    // With the buffer full, a new session's metadata and every summary are still kept.
    const c = start(logger, "c");
    c.logIteration({ prompt: "p", response: big });
    await Promise.all([a.finalize({ reward: 1 }), b.finalize({ reward: 0 }), c.finalize()]);
    await logger.close();
    const fileC = readSession(c.path as string);
    expect({ iterations: fileC.iterations, summary: fileC.summary }).toEqual({
      iterations: [],
      summary: { type: "summary", timestamp: expect.any(String), reward: null, total_steps: 0, total_iterations: 0, dropped_lines: 1 },
    });

    const fileA = readSession(a.path as string);
    const fileB = readSession(b.path as string);
    const kept = fileA.iterations.length + fileB.iterations.length;
    const dropped = 60 - kept + 1;
    expect(kept).toBeGreaterThan(0);
    expect(dropped).toBeGreaterThan(1);
    // Each kept line is whole; the summary says how many of its lines were dropped.
    expect(fileA.iterations.every((line) => line.response === big)).toBe(true);
    expect(fileA.summary).toMatchObject({ total_iterations: fileA.iterations.length, dropped_lines: 30 - fileA.iterations.length });
    expect(fileB.summary).toMatchObject({ total_iterations: fileB.iterations.length, dropped_lines: 30 - fileB.iterations.length });
    expect(logger.stats()).toEqual(
      statsWith({
        sessionsStarted: 3,
        sessionsLogged: 3,
        sessionsDropped: 0,
        linesWritten: 3 + kept + 3,
        bytesWritten: [a, b, c].reduce((sum, s) => sum + fs.statSync(s.path as string).size, 0),
        linesDropped: dropped,
        bufferedBytes: 0,
      }),
    );
    expect(records()).toEqual([
      expect.objectContaining({
        level: 40,
        component: "trajlog",
        maxBufferBytes: 100_000,
        msg: expect.stringContaining("stats().linesDropped"),
      }),
    ]);
  });

  it("drops lines while a stalled disk holds the buffer full, and takes them again once it drains", async () => {
    const { releaseAll, untilHeld } = holdDisk();
    const { logger: diagnostics, records } = captureLogger();
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1, maxBufferBytes: 50_000, logger: diagnostics });
    const session = start(logger, "slow");
    const line = (i: number) => ({ prompt: "p", response: `${i}:`.padEnd(5_000, "y") });
    let maxBuffered = 0;
    // 20 lines of 5 kB while the disk does not answer: about half of them fit.
    for (let i = 0; i < 20; i++) {
      session.logIteration(line(i));
      maxBuffered = Math.max(maxBuffered, logger.stats().bufferedBytes);
      await tick();
    }
    const droppedWhileStalled = logger.stats().linesDropped;
    expect(droppedWhileStalled).toBeGreaterThan(5);
    // The disk answers again: the buffer drains, and new lines are taken.
    while (logger.stats().bufferedBytes > 0) {
      releaseAll();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    for (let i = 20; i < 25; i++) session.logIteration(line(i));
    const finalized = session.finalize();
    await untilHeld();
    releaseAll();
    await finalized;
    await logger.close();

    const file = readSession(session.path as string, { allowGaps: true });
    const stats = logger.stats();
    expect(maxBuffered).toBeLessThanOrEqual(50_000);
    expect(stats.linesDropped).toBe(droppedWhileStalled);
    expect(file.iterations.length + stats.linesDropped).toBe(25);
    expect(file.iterations.slice(-5).map((l) => l.iteration)).toEqual([21, 22, 23, 24, 25]);
    expect(file.summary).toMatchObject({ dropped_lines: stats.linesDropped, total_iterations: file.iterations.length });
    // Lines kept after a drop are whole, and numbered as the loop counted them.
    expect(file.iterations.map((l) => `${Number(l.iteration) - 1}:`)).toEqual(
      file.iterations.map((l) => `${String(l.response).split(":")[0]}:`),
    );
    expect(records()).toHaveLength(1);
  });
});

describe("sessions started while the buffer is full", () => {
  it("get no file until the disk drains, so metadata cannot grow memory without bound", async () => {
    const { held, releaseAll } = holdDisk();
    const { logger: diagnostics, records } = captureLogger();
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1, maxBufferBytes: 20_000, logger: diagnostics });
    const first = start(logger, "first");
    // Rollouts keep starting, logging and finishing while the disk does not answer.
    const started: Session[] = [first];
    for (let i = 0; i < 200; i++) {
      const session = start(logger, `churn-${i}`);
      session.logIteration({ prompt: "p", response: "z".repeat(2_000) });
      void session.finalize({ reward: 0 });
      started.push(session);
      await tick();
    }
    const stalled = logger.stats();
    const logged = started.filter((s) => s.sampled);
    expect(stalled.sessionsDropped).toBeGreaterThan(100);
    expect(stalled.sessionsLogged + stalled.sessionsDropped).toBe(201);
    expect(logged.length).toBe(stalled.sessionsLogged);
    // What is held is the cap plus, at most, one metadata line and the summaries of admitted sessions.
    expect(stalled.bufferedBytes).toBeLessThan(20_000 + 2_000 + logged.length * 600);

    // The disk answers again: the buffer drains and new sessions get files again.
    while (logger.stats().bufferedBytes > 0) {
      releaseAll();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const later = start(logger, "later");
    expect(later.sampled).toBe(true);
    const done = Promise.all([first.finalize({ reward: 1 }), later.finalize({ reward: 1 })]);
    while (logger.stats().bufferedBytes > 0 || held.length > 0) {
      releaseAll();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await done;
    vi.restoreAllMocks();
    await logger.close();
    // Every admitted session has a complete file; the refused ones have none.
    const files = listSessionFiles(logDir);
    expect(files).toHaveLength(logged.length + 1);
    for (const file of files) expect(readSession(file, { allowGaps: true }).summary).not.toBeNull();
    expect(records().map((r) => r.msg)).toEqual(
      expect.arrayContaining([expect.stringContaining("new sessions are not logged until it drains")]),
    );
  });
});

describe("name collisions", () => {
  it("never writes into a file that already exists at the session's path: it takes a fresh name", async () => {
    const logger = new TrajectoryLogger({ logDir, sampleRate: 1 });
    const session = start(logger, "taken");
    const first = session.path as string;
    // Someone else's file appears at the exact path before the session's first write.
    fs.mkdirSync(path.dirname(first), { recursive: true });
    fs.writeFileSync(first, "not yours\n");
    session.logIteration({ prompt: "p", response: "r" });
    await session.finalize({ reward: 1 });
    await logger.close();

    expect(fs.readFileSync(first, "utf8")).toBe("not yours\n");
    expect(session.path).not.toBe(first);
    expect(path.dirname(session.path as string)).toBe(path.dirname(first));
    expect(path.basename(session.path as string)).toMatch(/^taken_\d{8}_\d{6}_[0-9a-f]{12}\.jsonl$/);
    expect(session.id).toBe(path.basename(session.path as string, ".jsonl"));
    const file = readSession(session.path as string);
    expect(file.iterations).toHaveLength(1);
    expect(listSessionFiles(logDir)).toEqual([first, session.path].sort());
    expect(logger.stats()).toMatchObject({ linesWritten: 3, writeErrors: 0, linesFailed: 0 });
  });
});

describe("files created on the create lane", () => {
  // The lane's thread runs compiled code: the writer and lane come from the build, as in use.
  const dist = (href: string) => new URL(`../../dist/write/${href}`, import.meta.url).href;

  it("a session that ends while its file is on the lane, and must take a fresh name, has that file created ahead of the files only logging", async () => {
    const { Writer: BuiltWriter } = (await import(dist("writer.js"))) as typeof import("../../src/write/writer.js");
    const { CreateLane } = (await import(dist("create-lane.js"))) as typeof import("../../src/write/create-lane.js");
    // The pool's exclusive creates are held back, so that 64 stay in flight and later creates go to the lane.
    const heldCreates: Array<() => void> = [];
    const realOpen = fs.open;
    vi.spyOn(fs, "open").mockImplementation(((...args: unknown[]) => {
      const callback = args.pop() as (...results: unknown[]) => void;
      const hold = args[1] === "wx";
      (realOpen as (...a: unknown[]) => void)(...args, (...results: unknown[]) => (hold ? heldCreates.push(() => callback(...results)) : callback(...results)));
    }) as typeof fs.open);
    // The order in which the lane answers the writer's creates.
    const answered: string[] = [];
    const realCreate = CreateLane.prototype.create;
    const asked = vi.spyOn(CreateLane.prototype, "create").mockImplementation(function (this: import("../../src/write/create-lane.js").CreateLane, dir, file, remakeDir, done) {
      return realCreate.call(this, dir, file, remakeDir, (err, fd) => {
        answered.push(path.basename(file));
        done(err, fd);
      });
    });
    const writer = new BuiltWriter({ maxBufferBytes: 64 * 1024 * 1024, maxOpenFiles: 2000, diagnostics: () => captureLogger().logger });
    const sink = (name: string) => writer.createFile(path.join(logDir, "step_0", `${name}.jsonl`), () => path.join(logDir, "step_0", `${name}-renamed.jsonl`));
    const ended = Array.from({ length: 64 }, (_, i) => {
      const s = sink(`pool-${i}`);
      s.append(`{"pool":${i}}\n`, true);
      return s.end();
    });
    const logging = Array.from({ length: 300 }, (_, i) => sink(`logging-${i}`));
    for (const [i, s] of logging.entries()) s.append(`{"logging":${i}}\n`, true);
    // Their files are asked for on the drain, on the lane.
    while (asked.mock.calls.length < logging.length) await tick();
    // Someone else's file is at its path: it is asked for again under a fresh name.
    fs.writeFileSync(path.join(logDir, "step_0", "late.jsonl"), "not yours\n");
    const late = sink("late");
    late.append(`{"late":0}\n`, true);
    await late.end();
    const rank = answered.indexOf("late-renamed.jsonl");
    expect({ lateCreated: rank >= 0, aheadOfMost: rank < logging.length / 2 }).toEqual({ lateCreated: true, aheadOfMost: true });
    heldCreates.splice(0).forEach((release) => release());
    await Promise.all(ended);
    await writer.close();
    expect(["late.jsonl", "late-renamed.jsonl"].map((name) => fs.readFileSync(path.join(logDir, "step_0", name), "utf8"))).toEqual(["not yours\n", `{"late":0}\n`]);
  });
});
