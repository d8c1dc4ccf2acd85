import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { TrajectoryLogger } from "../../src/index.js";
import { buildIterationLine, type IterationInput } from "../../src/lines.js";
import { unreadableCount } from "../../src/internal/json-safe.js";
import { PromptMemo } from "../../src/write/prompt-memo.js";
import { makeTempDir, removeTempDir } from "../helpers/processes.js";
import { readLines } from "../helpers/session-files.js";

const AT = new Date("2026-01-01T00:00:00Z");

/** The line's text built with the session's memo, and built anew: they must be the same. */
function both(memo: PromptMemo, input: IterationInput): [string, string] {
  return [JSON.stringify(buildIterationLine(input, 1, AT, undefined, memo)), JSON.stringify(buildIterationLine(input, 1, AT))];
}

/** A build function that counts its calls. */
function counting(): { build: (m: unknown) => unknown; calls: number } {
  const spy = {
    calls: 0,
    build: (m: unknown) => {
      spy.calls++;
      try {
        return { built: JSON.stringify(m) };
      } catch {
        return { built: "unserializable" };
      }
    },
  };
  return spy;
}

function openAiTurn(i: number): Record<string, unknown>[] {
  return [
    { role: "user", name: `u${i}`, content: [{ type: "text", text: `question ${i}` }, { type: "image_url", image_url: { url: `x${i}` } }] },
    {
      role: "assistant",
      content: null,
      tool_calls: [{ id: `c${i}`, type: "function", function: { name: "run", arguments: `{"i":${i}}` } }],
    },
    { role: "tool", tool_call_id: `c${i}`, content: `out ${i}` },
    { role: "assistant", content: `answer ${i}` },
  ];
}

