/**
 * What a session hands its sink, seen through an in-memory sink: no disk, so the sink's
 * refusals (a full buffer, a line too large for it) can be made at will.
 */
import { describe, expect, it } from "vitest";
import { parseSession } from "../../src/index.js";
import { anyTimestamp, expectedIteration } from "../helpers/adapter-lines.js";
import { memorySession } from "../helpers/memory-session.js";

const user = (content: string) => ({ role: "user", content });
const assistant = (content: string) => ({ role: "assistant", content });

describe("a session and its sink", () => {
  it("hands over the metadata line, one line per iteration, the summary, then ends the sink", async () => {
    const { session, sink, metadata } = memorySession();
    expect(sink.parsed()).toEqual([JSON.parse(JSON.stringify(metadata))]);
    session.logIteration({ prompt: "p1", response: "r1" });
    session.logIteration({ prompt: [user("p2")], response: "r2", iteration: 5 });
    expect(sink.ended).toBe(false);
    await session.finalize({ reward: 0.5 });

    expect(sink.ended).toBe(true);
    expect(sink.parsed().slice(1)).toEqual([
      expectedIteration(1, { prompt: [user("p1")], response: "r1", iteration_time: null }),
      expectedIteration(5, { prompt: [user("p2")], response: "r2", iteration_time: null }),
      { type: "summary", timestamp: anyTimestamp, reward: 0.5, total_steps: 2, total_iterations: 2 },
    ]);
    expect({ path: session.path, id: session.id }).toEqual({ path: sink.path, id: "a_1" });
  });

  it("with the buffer full, iteration lines are not built; the summary counts them as dropped", async () => {
    const { session, sink } = memorySession();
    session.logIteration({ prompt: "kept", response: "r" });
    sink.full = true;
    session.logIteration({ prompt: "dropped", response: "r" });
    session.logIteration({ prompt: "dropped", response: "r" });
    await session.finalize();

    expect(sink.parsed().slice(1)).toEqual([
      expectedIteration(1, { prompt: [user("kept")], response: "r", iteration_time: null }),
      { type: "summary", timestamp: anyTimestamp, reward: null, total_steps: 1, total_iterations: 1, dropped_lines: 2 },
    ]);
    expect(sink.dropped).toBe(2);
  });

  it("delta prompts: a line the sink refused is not what the next line's delta starts from", async () => {
    const { session, sink } = memorySession("delta");
    const first = [user("u1")];
    const refused = [...first, assistant("a1"), user("u2")];
    const third = [...refused, assistant("a2"), user("u3")];
    session.logIteration({ prompt: first, response: "a1" });
    sink.refuseNext = 1;
    session.logIteration({ prompt: refused, response: "a2" });
    session.logIteration({ prompt: third, response: "a3" });
    await session.finalize();

    const lines = sink.parsed();
    expect(lines[2]).toEqual(
      expectedIteration(3, {
        prompt_delta: { keep: 1, append: third.slice(1) },
        response: "a3",
        iteration_time: null,
      }),
    );
    // The file as a reader sees it: every written line's whole prompt, rebuilt.
    const record = parseSession(sink.path, sink.bytes());
    expect(record.problems).toEqual([]);
    expect(record.iterations.map((line) => line.prompt)).toEqual([first, third]);
    expect(record.summary).toEqual({
      type: "summary",
      timestamp: anyTimestamp,
      reward: null,
      total_steps: 2,
      total_iterations: 2,
      dropped_lines: 1,
    });
  });

  it("after finalize() the sink is offered nothing more, and a late call warns once", async () => {
    const { session, sink, records } = memorySession();
    const done = session.finalize();
    session.logIteration({ prompt: "late", response: "late" });
    session.logIteration({ prompt: "late", response: "late" });
    await expect(session.finalize()).resolves.toBeUndefined();
    await done;

    expect(sink.late).toBe(0);
    expect(sink.parsed().map((line) => line.type)).toEqual(["metadata", "summary"]);
    expect(records()).toEqual([
      {
        level: 40,
        path: sink.path,
        method: "logIteration",
        msg: "trajlog: logIteration() called after finalize(); ignored (the file is complete)",
      },
    ]);
  });
});
