import { describe, expect, it } from "vitest";
import { PromptCache } from "../../src/internal/prompt-cache.js";
import { BUILTIN_SECRET_KINDS, BuiltinRedactor, type RedactionCounts } from "../../src/internal/secret-patterns.js";
import { SECRET_VALUES } from "../fixtures/content-corpus.js";

const redactor = new BuiltinRedactor(BUILTIN_SECRET_KINDS);
const redact = (text: string, counts: RedactionCounts): string => redactor.redact(text, counts);
const counts = (): RedactionCounts => ({ redactions: 0, truncations: 0, byKind: {} });

describe("PromptCache", () => {
  it("writes what redacting the serialized prompt writes, and counts repeated secrets every time", () => {
    const cache = new PromptCache();
    const messages = [
      { role: "system", content: "be brief" },
      { role: "user", content: `key ${SECRET_VALUES.awsId}` },
    ];
    for (let turn = 0; turn < 3; turn++) {
      const c = counts();
      const text = cache.serialize(messages, redact, c);
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
    expect(cache.serialize([{ role: "assistant", content: "same" }], redact, counts())).toBe(
      '[{"role":"assistant","content":"same"}]',
    );
  });
});
