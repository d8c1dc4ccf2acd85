import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { cachedIterationText, PromptCache, type PromptText } from "../../../src/write/serialize/prompt-cache.js";
import { buildIterationLine } from "../../../src/lines.js";
import { lineText } from "../../../src/write/serialize/line-text.js";
import { createContentPolicy, defaultContentPolicy, policyTransform } from "../../../src/write/policy/content-policy.js";
import { BUILTIN_SECRET_KINDS, BuiltinRedactor, type RedactionCounts } from "../../../src/write/policy/secret-patterns.js";
import { SECRET_VALUES } from "../../fixtures/content-corpus.js";
import { MIN_KEEP } from "../../../src/write/policy/caps.js";
import { stringBound } from "../../../src/write/serialize/line-budget.js";

const redactor = new BuiltinRedactor(BUILTIN_SECRET_KINDS);
const redact = policyTransform(defaultContentPolicy());
const counts = (): RedactionCounts => ({ redactions: 0, truncations: 0, byKind: {} });

/** The prompt's text, checked against its bytes: the UTF-8 of the text but its closing bracket. */
function textOf(prompt: PromptText | null): string | null {
  if (prompt === null) return null;
  const text = prompt.text();
  expect(prompt.bytes?.toString("utf8")).toBe(text.slice(0, -1));
  return text;
}

