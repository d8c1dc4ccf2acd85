import { describe, expect, it } from "vitest";
import { applyContentPolicy } from "../../../src/write/policy/apply.js";
import {
  BUILTIN_SECRET_KINDS,
  createContentPolicy,
  DEFAULT_MAX_FIELD_BYTES,
  DEFAULT_MAX_LINE_BYTES,
  defaultContentPolicy,
} from "../../../src/write/policy/content-policy.js";
import { ORDINARY_LOCALS, ORDINARY_TEXTS, SECRET_CASES, SECRET_VALUES } from "../../fixtures/content-corpus.js";

/** An iteration line as a file holds it, with `text` in the places rollouts put text. */
function iterationLine(text: string, locals: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "iteration",
    iteration: 1,
    timestamp: "2026-02-16T10:00:00.000Z",
    prompt: [
      { role: "system", content: "You are a coding agent." },
      { role: "user", content: text },
    ],
    response: text,
    code_blocks: [
      {
        code: "print(open('out.txt').read())",
        result: {
          stdout: text,
          stderr: "",
          locals,
          execution_time: 0.5,
          rlm_calls: [
            { root_model: "m", prompt: { messages: [text] }, response: "ok", prompt_tokens: 1, completion_tokens: 1, execution_time: 0.1 },
          ],
          final_answer: null,
        },
      },
    ],
    final_answer: null,
    iteration_time: 1.5,
  };
}

/** Pieces of a secret long enough to identify it (a PEM body is checked line by line). */
function pieces(secret: string): string[] {
  return secret.split("\n").filter((p) => p.length >= 8);
}

