import seedrandom from "seedrandom";
import { describe, expect, it } from "vitest";
import { DeltaIterationLineSchema, LINE_SCHEMAS } from "../../../src/format.js";
import { PromptResolver, withPromptDelta } from "../../../src/internal/prompt-delta.js";
import { TypeCompiler } from "../../../src/internal/typebox.js";
import { LINE_CHECKS } from "../../../src/read/line-parser.js";
import { applyContentPolicy } from "../../../src/write/policy/apply.js";
import { capLine } from "../../../src/write/policy/caps.js";
import { createContentPolicy } from "../../../src/write/policy/content-policy.js";
import { collapseFreeForm, mayCollapse } from "../../../src/write/policy/free-form.js";
import type { RedactionCounts } from "../../../src/write/policy/secret-patterns.js";
import { truncationMarker } from "../../../src/write/policy/truncation-marker.js";

const SEED = process.env.TRAJLOG_TEST_SEED ?? "free-form";
const counts = (): RedactionCounts => ({ redactions: 0, truncations: 0, byKind: {} });
const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? "");

/**
 * The collapse as a parse of the line: find the free values on the parsed object, size each
 * by writing it again, choose the largest first (inner values, then whole containers as they
 * are once their values are replaced), write the line again. Slow, and plainly right: the
 * text-based collapse must give the very same line and count.
 */
function referenceCollapse(text: string, excess: number): { text: string; truncations: number } {
  const line = JSON.parse(text) as Record<string, unknown>;
  type Holder = Record<string | number, unknown>;
  interface Slot {
    holder: Holder;
    key: string | number;
    object: boolean;
    owner: number;
  }
  const inner: Slot[] = [];
  const whole: Slot[] = [];
  const isObject = (v: unknown): v is Holder => typeof v === "object" && v !== null;
  const freeObject = (holder: Holder, key: string): void => {
    const value = holder[key];
    if (!isObject(value)) return;
    const owner = whole.length;
    whole.push({ holder, key, object: !Array.isArray(value), owner: -1 });
    for (const k of Object.keys(value)) inner.push({ holder: value, key: Array.isArray(value) ? Number(k) : k, object: false, owner });
  };
  const schema = LINE_SCHEMAS[line.type as keyof typeof LINE_SCHEMAS] as { properties: object } | undefined;
  const known = new Set(schema === undefined ? [] : Object.keys(schema.properties));
  // A delta session's iteration line holds `prompt_delta` in place of `prompt`: required too.
  if (line.type === "iteration") known.add("prompt_delta");
  for (const key of Object.keys(line)) if (!known.has(key)) inner.push({ holder: line, key, object: false, owner: -1 });
  if (line.type === "metadata") {
    for (const key of ["backend_kwargs", "environment_kwargs", "other_backends"]) freeObject(line, key);
  } else if (line.type === "summary") {
    if ("error" in line) inner.push({ holder: line, key: "error", object: false, owner: -1 });
  } else if (line.type === "iteration") {
    const delta = isObject(line.prompt_delta) ? line.prompt_delta.append : undefined;
    for (const message of [...(Array.isArray(line.prompt) ? line.prompt : []), ...(Array.isArray(delta) ? delta : [])]) {
      if (!isObject(message) || Array.isArray(message)) continue;
      for (const key of Object.keys(message)) if (key !== "role" && key !== "content") inner.push({ holder: message, key, object: false, owner: -1 });
    }
    for (const block of Array.isArray(line.code_blocks) ? line.code_blocks : []) {
      const result = isObject(block) ? block.result : undefined;
      if (!isObject(result) || Array.isArray(result)) continue;
      freeObject(result, "locals");
      for (const call of Array.isArray(result.rlm_calls) ? result.rlm_calls : []) {
        if (isObject(call) && !Array.isArray(call) && "prompt" in call) inner.push({ holder: call, key: "prompt", object: false, owner: -1 });
      }
    }
  }
  const original = whole.map((s) => bytes(s.holder[s.key]));
  const replacedIn = whole.map(() => 0);
  let truncations = 0;
  let remaining = excess;
  const byInner = inner.map((slot) => ({ slot, size: bytes(slot.holder[slot.key]) })).sort((a, b) => b.size - a.size);
  for (const { slot, size } of byInner) {
    if (remaining <= 0) break;
    const marker = truncationMarker(size);
    const saved = size - bytes(marker);
    if (saved <= 0) continue;
    slot.holder[slot.key] = marker;
    remaining -= saved;
    truncations++;
    if (slot.owner >= 0) replacedIn[slot.owner] = (replacedIn[slot.owner] as number) + 1;
  }
  const byWhole = whole.map((slot, w) => ({ slot, w, size: remaining > 0 ? bytes(slot.holder[slot.key]) : 0 })).sort((a, b) => b.size - a.size);
  for (const { slot, w, size } of byWhole) {
    if (remaining <= 0) break;
    // The marker counts the container's bytes before any of its values was replaced.
    const marker = truncationMarker(original[w] as number);
    const replacement = slot.object ? { truncated: marker } : [marker];
    const saved = size - bytes(replacement);
    if (saved <= 0) continue;
    slot.holder[slot.key] = replacement;
    remaining -= saved;
    truncations += 1 - (replacedIn[w] as number);
  }
  return remaining < excess ? { text: JSON.stringify(line), truncations } : { text, truncations: 0 };
}

