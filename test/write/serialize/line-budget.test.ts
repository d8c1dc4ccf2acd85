import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { capLine, CUT_CONTEXT } from "../../../src/write/policy/caps.js";
import { applyContentPolicy } from "../../../src/write/policy/apply.js";
import { createContentPolicy } from "../../../src/write/policy/content-policy.js";
import type { RedactionCounts } from "../../../src/write/policy/secret-patterns.js";
import { lineKeepUnits } from "../../../src/write/serialize/line-budget.js";
import { SECRET_VALUES } from "../../fixtures/content-corpus.js";

const SEED = process.env.TRAJLOG_TEST_SEED ?? "line-budget";
const KiB = 1024;
const counts = (): RedactionCounts => ({ redactions: 0, truncations: 0, byKind: {} });

/** Text with what makes cutting hard: escapes, quotes, multi-byte characters, pairs, lone surrogates. */
function hardText(rng: () => number, units: number): string {
  const alphabet = ["a", "b", " ", "é", "日", "🎉", '"', "\\", "\n", "\u0001", "\ud800", "x"];
  const parts: string[] = [];
  let n = 0;
  while (n < units) {
    const c = alphabet[Math.floor(rng() * alphabet.length)] as string;
    const run = c.repeat(1 + Math.floor(rng() * 300));
    parts.push(run);
    n += run.length;
  }
  return parts.join("").slice(0, units);
}

/** Plain ASCII text: a byte per unit, so the lengths bound the common length closely. */
function plainText(rng: () => number, units: number): string {
  const word = "lorem ipsum dolor sit amet ".repeat(1 + Math.floor(rng() * 3));
  return word.repeat(Math.ceil(units / word.length)).slice(0, units);
}

/** An iteration line whose messages are far over a line cap of `cap` bytes, hard text or plain. */
function bigLine(rng: () => number, cap: number): { type: string; iteration: number; timestamp: string; prompt: Array<{ role: string; content: string }>; response: string } {
  const n = 2 + Math.floor(rng() * 10);
  const text = rng() < 0.5 ? hardText : plainText;
  const prompt = Array.from({ length: n }, (_, i) => ({
    role: i % 2 === 0 ? "user" : "assistant",
    content: text(rng, Math.floor(rng() * (cap + 2 * CUT_CONTEXT))),
  }));
  return { type: "iteration", iteration: 1, timestamp: "2026-01-01T00:00:00.000Z", prompt, response: text(rng, Math.floor(rng() * 3000)) };
}

/** The kept prefix of a cut string and the bytes its marker says were cut; null when whole. */
function cut(value: string): { kept: string; cutBytes: number } | null {
  const match = /^([^]*)\[TRUNCATED:(\d+) bytes\]$/.exec(value);
  return match === null ? null : { kept: match[1] as string, cutBytes: Number(match[2]) };
}

/** `s` as UTF-8 has it: lone surrogates become U+FFFD. */
function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}

describe("lineKeepUnits", () => {
  it("cuts nothing early when the strings' lengths fit the cap, or there is no line cap", () => {
    const line = { prompt: [{ role: "user", content: "x".repeat(900) }], response: "y".repeat(900) };
    expect(lineKeepUnits(line, Infinity, 2000)).toBe(Infinity);
    expect(lineKeepUnits(line, Infinity, Infinity)).toBe(Infinity);
    // Members JSON.stringify leaves out count for nothing.
    expect(lineKeepUnits({ a: "x".repeat(900), [`k${"y".repeat(5000)}`]: undefined }, Infinity, 1000)).toBe(Infinity);
  });

  it("keeps the common length the lengths allow, plus the redaction context", () => {
    // Four strings of 1,000 units under a cap of 2,000 bytes: each can keep at most 500.
    const line = { a: "x".repeat(1000), b: ["y".repeat(1000), "z".repeat(1000)], c: { d: "w".repeat(1000) } };
    expect(lineKeepUnits(line, Infinity, 2000)).toBe(500 + CUT_CONTEXT);
    // A field cap bounds what a string counts for: the short one keeps all it has.
    expect(lineKeepUnits({ a: "x".repeat(100_000), b: "y".repeat(300) }, 1000, 1000)).toBe(Math.floor((1000 - 300) / 1) + CUT_CONTEXT);
  });
});