describe("applyContentPolicy: redaction", () => {
  it.each(SECRET_CASES.map((c) => [c.name, c] as const))("removes %s and writes its marker", (_, c) => {
    const input = iterationLine(c.text);
    const { line, redactions, redactionsByKind } = applyContentPolicy(input);
    const text = JSON.stringify(line);
    for (const piece of pieces(c.secret)) expect(text).not.toContain(piece);
    expect(text).toContain(`[REDACTED:${c.kind}]`);
    // prompt content, response, stdout and the sub-call prompt: four copies.
    expect(redactionsByKind[c.kind]).toBeGreaterThanOrEqual(4);
    expect(redactions).toBe(Object.values(redactionsByKind).reduce((a, b) => a + b, 0));
  });

  it("keeps the text around a secret as it was", () => {
    const c = SECRET_CASES.find((x) => x.name === "password in env dump");
    expect(c).toBeDefined();
    const { line } = applyContentPolicy({ type: "iteration", response: c?.text });
    expect(line).toEqual({ type: "iteration", response: "HOME=/root\nDB_PASSWORD=[REDACTED:password]\nLANG=C.UTF-8" });
  });

  it("redacts secrets in object keys and nested values", () => {
    const locals = {
      [SECRET_VALUES.openai]: "key as a dict key",
      env: { [SECRET_VALUES.ghp]: true, nested: [{ deeper: SECRET_VALUES.anthropic }] },
      db_password: SECRET_VALUES.dbPassword,
      api_key: SECRET_VALUES.jsonApiKey,
      creds: [SECRET_VALUES.awsId, SECRET_VALUES.slackBot, SECRET_VALUES.jwt],
    };
    const { line, redactions } = applyContentPolicy(iterationLine("nothing here", locals));
    expect((line as ReturnType<typeof iterationLine>).code_blocks).toEqual([
      {
        code: "print(open('out.txt').read())",
        result: {
          stdout: "nothing here",
          stderr: "",
          locals: {
            "[REDACTED:openai_key]": "key as a dict key",
            env: { "[REDACTED:github_token]": true, nested: [{ deeper: "[REDACTED:anthropic_key]" }] },
            db_password: "[REDACTED:password]",
            api_key: "[REDACTED:secret]",
            creds: ["[REDACTED:aws_key]", "[REDACTED:slack_token]", "[REDACTED:jwt]"],
          },
          execution_time: 0.5,
          rlm_calls: [
            {
              root_model: "m",
              prompt: { messages: ["nothing here"] },
              response: "ok",
              prompt_tokens: 1,
              completion_tokens: 1,
              execution_time: 0.1,
            },
          ],
          final_answer: null,
        },
      },
    ]);
    expect(redactions).toBe(8);
  });

  it("leaves ordinary text untouched: no false positives in the corpus", () => {
    const falsePositives: string[] = [];
    for (const text of ORDINARY_TEXTS) {
      const input = iterationLine(text, ORDINARY_LOCALS);
      const result = applyContentPolicy(input);
      if (result.redactions > 0 || JSON.stringify(result.line) !== JSON.stringify(input)) falsePositives.push(text.slice(0, 60));
    }
    expect(falsePositives).toEqual([]);
  });

  it("is idempotent: markers are not redacted again", () => {
    const first = applyContentPolicy(iterationLine(SECRET_CASES.map((c) => c.text).join("\n")));
    const second = applyContentPolicy(first.line);
    expect(second.line).toEqual(first.line);
    expect(second.redactions).toBe(0);
  });

  it("never changes its input", () => {
    const input = iterationLine(SECRET_CASES[0]?.text ?? "", { key: SECRET_VALUES.openai });
    const copy = structuredClone(input);
    applyContentPolicy(input);
    expect(input).toEqual(copy);
  });

  it("writes secrets verbatim when redaction is off", () => {
    const input = iterationLine(SECRET_CASES.map((c) => c.text).join("\n"), { [SECRET_VALUES.openai]: 1 });
    const result = applyContentPolicy(input, createContentPolicy({ redact: false }));
    expect(result).toEqual({ line: input, redactions: 0, truncations: 0, redactionsByKind: {} });
  });

  it("applies only the chosen built-in kinds", () => {
    const policy = createContentPolicy({ redact: { builtins: ["aws_key"] } });
    const text = `${SECRET_VALUES.awsId} ${SECRET_VALUES.ghp}`;
    const { line } = applyContentPolicy({ type: "summary", error: text }, policy);
    expect(line).toEqual({ type: "summary", error: `[REDACTED:aws_key] ${SECRET_VALUES.ghp}` });
    expect(policy.record).toEqual({ redact: ["aws_key"], max_field_bytes: DEFAULT_MAX_FIELD_BYTES, max_line_bytes: DEFAULT_MAX_LINE_BYTES });
  });

  it("adds caller patterns (matched on the string as the program had it, keys included)", () => {
    const policy = createContentPolicy({
      redact: { patterns: [{ kind: "employee_id", pattern: /EMP-\d{6}/ }, { kind: "quoted", pattern: 'say "[a-z]+"' }] },
    });
    const { line, redactions, redactionsByKind } = applyContentPolicy(
      { type: "iteration", response: 'ids EMP-123456 and EMP-654321; say "hi"\nok', locals: { "EMP-000001": "x" } },
      policy,
    );
    expect(line).toEqual({
      type: "iteration",
      response: "ids [REDACTED:employee_id] and [REDACTED:employee_id]; [REDACTED:quoted]\nok",
      locals: { "[REDACTED:employee_id]": "x" },
    });
    expect(redactions).toBe(4);
    expect(redactionsByKind).toEqual({ employee_id: 3, quoted: 1 });
    expect(policy.record.redact).toEqual([...BUILTIN_SECRET_KINDS, "employee_id", "quoted"]);
  });

  it("runs a caller function on every string and key, after the patterns", () => {
    const policy = createContentPolicy({
      redact: { builtins: false, redactor: (s) => s.replace(/alice/g, "[user]") },
    });
    const { line, redactions, redactionsByKind } = applyContentPolicy(
      { type: "iteration", response: "hi alice", locals: { alice: ["alice", "bob"] } },
      policy,
    );
    expect(line).toEqual({ type: "iteration", response: "hi [user]", locals: { "[user]": ["[user]", "bob"] } });
    expect(redactions).toBe(3);
    expect(redactionsByKind).toEqual({ redactor: 3 });
    expect(policy.record.redact).toEqual(["redactor"]);
  });

  it("replaces the whole string when the caller function throws or returns a non-string", () => {
    const policy = createContentPolicy({
      redact: {
        builtins: false,
        redactor: (s) => {
          if (s === "boom") throw new Error("bad");
          return (s === "num" ? 42 : s) as string;
        },
      },
    });
    const { line, redactionsByKind } = applyContentPolicy({ type: "iteration", a: "boom", b: "num", c: "fine" }, policy);
    expect(line).toEqual({ type: "iteration", a: "[REDACTED:redactor_error]", b: "[REDACTED:redactor_error]", c: "fine" });
    expect(redactionsByKind).toEqual({ redactor_error: 2 });
  });

  it("uses the default policy when none is given", () => {
    expect(defaultContentPolicy()).toBe(defaultContentPolicy());
    expect(defaultContentPolicy().record).toEqual({
      redact: [...BUILTIN_SECRET_KINDS],
      max_field_bytes: 1048576,
      max_line_bytes: 8388608,
    });
  });
});

