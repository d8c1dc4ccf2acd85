import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BUILTIN_SECRET_KINDS, BuiltinRedactor, redactionMarker, type RedactionCounts } from "../../../src/write/policy/secret-patterns.js";
import { SECRET_CASES, SECRET_VALUES } from "../../fixtures/content-corpus.js";

const redactor = new BuiltinRedactor(BUILTIN_SECRET_KINDS);
const counts = (): RedactionCounts => ({ redactions: 0, truncations: 0, byKind: {} });
const redact = (value: unknown): { text: string; c: RedactionCounts } => {
  const c = counts();
  return { text: redactor.redact(JSON.stringify(value), c), c };
};

/** Kinds recognised by the secret alone, without a name or header before it. */
const SELF_EVIDENT = new Set(["openai_key", "anthropic_key", "aws_key", "github_token", "huggingface_token", "google_api_key", "slack_token", "jwt"]);

/** Pieces of a secret long enough to identify it. */
const pieces = (secret: string): string[] => secret.split("\n").filter((p) => p.length >= 8);

describe("BuiltinRedactor on JSON text", () => {
  it("finds every secret wherever it sits in a string: edges, after escapes, next to quotes", () => {
    let c: (typeof SECRET_CASES)[number] = SECRET_CASES[0] as (typeof SECRET_CASES)[number];
    const wrappers: Array<(s: string) => string> = [
      (s) => s,
      (s) => `\n${s}\n`,
      (s) => `\t${s}\r\n`,
      (s) => `"${s}"`,
      (s) => `'${s}'`,
      (s) => `\\${s}\\`,
      (s) => `\u0001${s}\u0002`,
      // A key that names itself, right after an escape: `\u0001` then the key, no context.
      (s) => (SELF_EVIDENT.has(c.kind) ? `\u0001${c.secret}` : s),
      (s) => `日本 ${s} 🎉`,
    ];
    const missed: string[] = [];
    for (const secretCase of SECRET_CASES) {
      c = secretCase;
      for (const [i, wrap] of wrappers.entries()) {
        const { text } = redact({ v: wrap(c.text), [wrap(c.text)]: 1 });
        expect(() => JSON.parse(text)).not.toThrow();
        if (pieces(c.secret).some((p) => text.includes(p))) missed.push(`${c.name} #${i}`);
      }
    }
    expect(missed).toEqual([]);
  });

  it("finds secrets inside JSON that was itself serialized into a string", () => {
    const missed: string[] = [];
    for (const c of SECRET_CASES) {
      const doubly = JSON.stringify({ log: JSON.stringify({ line: c.text }) });
      const out = redactor.redact(JSON.stringify({ stdout: doubly }), counts());
      expect(() => JSON.parse(JSON.parse(JSON.parse(out).stdout).log)).not.toThrow();
      if (pieces(c.secret).some((p) => out.includes(p))) missed.push(c.name);
    }
    expect(missed).toEqual([]);
  });

  it("always leaves valid JSON of the same shape, whatever the strings hold", () => {
    // Text dense in the characters the patterns key on, and in secret fragments.
    const unit = fc.constantFrom(
      "-", "B", "A", "_", "J", "@", ":", "=", '"', "\\", "\n", " ", "'", "/", "k", "s", "x", "o", "e", "y", "7",
      "sk-", "AKIA", "ghp_", "xoxb-", "eyJ", "Bearer ", "Basic ", "Authorization: ", "-----BEGIN PRIVATE KEY-----",
      "://u:", "password=", "TOKEN=", '\\"api_key\\": ', "aaaaaaaaaaaaaaaaaaaaaaaa", "0123456789ABCDEFGHIJ",
    );
    const text = fc.string({ unit, maxLength: 80 });
    fc.assert(
      fc.property(fc.array(text, { maxLength: 6 }), fc.array(text, { maxLength: 4 }), (values, keys) => {
        const obj: Record<string, unknown> = { type: "iteration", values };
        keys.forEach((k, i) => {
          obj[`k${i}`] = { [k]: k };
        });
        const { text: out } = redact(obj);
        const parsed = JSON.parse(out) as Record<string, unknown>;
        expect(Object.keys(parsed)).toEqual(Object.keys(obj));
        expect((parsed.values as unknown[]).length).toBe(values.length);
        for (let i = 0; i < keys.length; i++) expect(Object.keys(parsed[`k${i}`] as object)).toHaveLength(1);
      }),
      { numRuns: 500 },
    );
  });

  it("never takes a quote that ends a string for one inside it", () => {
    // A string ending in a backslash is written `...\\"`: that quote ends the string, so
    // what follows is JSON structure, not a value to redact.
    const tricky = [
      { "X-Api-Key\\": 12345678901 },
      { a: "password= \\" },
      ["password: \\", 12345678],
      { "secret_key\\": [1234567890123456] },
      { a: "TOKEN=\\", b: "abcdefgh12345678" },
      { a: 'password="\\', b: "abcdefgh12345678" },
    ];
    for (const value of tricky) {
      const { text, c } = redact(value);
      expect(JSON.parse(text)).toEqual(value);
      expect(c.redactions).toBe(0);
    }
  });

  it("counts each replacement once, by kind", () => {
    const aws = SECRET_CASES.find((c) => c.kind === "aws_key");
    const { c } = redact({ a: aws?.text, b: [aws?.text, aws?.text] });
    expect(c).toEqual({ redactions: 3, truncations: 0, byKind: { aws_key: 3 } });
  });

  it("replaces only the enabled kinds", () => {
    const only = new BuiltinRedactor(["jwt"]);
    const jwt = SECRET_CASES.find((c) => c.kind === "jwt");
    const aws = SECRET_CASES.find((c) => c.kind === "aws_key");
    const text = JSON.stringify({ a: jwt?.text, b: aws?.text });
    const out = JSON.parse(only.redact(text, counts())) as { a: string; b: string };
    expect(out).toEqual({ a: "Set-Cookie: session=[REDACTED:jwt]; HttpOnly", b: aws?.text });
    expect(only.kinds).toEqual(["jwt"]);
  });

  it("takes an encrypted PEM key whole: its headers, blank line, body and END line", () => {
    const body = Array.from({ length: 4 }, (_, i) => `${"MIIEowIBAAKCAQEA".repeat(4)}${i}`).join("\n");
    const pem = `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,FE1B7C3A9D2E4F60\n\n${body}\n-----END RSA PRIVATE KEY-----`;
    const { text, c } = redact({ v: `$ cat key.pem\n${pem}\n$ ` });
    expect(JSON.parse(text)).toEqual({ v: "$ cat key.pem\n[REDACTED:private_key]\n$ " });
    expect(c).toEqual({ redactions: 1, truncations: 0, byKind: { private_key: 1 } });
  });

  it("reads a secret-shaped run of 8 MiB (the default line cap) in one pass, without a stack overflow", () => {
    const run = "a".repeat(8 * 1024 * 1024);
    const cases: Array<[string, string]> = [
      ["ghp_", "[REDACTED:github_token]"],
      ["Bearer ", "Bearer [REDACTED:bearer_token]"],
      ["-----BEGIN PRIVATE KEY-----\n", "[REDACTED:private_key]"],
    ];
    for (const [prefix, marker] of cases) {
      expect(JSON.parse(redact({ v: `x ${prefix}${run} y` }).text)).toEqual({ v: `x ${marker} y` });
    }
  });

  it("writes markers that need no escaping in JSON", () => {
    for (const kind of BUILTIN_SECRET_KINDS) {
      const marker = redactionMarker(kind);
      expect(marker).toBe(`[REDACTED:${kind}]`);
      expect(JSON.stringify(marker)).toBe(`"${marker}"`);
    }
  });
});