describe("PromptMemo", () => {
  it("builds a message passed again unchanged only once, and again after any in-place edit", () => {
    const memo = new PromptMemo();
    const spy = counting();
    const message = { role: "assistant", content: [{ type: "text", text: "hi" }], tool_calls: [{ id: "a", args: { n: 1 } }] };
    const first = memo.message(0, message, spy.build, unreadableCount);
    expect(memo.message(0, message, spy.build, unreadableCount)).toBe(first);
    expect(spy.calls).toBe(1);
    const edits: ((m: typeof message) => void)[] = [
      (m) => ((m.content[0] as { text: string }).text = "ho"),
      (m) => m.content.push({ type: "text", text: "more" }),
      (m) => ((m.tool_calls[0] as { args: { n: number } }).args.n = 2),
      (m) => ((m.tool_calls[0] as { args: Record<string, unknown> }).args = { n: 2 }),
      (m) => ((m as Record<string, unknown>).name = "x"),
      (m) => delete (m as Record<string, unknown>).name,
      (m) => Object.setPrototypeOf(m.tool_calls[0] as object, { toJSON: () => "other" }),
      // The same keys in another order, and as many keys under other names.
      (m) => {
        const content = m.content;
        delete (m as Record<string, unknown>).content;
        m.content = content;
      },
      (m) => {
        delete (m as Record<string, unknown>).tool_calls;
        (m as Record<string, unknown>).calls = [{ id: "a" }];
      },
      // Not enumerable, yet JSON.stringify calls it.
      (m) => Object.defineProperty(m.content[0] as object, "toJSON", { value: () => "hidden", enumerable: false }),
    ];
    for (const [k, edit] of edits.entries()) {
      edit(message);
      const built = memo.message(0, message, spy.build, unreadableCount);
      expect({ edit: k, built }).toEqual({ edit: k, built: { built: JSON.stringify(message) } });
      expect(spy.calls).toBe(k + 2);
    }
    // Another object at the same place, even an equal one, is built.
    memo.message(0, { ...message }, spy.build, unreadableCount);
    expect(spy.calls).toBe(edits.length + 2);
  });

  it("a key deleted while Object.prototype holds an enumerable one of the same name and value is an edit", () => {
    const memo = new PromptMemo();
    const spy = counting();
    // No object inside it: every object would list the inherited key too, and differ by its count.
    const message: Record<string, unknown> = { role: "assistant", content: "hi", name: "x" };
    memo.message(0, message, spy.build, unreadableCount);
    const proto = Object.prototype as Record<string, unknown>;
    try {
      proto.name = "x";
      delete message.name;
      // for-in now lists the same keys with the same values, but the message has no own `name`.
      expect(memo.message(0, message, spy.build, unreadableCount)).toEqual({ built: JSON.stringify(message) });
      expect(spy.calls).toBe(2);
    } finally {
      delete proto.name;
    }
  });

  it("never keeps what is not plain data: throwing getters, proxies that change, cycles, class instances", () => {
    const cyclic: Record<string, unknown> = { role: "user", content: "x" };
    cyclic.self = cyclic;
    let reads = 0;
    const changing = new Proxy({ role: "user", content: [{ text: "t" }] }, {
      get: (target, key) => (key === "role" ? `r${reads++}` : Reflect.get(target, key)),
    });
    const throwing = {
      role: "user",
      content: "x",
      get extra(): string {
        throw new Error("no");
      },
    };
    class Part {
      text = "p";
    }
    const messages: unknown[] = [cyclic, changing, throwing, { role: "user", content: [new Part()] }, { role: "user", at: new Date(0), content: "d" }];
    for (const message of messages) {
      const memo = new PromptMemo();
      const spy = counting();
      expect(() => {
        memo.message(0, message, spy.build, unreadableCount);
        memo.message(0, message, spy.build, unreadableCount);
      }).not.toThrow();
      expect(spy.calls).toBe(2);
    }
  });

  it("a session's file holds, line by line, the prompt as built anew, over seeded in-place edits (seed printed)", async () => {
    const seed = `prompt-memo-file-${Date.now()}`;
    const rng = seedrandom(seed);
    const logDir = makeTempDir();
    try {
      const logger = new TrajectoryLogger({ logDir, sampleRate: 1 });
      const session = logger.startSession({ instanceId: "a", trainingStep: 0, modelName: "m" });
      const prompt: Record<string, unknown>[] = [{ role: "system", content: "be brief" }];
      const expected: unknown[] = [];
      for (let turn = 0; turn < 40; turn++) {
        prompt.push(...openAiTurn(turn));
        for (let e = 0; e < 2; e++) {
          const m = prompt[Math.floor(rng() * prompt.length)] as Record<string, unknown>;
          const r = rng();
          if (r < 0.3 && Array.isArray(m.content)) (m.content[0] as Record<string, unknown>).text = `edited ${turn}`;
          else if (r < 0.6 && Array.isArray(m.tool_calls)) ((m.tool_calls[0] as { function: { arguments: string } }).function.arguments = `{"t":${turn}}`);
          else if (r < 0.8) m.name = `n${turn}`;
        }
        const input = { prompt: prompt.slice(), response: "r" } as unknown as IterationInput;
        expected.push(JSON.parse(JSON.stringify(buildIterationLine(input, 1, AT).prompt)));
        session.logIteration(input);
      }
      await session.finalize({ reward: 1 });
      await logger.close();
      const written = readLines(session.path as string).filter((l) => l.type === "iteration").map((l) => l.prompt);
      expect({ seed, written }).toEqual({ seed, written: expected });
    } finally {
      removeTempDir(logDir);
    }
  });

  it("a session's lines are the same bytes with the memo as built anew, over seeded in-place edits (seed printed)", () => {
    const seed = `prompt-memo-${Date.now()}`;
    const rng = seedrandom(seed);
    const memo = new PromptMemo();
    const prompt: Record<string, unknown>[] = [{ role: "system", content: "be brief" }];
    for (let turn = 0; turn < 60; turn++) {
      prompt.push(...openAiTurn(turn));
      // Edit a few messages already sent, in place, the way a loop might.
      for (let e = 0; e < 3; e++) {
        const m = prompt[Math.floor(rng() * prompt.length)] as Record<string, unknown>;
        const r = rng();
        if (r < 0.2 && Array.isArray(m.content)) (m.content[0] as Record<string, unknown>).text = `edited ${turn}`;
        else if (r < 0.4 && Array.isArray(m.tool_calls)) ((m.tool_calls[0] as { function: { arguments: string } }).function.arguments = `{"t":${turn}}`);
        else if (r < 0.5) m.name = `n${turn}`;
        else if (r < 0.6) delete m.name;
        else if (r < 0.7) m.content = [{ type: "text", text: `parts ${turn}` }];
        else if (r < 0.8) m.content = `plain ${turn}`;
        else if (r < 0.9) prompt.splice(Math.floor(rng() * prompt.length), 1);
      }
      const input = { prompt: rng() < 0.1 ? prompt.slice(0, Math.floor(prompt.length / 2)) : prompt.slice(), response: "r" };
      const [withMemo, anew] = both(memo, input as unknown as IterationInput);
      expect({ seed, turn, line: withMemo }).toEqual({ seed, turn, line: anew });
    }
  });
});
