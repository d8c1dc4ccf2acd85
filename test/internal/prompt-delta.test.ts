import { describe, expect, it } from "vitest";
import type { PromptMessage } from "../../src/format.js";
import { PromptDeltaEncoder, PromptResolver, withPromptDelta } from "../../src/internal/prompt-delta.js";

const sys = { role: "system", content: "You are in a REPL." };
const u1 = { role: "user", content: "Fix the validator." };
const a1 = { role: "assistant", content: "```repl\nprint(1)\n```" };
const u2 = { role: "user", content: "1" };

describe("PromptDeltaEncoder", () => {
  it("keeps the common prefix with the last committed prompt and appends the rest", () => {
    const encoder = new PromptDeltaEncoder();
    expect(encoder.next([sys, u1])).toEqual({ keep: 0, append: [sys, u1] });
    encoder.commit();
    expect(encoder.next([sys, u1, a1, u2])).toEqual({ keep: 2, append: [a1, u2] });
    encoder.commit();
    // A rewritten history (a summarised context keeping the system message).
    const summary = { role: "user", content: "Summary: the validator was fixed." };
    expect(encoder.next([sys, summary])).toEqual({ keep: 1, append: [summary] });
  });

  it("compares messages by value, not by identity, including keys beyond role and content", () => {
    const encoder = new PromptDeltaEncoder();
    const call = { role: "assistant", content: "", tool_calls: [{ id: "c1", function: { name: "run", arguments: "{}" } }] };
    encoder.next([sys, call] as PromptMessage[]);
    encoder.commit();
    const sameCall = JSON.parse(JSON.stringify(call)) as PromptMessage;
    const otherCall = { ...call, tool_calls: [{ id: "c2", function: { name: "run", arguments: "{}" } }] } as PromptMessage;
    expect(encoder.next([{ ...sys }, sameCall, u2])).toEqual({ keep: 2, append: [u2] });
    expect(encoder.next([sys, otherCall])).toEqual({ keep: 1, append: [otherCall] });
    // A message that gained a key is a different message.
    expect(encoder.next([{ ...sys, name: "x" } as PromptMessage])).toEqual({ keep: 0, append: [{ ...sys, name: "x" }] });
  });

  it("a prompt that was not committed (its line was dropped) is never the reference", () => {
    const encoder = new PromptDeltaEncoder();
    encoder.next([sys]);
    encoder.commit();
    encoder.next([sys, u1, a1]); // dropped: not committed
    expect(encoder.next([sys, u1, a1, u2])).toEqual({ keep: 1, append: [u1, a1, u2] });
  });
});

describe("PromptResolver", () => {
  it("rebuilds each delta from the previous iteration line's prompt", () => {
    const resolver = new PromptResolver();
    const first: Record<string, unknown> = { type: "iteration", prompt_delta: { keep: 0, append: [sys, u1] } };
    const second: Record<string, unknown> = { type: "iteration", prompt_delta: { keep: 2, append: [a1, u2] } };
    const third: Record<string, unknown> = { type: "iteration", prompt: [sys, u2] };
    const fourth: Record<string, unknown> = { type: "iteration", prompt_delta: { keep: 1, append: [] } };
    expect([first, second, third, fourth].map((line) => resolver.take(line))).toEqual([
      { ok: true, keep: 0 },
      { ok: true, keep: 2 },
      { ok: true, keep: 0 },
      { ok: true, keep: 1 },
    ]);
    expect([first, second, third, fourth]).toEqual([
      { type: "iteration", prompt: [sys, u1] },
      { type: "iteration", prompt: [sys, u1, a1, u2] },
      { type: "iteration", prompt: [sys, u2] },
      { type: "iteration", prompt: [sys] },
    ]);
  });

  it("refuses a delta that keeps more than the previous prompt had, or follows an unreadable line", () => {
    const resolver = new PromptResolver();
    resolver.take({ type: "iteration", prompt: [sys] });
    expect(resolver.take({ type: "iteration", prompt_delta: { keep: 2, append: [] } })).toEqual({
      ok: false,
      message: "prompt_delta keeps 2 messages, but the previous iteration line's prompt has 1",
    });
    // The chain is broken now: only a delta that keeps nothing rebuilds.
    expect(resolver.take({ type: "iteration", prompt_delta: { keep: 1, append: [] } })).toEqual({
      ok: false,
      message: "prompt_delta keeps 1 messages of the previous iteration line, which could not be read",
    });
    const fresh: Record<string, unknown> = { type: "iteration", prompt_delta: { keep: 0, append: [u1] } };
    expect(resolver.take(fresh)).toEqual({ ok: true, keep: 0 });
    resolver.skip();
    expect(resolver.take({ type: "iteration", prompt_delta: { keep: 1, append: [] } }).ok).toBe(false);
    expect(resolver.take({ type: "iteration", prompt: [sys], prompt_delta: { keep: 0, append: [] } })).toEqual({
      ok: false,
      message: "has both prompt and prompt_delta",
    });
    expect(resolver.take({ type: "iteration", prompt_delta: { keep: -1, append: [] } })).toEqual({
      ok: false,
      message: "prompt_delta.keep must be a non-negative integer; found -1",
    });
    expect(resolver.take({ type: "iteration", prompt_delta: { keep: 0 } })).toEqual({
      ok: false,
      message: "prompt_delta.append must be an array of messages",
    });
  });

  it("flattens content parts of appended messages as the reader flattens whole prompts", () => {
    const line: Record<string, unknown> = {
      prompt_delta: { keep: 0, append: [{ role: "user", content: [{ type: "text", text: "a" }, { type: "text", text: "b" }] }] },
    };
    new PromptResolver().take(line);
    expect(line).toEqual({ prompt: [{ role: "user", content: "a\nb" }] });
  });
});

describe("withPromptDelta", () => {
  it("puts prompt_delta where prompt was, keeping the other keys' order; the resolver puts prompt back there", () => {
    const line = { type: "iteration", iteration: 1, prompt: [sys], response: "r" };
    const delta = withPromptDelta(line, { keep: 0, append: [sys] });
    expect(Object.keys(delta)).toEqual(["type", "iteration", "prompt_delta", "response"]);
    expect(Object.keys(line)).toEqual(["type", "iteration", "prompt", "response"]);
    new PromptResolver().take(delta);
    expect(JSON.stringify(delta)).toBe(JSON.stringify(line));
  });
});