describe("a line far over the line cap", () => {
  it(`is cut exactly as cutting its whole text would cut it (seed ${SEED})`, () => {
    const rng = seedrandom(SEED);
    let early = 0;
    for (let round = 0; round < 12; round++) {
      const cap = (16 + Math.floor(rng() * 1000)) * KiB;
      const line = bigLine(rng, cap);
      const policy = createContentPolicy({ redact: false, maxFieldBytes: Infinity, maxLineBytes: cap });
      if (lineKeepUnits(line, Infinity, cap) < Infinity) early++;
      const whole = capLine(JSON.stringify(line), cap, counts());
      const out = applyContentPolicy(line, policy);
      expect({ round, line: out.line }).toEqual({ round, line: JSON.parse(whole) as unknown });
      expect(Buffer.byteLength(JSON.stringify(out.line))).toBeLessThanOrEqual(cap);
    }
    // Most rounds take the early cut: the comparison is not only of lines cut the usual way.
    expect(early).toBeGreaterThanOrEqual(8);
  });

  it(`counts every byte left out of each string cut early, once, within the field cap (seed ${SEED})`, () => {
    const rng = seedrandom(`${SEED}:markers`);
    let early = 0;
    for (let round = 0; round < 12; round++) {
      const cap = (16 + Math.floor(rng() * 1000)) * KiB;
      const line = bigLine(rng, cap);
      const maxFieldBytes = rng() < 0.5 ? Infinity : Math.max(1024, Math.floor(cap * (0.05 + rng() * 0.5)));
      const keep = lineKeepUnits(line, maxFieldBytes, cap);
      const out = applyContentPolicy(line, createContentPolicy({ redact: false, maxFieldBytes, maxLineBytes: cap }));
      let cutEarly = 0;
      out.line.prompt.forEach((message, i) => {
        const original = (line.prompt[i] as { content: string }).content;
        const c = cut(message.content);
        if (c === null) return expect(message.content).toBe(original);
        // A lone surrogate is kept as such, or as U+FFFD where the text was cut as UTF-8.
        expect(wellFormed(original).startsWith(wellFormed(c.kept))).toBe(true);
        expect(Buffer.byteLength(message.content)).toBeLessThanOrEqual(maxFieldBytes);
        // A string cut by the field cap and then by the line cap, the usual way, counts in
        // its marker what the second cut left out (the first marker's bytes included).
        if (original.length <= keep && Buffer.byteLength(original) > maxFieldBytes) return;
        if (original.length > keep) cutEarly++;
        expect({ round, i, bytes: Buffer.byteLength(c.kept) + c.cutBytes }).toEqual({ round, i, bytes: Buffer.byteLength(original) });
      });
      if (cutEarly > 0) early++;
      expect(Buffer.byteLength(JSON.stringify(out.line))).toBeLessThanOrEqual(cap);
    }
    expect(early).toBeGreaterThanOrEqual(8);
  });

  it("redacts a secret that the cut goes through, and one just past what is kept", () => {
    const cap = 64 * KiB;
    const secret = SECRET_VALUES.anthropic;
    const filler = (n: number): string => "lorem ipsum ".repeat(Math.ceil(n / 12)).slice(0, n);
    // Eight messages of 400 Ki units under a cap of 64 KiB: each keeps about 8 KiB.
    const prompt = Array.from({ length: 8 }, (_, i) => ({ role: "user", content: filler(400 * KiB) }));
    const keep = 8 * KiB - 200;
    for (const [i, at] of [[1, keep - 10], [3, keep + 30], [5, keep - 40]] as const) {
      const m = prompt[i] as { content: string };
      m.content = `${m.content.slice(0, at)} ${secret} ${m.content.slice(at)}`;
    }
    const line = { type: "iteration", iteration: 1, timestamp: "t", prompt, response: "" };
    expect(lineKeepUnits(line, Infinity, cap)).toBeLessThan(Infinity);
    const out = applyContentPolicy(line, createContentPolicy({ maxLineBytes: cap }));
    const text = JSON.stringify(out.line);
    expect(text).not.toContain(secret.slice(0, 10));
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(cap);
    for (const message of out.line.prompt) expect(cut(message.content)).not.toBeNull();
  });
});