/** Random lines of each type, rich in free values of every kind and size, with hard strings. */
function randomLine(rng: () => number, ascii: boolean): Record<string, unknown> {
  const int = (n: number): number => Math.floor(rng() * n);
  const units = ascii ? ["a", "b", " ", "x", '"', "\n"] : ["a", "é", "日", "🎉", '"', "\\", "\n", "\u0001", " ", "x", "\ud800"];
  const str = (max: number): string => Array.from({ length: int(max) }, () => units[int(units.length)] as string).join("");
  const value = (depth: number): unknown => {
    const k = int(depth > 2 ? 4 : 7);
    if (k === 0) return str(rng() < 0.2 ? 600 : rng() < 0.5 ? 80 : 20);
    if (k === 1) return rng() < 0.5 ? int(100000) : rng() * 1e-300;
    if (k === 2) return null;
    if (k === 3) return rng() < 0.5;
    if (k === 4) return Array.from({ length: int(6) }, () => value(depth + 1));
    return object(depth + 1, 6);
  };
  const object = (depth: number, n: number): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (let i = int(n); i > 0; i--) out[rng() < 0.1 ? String(int(50)) : `k${str(6)}`] = value(depth);
    return out;
  };
  const type = (["iteration", "iteration", "metadata", "summary"] as const)[int(4)];
  let line: Record<string, unknown>;
  if (type === "iteration") {
    line = {
      type,
      iteration: 1,
      timestamp: "2026-02-16T10:00:00.000Z",
      prompt: Array.from({ length: int(5) }, () => ({ role: "user", content: str(300), ...(rng() < 0.4 ? { name: value(1) } : {}) })),
      response: str(200),
      code_blocks: Array.from({ length: int(4) }, () => ({
        code: str(50),
        result: {
          stdout: str(100),
          stderr: "",
          locals: rng() < 0.8 ? object(1, rng() < 0.5 ? 300 : 60) : Array.from({ length: int(30) }, () => value(1)),
          execution_time: 0,
          rlm_calls: Array.from({ length: int(3) }, () => ({ root_model: "m", prompt: rng() < 0.5 ? str(300) : object(1, 10), response: "r" })),
          final_answer: null,
        },
      })),
      final_answer: null,
      iteration_time: null,
    };
  } else if (type === "metadata") {
    line = {
      type,
      timestamp: "2026-02-16T10:00:00.000Z",
      root_model: "m",
      backend_kwargs: object(1, 200),
      environment_kwargs: rng() < 0.5 ? object(1, 40) : null,
      other_backends: rng() < 0.5 ? Array.from({ length: int(20) }, () => value(1)) : null,
    };
  } else {
    line = { type, timestamp: "2026-02-16T10:00:00.000Z", reward: 1, total_steps: 1, total_iterations: 1, ...(rng() < 0.7 ? { error: object(1, 40) } : {}) };
  }
  for (let e = int(4); e > 0; e--) line[`x${e}`] = value(1);
  return line;
}

