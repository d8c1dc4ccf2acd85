import { describe, expect, it } from "vitest";
import { PromptCache, type PromptText } from "../../../src/write/serialize/prompt-cache.js";
import { BUILTIN_SECRET_KINDS, BuiltinRedactor, type RedactionCounts } from "../../../src/write/policy/secret-patterns.js";
import { SECRET_VALUES } from "../../fixtures/content-corpus.js";

const redactor = new BuiltinRedactor(BUILTIN_SECRET_KINDS);
const redact = (text: string, counts: RedactionCounts): string => redactor.redact(text, counts);
const counts = (): RedactionCounts => ({ redactions: 0, truncations: 0, byKind: {} });

/** The prompt's text, checked against its bytes: the UTF-8 of the text but its closing bracket. */
function textOf(prompt: PromptText | null): string | null {
  if (prompt === null) return null;
  expect(prompt.bytes?.toString("utf8")).toBe(prompt.text.slice(0, -1));
  return prompt.text;
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

  it("gives up, counting nothing, on a message that is not a plain { role, content }", () => {
    const cache = new PromptCache();
    const c = counts();
    const messages = [
      { role: "user", content: SECRET_VALUES.ghp },
      { role: "tool", content: "ran", name: "bash" },
    ];
    expect(cache.serialize(messages, redact, c)).toBeNull();
    expect(cache.serialize([{ role: "user", content: 42 }], redact, c)).toBeNull();
    expect(c).toEqual(counts());
  });

  it("does not reuse a message's text under another role", () => {
    const cache = new PromptCache();
    cache.serialize([{ role: "user", content: "same" }], redact, counts());
    expect(textOf(cache.serialize([{ role: "assistant", content: "same" }], redact, counts()))).toBe(
      '[{"role":"assistant","content":"same"}]',
    );
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
    // A key added to a message already cached: the whole prompt falls back.
    messages[0]!.name = "x";
    const c = counts();
    expect(cache.serialize(messages, redact, c)).toBeNull();
    expect(c).toEqual(counts());
    delete messages[0]!.name;
    check();
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
