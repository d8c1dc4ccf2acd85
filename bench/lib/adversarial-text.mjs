/**
 * Text built to make secret redaction slow, and ordinary text of the same size to compare it
 * with. Each adversarial input repeats what one built-in pattern or the pair scanner keys on
 * (a name before a separator, a prefix, a quote, an escape) so that a scan which goes back over
 * text it has already read, or a pattern that backtracks, meets it at every step; or it puts
 * one prefix before a single long run, which a pattern has to read to its end.
 *
 * Shared by the linear-time test (test/write/policy/content-policy-linear-time.test.ts) and
 * bench/redact-adversarial.mjs.
 */

/** Units repeated to the wanted size. */
const REPEATED = [
  // Names before a separator: the pair scanner.
  "password=", "PASSWORD=", "passwd=", "passphrase=", "token=", "TOKEN=", "secret=", "secret_key=", "api_key=",
  "apikey=", "access_key=", "private_key=", "aws_secret_access_key=", "AWS_SECRET_ACCESS_KEY=", "passwordpassword=",
  "password: ", "token:", "password =", "password= ", "'password'=", "'token': '", '"password": "', '"token":"',
  'password="', "password='", "password=\\", "password=a;", "password=a&", "?token=a&", ";password=", "token=ab12",
  "token=aB3/", "X-Api-Key: ", "=", ":", "password", "token",
  // Flags, curl and headers.
  "--password ", "--token ", "--api-key ", "curl -u a:", "curl -u 'a:", "-u ", "--user ", "authorization: bearer ",
  "Authorization: Basic ", "authorization: ", "Authorization:",
  // Fixed shapes, around the characters they are found from.
  "sk-", "sk-ant-", " sk-abcdefghijklmnopqrstuvwxyz", "xoxb-", " xoxb-a", "AKIA", " AKIAABCDEFGHIJKLMNOPQ", "AIza",
  "ghp_", " ghp_abc", "github_pat_", "hf_", "hooks.slack.com/services/T1234567/", "/B", "/Babcdef/", "Bearer ",
  "BEARER ", "Bearer a", "-----BEGIN ", "-----BEGIN PRIVATE KEY-----", "-----BEGIN PRIVATE KEY PRIVATE KEY ",
  "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: ", "-----END PRIVATE KEY-----", "eyJ", " eyJabcdefghi.",
  " eyJabcdefghi.eyJabcdefghi.", "x://a:", "x://a:b@", "a:b@", ":b@", "@", "://", "\\", "\n", "-", "_", "A", "B",
  "J", '"', "'", " ",
  // Secrets written one into the other: a key glued to the end of another, a token running
  // into a key's header, a key without its END line running into a bearer header.
  `AIza${"a".repeat(35)}`, "-----BEGIN PRIVATE KEY-----\nA\n-----END PRIVATE KEY-----sk-ant-aaaaaaaaaaaaaaaaaaaa ",
  "Bearer aaaaaaaaaaaa-----BEGIN PRIVATE KEY-----\n", "-----BEGIN RSA PRIVATE KEY-----\nBearer ",
  "Bearer aaaaaaaaaaaa/Baaaaaaaa/aaaaaaaaaaaa",
];

/** A prefix, then one character repeated to the wanted size. */
const RUNS = [
  ["sk-", "a"], ["sk-ant-", "a"], ["ghp_", "a"], ["github_pat_", "a"], ["hf_", "a"], ["xoxb-", "a"], ["AIza", "a"],
  ["Bearer ", "a"], ["authorization: bearer ", "a"], ["Authorization: Basic ", "a"], ["eyJaaaaaaaaa.eyJaaaaaaaaa.", "a"],
  ["hooks.slack.com/services/T1234567/B123456/", "a"], ["-----BEGIN PRIVATE KEY-----\n", "A"],
  ["-----BEGIN PRIVATE KEY-----", "\\"], ["PASSWORD=", "a"], ["PASSWORD=", "\\"], ['password="', "a"],
  ["password='", "a"], ["token=", "a"], ["token=", "7"], ["x://", "a"], ["x://a:", "a"], ["--password ", "a"],
  ["curl -u a:", "a"], ["password", " "], ["a", "a"], ["-----BEGIN PRIVATE KEY-----\n", "B"], ["Bearer ", "B"],
];

/**
 * Every adversarial input: a name for reports, and how to build it at `size` UTF-16 units.
 * The last one is not a string but a line's `locals`: many object keys that name secrets.
 */
export const ADVERSARIAL_INPUTS = [
  ...REPEATED.map((unit) => ({ name: JSON.stringify(unit), build: (size) => repeatTo(unit, size) })),
  ...RUNS.map(([prefix, fill]) => ({
    name: `${JSON.stringify(prefix)} + ${JSON.stringify(fill)}…`,
    build: (size) => prefix + fill.repeat(size - prefix.length),
  })),
  {
    name: "locals keyed password_i, token_i",
    locals: true,
    build: (size) => {
      const locals = {};
      for (let i = 0, used = 0; used < size; i++) {
        const key = i % 2 === 0 ? `password_${i}` : `token_${i}`;
        locals[key] = "a";
        used += key.length + 6;
      }
      return locals;
    },
  },
];

/**
 * What a rollout's output looks like when it holds no secret: test runs, code, logs, env.
 * ASCII, like the adversarial inputs, so that at the size of the default field cap neither
 * is cut and the two cost the same apart from redaction.
 */
const ORDINARY = [
  "tests/test_tokenizer.py::test_decode_roundtrip PASSED                    [ 42%]",
  "tests/test_auth.py::test_password_reset FAILED                           [ 50%]",
  "def tokenize(text, token=None, max_tokens=512):\n    return text.split()[:max_tokens]",
  "2026-02-16T10:21:33.120Z INFO trainer step=120 loss=0.4312 lr=1e-05 tokens_per_sec=18234",
  "HOME=/root\nPATH=/usr/local/bin:/usr/bin:/bin\nLANG=C.UTF-8\nTOKENIZERS_PARALLELISM=false",
  'config = {"model": "qwen2.5-coder-32b", "max_steps": 15, "temperature": 0.7}',
  "GET https://api.example.com/v2/export?format=csv&page=2 -> 200 OK (134 ms)",
  "Traceback (most recent call last):\n  File \"app.py\", line 12, in <module>\nValueError: token expired",
  "commit 3f2a9c1d7e5b8a6f4c2e0d9b7a5c3e1f2d4b6a8c\nAuthor: Dev <dev@example.com>",
  "The quick brown fox jumps over the lazy dog; 2+2=4 and x: int = 3.",
].join("\n");

/**
 * An iteration line as a file holds it, with `value` (an input's text, or locals) where a
 * rollout's output goes: what applyContentPolicy is measured on.
 */
export function iterationLineWith(value) {
  const stdout = typeof value === "string" ? value : "";
  const locals = typeof value === "string" ? {} : value;
  return {
    type: "iteration",
    iteration: 1,
    timestamp: "2026-02-16T10:00:00.000Z",
    prompt: [{ role: "user", content: "print the environment" }],
    response: "```repl\nimport os; print(os.environ)\n```",
    code_blocks: [{ code: "import os; print(os.environ)", result: { stdout, stderr: "", locals, execution_time: 0.1 } }],
    final_answer: null,
    iteration_time: 0.2,
  };
}

/** Ordinary text of `size` UTF-16 units: what an adversarial input is measured against. */
export function benignText(size) {
  return repeatTo(`${ORDINARY}\n`, size);
}

function repeatTo(unit, size) {
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}
