import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { buildIterationLine, type IterationInput } from "../../../src/lines.js";
import { applyContentPolicy } from "../../../src/write/policy/apply.js";
import { createContentPolicy, defaultContentPolicy, policyTransform } from "../../../src/write/policy/content-policy.js";
import type { RedactionCounts } from "../../../src/write/policy/secret-patterns.js";
import { JOIN_MAX_UNITS, lineText, withNewline, type LineText } from "../../../src/write/serialize/line-text.js";
import { SessionLines } from "../../../src/write/serialize/session-lines.js";
import { lineKeepUnits } from "../../../src/write/serialize/line-budget.js";
import { SECRET_VALUES } from "../../fixtures/content-corpus.js";

const MiB = 1024 * 1024;
const counts = (): RedactionCounts => ({ redactions: 0, truncations: 0, byKind: {} });
const joined = (text: LineText): string =>
  typeof text === "string" ? text : text.map((p) => (typeof p === "string" ? p : p.toString("utf8"))).join("");

/** The kept prefix of a cut string and the bytes its marker says were cut. */
function cut(value: string): { kept: string; cutBytes: number } {
  const match = /^([^]*)\[TRUNCATED:(\d+) bytes\]$/.exec(value);
  if (match === null) throw new Error(`not cut: ${value.slice(0, 80)}…`);
  return { kept: match[1] as string, cutBytes: Number(match[2]) };
}