describe("collapseFreeForm", () => {
  it(`gives the line and count of collapsing the parsed line, for every line type and excess (seed ${SEED})`, () => {
    const rng = seedrandom(SEED);
    let collapsed = 0;
    let whole = 0;
    for (let run = 0; run < 1500; run++) {
      const ascii = run % 2 === 0;
      const text = JSON.stringify(randomLine(rng, ascii));
      const size = Buffer.byteLength(text);
      const excess = Math.max(1, Math.floor(size * rng() * 0.9));
      const expected = referenceCollapse(text, excess);
      const c = counts();
      const out = collapseFreeForm(text, excess, c, ascii && size === text.length);
      expect({ run, text: out, truncations: c.truncations }).toEqual({ run, text: expected.text, truncations: expected.truncations });
      if (out !== text) collapsed++;
      if (out.includes('{"truncated":"[TRUNCATED:')) whole++;
    }
    // The runs reach both phases, not only the first.
    expect(collapsed).toBeGreaterThan(500);
    expect(whole).toBeGreaterThan(100);
  });

  it(`collapses a delta line's appended messages as the same line with a whole prompt (seed ${SEED})`, () => {
    const rng = seedrandom(`${SEED}:delta`);
    let collapsed = 0;
    for (let run = 0; run < 600; run++) {
      const ascii = run % 2 === 0;
      const line = randomLine(rng, ascii);
      if (line.type !== "iteration") continue;
      const keep = Math.floor(rng() * 3);
      const fullText = JSON.stringify(line);
      const text = JSON.stringify(withPromptDelta(line, { keep, append: line.prompt as never }));
      const excess = Math.max(1, Math.floor(Buffer.byteLength(text) * rng() * 0.9));
      const expected = referenceCollapse(text, excess);
      const c = counts();
      const out = collapseFreeForm(text, excess, c, ascii && Buffer.byteLength(text) === text.length);
      expect({ run, text: out, truncations: c.truncations }).toEqual({ run, text: expected.text, truncations: expected.truncations });
      // The same choice as with the messages in `prompt`: the same values at the same excess.
      const f = counts();
      const fullOut = JSON.parse(collapseFreeForm(fullText, excess, f)) as Record<string, unknown>;
      expect({ run, line: JSON.parse(out) as unknown, truncations: c.truncations }).toEqual({
        run,
        line: withPromptDelta(fullOut, { keep, append: fullOut.prompt as never }),
        truncations: f.truncations,
      });
      if (out !== text && (line.prompt as object[]).some((m) => "name" in m) && out.includes('"name":"[TRUNCATED:')) collapsed++;
    }
    // Some runs collapse a message's extra key, not only locals.
    expect(collapsed).toBeGreaterThan(10);
  });

  it("collapses 300,000 small locals into one marker counting every byte of them, and counts one cut", () => {
    const locals: Record<string, string> = {};
    for (let i = 0; i < 300_000; i++) locals[`v${i}`] = `value number ${i} of many`;
    const input = {
      type: "iteration",
      iteration: 1,
      timestamp: "2026-02-16T10:00:00.000Z",
      prompt: [{ role: "user", content: "go" }],
      response: "ok",
      code_blocks: [{ code: "x", result: { stdout: "", stderr: "", locals, execution_time: 0, rlm_calls: [], final_answer: null } }],
      final_answer: null,
      iteration_time: null,
    };
    const { line, truncations, redactions } = applyContentPolicy(input);
    expect(line).toEqual({
      ...input,
      code_blocks: [{ code: "x", result: { ...input.code_blocks[0]?.result, locals: { truncated: `[TRUNCATED:${bytes(locals)} bytes]` } } }],
    });
    expect({ truncations, redactions }).toEqual({ truncations: 1, redactions: 0 });
    expect(LINE_CHECKS.iteration.Check(line)).toBe(true);
  });

  it("counts the bytes of a container as written when some of its values were replaced before it was collapsed", () => {
    // Values of ~40 bytes each save a little as markers, not enough: the locals then go whole.
    const locals = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`v${i}`, `value number ${i} of a few more words`]));
    const input = { type: "iteration", code_blocks: [{ code: "x", result: { stdout: "", locals } }] };
    const { line, truncations } = applyContentPolicy(input, createContentPolicy({ maxLineBytes: 64 * 1024 }));
    expect(line).toEqual({ type: "iteration", code_blocks: [{ code: "x", result: { stdout: "", locals: { truncated: `[TRUNCATED:${bytes(locals)} bytes]` } } }] });
    expect(truncations).toBe(1);
  });

  it("keeps the line valid for its schema, markers for free values only, redaction applied to what is kept", () => {
    const secret = ["sk", "ant", "api03", "Qw8vZ2mN4pL7rT1wY6bC3dF9gH0jK5sAx"].join("-");
    const locals = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`v${i}`, i]));
    const input = {
      type: "iteration",
      iteration: 2,
      timestamp: "2026-02-16T10:00:00.000Z",
      prompt: [
        { role: "system", content: `key ${secret}` },
        { role: "user", content: "hi", name: { tags: Array.from({ length: 300 }, (_, i) => `tag ${i}`) } },
      ],
      response: `done ${secret}`,
      code_blocks: [
        {
          code: "run()",
          result: { stdout: secret, stderr: "", locals, execution_time: 1, rlm_calls: [{ root_model: "m", prompt: "small", response: "r", prompt_tokens: 0, completion_tokens: 0, execution_time: 0 }], final_answer: null },
        },
      ],
      final_answer: null,
      iteration_time: 1,
    };
    const { line, truncations, redactions } = applyContentPolicy(input, createContentPolicy({ maxLineBytes: 4096 }));
    const marked = "[REDACTED:anthropic_key]";
    expect(line).toEqual({
      ...input,
      prompt: [
        { role: "system", content: `key ${marked}` },
        { role: "user", content: "hi", name: `[TRUNCATED:${bytes(input.prompt[1]?.name)} bytes]` },
      ],
      response: `done ${marked}`,
      code_blocks: [{ ...input.code_blocks[0], result: { ...input.code_blocks[0]?.result, stdout: marked, locals: { truncated: `[TRUNCATED:${bytes(locals)} bytes]` } } }],
    });
    expect({ truncations, redactions }).toEqual({ truncations: 2, redactions: 3 });
    expect(Buffer.byteLength(JSON.stringify(line))).toBeLessThanOrEqual(4096);
    expect(LINE_CHECKS.iteration.Check(line)).toBe(true);
  });

  it("keeps a delta line's prompt_delta, which the format requires in place of prompt: only free values are collapsed", () => {
    // A delta session's iteration line carries its prompt as `prompt_delta`: replaced by a
    // marker, the line no longer rebuilds its prompt (and every later delta line with it).
    const append = Array.from({ length: 60 }, (_, i) => ({ role: "user", content: `message ${i} of the rollout` }));
    const notes = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`n${i}`, i]));
    const input = {
      type: "iteration",
      iteration: 2,
      timestamp: "2026-02-16T10:00:00.000Z",
      prompt_delta: { keep: 3, append },
      response: "done",
      code_blocks: [],
      final_answer: null,
      iteration_time: 1,
      notes,
    };
    const { line, truncations } = applyContentPolicy(input, createContentPolicy({ maxLineBytes: 2048 }));
    expect({ line, truncations }).toEqual({ line: { ...input, notes: `[TRUNCATED:${bytes(notes)} bytes]` }, truncations: 1 });
    expect(mayCollapse({ ...input, notes: null })).toBe(false);
  });

  it("collapses the extras of a delta line's appended messages as it does those of the same messages in a whole prompt, and the prompt still rebuilds", () => {
    // Each message's `tool_calls` are many small strings: no cut of strings brings the line
    // under the cap, only their markers do, as they do when the messages are in `prompt`.
    const previous = [
      { role: "system", content: "you are a solver" },
      { role: "user", content: "solve it" },
    ];
    const append = Array.from({ length: 10 }, (_, i) => ({
      role: "assistant",
      content: `step ${i}`,
      name: "solver",
      tool_calls: Array.from({ length: 200 }, (_, j) => ({ id: `call_${i}_${j}`, type: "function" })),
    }));
    const rest = { response: "done", code_blocks: [], final_answer: null, iteration_time: 1 };
    const head = { type: "iteration", iteration: 2, timestamp: "2026-02-16T10:00:00.000Z" };
    const input = { ...head, prompt_delta: { keep: 2, append }, ...rest };
    const policy = createContentPolicy({ maxLineBytes: 4096 });
    const { line, truncations } = applyContentPolicy(input, policy);
    const collapsed = append.map((m) => ({ ...m, tool_calls: `[TRUNCATED:${bytes(m.tool_calls)} bytes]` }));
    expect({ line, truncations }).toEqual({ line: { ...head, prompt_delta: { keep: 2, append: collapsed }, ...rest }, truncations: 10 });
    // The same messages in a whole prompt: the same markers, the same count.
    const full = applyContentPolicy({ ...head, prompt: append, ...rest }, policy);
    expect({ line: full.line, truncations: full.truncations }).toEqual({ line: { ...head, prompt: collapsed, ...rest }, truncations: 10 });
    expect(mayCollapse(input)).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(line))).toBeLessThanOrEqual(4096);
    expect(TypeCompiler.Compile(DeltaIterationLineSchema).Check(line)).toBe(true);
    // The line rebuilds its prompt from the previous line's, as a reader rebuilds it.
    const prompts = new PromptResolver();
    const before = { ...head, iteration: 1, prompt: previous, ...rest };
    expect(prompts.take(before)).toEqual({ ok: true, keep: 0 });
    const rebuilt = structuredClone(line);
    expect(prompts.take(rebuilt)).toEqual({ ok: true, keep: 2 });
    expect(rebuilt).toEqual({ ...head, prompt: [...previous, ...collapsed], ...rest });
    expect(LINE_CHECKS.iteration.Check(rebuilt)).toBe(true);
  });

  it("collapses a list the format requires (other_backends) into a list holding its marker, so the line keeps its schema", () => {
    const other_backends = Array.from({ length: 400 }, (_, i) => ({ n: i }));
    const input = {
      type: "metadata",
      timestamp: "2026-02-16T10:00:00.000Z",
      root_model: "m",
      max_depth: 2,
      max_iterations: 15,
      backend: "local",
      backend_kwargs: null,
      environment_type: "local_repl",
      environment_kwargs: null,
      other_backends,
      instance_id: "i",
      training_step: 0,
      experiment_name: "e",
    };
    const { line, truncations } = applyContentPolicy(input, createContentPolicy({ maxLineBytes: 2048 }));
    expect({ line, truncations }).toEqual({ line: { ...input, other_backends: [`[TRUNCATED:${bytes(other_backends)} bytes]`] }, truncations: 1 });
    expect(LINE_CHECKS.metadata.Check(line)).toBe(true);
  });

  it("leaves a line whose free values are all too small to pay for a marker as it is", () => {
    const input = {
      type: "iteration",
      code_blocks: Array.from({ length: 400 }, (_, i) => ({ code: `p(${i})`, result: { stdout: "", locals: i % 2 === 0 ? {} : { n: i } } })),
    };
    const text = JSON.stringify(input);
    expect(capLine(text, 2048, counts())).toBe(text);
    expect(collapseFreeForm(text, text.length - 2048, counts(), true)).toBe(text);
  });

  it("leaves text that is not one JSON object as it is", () => {
    for (const text of ['{"type":"iteration","x":[1,2', '[{"type":"iteration"}]', '{"type":"iteration"} ', "null"]) {
      expect(collapseFreeForm(text, 10, counts())).toBe(text);
    }
  });
});