describe("secrets written one into the other", () => {
  const at = (kind: string): string => (SECRET_CASES.find((c) => c.kind === kind) as (typeof SECRET_CASES)[number]).secret;
  const bearer = at("bearer_token");
  const anthropic = SECRET_VALUES.anthropic;
  const ghp = SECRET_VALUES.ghp;
  const aws = SECRET_VALUES.awsId;
  const google = SECRET_VALUES.googleKey;
  const body = Array.from({ length: 3 }, (_, i) => `${"MIIEowIBAAKCAQEA".repeat(4)}${i}`).join("\n");
  const pem = `-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----`;
  const B = "[REDACTED:bearer_token]";
  const K = "[REDACTED:private_key]";

  /** Each case's whole output and its counts, side by side with what is expected. */
  function expectEach(cases: ReadonlyArray<readonly [string, string, Record<string, number>]>): void {
    const got = cases.map(([text]) => {
      const { text: out, c } = redact({ v: text });
      return [text, (JSON.parse(out) as { v: string }).v, c.byKind] as const;
    });
    expect(got).toEqual(cases);
    for (const [text] of cases) {
      const { c } = redact({ v: text });
      expect(c.redactions).toBe(Object.values(c.byKind).reduce((a, b) => a + b, 0));
    }
  }

  it("finds a private key whose -----BEGIN a bearer token ran into, and counts both", () => {
    expectEach([
      [`Authorization: Bearer ${bearer}${pem}`, `Authorization: Bearer ${B}${K}`, { bearer_token: 1, private_key: 1 }],
      [`Bearer ${bearer}${pem}\nnext`, `Bearer ${B}${K}\nnext`, { bearer_token: 1, private_key: 1 }],
      [`authorization: bearer ${bearer}${pem}`, `authorization: bearer ${B}${K}`, { bearer_token: 1, private_key: 1 }],
      [`Authorization: Bearer ${pem}`, `Authorization: Bearer ${K}`, { private_key: 1 }],
      [`Bearer ${pem}`, `Bearer ${K}`, { private_key: 1 }],
    ]);
  });

  it("finds a bearer token whose header a private key without END line ran into", () => {
    const cut = `-----BEGIN RSA PRIVATE KEY-----\n${body}\nBearer ${bearer}`;
    expectEach([[cut, `${K} ${B}`, { private_key: 1, bearer_token: 1 }]]);
  });

  it("finds a key glued to the END line of a private key, or to the end of another fixed-length key", () => {
    expectEach([
      [`${pem}${anthropic}`, `${K}[REDACTED:anthropic_key]`, { private_key: 1, anthropic_key: 1 }],
      [`${pem}${ghp} tail`, `${K}[REDACTED:github_token] tail`, { private_key: 1, github_token: 1 }],
      [`${pem}${aws}`, `${K}[REDACTED:aws_key]`, { private_key: 1, aws_key: 1 }],
      [`${google}${anthropic}`, "[REDACTED:google_api_key][REDACTED:anthropic_key]", { google_api_key: 1, anthropic_key: 1 }],
      [`${anthropic}${pem}`, `[REDACTED:anthropic_key]${K}`, { anthropic_key: 1, private_key: 1 }],
    ]);
  });

  it("finds a private key or a glued key after a name, a flag or a header that takes a value", () => {
    expectEach([
      [`password=${pem}`, `password=${K}`, { private_key: 1 }],
      [`DB_PASSWORD=${pem}${anthropic}`, `DB_PASSWORD=${K}[REDACTED:anthropic_key]`, { private_key: 1, anthropic_key: 1 }],
      [`DB_PASSWORD=Pr0d-${pem}`, `DB_PASSWORD=[REDACTED:password]${K}`, { password: 1, private_key: 1 }],
      [`--token ${pem}${anthropic}`, `--token ${K}[REDACTED:anthropic_key]`, { private_key: 1, anthropic_key: 1 }],
      [`app --api-key ${bearer}${pem}`, `app --api-key [REDACTED:secret]${K}`, { secret: 1, private_key: 1 }],
      [`api_key: "${pem}"`, `api_key: "${K}"`, { private_key: 1 }],
      [`X-Api-Key: ${bearer}${pem}`, `X-Api-Key: [REDACTED:secret]${K}`, { secret: 1, private_key: 1 }],
      [`curl -u admin:${pem}`, `curl -u admin:${K}`, { private_key: 1 }],
    ]);
  });

  it("still names one marker for one secret found twice (by its shape and by its name)", () => {
    expectEach([
      [`TOKEN=${anthropic}`, "TOKEN=[REDACTED:anthropic_key]", { anthropic_key: 1 }],
      [`Authorization: Bearer ${anthropic}`, "Authorization: Bearer [REDACTED:anthropic_key]", { anthropic_key: 1 }],
      [`DB_PASSWORD=x;${anthropic}`, "DB_PASSWORD=[REDACTED:password]", { password: 1 }],
    ]);
  });
});