describe("lineText: strings far over the field cap", () => {
  it("cuts them to the cap, counting every byte left out, and redacts a secret the cut goes through", () => {
    const ascii = "x".repeat(40 * MiB);
    const wide = "€".repeat(3 * MiB); // 9 MiB of UTF-8
    // A key that starts 10 bytes before the cut: the part kept must not show it.
    const straddle = `${"y".repeat(MiB - 10)} ${SECRET_VALUES.anthropic} and more ${"z".repeat(2 * MiB)}`;
    const line = { type: "iteration", iteration: 1, timestamp: "t", prompt: [], response: ascii, stdout: wide, other: straddle };
    const { line: out, truncations, redactionsByKind } = applyContentPolicy(line);
    expect(truncations).toBe(3);
    expect(redactionsByKind).toEqual({ anthropic_key: 1 });
    for (const [key, original] of [["response", ascii], ["stdout", wide], ["other", straddle]] as const) {
      const value = out[key];
      expect(Buffer.byteLength(value)).toBeLessThanOrEqual(MiB);
      const { kept, cutBytes } = cut(value);
      if (key !== "other") {
        expect(original.startsWith(kept)).toBe(true);
        expect(Buffer.byteLength(kept) + cutBytes).toBe(Buffer.byteLength(original));
      }
    }
    expect(out.other).not.toContain(SECRET_VALUES.anthropic.slice(0, 8));
  });

  it("writes the same bytes through a session's prompt cache as applyContentPolicy, long strings in the prompt or not", () => {
    const policy = createContentPolicy({ maxFieldBytes: 256 * 1024, maxLineBytes: 4 * MiB });
    const session = new SessionLines(policy, counts(), "full");
    const messages: Array<{ role: string; content: string } & Record<string, unknown>> = [{ role: "system", content: "é".repeat(300_000) }];
    for (let i = 0; i < 6; i++) {
      const input: IterationInput = { prompt: messages.slice(), response: `${i} ${"r".repeat(200_000 * i)}`, extra: { key: SECRET_VALUES.ghp } };
      const built = buildIterationLine(input, i + 1, new Date(0));
      const b = counts();
      const viaCache = joined(session.iteration(built));
      session.written();
      expect(viaCache).toBe(lineText(built, policyTransform(policy), b));
      messages.push({ role: "assistant", content: `answer ${i}`, tool_calls: [{ id: `c${i}`, function: { arguments: "x".repeat(140_000) } }] });
      messages.push({ role: "tool", content: "o".repeat(100_000 * i), name: "bash" });
    }
  });

  it("keeps lines under the line cap as pieces, and cuts those over it", () => {
    const policy = defaultContentPolicy();
    const session = new SessionLines(policy, counts(), "full");
    const prompt = [{ role: "user", content: "p".repeat(900_000) }];
    for (let i = 1; i <= 12; i++) {
      prompt.push({ role: "assistant", content: "q".repeat(900_000) });
      const built = buildIterationLine({ prompt: prompt.slice(), response: "" }, i, new Date(0));
      const text = session.iteration(built);
      session.written();
      if (Buffer.byteLength(JSON.stringify(built)) + 1 <= 8 * MiB) {
        expect(typeof text).not.toBe("string");
      } else {
        // Cut to the cap: one string, and its `\n` apart (a long line's text is not joined to it).
        expect(text).toEqual([expect.any(String), "\n"]);
        expect(Buffer.byteLength(joined(text))).toBeLessThanOrEqual(8 * MiB);
        expect(joined(text)).toBe(lineText(built, policyTransform(policy), counts()));
      }
    }
  });

  it("cuts a line over the cap by its escapes alone as pieces through the prompt cache, as serializing it anew cuts it", () => {
    // Strings' lengths put the line under the cap, their escapes (a newline every few words)
    // over it: nothing is cut before serializing, the cache serializes every message.
    const policy = createContentPolicy({ maxFieldBytes: 256 * 1024, maxLineBytes: MiB });
    const viaCache = counts();
    const session = new SessionLines(policy, viaCache, "full");
    const text = (i: number): string => `${i} words and words\n`.repeat(14_000).slice(0, 250_000);
    const prompt = [0, 1, 2, 3].map((i) => ({ role: i % 2 === 0 ? "user" : "assistant", content: text(i) }));
    prompt.push({ role: "tool", content: `DB_PASSWORD=${SECRET_VALUES.dbPassword}\n€ and more` });
    for (let i = 1; i <= 2; i++) {
      // The second line: the first messages come from the cache's bytes, one more is new.
      if (i === 2) prompt.push({ role: "user", content: "next" });
      const built = buildIterationLine({ prompt: prompt.slice(), response: "ok" }, i, new Date(0));
      expect(prompt.reduce((n, m) => n + m.content.length, 0)).toBeLessThan(MiB - 1024);
      Object.assign(viaCache, counts());
      const out = session.iteration(built);
      session.written();
      const anew = counts();
      const expected = lineText(built, policyTransform(policy), anew);
      expect(typeof out).not.toBe("string");
      expect({ text: joined(out), counts: viaCache }).toEqual({ text: expected, counts: anew });
      expect(anew).toEqual({ redactions: 1, truncations: 4, byKind: { password: 1 } });
      expect(Buffer.byteLength(expected)).toBeLessThanOrEqual(MiB + 1);
    }
  });
});

