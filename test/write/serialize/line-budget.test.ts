import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { capLine, CUT_CONTEXT } from "../../../src/write/policy/caps.js";
import { applyContentPolicy } from "../../../src/write/policy/apply.js";
import { createContentPolicy } from "../../../src/write/policy/content-policy.js";
import type { RedactionCounts } from "../../../src/write/policy/secret-patterns.js";
import { lineKeepUnits, literalBound, stringBound } from "../../../src/write/serialize/line-budget.js";
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

/** A value of nested objects and arrays whose strings and keys are around {@link MIN_KEEP} units, hard or plain. */
function smallStrings(rng: () => number, depth: number): unknown {
  const str = (): string => {
    const units = [Math.floor(rng() * 20), 55 + Math.floor(rng() * 20), 62 + Math.floor(rng() * 5), Math.floor(rng() * 3000)][Math.floor(rng() * 4)] as number;
    return rng() < 0.5 ? hardText(rng, units).slice(0, units) : plainText(rng, units);
  };
  const r = rng();
  if (depth > 3 || r < 0.4) return str();
  if (r < 0.5) return [1, null, true, 0.5][Math.floor(rng() * 4)];
  if (r < 0.7) return Array.from({ length: Math.floor(rng() * 6) }, () => smallStrings(rng, depth + 1));
  const out: Record<string, unknown> = {};
  for (let i = Math.floor(rng() * 6); i > 0; i--) out[`${str()}${i}`] = rng() < 0.1 ? undefined : smallStrings(rng, depth + 1);
  return out;
}

describe("literalBound", () => {
  it(`bounds the strings of the value its text was serialized from, and equals their bound without escapes (seed ${SEED})`, () => {
    const rng = seedrandom(`${SEED}-literal`);
    let equal = 0;
    let above = 0;
    for (let n = 0; n < 2000; n++) {
      const value = { type: "iteration", prompt: 0, rest: smallStrings(rng, 0) };
      const field = [0, 1, 100, 1000, 1_000_000][n % 5] as number;
      const text = JSON.stringify(value);
      const fromText = literalBound(text, field);
      const fromValue = stringBound(value, field);
      expect(fromText, `seed ${SEED}, value ${n}`).toBeGreaterThanOrEqual(fromValue);
      // An escape lengthens a literal past its string; without one the two agree exactly.
      if (!/\\/.test(text)) expect(fromText, `seed ${SEED}, value ${n}`).toBe(fromValue);
      if (fromText === fromValue) equal++;
      else above++;
    }
    expect(equal).toBeGreaterThan(100);
    expect(above).toBeGreaterThan(100);
  });

  it("counts keys and strings by their length between the quotes, and only those longer than the shortest kept", () => {
    const key = "k".repeat(70);
    expect(literalBound(JSON.stringify({ [key]: "v".repeat(65), a: "b".repeat(64), c: ["x".repeat(5000)] }), 1000)).toBe(70 + 65 + 1000);
    // Escapes are counted as written: `\"` twice, `\n` twice, a lone surrogate six times.
    expect(literalBound(JSON.stringify({ a: `${'"'.repeat(30)}\n\ud800${"z".repeat(10)}` }), 1000)).toBe(60 + 2 + 6 + 10);
    expect(literalBound("{}", 1000)).toBe(0);
  });

  it("is Infinity for text with a literal left open: nothing bounds what it would hold", () => {
    expect(literalBound('{"a":"b', 1000)).toBe(Infinity);
    expect(literalBound('{"a":"b\\"}', 1000)).toBe(Infinity);
  });
});

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

  it(`counts every byte left out of each string cut, early or by both caps, once, within the field cap (seed ${SEED})`, () => {
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
        // Cut early, or cut by the field cap and then by the line cap: one marker, counting
        // every byte left out of the original.
        if (original.length > keep) cutEarly++;
        expect({ round, i, bytes: Buffer.byteLength(c.kept) + c.cutBytes }).toEqual({ round, i, bytes: Buffer.byteLength(original) });
      });
      if (cutEarly > 0) early++;
      expect(Buffer.byteLength(JSON.stringify(out.line))).toBeLessThanOrEqual(cap);
      // Each string cut is counted once, whichever caps cut it.
      const strings = [...out.line.prompt.map((m) => m.content), out.line.response];
      expect({ round, truncations: out.truncations }).toEqual({ round, truncations: strings.filter((s) => cut(s) !== null).length });
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