describe("PromptCache", () => {
  it("writes what redacting the serialized prompt writes, and counts repeated secrets every time", () => {
    const cache = new PromptCache();
    const messages = [
      { role: "system", content: "be brief" },
      { role: "user", content: `key ${SECRET_VALUES.awsId}` },
    ];
    for (let turn = 0; turn < 3; turn++) {
      const c = counts();
      const text = textOf(cache.serialize(messages, redact, c));
      const expected = counts();
      expect(text).toBe(redactor.redact(JSON.stringify(messages), expected));
      expect(text).toBe('[{"role":"system","content":"be brief"},{"role":"user","content":"key [REDACTED:aws_key]"}]');
      expect(c).toEqual(expected);
    }
  });

  it("takes messages with more members than role and content (tool calls, names) by their whole text", () => {
    const cache = new PromptCache();
    const messages: Array<Record<string, unknown>> = [
      { role: "user", content: SECRET_VALUES.ghp, name: "task" },
      { role: "assistant", content: "", tool_calls: [{ id: "call_1", type: "function", function: { name: "bash", arguments: `{"cmd":"echo ${SECRET_VALUES.awsId}"}` } }] },
      { role: "tool", content: "ran", name: "bash", tool_call_id: "call_1" },
    ];
    for (let turn = 0; turn < 3; turn++) {
      const c = counts();
      const expected = counts();
      expect(textOf(cache.serialize(messages, redact, c))).toBe(redactor.redact(JSON.stringify(messages), expected));
      expect(c).toEqual(expected);
      // The same text in new objects, as a loop that rebuilds its messages makes them.
      for (let i = 0; i < messages.length; i++) messages[i] = structuredClone(messages[i]) as Record<string, unknown>;
    }
    // A member changed in place: the message is serialized again.
    (messages[2] as { name: string }).name = `key ${SECRET_VALUES.awsId}`;
    const c = counts();
    const expected = counts();
    expect(textOf(cache.serialize(messages, redact, c))).toBe(redactor.redact(JSON.stringify(messages), expected));
    expect(c).toEqual(expected);
  });

  it("gives up, counting nothing, on a message whose first members are not role and content, both strings", () => {
    const cache = new PromptCache();
    const c = counts();
    expect(cache.serialize([{ role: "user", content: SECRET_VALUES.ghp }, { content: "ran", role: "tool" }], redact, c)).toBeNull();
    expect(cache.serialize([{ role: "user", content: 42 }], redact, c)).toBeNull();
    expect(c).toEqual(counts());
  });

  it("cuts each message's strings to the field cap, and counts the cuts every time", () => {
    const policy = policyTransform(createContentPolicy({ maxFieldBytes: 100 }));
    const cache = new PromptCache();
    const messages = [{ role: "user", content: "é".repeat(200) }, { role: "assistant", content: "ok", name: "n".repeat(150) }];
    for (let turn = 0; turn < 2; turn++) {
      const c = counts();
      const parsed = JSON.parse(textOf(cache.serialize(messages, policy, c)) as string) as Array<Record<string, string>>;
      expect(c.truncations).toBe(2);
      expect(Buffer.byteLength(parsed[0]?.content ?? "")).toBeLessThanOrEqual(100);
      expect(parsed[0]?.content).toMatch(/^é+\[TRUNCATED:\d+ bytes\]$/);
      expect(Buffer.byteLength(parsed[1]?.name ?? "")).toBeLessThanOrEqual(100);
    }
  });

  it("does not reuse a message's text under another role", () => {
    const cache = new PromptCache();
    cache.serialize([{ role: "user", content: "same" }], redact, counts());
    expect(textOf(cache.serialize([{ role: "assistant", content: "same" }], redact, counts()))).toBe(
      '[{"role":"assistant","content":"same"}]',
    );
  });

  it("asks the early cut with the bound of every message's strings, kept ones' included, line after line", () => {
    const cache = new PromptCache();
    const policy = policyTransform(defaultContentPolicy());
    const field = policy.maxFieldBytes - MIN_KEEP;
    const messages: Array<Record<string, unknown>> = [];
    const asked: number[] = [];
    const expected: number[] = [];
    const message = (turn: number, length: number): Record<string, unknown> =>
      turn % 3 === 2
        ? { role: "assistant", content: "x".repeat(length), tool_calls: [{ id: "y".repeat(length * 2), type: "function" }] }
        : { role: turn % 2 === 0 ? "user" : "assistant", content: "x".repeat(length) };
    // Lengths around MIN_KEEP (shorter strings count for nothing), members past content, and
    // several new messages in one prompt, each of which keeps its own bound for later lines.
    const turns = [[10, 65], [300], [64, 1000, 70], [5000], [2, 80]];
    let n = 0;
    for (const lengths of turns) {
      for (const length of lengths) messages.push(message(n++, length));
      cache.serialize(messages, policy, counts(), (bound) => {
        asked.push(bound);
        return false;
      });
      expected.push(messages.reduce((sum: number, m) => sum + stringBound(m, field), 0));
    }
    expect(asked).toEqual(expected);
    // Strings of 64 units or fewer count for nothing; a tool call's id is twice its content.
    expect(asked).toEqual([65, 965, 2175, 7175, 7415]);
  });

  it("decides a line over the line cap made of short strings from their text, without walking the line again", () => {
    const locals: Record<string, string> = {};
    for (let i = 0; i < 2000; i++) locals[`v${i}`] = `value number ${i} of many`;
    /** The line's text through the cache under `policy`, and how often its code block's `code` was read meanwhile. */
    const run = (maxLineBytes: number): { text: string; reads: number; counts: RedactionCounts } => {
      const line = buildIterationLine({ prompt: [{ role: "user", content: "go" }], response: "ok", codeBlocks: [{ code: "x", result: { locals } }] }, 1, new Date(0));
      let reads = 0;
      const block = line.code_blocks[0] as { code: string };
      Object.defineProperty(block, "code", { enumerable: true, get: () => (reads++, "x") });
      const c = counts();
      const text = cachedIterationText(line, policyTransform(createContentPolicy({ maxLineBytes })), c, new PromptCache());
      return { text: text === null ? "" : typeof text === "string" ? text : text.map(String).join(""), reads, counts: c };
    };
    const capped = run(4096);
    // Read as often as with no line cap at all, where nothing asks for the early cut's walk.
    expect(capped.reads).toBe(run(Infinity).reads);
    const line = buildIterationLine({ prompt: [{ role: "user", content: "go" }], response: "ok", codeBlocks: [{ code: "x", result: { locals } }] }, 1, new Date(0));
    const c = counts();
    expect(capped).toEqual({ text: lineText(line, policyTransform(createContentPolicy({ maxLineBytes: 4096 })), c), reads: capped.reads, counts: c });
    expect(capped.counts.truncations).toBe(1);
  });

  it("writes a growing or edited conversation exactly as serializing it anew would", () => {
    const cache = new PromptCache();
    const messages: Array<Record<string, unknown>> = [{ role: "system", content: "be brief" }];
    const check = (): void => {
      const c = counts();
      const expected = counts();
      expect(textOf(cache.serialize(messages, redact, c))).toBe(redactor.redact(JSON.stringify(messages), expected));
      expect(c).toEqual(expected);
    };
    check();
    messages.push({ role: "user", content: `token ${SECRET_VALUES.ghp}` });
    check();
    messages.push({ role: "assistant", content: "ok" }, { role: "user", content: "ok" });
    check();
    // Edited in place, replaced, reordered, shortened: the appended-prompt shortcut must not apply.
    (messages[2] as { content: string }).content = `now ${SECRET_VALUES.awsId}`;
    check();
    messages[1] = { role: "assistant", content: `token ${SECRET_VALUES.ghp}` };
    check();
    messages.reverse();
    check();
    messages.length = 1;
    check();
    messages.push({ role: "user", content: "more" });
    check();
    // A key added to a message already cached, then removed: serialized again each time.
    messages[0]!.name = "x";
    check();
    delete messages[0]!.name;
    check();
  });

  it("writes messages with members past role and content as JSON.stringify does, toJSON and getters included", () => {
    const cache = new PromptCache();
    let reads = 0;
    const messages: Array<Record<string, unknown>> = [
      // toJSON is called with the member's key by JSON.stringify: the message is serialized whole.
      { role: "assistant", content: "a", tool_calls: [{ id: "1" }], when: { toJSON: (key: string) => `at ${key}` } },
      { role: "user", content: "b", toJSON: () => ({ role: "user", content: `replaced ${SECRET_VALUES.ghp}` }) },
      { role: "tool", content: "c", name: "n", n: Number.NaN, gone: undefined, f: () => 1, list: [undefined, Infinity, "é\ud800"] },
      {
        role: "user",
        content: "d",
        get name(): string {
          return `read ${reads++} ${SECRET_VALUES.awsId}`;
        },
      },
      { role: "assistant", content: "e", tool_calls: [{ id: "2", function: { name: "run", arguments: '{"cmd":"ls"}' } }] },
    ];
    for (let turn = 0; turn < 3; turn++) {
      const c = counts();
      const text = textOf(cache.serialize(messages, redact, c)) as string;
      // The getter is read again by JSON.stringify: its message is compared with the read the cache made.
      const expected = counts();
      const stringified = JSON.stringify(messages).replace(/read \d+/, (/read \d+/.exec(text) as RegExpExecArray)[0]);
      expect(text).toBe(redactor.redact(stringified, expected));
      expect(c).toEqual(expected);
      messages.push({ role: "assistant", content: `t${turn}`, name: `x${turn}` });
    }
    const big = Object.prototype as Record<string, unknown>;
    const bigint = BigInt.prototype as unknown as Record<string, unknown>;
    try {
      bigint.toJSON = function (this: bigint, key: string) {
        return `${this.toString()}:${key}`;
      };
      const withBigInt = [{ role: "user", content: "x", count: 12n }];
      expect(textOf(new PromptCache().serialize(withBigInt, redact, counts()))).toBe(JSON.stringify(withBigInt));
      big.toJSON = function (this: object, key: string) {
        return { key };
      };
      // Each message is serialized on its own, so its toJSON is called with "" (as it always was).
      const polluted = [{ role: "user", content: "x", name: "n" }];
      const text = textOf(new PromptCache().serialize(polluted, redact, counts()));
      const alone = JSON.stringify(polluted[0]);
      delete big.toJSON;
      expect(text).toBe(`[${alone}]`);
      expect(alone).toBe('{"key":""}');
    } finally {
      delete big.toJSON;
      delete bigint.toJSON;
    }
  });

  it("writes seeded conversations with members past role and content exactly as serializing them anew (seed printed)", () => {
    const seed = `prompt-cache-extras-${Date.now()}`;
    const rng = seedrandom(seed);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rng() * list.length)] as T;
    const value = (depth: number): unknown => {
      const r = rng();
      if (depth > 2 || r < 0.3) return pick(["", "é—\n\"q\"", SECRET_VALUES.ghp, `{"code":"print(1)\\n"}`, 0, -1.5, Number.NaN, true, null, undefined, "\ud83d"]);
      if (r < 0.6) return Array.from({ length: Math.floor(rng() * 3) }, () => value(depth + 1));
      const o: Record<string, unknown> = {};
      for (let k = Math.floor(rng() * 4); k > 0; k--) o[pick(["id", "type", "function", "arguments", "name", "10", "input"])] = value(depth + 1);
      return o;
    };
    const message = (turn: number): Record<string, unknown> => {
      const m: Record<string, unknown> = { role: pick(["user", "assistant", "tool"]), content: `turn ${turn} ${pick(["", SECRET_VALUES.awsId])}` };
      for (let k = Math.floor(rng() * 3); k > 0; k--) m[pick(["name", "tool_calls", "tool_call_id", "meta"])] = value(0);
      return m;
    };
    const cache = new PromptCache();
    const messages: Array<Record<string, unknown>> = [];
    for (let turn = 0; turn < 80; turn++) {
      messages.push(message(turn));
      const r = rng();
      const m = pick(messages);
      if (r < 0.2) m.name = `edited ${turn}`;
      else if (r < 0.3) delete m.tool_calls;
      else if (r < 0.4) messages[Math.floor(rng() * messages.length)] = structuredClone(m);
      else if (r < 0.45) messages.splice(0, Math.floor(rng() * messages.length));
      const c = counts();
      const expected = counts();
      const text = textOf(cache.serialize(messages, redact, c));
      expect({ seed, turn, text }).toEqual({ seed, turn, text: redactor.redact(JSON.stringify(messages), expected) });
      expect({ seed, turn, c }).toEqual({ seed, turn, c: expected });
    }
  });

  it("never changes the bytes of an earlier prompt, which lines waiting to be written still hold", () => {
    const cache = new PromptCache();
    const messages = [{ role: "system", content: "é".repeat(1500) }];
    const held: Array<[Buffer, string]> = [];
    for (let turn = 0; turn < 40; turn++) {
      const prompt = cache.serialize(messages, redact, counts()) as PromptText;
      held.push([prompt.bytes as Buffer, (prompt.bytes as Buffer).toString("latin1")]);
      // Appended (the buffer grows), then now and then edited (a new buffer is started).
      messages.push({ role: turn % 2 ? "user" : "assistant", content: `${turn} ✓`.repeat(turn * 10) });
      if (turn % 9 === 8) messages.splice(1, 1);
    }
    for (const [bytes, copy] of held) expect(bytes.toString("latin1")).toBe(copy);
  });
});