describe("lineText: strings the field cap cut, cut again by the line cap", () => {
  /** Pairs of each string of `out` (keys included) with the string of `original` at its place. */
  function pairs(original: unknown, out: unknown, acc: Array<[string, string]> = []): Array<[string, string]> {
    if (typeof out === "string") acc.push([original as string, out]);
    else if (Array.isArray(out)) out.forEach((item, i) => pairs((original as unknown[])[i], item, acc));
    else if (typeof out === "object" && out !== null) {
      const keys = Object.keys(original as object);
      Object.entries(out).forEach(([key, item], i) => {
        const k = keys[i] as string;
        acc.push([k, key]);
        pairs((original as Record<string, unknown>)[k], item, acc);
      });
    }
    return acc;
  }

  it("write one marker counting every byte left out of the original, each string counted once, through the prompt cache and without", () => {
    const FIELD = 1000;
    const LINE = 5000;
    const policy = createContentPolicy({ maxFieldBytes: FIELD, maxLineBytes: LINE });
    // A string over the field cap, ASCII, 3-byte characters, emoji (pairs at the cut), or a mix.
    // But for ASCII, its length is under the field cap: the strings' lengths do not show the
    // lines over the line cap (nothing is cut before serializing), their bytes once cut do.
    const big = (unit: string, turn: number): string => `${turn}${unit === "x" ? "x".repeat(3000) : unit.repeat(Math.ceil(800 / unit.length))}`;
    const wide = (turn: number): string => `${turn}${"中".repeat(400)}`;
    // A caller's string that ends like a marker: the policy did not cut it, and its text cannot say.
    const lookalike = `${"o".repeat(300)}[TRUNCATED:7 bytes]`;
    for (const unit of ["x", "中", "🎉", "a中🎉"]) {
      const sessionCounts = counts();
      const session = new SessionLines(policy, sessionCounts, "full");
      const prompt: Array<{ role: string; content: string }> = [{ role: "system", content: "be brief" }];
      for (let turn = 1; turn <= 3; turn++) {
        // Line 1 is under the line cap once its strings are cut to the field cap: the cache keeps
        // its messages as UTF-8. Line 2 takes them from there and is over the line cap: they
        // are cut again, with the new ones. Line 3 is over it by its strings' lengths.
        prompt.push({ role: "user", content: big(unit, turn) }, { role: "assistant", content: lookalike }, { role: "user", content: wide(turn) });
        const built = buildIterationLine({ prompt: prompt.slice(), response: big(unit, 9) }, turn, new Date(0));
        expect({ unit, turn, early: lineKeepUnits(built, FIELD, LINE) < Infinity }).toEqual({ unit, turn, early: turn === 3 });
        const before = sessionCounts.truncations;
        const viaCache = joined(session.iteration(built));
        session.written();
        const anew = counts();
        const text = lineText(built, policyTransform(policy), anew);
        for (const [how, line, truncations] of [["through the prompt cache", viaCache, sessionCounts.truncations - before], ["without it", text, anew.truncations]] as const) {
          const where = `${unit}, line ${turn}, ${how}`;
          expect(line.endsWith("}\n"), where).toBe(true);
          let cuts = 0;
          let lineCut = false;
          const seen = pairs(built, JSON.parse(line)).map(([original, value]) => {
            if (value === original) return { same: true };
            cuts++;
            const match = /^([^]*)\[TRUNCATED:(\d+) bytes\]$/.exec(value);
            const kept = match?.[1] ?? "";
            if (Buffer.byteLength(value) < FIELD - 100 && original !== lookalike) lineCut = true;
            // Markers past the kept prefix: one.
            const markers = value.split("[TRUNCATED:").length - kept.split("[TRUNCATED:").length;
            return { prefix: original.startsWith(kept), markers, n: Number(match?.[2]), field: Buffer.byteLength(value) <= FIELD, expected: Buffer.byteLength(original) - Buffer.byteLength(kept) };
          });
          expect(seen, where).toEqual(seen.map((s) => ("same" in s ? s : { prefix: true, markers: 1, n: s.expected, field: true, expected: s.expected })));
          expect({ where, truncations, lineCut, under: Buffer.byteLength(line) <= LINE + 1 }).toEqual({ where, truncations: cuts, lineCut: turn > 1, under: true });
        }
        expect(viaCache, `${unit}, line ${turn}`).toBe(text);
      }
    }
  });
});

