import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { TrajectoryLogger } from "../../src/index.js";
import { buildIterationLine, type IterationInput } from "../../src/lines.js";
import { unreadableCount } from "../../src/internal/json-safe.js";
import { PromptMemo } from "../../src/write/prompt-memo.js";
import { flattenContent } from "../../src/internal/normalize-prompt.js";
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

/** `memo.message` at index 0 with a counting build. */
function memo2(memo: PromptMemo, message: unknown, spy: ReturnType<typeof counting>): unknown {
  return memo.message(0, message, spy.build, unreadableCount);
}

describe("PromptMemo", () => {
  it("keeps nothing once released: every message, even one passed again unchanged, is built anew", () => {
    const memo = new PromptMemo();
    const spy = counting();
    const messages = [0, 1, 2].map((i) => ({ role: "user", content: [{ type: "text", text: `m${i}` }], name: `n${i}` }));
    const first = messages.map((m, i) => memo.message(i, m, spy.build, unreadableCount));
    memo.release();
    const again = messages.map((m, i) => memo.message(i, m, spy.build, unreadableCount));
    expect({ calls: spy.calls, same: again.map((built, i) => built === first[i]), kept: messages.map((m, i) => memo.unchanged(i, m) !== undefined) }).toEqual({
      calls: 6,
      same: [false, false, false],
      kept: [true, true, true],
    });
  });

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

  it("an edit of any leaf, in arrays and objects at any depth, is an edit; an unedited message is built once", () => {
    type Message = { role: string; content: string; tags: unknown[]; grid: unknown[][]; meta: { a: { b: unknown[] } } };
    const make = (): Message => ({ role: "user", content: "hi", tags: ["a", 1, null, true], grid: [[1, 2], ["x"]], meta: { a: { b: [0, "z"] } } });
    const edits: ((m: Message) => void)[] = [
      (m) => (m.tags[0] = "b"),
      (m) => (m.tags[1] = 2),
      (m) => (m.tags[2] = undefined),
      (m) => (m.tags[3] = false),
      (m) => (m.tags.length = 3),
      (m) => ((m.grid[0] as unknown[])[1] = 3),
      (m) => ((m.grid[1] as unknown[])[0] = "y"),
      (m) => (m.grid[1] as unknown[]).push("w"),
      (m) => (m.meta.a.b[1] = "q"),
      (m) => (m.meta.a.b[0] = { deep: true }),
      (m) => ((m.meta.a as Record<string, unknown>).c = 1),
      (m) => (m.content = "ho"),
    ];
    for (const [k, edit] of edits.entries()) {
      const memo = new PromptMemo();
      const spy = counting();
      const message = make();
      memo.message(0, message, spy.build, unreadableCount);
      memo.message(0, message, spy.build, unreadableCount);
      expect({ edit: k, calls: spy.calls }).toEqual({ edit: k, calls: 1 });
      edit(message);
      expect({ edit: k, built: memo.message(0, message, spy.build, unreadableCount) }).toEqual({ edit: k, built: { built: JSON.stringify(message) } });
      expect({ edit: k, calls: spy.calls }).toEqual({ edit: k, calls: 2 });
    }
  });

  it("a toJSON given to an array inside a kept message (its own, enumerable or not, or Array.prototype's) is an edit", () => {
    type Message = { role: string; content: Record<string, unknown>[]; tool_calls: Record<string, unknown>[] };
    const make = (): Message => ({
      role: "assistant",
      content: [{ type: "text", text: "t" }, { type: "image", urls: ["u", "v"] }],
      tool_calls: [{ id: "a", args: [1, 2] }],
    });
    const hidden = (a: unknown[], text: string): void => {
      Object.defineProperty(a, "toJSON", { value: () => text, enumerable: false, configurable: true });
    };
    const edits: ((m: Message) => void)[] = [
      (m) => hidden(m.content[1]?.urls as unknown[], "hidden urls"),
      (m) => ((m.content[1]?.urls as unknown[] & { toJSON?: unknown }).toJSON = () => "own urls"),
      (m) => hidden(m.tool_calls, "hidden calls"),
      (m) => hidden(m.tool_calls[0]?.args as unknown[], "hidden args"),
    ];
    const arrays = Array.prototype as unknown as Record<string, unknown>;
    for (const [k, edit] of [...edits, () => (arrays.toJSON = () => "every array")].entries()) {
      const memo = new PromptMemo();
      const message = make();
      const input = { prompt: [message], response: "r" } as unknown as IterationInput;
      try {
        const [first, firstAnew] = both(memo, input);
        expect({ edit: k, line: first }).toEqual({ edit: k, line: firstAnew });
        edit(message);
        const [withMemo, anew] = both(memo, input);
        // Each edit changes the line (a message's content array is flattened, never serialized).
        expect({ edit: k, changed: withMemo !== first, line: withMemo }).toEqual({ edit: k, changed: true, line: anew });
      } finally {
        delete arrays.toJSON;
      }
    }
  });

  it("a session's file holds a kept message again as it now serializes once an array in it was given a hidden toJSON", async () => {
    const logDir = makeTempDir();
    try {
      const logger = new TrajectoryLogger({ logDir, sampleRate: 1 });
      const session = logger.startSession({ instanceId: "a", trainingStep: 0, modelName: "m" });
      const calls = [{ id: "a", type: "function", function: { name: "run", arguments: "{}" } }];
      const message = { role: "assistant", content: "x", tool_calls: calls };
      session.logIteration({ prompt: [message], response: "r" });
      Object.defineProperty(calls, "toJSON", { value: () => "calls", enumerable: false });
      session.logIteration({ prompt: [message], response: "r" });
      await session.finalize({ reward: 1 });
      await logger.close();
      const prompts = readLines(session.path as string).filter((l) => l.type === "iteration").map((l) => l.prompt);
      expect(prompts).toEqual([
        [{ role: "assistant", content: "x", tool_calls: [{ id: "a", type: "function", function: { name: "run", arguments: "{}" } }] }],
        [{ role: "assistant", content: "x", tool_calls: "calls" }],
      ]);
    } finally {
      removeTempDir(logDir);
    }
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

  it("builds the parts of plain data as asText does: non-finite numbers, undefined, null prototypes, getters", () => {
    let reads = 0;
    const nullProto = Object.assign(Object.create(null) as Record<string, unknown>, { type: "image", n: Number.NaN });
    const parts: unknown[] = [
      { type: "tool_use", id: "t", input: { code: "print('é')\n", n: Infinity, list: [undefined, -Infinity, 1.5, null] } },
      nullProto,
      { type: "tool_result", content: [{ type: "text", text: "out\ud800" }], gone: undefined },
      {
        type: "counter",
        get n(): number {
          return reads++;
        },
      },
      [1, [Number.NaN]],
      "text",
      7,
      null,
      undefined,
    ];
    const memo = new PromptMemo();
    const spy = { calls: 0, plain: [] as boolean[] };
    const message = { role: "user", content: parts, name: "n" };
    const built = memo.message(0, message, (m, plain) => {
      spy.calls++;
      spy.plain.push(plain);
      return buildIterationLine({ prompt: [m as never], response: "" }, 1, AT).prompt[0];
    }, unreadableCount);
    expect(spy.plain).toEqual([true]);
    // With the memo (traced: plain data) and without (asText on every part): the same text.
    const [withMemo, anew] = both(new PromptMemo(), { prompt: [message], response: "" } as unknown as IterationInput);
    expect(withMemo.replace(/\\"n\\":\d+/, "N")).toBe(anew.replace(/\\"n\\":\d+/, "N"));
    expect(built).toBeDefined();
    // A part whose getter throws from its second read on: marked as unreadable, as without the memo.
    const fickle = (): IterationInput => {
      let reads = 0;
      const part = {
        type: "x",
        get v(): number {
          if (reads++ > 0) throw new Error("gone");
          return 1;
        },
      };
      return { prompt: [{ role: "user", content: [part, "a"] }], response: "" } as unknown as IterationInput;
    };
    const line = JSON.stringify(buildIterationLine(fickle(), 1, AT, undefined, new PromptMemo()));
    expect(line).toBe(JSON.stringify(buildIterationLine(fickle(), 1, AT)));
    expect(line).toContain("[Unreadable: gone]");
  });

  it("a single text part is the message's content itself, not a copy", () => {
    const text = `long ${"é".repeat(100)}`;
    const message = { role: "user", content: [{ type: "text", text }], name: "n" };
    for (const memo of [undefined, new PromptMemo()]) {
      const line = buildIterationLine({ prompt: [message], response: "" } as unknown as IterationInput, 1, AT, undefined, memo);
      expect(line.prompt[0]).toEqual({ role: "user", content: text, name: "n" });
    }
    expect(flattenContent([{ type: "text", text }])).toBe(text);
    expect(flattenContent([{ type: "text", text }, "b", { type: "image", url: "u" }])).toBe(`${text}\nb\n{"type":"image","url":"u"}`);
    expect(flattenContent([])).toBe("");
    expect(flattenContent([undefined])).toBe("");
  });

  it("a message read while another is traced (a getter that logs) is traced apart, and both stay right", () => {
    const outer = new PromptMemo();
    const inner = new PromptMemo();
    const innerMessage = { role: "tool", content: [{ type: "text", text: "inner" }], name: "i", extra: { deep: [1, 2, { x: "y" }] } };
    let innerBuilt: unknown;
    const message = {
      role: "user",
      content: [{ type: "text", text: "outer" }],
      get name(): string {
        innerBuilt ??= buildIterationLine({ prompt: [innerMessage], response: "" } as unknown as IterationInput, 1, AT, undefined, inner).prompt[0];
        return "o";
      },
      tail: { a: ["b", "c"] },
    };
    const spy = counting();
    const first = memo2(outer, message, spy);
    expect(innerBuilt).toEqual({ role: "tool", content: "inner", name: "i", extra: { deep: [1, 2, { x: "y" }] } });
    // Both traces are whole: each message is kept, and an edit deep in either is seen.
    expect(memo2(outer, message, spy)).toBe(first);
    expect(spy.calls).toBe(1);
    const innerAgain = buildIterationLine({ prompt: [innerMessage], response: "" } as unknown as IterationInput, 1, AT, undefined, inner).prompt[0];
    expect(innerAgain).toBe(innerBuilt);
    (innerMessage.extra.deep[2] as { x: string }).x = "z";
    expect(buildIterationLine({ prompt: [innerMessage], response: "" } as unknown as IterationInput, 1, AT, undefined, inner).prompt[0]).toEqual({
      role: "tool",
      content: "inner",
      name: "i",
      extra: { deep: [1, 2, { x: "z" }] },
    });
    message.tail.a[1] = "d";
    expect(memo2(outer, message, spy)).toEqual({ built: JSON.stringify(message) });
    expect(spy.calls).toBe(2);
  });

  it("a message with a key inherited from Object.prototype is built every time", () => {
    const proto = Object.prototype as Record<string, unknown>;
    const memo = new PromptMemo();
    const spy = counting();
    const message = { role: "user", content: [{ type: "text", text: "t" }] };
    try {
      proto.inherited = "x";
      memo.message(0, message, spy.build, unreadableCount);
      memo.message(0, message, spy.build, unreadableCount);
      expect(spy.calls).toBe(2);
    } finally {
      delete proto.inherited;
    }
    memo.message(0, message, spy.build, unreadableCount);
    memo.message(0, message, spy.build, unreadableCount);
    expect(spy.calls).toBe(3);
  });

  it("keeps every unchanged message and rebuilds every other one while messages come and go by thousands (seed printed)", () => {
    const seed = `prompt-memo-churn-${Date.now()}`;
    const rng = seedrandom(seed);
    const memo = new PromptMemo();
    const spy = counting();
    const fresh = (n: number): Record<string, unknown> => ({ role: "tool", content: [{ type: "text", text: `t${n}` }], meta: { n, tags: ["a", n] } });
    let prompt: Record<string, unknown>[] = [];
    let made = 0;
    let previous: unknown[] = [];
    for (let turn = 0; turn < 300; turn++) {
      // Appended, replaced, edited in place, cut short: what is expected to be built anew.
      const rebuilt = new Set<number>();
      for (let k = 0; k < 4; k++) {
        prompt.push(fresh(made++));
        rebuilt.add(prompt.length - 1);
      }
      for (let k = 0; k < 3; k++) {
        const i = Math.floor(rng() * prompt.length);
        if (rng() < 0.5) prompt[i] = fresh(made++);
        else ((prompt[i] as { meta: { tags: unknown[] } }).meta.tags[1] = `e${turn}`);
        rebuilt.add(i);
      }
      if (rng() < 0.05) prompt = prompt.slice(0, Math.floor(prompt.length / 3));
      const before = spy.calls;
      const built = prompt.map((m, i) => memo.message(i, m, spy.build, unreadableCount));
      memo.trim(prompt.length);
      const kept = built.filter((b, i) => !rebuilt.has(i) && b === previous[i]).length;
      const expected = prompt.map((m) => ({ built: JSON.stringify(m) }));
      const wanted = [...rebuilt].filter((i) => i < prompt.length).length;
      expect({ seed, turn, built, calls: spy.calls - before, kept }).toEqual({ seed, turn, built: expected, calls: wanted, kept: prompt.length - wanted });
      previous = built;
    }
  });

  it("stays right when reading a kept message logs through the same memo (a getter), which moves or forgets what it walks", () => {
    const others = Array.from({ length: 400 }, (_, n) => ({ role: "user", content: [{ type: "text", text: `o${n}` }], tags: [n, [n]] }));
    for (const forgets of [false, true]) {
      const memo = new PromptMemo();
      const spy = counting();
      let reads = 0;
      const message = {
        role: "assistant",
        content: [{ type: "text", text: "walked" }],
        get name(): string {
          reads++;
          // While the kept message is checked (its third read, after tracing and building):
          // messages come and go at the other positions
          // (its record is packed with the others into a new place), or at its own too.
          if (reads === 3) {
            for (let round = 0; round < 3; round++) {
              for (const [i, other] of others.entries()) memo.message(forgets ? i : i + 1, { ...other }, spy.build, unreadableCount);
              memo.trim(1);
            }
          }
          return "n";
        },
      };
      const first = memo.message(0, message, spy.build, unreadableCount);
      const again = memo.message(0, message, spy.build, unreadableCount);
      const third = memo.message(0, message, spy.build, unreadableCount);
      const calm = { role: "tool", content: [{ type: "text", text: "calm" }], tags: ["x"] };
      const kept = memo.message(1, calm, spy.build, unreadableCount);
      expect({
        forgets,
        first,
        // Kept through the packing; built anew when its own position was taken meanwhile.
        again: again === first ? "kept" : again,
        third: third === again ? "kept" : third,
        calls: spy.calls,
        // What the memo keeps afterwards is whole.
        calm: memo.message(1, calm, spy.build, unreadableCount) === kept && memo.holds(1, kept) && memo.holds(0, third),
      }).toEqual({
        forgets,
        first: { built: JSON.stringify(message) },
        again: forgets ? { built: JSON.stringify(message) } : "kept",
        third: "kept",
        calls: 1 + 3 * others.length + (forgets ? 1 : 0) + 1,
        calm: true,
      });
    }
  });


  it("builds anew a kept message whose last value, read while it is checked, logs through the same memo (forgetting its record) and is now undefined", () => {
    // What a walk reads after its record was forgotten is a cleared record: the message's
    // values are then compared with nothing, and an undefined last value must not pass for the
    // value it had when traced.
    const shapes: Array<{ name: string; make: (value: () => unknown) => object }> = [
      {
        name: "an object's last member",
        make: (value) => ({ role: "assistant", content: [{ type: "text", text: "hi" }], get name() { return value(); } }),
      },
      {
        name: "an array's last item",
        make: (value) => {
          const tags: unknown[] = ["a", "b"];
          Object.defineProperty(tags, 1, { get: value, enumerable: true });
          return { role: "tool", content: [{ type: "text", text: "hi" }], tags };
        },
      },
    ];
    for (const { name, make } of shapes) {
      const memo = new PromptMemo();
      const spy = counting();
      let armed = false;
      let gone = false;
      const message = make(() => {
        if (armed) {
          armed = false;
          gone = true;
          // Another line of the same session, with another message in this one's place.
          memo.message(0, { role: "user", content: [{ type: "text", text: "other" }], n: [1] }, spy.build, unreadableCount);
          memo.trim(1);
        }
        return gone ? undefined : "n";
      });
      const first = memo.message(0, message, spy.build, unreadableCount);
      armed = true;
      const again = memo.message(0, message, spy.build, unreadableCount);
      expect({ name, first, again, calls: spy.calls }).toEqual({
        name,
        first: { built: JSON.stringify({ ...message, ...(name === "an array's last item" ? { tags: ["a", "n"] } : { name: "n" }) }) },
        again: { built: JSON.stringify(message) },
        calls: 3,
      });
    }
  });

  it("hands out what building anew gives while getters log through the same memo as they are checked, records packed and forgotten meanwhile (seeded, seed printed)", () => {
    const seed = `prompt-memo-reentry-${Date.now()}`;
    const rng = seedrandom(seed);
    const int = (n: number): number => Math.floor(rng() * n);
    const memo = new PromptMemo();
    const spy = counting();
    const plain = (n: number): object => ({ role: "user", content: [{ type: "text", text: `p${n}` }], tags: [n, [n]] });
    /** Whether each message with a getter logs, once, the next time it is read. */
    const armed = new Map<object, { on: boolean }>();
    let depth = 0;
    const withGetter = (n: number): object => {
      const arm = { on: false };
      let value: unknown = rng() < 0.5 ? "v" : undefined;
      const get = (): unknown => {
        if (arm.on && depth === 0) {
          arm.on = false;
          depth++;
          // Another line of the session: many messages (records packed), maybe at this position too.
          const start = rng() < 0.5 ? 0 : 1 + int(4);
          const length = int(1500);
          for (let i = start; i < start + length; i++) memo.message(i, plain(int(1e6)), spy.build, unreadableCount);
          if (rng() < 0.5) memo.trim(start + length);
          depth--;
          value = [undefined, undefined, "v", "w", null][int(5)];
        }
        return value;
      };
      const message: Record<string, unknown> = { role: "assistant", content: [{ type: "text", text: `g${n}` }] };
      if (rng() < 0.5) Object.defineProperty(message, "name", { get, enumerable: true });
      else message.tags = Object.defineProperty(["a", "b"], 1, { get, enumerable: true });
      armed.set(message, arm);
      return message;
    };
    let prompt: object[] = [];
    for (let turn = 0; turn < 200; turn++) {
      for (let k = 1 + int(3); k > 0; k--) prompt.push(rng() < 0.4 ? withGetter(int(1e6)) : plain(int(1e6)));
      if (rng() < 0.1) prompt = prompt.slice(0, int(prompt.length) + 1);
      for (const arm of armed.values()) arm.on = rng() < 0.3;
      const built = prompt.map((m, i) => memo.message(i, m, spy.build, unreadableCount));
      memo.trim(prompt.length);
      for (const arm of armed.values()) arm.on = false;
      expect({ seed, turn, built }).toEqual({ seed, turn, built: prompt.map((m) => spy.build(m)) });
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