describe("applyContentPolicy: size caps", () => {
  it("cuts a string over maxFieldBytes, marker included, and says how many bytes were cut", () => {
    const policy = createContentPolicy({ maxFieldBytes: 100 });
    const { line, truncations } = applyContentPolicy({ type: "iteration", response: "a".repeat(1000), code: "short" }, policy);
    // Room for the marker is kept for the longest it could be: "[TRUNCATED:1000 bytes]".
    expect(line).toEqual({ type: "iteration", response: `${"a".repeat(78)}[TRUNCATED:922 bytes]`, code: "short" });
    expect(Buffer.byteLength((line as { response: string }).response)).toBeLessThanOrEqual(100);
    expect(truncations).toBe(1);
  });

  it("never splits a character and counts bytes in UTF-8", () => {
    const policy = createContentPolicy({ maxFieldBytes: 64 });
    const { line } = applyContentPolicy({ type: "iteration", response: "é".repeat(100), emoji: "🎉".repeat(50) }, policy);
    const { response, emoji } = line as { response: string; emoji: string };
    // 200 bytes of é: 43 bytes of room after a 21-byte marker, so 21 whole é (42 bytes).
    expect(response).toBe(`${"é".repeat(21)}[TRUNCATED:158 bytes]`);
    expect(emoji).toBe(`${"🎉".repeat(10)}[TRUNCATED:160 bytes]`);
    expect(Buffer.byteLength(response)).toBeLessThanOrEqual(64);
    expect(Buffer.byteLength(emoji)).toBeLessThanOrEqual(64);
  });

  it("cuts long object keys too", () => {
    const policy = createContentPolicy({ maxFieldBytes: 64 });
    const { line } = applyContentPolicy({ type: "iteration", locals: { ["k".repeat(80)]: 1 } }, policy);
    expect(line).toEqual({ type: "iteration", locals: { [`${"k".repeat(44)}[TRUNCATED:36 bytes]`]: 1 } });
  });

  it("brings a line under maxLineBytes by cutting the largest strings first, keeping every key", () => {
    const policy = createContentPolicy({ maxLineBytes: 4096, maxFieldBytes: Infinity });
    const input = {
      type: "iteration",
      iteration: 3,
      prompt: [{ role: "user", content: "x".repeat(3000) }],
      response: "y".repeat(2000),
      code_blocks: [{ code: "print(1)", result: { stdout: "z".repeat(500), stderr: "", locals: { n: 1 } } }],
    };
    const { line, truncations } = applyContentPolicy(input, policy);
    const text = JSON.stringify(line);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(4096);
    const cut = line as typeof input;
    // The two big strings are cut to one common length (give or take a marker digit); the
    // small one is untouched.
    expect(cut.prompt[0]?.content).toBe(`${"x".repeat(1688)}[TRUNCATED:1312 bytes]`);
    expect(cut.response).toBe(`${"y".repeat(1688)}[TRUNCATED:312 bytes]`);
    expect({ ...cut, prompt: [{ ...cut.prompt[0], content: "" }], response: "" }).toEqual({
      ...input,
      prompt: [{ role: "user", content: "" }],
      response: "",
    });
    expect(truncations).toBe(2);
  });

  it("collapses free-form values when strings alone cannot bring the line under the cap", () => {
    const policy = createContentPolicy({ maxLineBytes: 2048 });
    const many = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`v${i}`, i]));
    const input = {
      type: "iteration",
      iteration: 1,
      prompt: [{ role: "user", content: "hi" }],
      response: "ok",
      code_blocks: [{ code: "x", result: { stdout: "", stderr: "", locals: many } }],
      extra_info: { table: Array.from({ length: 200 }, (_, i) => i) },
    };
    const { line, truncations } = applyContentPolicy(input, policy);
    expect(Buffer.byteLength(JSON.stringify(line))).toBeLessThanOrEqual(2048);
    // The largest free value goes first (an extra key: replaced by a marker); then, the
    // locals being many small values, the whole object (the format needs an object there).
    const manySize = Buffer.byteLength(JSON.stringify(many));
    const extraSize = Buffer.byteLength(JSON.stringify(input.extra_info));
    expect(line).toEqual({
      ...input,
      code_blocks: [{ code: "x", result: { stdout: "", stderr: "", locals: { truncated: `[TRUNCATED:${manySize} bytes]` } } }],
      extra_info: `[TRUNCATED:${extraSize} bytes]`,
    });
    expect(truncations).toBe(2);
  });

  it("collapses the largest free value only, when that is enough", () => {
    const policy = createContentPolicy({ maxLineBytes: 2048 });
    const big = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`v${i}`, i]));
    const input = {
      type: "iteration",
      code_blocks: [{ code: "x", result: { stdout: "", locals: { big, small: { a: [1, 2, 3] } } } }],
    };
    const { line } = applyContentPolicy(input, policy);
    expect(line).toEqual({
      type: "iteration",
      code_blocks: [
        {
          code: "x",
          result: {
            stdout: "",
            locals: { big: `[TRUNCATED:${Buffer.byteLength(JSON.stringify(big))} bytes]`, small: { a: [1, 2, 3] } },
          },
        },
      ],
    });
  });

  it("leaves lines under the caps as they are", () => {
    const input = iterationLine("a normal line");
    expect(applyContentPolicy(input, createContentPolicy({ maxFieldBytes: 64, maxLineBytes: 4096 }))).toEqual({
      line: input,
      redactions: 0,
      truncations: 0,
      redactionsByKind: {},
    });
  });

  it("redacts before it cuts, so a cut never leaves part of a secret", () => {
    const policy = createContentPolicy({ maxFieldBytes: 100 });
    const text = `${"p".repeat(60)} ${SECRET_VALUES.openai}`;
    const { line, redactions, truncations } = applyContentPolicy({ type: "iteration", response: text }, policy);
    const response = (line as { response: string }).response;
    expect(response).toBe(`${"p".repeat(60)} [REDACTED:openai_key]`);
    expect(redactions).toBe(1);
    expect(truncations).toBe(0);
  });
});