describe("a line's text and its newline", () => {
  it("joins them into one string up to JOIN_MAX_UNITS units of text, and leaves a longer text as it is, a piece before the newline", () => {
    const short = "s".repeat(JOIN_MAX_UNITS);
    const long = `${"l".repeat(JOIN_MAX_UNITS)}€`;
    expect({ short: withNewline(short), long: withNewline(long) }).toEqual({ short: `${short}\n`, long: [long, "\n"] });
    expect((withNewline(long) as readonly string[])[0]).toBe(long);
  });

  it("hands the writer a long line as pieces, from the prompt cache and without it, the same bytes as lineText", () => {
    const policy = defaultContentPolicy();
    const session = new SessionLines(policy, counts(), "full");
    const response = `${"r".repeat(JOIN_MAX_UNITS)} ${SECRET_VALUES.ghp}`;
    const cached = buildIterationLine({ prompt: [{ role: "user", content: "go" }], response }, 1, new Date(0));
    const plain = buildIterationLine({ prompt: [], response }, 2, new Date(0));
    const small = buildIterationLine({ prompt: [{ role: "user", content: "go" }], response: "ok" }, 3, new Date(0));
    const texts = [cached, plain, small].map((line) => {
      const text = session.iteration(line);
      session.written();
      return text;
    });
    const expected = [cached, plain, small].map((line) => lineText(line, policyTransform(policy), counts()));
    expect(texts.map(joined)).toEqual(expected);
    // What comes before the prompt, the prompt's UTF-8 from the cache, then `]`, the long rest and `\n` apart.
    expect(texts[0]).toEqual([
      '{"type":"iteration","iteration":1,"timestamp":"1970-01-01T00:00:00.000Z","prompt":',
      Buffer.from('[{"role":"user","content":"go"}'),
      "]",
      (expected[0] as string).slice((expected[0] as string).indexOf(',"response"'), -1),
      "\n",
    ]);
    expect(texts[1]).toEqual([(expected[1] as string).slice(0, -1), "\n"]);
    expect(texts[2]).toEqual([expect.any(String), expect.any(Buffer), expect.stringMatching(/^\]/)]);
    expect(joined(texts[0] as LineText)).not.toContain(SECRET_VALUES.ghp);
  });
});

describe("policyText: a long string's size under the field cap", () => {
  it("cuts a string that redaction took over the field cap, though its escapes alone did not", () => {
    const policy = createContentPolicy({ maxFieldBytes: 200_000 });
    // Under the cap as a value, over it as text (its escapes), and over it once each password
    // is replaced by a marker longer than it.
    const unit = `word word\nDB_PASSWORD=hunter2\n`;
    const response = unit.repeat(Math.floor(199_990 / unit.length));
    const { line, truncations, redactionsByKind } = applyContentPolicy({ type: "iteration", response }, policy);
    const redacted = response.replaceAll("hunter2", "[REDACTED:password]");
    const { kept, cutBytes } = cut(line.response);
    expect({ truncations, redactionsByKind, prefix: redacted.startsWith(kept), bytes: Buffer.byteLength(kept) + cutBytes }).toEqual({
      truncations: 1,
      redactionsByKind: { password: 6666 },
      prefix: true,
      bytes: Buffer.byteLength(redacted),
    });
    expect(Buffer.byteLength(line.response)).toBeLessThanOrEqual(200_000);
  });

  it("keeps whole a string over the field cap by its escapes alone, and cuts one a byte over it", () => {
    const policy = createContentPolicy({ maxFieldBytes: 200_000 });
    // 199,990 bytes with a newline every ten, then endings that make it 200,000 bytes or one more.
    for (const end of ["y".repeat(10), "\ud800".concat("y".repeat(7)), "y".repeat(11), "é".concat("y".repeat(9)), "\ud800".concat("y".repeat(8))]) {
      const response = `${"word word\n".repeat(19_999)}${end}`;
      const bytes = Buffer.byteLength(response);
      expect(JSON.stringify(response).length).toBeGreaterThan(200_000);
      const out = applyContentPolicy({ type: "iteration", response }, policy);
      if (bytes <= 200_000) {
        expect(out).toEqual({ line: { type: "iteration", response }, redactions: 0, truncations: 0, redactionsByKind: {} });
        continue;
      }
      const { kept, cutBytes } = cut(out.line.response);
      expect({ truncations: out.truncations, prefix: response.startsWith(kept), bytes: Buffer.byteLength(kept) + cutBytes }).toEqual({ truncations: 1, prefix: true, bytes });
    }
  });
});

