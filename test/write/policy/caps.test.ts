import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { capFields, capLine, capLinePieces, literalMayExceed, type PreCut } from "../../../src/write/policy/caps.js";
import { closingQuote } from "../../../src/write/policy/json-scan.js";
import { truncationMarker } from "../../../src/write/policy/truncation-marker.js";
import type { RedactionCounts } from "../../../src/write/policy/secret-patterns.js";

const counts = (): RedactionCounts => ({ redactions: 0, truncations: 0, byKind: {} });

/** Strings with what makes cutting hard: escapes, quotes, backslashes, multi-byte characters. */
const hardString = fc.string({
  unit: fc.constantFrom("a", "é", "日", "🎉", '"', "\\", "\n", "\t", "\u0001", " ", "x"),
  maxLength: 600,
});
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    hardString,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(hardString, tie("value"), { maxKeys: 5 }),
  ),
})).value;

/** Every string in `value`, keys included. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      strings(v, out);
    }
  }
  return out;
}

/** The value with every string replaced by "", keys dropped to their count: its shape. */
function shape(value: unknown): unknown {
  if (typeof value === "string") return "";
  if (Array.isArray(value)) return value.map(shape);
  if (typeof value === "object" && value !== null) return Object.values(value).map(shape);
  return value;
}

describe("capFields", () => {
  it("keeps the text valid JSON of the same shape, every string within the cap", () => {
    fc.assert(
      fc.property(jsonish, fc.integer({ min: 64, max: 400 }), (value, cap) => {
        const text = JSON.stringify({ type: "iteration", value });
        const c = counts();
        const out = capFields(text, cap, c);
        const parsed = JSON.parse(out) as unknown;
        for (const s of strings(parsed)) expect(Buffer.byteLength(s)).toBeLessThanOrEqual(cap);
        expect(shape(parsed)).toEqual(shape(JSON.parse(text)));
        const over = strings(JSON.parse(text)).filter((s) => Buffer.byteLength(s) > cap).length;
        expect(c.truncations).toBe(over);
        if (over === 0) expect(out).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps a prefix of the original and says how many bytes it cut", () => {
    const original = "€".repeat(1000); // 3000 bytes
    const out = JSON.parse(capFields(JSON.stringify({ s: original }), 100, counts())) as { s: string };
    const match = /^(€*)\[TRUNCATED:(\d+) bytes\]$/.exec(out.s);
    expect(match).not.toBeNull();
    expect(Buffer.byteLength(match?.[1] ?? "") + Number(match?.[2])).toBe(3000);
  });
});

describe("literalMayExceed", () => {
  /** The lengths between the quotes of every literal of `text`, with where each opens. */
  const literals = (text: string): Array<{ at: number; units: number }> => {
    const out: Array<{ at: number; units: number }> = [];
    for (let at = text.indexOf('"'); at !== -1; ) {
      const end = closingQuote(text, at);
      out.push({ at, units: end - at - 1 });
      at = text.indexOf('"', end + 1);
    }
    return out;
  };
  const long = fc.string({ unit: fc.constantFrom("a", '"', "\\", "\n", "é"), minLength: 200, maxLength: 3000 });

  it("says yes whenever a literal not listed is longer than the bound, listed ones passed over", () => {
    fc.assert(
      fc.property(jsonish, long, fc.integer({ min: 1, max: 400 }), fc.boolean(), (value, big, units, listed) => {
        const text = JSON.stringify({ type: "iteration", value, big, after: value });
        const all = literals(text);
        const bigAt = text.indexOf('"big":') + 6;
        const others = all.filter((l) => !listed || l.at !== bigAt);
        const over = others.some((l) => l.units > units);
        const answer = literalMayExceed(text, units, listed ? [{ at: bigAt, cutBytes: 0 }] : []);
        if (over) expect(answer).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("says no for a text of short literals and a listed long one, looking at a few places only", () => {
    const value = { type: "iteration", locals: Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`v${i}`, `value "${i}" \\ of many`])), big: "x\"y".repeat(100_000) };
    const text = JSON.stringify(value);
    const bigAt = text.indexOf('"big":') + 6;
    expect(literalMayExceed(text, 1000, [{ at: bigAt, cutBytes: 0 }])).toBe(false);
    expect(literalMayExceed(text, 1000)).toBe(true);
    // `big` writes 400,000 units: a yes under that; a no far enough above (a stretch of more
    // than half the bound with no quote that opens or closes a literal is taken as maybe).
    expect(literalMayExceed(text, 399_999)).toBe(true);
    expect(literalMayExceed(text, 800_000)).toBe(false);
    // A run of structure as long as a literal may be one: the answer is yes, never a wrong no.
    expect(literalMayExceed(JSON.stringify({ n: new Array(5000).fill(1) }), 1000)).toBe(true);
  });
});

describe("capLine", () => {
  it("keeps the line valid JSON of the same shape and under the cap when strings can absorb the excess", () => {
    fc.assert(
      fc.property(fc.array(hardString, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1024, max: 3000 }), (texts, cap) => {
        const line = { type: "iteration", iteration: 1, prompt: texts.map((content) => ({ role: "user", content })), response: texts.join("") };
        const text = JSON.stringify(line);
        const out = capLine(text, cap, counts());
        const parsed = JSON.parse(out) as typeof line;
        expect(shape(parsed)).toEqual(shape(line));
        expect(parsed.type).toBe("iteration");
        expect(parsed.prompt.map((m) => m.role)).toEqual(texts.map(() => "user"));
        // Strings can give up all but 64 bytes each plus a marker: under the cap whenever
        // the rest of the line leaves that much room.
        const floor = Buffer.byteLength(JSON.stringify({ ...line, prompt: line.prompt.map((m) => ({ ...m, content: "x".repeat(90) })), response: "x".repeat(90) }));
        if (floor <= cap) expect(Buffer.byteLength(out)).toBeLessThanOrEqual(cap);
        if (Buffer.byteLength(text) <= cap) expect(out).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it("never takes a string over the field cap: one under it by its value, over the common length by its escapes, is cut shorter", () => {
    // 60 control characters: 60 bytes of value, 360 of text. The line is a byte over the cap:
    // cut to the common length, the string kept 56 characters and its marker, 75 bytes.
    const line = {
      type: "iteration",
      response: "\u0001".repeat(60),
      notes: Array.from({ length: 8 }, (_, i) => `${i}`.padEnd(60, "n")),
      pad: "p".repeat(108),
    };
    const text = JSON.stringify(line);
    const c = counts();
    const cut = capLine(text, 1024, c, [], 64);
    const out = JSON.parse(cut) as typeof line;
    const kept = /^(\u0001*)\[TRUNCATED:(\d+) bytes\]$/.exec(out.response);
    expect({
      over: Buffer.byteLength(text) - 1024,
      under: Buffer.byteLength(cut) <= 1024,
      response: Buffer.byteLength(out.response) <= 64,
      // Kept characters and the count in the marker make the 60 bytes of the original.
      total: kept === null ? -1 : (kept[1] as string).length + Number(kept[2]),
      rest: { ...out, response: "" },
      truncations: c.truncations,
    }).toEqual({ over: 1, under: true, response: true, total: 60, rest: { ...line, response: "" }, truncations: 1 });
  });

  it("cuts a string the field cap cut again to one marker counting every byte left out of the original, counted once", () => {
    // ASCII, 3-byte characters, emoji (a pair at the cut), newlines (escapes): each far over
    // a field cap of 1000 bytes, the line over 3000 bytes once they are cut to it.
    for (const unit of ["x", "中", "🎉", "\n", "a中🎉"]) {
      const originals = Array.from({ length: 4 }, (_, i) => `${i}${unit.repeat(3000)}`);
      // A caller's own string that ends with what looks like a marker, under the field cap: not the policy's.
      const own = `${"o".repeat(700)}[TRUNCATED:5 bytes]`;
      const line = { type: "iteration", t: originals, own };
      const c = counts();
      const pending: PreCut[] = [];
      const fielded = capFields(JSON.stringify(line), 1000, c, [], true, pending);
      expect(c.truncations).toBe(4);
      const out = capLine(fielded, 3000, c, pending, 1000);
      const parsed = JSON.parse(out) as typeof line;
      const strings = [...parsed.t, parsed.own];
      const cut = strings.map((value, i) => {
        const match = /^([^]*)\[TRUNCATED:(\d+) bytes\]$/.exec(value) as RegExpExecArray;
        const original = i < 4 ? (originals[i] as string) : own;
        const kept = match[1] as string;
        return { unit, i, prefix: original.startsWith(kept), bytes: Buffer.byteLength(kept) + Number(match[2]), markers: value.split("[TRUNCATED:").length - 1 };
      });
      expect(cut).toEqual([...originals, own].map((original, i) => ({ unit, i, prefix: true, bytes: Buffer.byteLength(original), markers: 1 })));
      expect({ unit, under: Buffer.byteLength(out) <= 3000, truncations: c.truncations }).toEqual({ unit, under: true, truncations: 5 });
    }
  });

  it("writes a line whose required structure alone is over the cap as it is", () => {
    const line = { type: "iteration", prompt: Array.from({ length: 300 }, () => ({ role: "user", content: "hi" })) };
    const text = JSON.stringify(line);
    expect(capLine(text, 1024, counts())).toBe(text);
  });
});

describe("markers", () => {
  /** Every cut string of `out` against its original: kept bytes plus the marker's count is the original's size. */
  function checkCounts(originals: string[], out: string[]): void {
    originals.forEach((original, i) => {
      const value = out[i] as string;
      const match = /^([^]*)\[TRUNCATED:(\d+) bytes\]$/.exec(value);
      if (match === null) return expect(value).toBe(original);
      // A lone surrogate kept is written as U+FFFD, as UTF-8 has it.
      expect(original.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd").startsWith(match[1] as string)).toBe(true);
      expect(Buffer.byteLength(match[1] as string) + Number(match[2])).toBe(Buffer.byteLength(original));
    });
  }
  const hardWithSurrogates = fc.string({ unit: fc.constantFrom("a", "é", "日", "🎉", '"', "\\", "\n", "\u0001", "\ud800", "\udc00"), maxLength: 600 });

  it("count exactly the bytes cut, escapes and lone surrogates included (field cap)", () => {
    fc.assert(
      fc.property(fc.array(hardWithSurrogates, { minLength: 1, maxLength: 6 }), fc.integer({ min: 64, max: 400 }), (texts, cap) => {
        const out = JSON.parse(capFields(JSON.stringify({ t: texts }), cap, counts())) as { t: string[] };
        checkCounts(texts, out.t);
      }),
      { numRuns: 300 },
    );
  });

  it("count exactly the bytes cut, escapes and lone surrogates included (line cap)", () => {
    fc.assert(
      fc.property(fc.array(hardWithSurrogates, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1024, max: 3000 }), (texts, cap) => {
        const out = JSON.parse(capLine(JSON.stringify({ type: "iteration", t: texts }), cap, counts())) as { t: string[] };
        checkCounts(texts, out.t);
      }),
      { numRuns: 300 },
    );
  });
});

describe("cuts of ASCII lines (sized by their lengths)", () => {
  const ascii = fc.string({ unit: fc.constantFrom("a", "b", " ", '"', "\\", "\n", "\u0001", "x"), maxLength: 600 });

  it("count exactly the bytes cut, and give the line the cap asks for", () => {
    fc.assert(
      fc.property(fc.array(ascii, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1024, max: 3000 }), (texts, cap) => {
        const text = JSON.stringify({ type: "iteration", t: texts });
        const out = capLine(text, cap, counts());
        checkAsciiCounts(texts, (JSON.parse(out) as { t: string[] }).t);
        const floor = Buffer.byteLength(JSON.stringify({ type: "iteration", t: texts.map(() => "x".repeat(90)) }));
        if (floor <= cap) expect(Buffer.byteLength(out)).toBeLessThanOrEqual(cap);
        if (text.length <= cap) expect(out).toBe(text);
      }),
      { numRuns: 300, seed: 20261202 },
    );
  });

  function checkAsciiCounts(originals: string[], out: string[]): void {
    originals.forEach((original, i) => {
      const value = out[i] as string;
      const match = /^([^]*)\[TRUNCATED:(\d+) bytes\]$/.exec(value);
      if (match === null) return expect(value).toBe(original);
      expect(original.startsWith(match[1] as string)).toBe(true);
      expect((match[1] as string).length + Number(match[2])).toBe(original.length);
    });
  }
});

describe("cuts of long literals dense with escapes", () => {
  // Long enough that a cut's end moves back and forth over many escapes before it settles.
  const dense = fc.string({ unit: fc.constantFrom("a", "é", "🎉", "\n", "\u0001", '"', "\\", "\ud800"), minLength: 200, maxLength: 4000 });

  it("count exactly the bytes cut (field cap)", () => {
    fc.assert(
      fc.property(fc.array(dense, { minLength: 1, maxLength: 4 }), fc.integer({ min: 64, max: 3000 }), (texts, cap) => {
        const out = JSON.parse(capFields(JSON.stringify({ t: texts }), cap, counts())) as { t: string[] };
        out.t.forEach((value, i) => {
          const original = texts[i] as string;
          const match = /^([^]*)\[TRUNCATED:(\d+) bytes\]$/.exec(value);
          if (match === null) return expect(value).toBe(original);
          expect(Buffer.byteLength(value)).toBeLessThanOrEqual(cap);
          expect(Buffer.byteLength(match[1] as string) + Number(match[2])).toBe(Buffer.byteLength(original));
        });
      }),
      { numRuns: 200, seed: 20261202 },
    );
  });

  it("give the same line whether capLine is told the text's size or measures it, under the cap", () => {
    fc.assert(
      fc.property(fc.array(dense, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1024, max: 12000 }), (texts, cap) => {
        const text = JSON.stringify({ type: "iteration", t: texts });
        const told = capLine(text, cap, counts(), [], Infinity, Buffer.byteLength(text));
        expect(told).toBe(capLine(text, cap, counts()));
        if (Buffer.byteLength(text) > cap) expect(Buffer.byteLength(told)).toBeLessThanOrEqual(cap);
      }),
      { numRuns: 200, seed: 20261202 },
    );
  });
});

describe("capLinePieces", () => {
  const SEED = 20261202;
  // ASCII with an escape every few words (the text a line's size is misjudged by from its
  // strings' lengths), and literals dense with escapes, pairs and lone surrogates.
  const words = fc.string({ unit: fc.constantFrom("a", "b", " ", "\n", "x"), minLength: 100, maxLength: 3000 });
  const dense = fc.string({ unit: fc.constantFrom("a", "é", "🎉", "\n", "\u0001", '"', "\\", "\ud800"), minLength: 100, maxLength: 3000 });

  /** The text of `{"type":"iteration","t":[...]}` in pieces, each holding whole tokens, some of several literals. */
  function pieces(texts: readonly string[], group: number): string[] {
    const out = ['{"type":"iteration","t":['];
    for (let i = 0; i < texts.length; i += group) {
      if (i > 0) out.push(",");
      out.push(texts.slice(i, i + group).map((t) => JSON.stringify(t)).join(","));
    }
    out.push("]}");
    return out;
  }

  it(`cuts a text given in pieces exactly as capLine cuts it joined, counts included (seed ${SEED})`, () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(words, dense), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 1, max: 3 }),
        fc.double({ min: 0.3, max: 1.05, noNaN: true }),
        fc.boolean(),
        (texts, group, share, told) => {
          const parts = pieces(texts, group);
          const text = parts.join("");
          const bytes = Buffer.byteLength(text);
          // From far under the text's size to just under it: cuts of a few bytes each included.
          const cap = Math.max(1024, Math.floor(bytes * share));
          const joinedCounts = counts();
          const piecesCounts = counts();
          const out = capLinePieces(parts, cap, piecesCounts, [], Infinity, told ? bytes : -1);
          expect({ text: out.join(""), counts: piecesCounts }).toEqual({ text: capLine(text, cap, joinedCounts), counts: joinedCounts });
          // Each string cut keeps a prefix of its UTF-8 (where a lone surrogate is U+FFFD) and counts the bytes left out.
          const cutTexts = (JSON.parse(out.join("")) as { t: string[] }).t;
          cutTexts.forEach((value, i) => {
            const original = Buffer.from(texts[i] as string);
            const match = /^([^]*)\[TRUNCATED:(\d+) bytes\]$/.exec(value);
            if (match === null) return expect(value).toBe(texts[i]);
            const kept = Buffer.from(match[1] as string);
            expect({ prefix: original.subarray(0, kept.length).equals(kept), bytes: kept.length + Number(match[2]) }).toEqual({ prefix: true, bytes: original.length });
          });
        },
      ),
      { numRuns: 300, seed: SEED },
    );
  });

  it("passes the pieces it does not cut as they are, and gives the text under the cap as its pieces", () => {
    const long = `${"word ".repeat(300)}\n`.repeat(4);
    const parts = ['{"type":"iteration","t":[', JSON.stringify("short"), ",", JSON.stringify(long), ",", JSON.stringify("end"), "]}"];
    const text = parts.join("");
    const cap = Buffer.byteLength(text) - 100;
    const c = counts();
    const out = capLinePieces(parts, cap, c);
    // The long literal: the text up to the end of its prefix, then its marker and quote.
    const cutText = capLine(text, cap, counts());
    const tail = /\[TRUNCATED:\d+ bytes\]"/.exec(cutText)?.[0] as string;
    const head = cutText.slice(`${parts[0] as string}${parts[1] as string},`.length, cutText.indexOf(tail));
    expect({ out, c }).toEqual({ out: [parts[0], parts[1], parts[2], head, tail, parts[4], parts[5], parts[6]], c: { redactions: 0, truncations: 1, byKind: {} } });
    expect(capLinePieces(parts, 1024 * 1024, counts())).toEqual(parts);
  });
});

describe("truncationMarker", () => {
  it("names the bytes cut, with no quote or backslash", () => {
    expect(truncationMarker(1234)).toBe("[TRUNCATED:1234 bytes]");
  });
});