describe("createContentPolicy: option validation", () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ["redact", { redact: "yes" }, /option "redact" must be a boolean or an object; received "yes" \(string\)/],
    ["redact.builtins", { redact: { builtins: ["aws"] } }, /option "redact.builtins" lists unknown kind "aws" \(string\)/],
    ["redact.builtins type", { redact: { builtins: 1 } }, /option "redact.builtins" must be a boolean or an array of kinds; received 1 \(number\)/],
    ["redact.patterns", { redact: { patterns: {} } }, /option "redact.patterns" must be an array of \{ kind, pattern \}; received an object/],
    ["redact.patterns[0].kind", { redact: { patterns: [{ kind: "bad kind", pattern: "x" }] } }, /option "redact.patterns\[0\].kind" must be 1 to 64 letters, digits or _ .*received "bad kind" \(string\)/],
    ["redact.patterns[0].pattern", { redact: { patterns: [{ kind: "k", pattern: "(" }] } }, /option "redact.patterns\[0\].pattern" is not a valid regular expression .*received "\(" \(string\)/],
    ["empty match", { redact: { patterns: [{ kind: "k", pattern: /x*/ }] } }, /option "redact.patterns\[0\].pattern" must not match the empty string; received \/x\*\/g/],
    ["redact.redactor", { redact: { redactor: "f" } }, /option "redact.redactor" must be a function; received "f" \(string\)/],
    ["maxFieldBytes", { maxFieldBytes: 10 }, /option "maxFieldBytes" must be an integer >= 64 \(bytes\) or Infinity; received 10 \(number\)/],
    ["maxLineBytes", { maxLineBytes: 1.5 }, /option "maxLineBytes" must be an integer >= 1024 \(bytes\) or Infinity; received 1.5 \(number\)/],
    ["maxLineBytes string", { maxLineBytes: "1MB" }, /option "maxLineBytes" must be an integer >= 1024 \(bytes\) or Infinity; received "1MB" \(string\)/],
  ];
  it.each(cases)("rejects a bad %s, naming it and the value received", (_, options, message) => {
    expect(() => createContentPolicy(options as never)).toThrow(message);
  });

  it("applyContentPolicy rejects what is not a parsed line or a policy", () => {
    expect(() => applyContentPolicy(undefined as never)).toThrow(
      /applyContentPolicy expects a parsed line \(an object\); received undefined/,
    );
    expect(() => applyContentPolicy('{"type":"summary"}' as never)).toThrow(/received "\{\\"type\\":\\"summary\\"\}" \(string\)/);
    expect(() => applyContentPolicy({ type: "summary" }, { redact: true } as never)).toThrow(
      /expects a policy from createContentPolicy\(\) or defaultContentPolicy\(\); received an object/,
    );
  });

  it("records no cap as null", () => {
    expect(createContentPolicy({ maxFieldBytes: Infinity, maxLineBytes: Infinity, redact: false }).record).toEqual({
      redact: [],
      max_field_bytes: null,
      max_line_bytes: null,
    });
  });
});

describe("the session's identity", () => {
  it("stays as given in the metadata line, while the rest of the line is redacted", () => {
    const secret = ["sk", "ant", "api03", "Qw8vZ2mN4pL7rT1wY6bC3dF9gH0jK5sAx"].join("-");
    const metadata = {
      type: "metadata",
      timestamp: "2026-02-19T14:30:00.123Z",
      instance_id: `repo/etc/passwd: "not-a-secret" ${secret}`,
      training_step: 1,
      experiment_name: `token=${secret}`,
      backend_kwargs: { instance_id: 0, key: secret },
    };
    const { line, redactions } = applyContentPolicy(metadata);
    expect(line).toEqual({
      ...metadata,
      backend_kwargs: { instance_id: 0, key: "[REDACTED:anthropic_key]" },
    });
    expect(redactions).toBe(1);
  });
});