describe("lineText: values that answer differently from one read to the next", () => {
  const SEED = process.env.TRAJLOG_TEST_SEED ?? "getter-cap";
  // Over three times the 128 Ki units past which the serializer takes a string as long: a
  // line whose walk saw no long string is not scanned for strings over it.
  const FIELD = 512 * 1024;
  const LINE = 8 * MiB;
  const ASCII = "x".repeat(1_200_000);
  const WIDE = "é".repeat(300_000); // 600,000 bytes, 300,000 units
  const NEWLINES = "\n".repeat(100_000); // under the cap, its text twice as long
  /** What a getter may answer on a read; strings over the cap are ASCII and WIDE, and hold nothing else over it. */
  const answers: ReadonlyArray<() => unknown> = [() => "short", () => ASCII, () => WIDE, () => NEWLINES, () => ({ w: ASCII }), () => ({ toJSON: () => WIDE }), () => null];

  it(`writes no string over the field cap nor a line over the line cap, each cut counted, through the prompt cache and without (seed ${SEED})`, () => {
    const rng = seedrandom(SEED);
    const policy = createContentPolicy({ maxFieldBytes: FIELD, maxLineBytes: LINE });
    let allCuts = 0;
    const sessionCounts = counts();
    const session = new SessionLines(policy, sessionCounts, "full");
    for (let round = 0; round < 24; round++) {
      // Each getter answers each read with a value drawn anew.
      const getter = <T extends object>(target: T, key: string): T =>
        Object.defineProperty(target, key, { get: () => (answers[Math.floor(rng() * answers.length)] as () => unknown)(), enumerable: true });
      const input: IterationInput = {
        prompt: [
          { role: "system", content: "s" },
          getter({ role: "user", content: `u${round}` }, "name"),
          { role: "assistant", content: "", tool_calls: [getter({ id: "t" }, "arguments")] },
        ] as never,
        response: "r",
        code: "c",
        result: { stdout: "o", locals: getter({ ok: 1 }, "v") },
        extra: { nested: getter({}, "v") },
      };
      const built = buildIterationLine(input, round + 1, new Date(0));
      for (const [how, write] of [
        [
          "through the prompt cache",
          (): [string, number] => {
            const before = sessionCounts.truncations;
            const text = joined(session.iteration(built));
            session.written();
            return [text, sessionCounts.truncations - before];
          },
        ],
        [
          "without it",
          (): [string, number] => {
            const c = counts();
            return [lineText(built, policyTransform(policy), c), c.truncations];
          },
        ],
      ] as const) {
        const [text, truncations] = write();
        const where = `seed ${SEED}, round ${round}, ${how}`;
        expect(Buffer.byteLength(text), where).toBeLessThanOrEqual(LINE + 1);
        const cuts: string[] = [];
        const visit = (value: unknown): void => {
          if (typeof value === "string") {
            expect(Buffer.byteLength(value), where).toBeLessThanOrEqual(FIELD);
            if (value.endsWith(" bytes]")) cuts.push(value);
          } else if (typeof value === "object" && value !== null) {
            for (const [key, item] of Object.entries(value)) {
              visit(key);
              visit(item);
            }
          }
        };
        visit(JSON.parse(text));
        // Each cut string is a prefix of what was answered, its marker counting every byte left out.
        for (const value of cuts) {
          const { kept, cutBytes } = cut(value);
          const original = kept.startsWith("x") ? ASCII : WIDE;
          expect({ prefix: original.startsWith(kept), bytes: Buffer.byteLength(kept) + cutBytes }, where).toEqual({ prefix: true, bytes: Buffer.byteLength(original) });
        }
        expect(truncations, where).toBe(cuts.length);
        allCuts += cuts.length;
      }
    }
    // The draws do take strings over the cap into the lines.
    expect(allCuts, `seed ${SEED}`).toBeGreaterThan(10);
  });
});