describe("mayCollapse", () => {
  /**
   * Lines whose free values are mostly too small to be worth a marker (null, booleans, short
   * numbers, empty arrays, many blocks' empty locals), now and then one that may be.
   */
  function smallFreeLine(rng: () => number): Record<string, unknown> {
    const int = (n: number): number => Math.floor(rng() * n);
    const tiny = (): unknown => [null, true, false, 7, -1.5, [], 1234567, 0.5][int(8)];
    const any = (): unknown => [12345678, 0.1 + 0.2, "", "x", "a".repeat(30), { a: 1 }, {}, [null]][int(8)];
    const small = (): unknown => (rng() < 0.9 ? tiny() : any());
    const line: Record<string, unknown> = {
      type: (["iteration", "iteration", "metadata", "summary", "other"] as const)[int(5)],
      prompt: Array.from({ length: int(4) }, () => ({ role: "user", content: "c".repeat(int(200)), ...(rng() < 0.2 ? { name: small() } : {}) })),
      // Past 64 blocks, their locals are looked into; up to there, an object is taken to hold something.
      code_blocks: Array.from({ length: rng() < 0.2 ? int(5) : 65 + int(30) }, () => ({
        code: "x",
        result: { stdout: "o".repeat(int(100)), locals: rng() < 0.995 ? {} : { v: small() }, rlm_calls: rng() < 0.95 ? [] : [{ prompt: small() }] },
      })),
    };
    if (rng() < 0.2) line.backend_kwargs = rng() < 0.5 ? [] : [small()];
    if (rng() < 0.2) line.error = small();
    if (rng() < 0.2) line[`extra${int(3)}`] = small();
    return line;
  }

  it(`says no only for lines whose free values no collapse replaces, whatever the excess (seed ${SEED})`, () => {
    const rng = seedrandom(`${SEED}:may`);
    let no = 0;
    for (let run = 0; run < 3000; run++) {
      const line = smallFreeLine(rng);
      const text = JSON.stringify(line);
      if (mayCollapse(line)) continue;
      no++;
      expect({ run, text: collapseFreeForm(text, text.length, counts()) }).toEqual({ run, text });
    }
    expect(no).toBeGreaterThan(300);
  });

  it("says yes for what it cannot judge without serializing or listing keys: a toJSON, a getter that throws, an unknown line type, a few blocks' locals", () => {
    const blocks = (locals: unknown): Record<string, unknown> => ({
      type: "iteration",
      code_blocks: Array.from({ length: 100 }, (_, i) => ({ code: "x", result: { locals: i === 50 ? locals : {} } })),
    });
    expect(mayCollapse(blocks({}))).toBe(false);
    expect(mayCollapse(blocks({ n: 1 }))).toBe(true);
    // A few blocks: their locals are not listed, an object may hold something.
    expect(mayCollapse({ type: "iteration", code_blocks: [{ code: "x", result: { locals: {} } }] })).toBe(true);
    expect(mayCollapse(blocks({ toJSON: () => ({ big: "x".repeat(100) }) }))).toBe(true);
    expect(mayCollapse({ type: "iteration", code_blocks: [{ code: "x", result: { toJSON: () => ({}) } }] })).toBe(true);
    const throwing = Object.defineProperty({ type: "iteration" }, "code_blocks", {
      enumerable: true,
      get() {
        throw new Error("no");
      },
    });
    expect(mayCollapse(throwing)).toBe(true);
    expect(mayCollapse({ type: "unknown" })).toBe(true);
  });
});
