/**
 * Secrets found by their name: the whole of a password's value, flags written with a space,
 * `curl -u`, `Authorization` headers in any case. Each case is the whole string out.
 */
import { describe, expect, it } from "vitest";
import { applyContentPolicy } from "../../../src/write/policy/apply.js";

// Values assembled at run time, so that no credential-shaped string sits in the repository.
const TOKEN = ["q8Zt", "N4mW", "x7Lp", "R2vK", "c9Hs", "Y5jD"].join("");
const BASIC = Buffer.from(["deploy", "Pr0d-s3cret"].join(":")).toString("base64");

/** What the policy writes for `text` in a line's response, and what it counted. */
function redact(text: string): { out: string; byKind: Record<string, number> } {
  const { line, redactionsByKind } = applyContentPolicy({ type: "iteration", response: text });
  return { out: (line as { response: string }).response, byKind: redactionsByKind };
}

/** Every case maps to exactly its expected output. */
function expectEach(cases: ReadonlyArray<readonly [string, string]>): void {
  expect(cases.map(([text]) => [text, redact(text).out])).toEqual(cases);
}

describe("a password's value is taken whole", () => {
  it("past `;`, `&` and `\\` in a bare value, up to a space or the line's end", () => {
    expectEach([
      ["DB_PASSWORD=Pr0d;tail-Secret99", "DB_PASSWORD=[REDACTED:password]"],
      ["HOME=/root\nDB_PASSWORD=Pr0d;tail-Secret99\nLANG=C.UTF-8", "HOME=/root\nDB_PASSWORD=[REDACTED:password]\nLANG=C.UTF-8"],
      ["export DB_PASSWORD=Pr0d&tail-Secret99 && ./run", "export DB_PASSWORD=[REDACTED:password] && ./run"],
      ["PGPASSWORD=back\\slash\\Secret99 psql -h db", "PGPASSWORD=[REDACTED:password] psql -h db"],
      ["mysql --password=semi;colon&amp -e 'select 1'", "mysql --password=[REDACTED:password] -e 'select 1'"],
      ["{password=Pr0d,tail} done", "{password=Pr0d,tail} done"],
    ]);
  });

  it("inside quotes, spaces included, up to the closing quote", () => {
    expectEach([
      ['password="correct horse; battery & staple"', 'password="[REDACTED:password]"'],
      ["password='correct horse battery staple'", "password='[REDACTED:password]'"],
      ['conn = connect(user="app", password="two words\\\\here")', 'conn = connect(user="app", password="[REDACTED:password]")'],
      ['{"db": {"password": "with spaces; and \\"quotes\\""}}', '{"db": {"password": "[REDACTED:password]"}}'],
      ["DB_PASSWORD='it has spaces'\nNEXT=1", "DB_PASSWORD='[REDACTED:password]'\nNEXT=1"],
    ]);
  });

  it("up to the delimiter of its context: a URL query, a connection string, a quoted assignment", () => {
    expectEach([
      ["GET /login?user=bob&password=Pr0d;tail&next=/home", "GET /login?user=bob&password=[REDACTED:password]&next=/home"],
      ["Server=db;Database=app;Password=Pr0d&tail;Timeout=30", "Server=db;Database=app;Password=[REDACTED:password];Timeout=30"],
      ["os.system('DB_PASSWORD=Pr0d;tail ./migrate')", "os.system('DB_PASSWORD=[REDACTED:password] ./migrate')"],
      ["env('DB_PASSWORD=Pr0d;tail')", "env('DB_PASSWORD=[REDACTED:password]')"],
    ]);
  });

  it("inside JSON serialized into a string, leaving that JSON valid", () => {
    const inner = JSON.stringify({ env: "HOME=/root\nDB_PASSWORD=Pr0d;tail-Secret99\nLANG=C.UTF-8", q: 'password="two words"' });
    const out = redact(JSON.stringify({ log: inner })).out;
    expect(JSON.parse(JSON.parse(out).log)).toEqual({
      env: "HOME=/root\nDB_PASSWORD=[REDACTED:password]\nLANG=C.UTF-8",
      q: 'password="[REDACTED:password]"',
    });
  });
});

describe("flags and curl", () => {
  it("redacts the value of a secret-named flag written with a space", () => {
    expectEach([
      ["mysql -u root --password Pr0d;tail -e 'show tables'", "mysql -u root --password [REDACTED:password] -e 'show tables'"],
      ['mysql --password "two words" db', 'mysql --password "[REDACTED:password]" db'],
      [`deploy --api-key ${TOKEN} --region eu`, "deploy --api-key [REDACTED:secret] --region eu"],
      [`gh-release --token  ${TOKEN}`, "gh-release --token  [REDACTED:token]"],
      [`app --db-password ${TOKEN}`, "app --db-password [REDACTED:password]"],
    ]);
  });

  it("leaves usage lines, other flags and secret-free names alone", () => {
    expectEach([
      ["usage: app [--password PASSWORD] [--api-key API_KEY]", "usage: app [--password PASSWORD] [--api-key API_KEY]"],
      ["  --password <password>   the database password", "  --password <password>   the database password"],
      ["app --password --verbose", "app --password --verbose"],
      ["app --password-file /run/secrets/db --max-tokens 512", "app --password-file /run/secrets/db --max-tokens 512"],
      ["app --token short", "app --token short"],
    ]);
  });

  it("redacts the password of curl's -u and --user, not the user", () => {
    expectEach([
      ["curl -u admin:Pr0d;tail https://api.example.com", "curl -u admin:[REDACTED:password] https://api.example.com"],
      ["curl -s --user 'admin:two words' https://x", "curl -s --user 'admin:[REDACTED:password]' https://x"],
      ['curl --user="admin:Pr0d" https://x', 'curl --user="admin:[REDACTED:password]" https://x'],
      ["curl --user=admin:Pr0d https://x", "curl --user=admin:[REDACTED:password] https://x"],
      ["curl -u admin https://x", "curl -u admin https://x"],
    ]);
  });

  it("leaves -u of other commands alone", () => {
    expectEach([
      ["docker run -u 1000:1000 img", "docker run -u 1000:1000 img"],
      ["git push -u origin main:main", "git push -u origin main:main"],
      ["curl https://x\nsort -u a:b", "curl https://x\nsort -u a:b"],
    ]);
  });
});

describe("Authorization headers in any case", () => {
  it("redacts bearer and basic credentials whatever the case of the header and the scheme", () => {
    expectEach([
      [`authorization: bearer ${TOKEN}`, "authorization: bearer [REDACTED:bearer_token]"],
      [`AUTHORIZATION: BEARER ${TOKEN}`, "AUTHORIZATION: BEARER [REDACTED:bearer_token]"],
      [`Authorization: bearer ${TOKEN}`, "Authorization: bearer [REDACTED:bearer_token]"],
      [`proxy-authorization: Bearer ${TOKEN}`, "proxy-authorization: Bearer [REDACTED:bearer_token]"],
      [`headers = {"authorization": "bearer ${TOKEN}"}`, 'headers = {"authorization": "bearer [REDACTED:bearer_token]"}'],
      [`authorization: basic ${BASIC}`, "authorization: basic [REDACTED:basic_auth]"],
      [`curl -H 'Authorization: Basic ${BASIC}' x`, "curl -H 'Authorization: Basic [REDACTED:basic_auth]' x"],
    ]);
  });

  it("finds them in an object's members too", () => {
    const { line, redactionsByKind } = applyContentPolicy({
      type: "iteration",
      locals: { headers: { authorization: `bearer ${TOKEN}`, Authorization: `Basic ${BASIC}`, accept: "*/*" } },
    });
    expect(line).toEqual({
      type: "iteration",
      locals: { headers: { authorization: "bearer [REDACTED:bearer_token]", Authorization: "Basic [REDACTED:basic_auth]", accept: "*/*" } },
    });
    expect(redactionsByKind).toEqual({ bearer_token: 1, basic_auth: 1 });
  });

  it("takes the header's name as it ends right before the separator, in any case, and nothing shorter", () => {
    expectEach([
      // At the very start of the text, and with letters before it: the name is read back in place.
      // (Basic credentials are found only after the header's name; bearer tokens are found anywhere.)
      [`Authorization: Basic ${BASIC}`, "Authorization: Basic [REDACTED:basic_auth]"],
      [`xauthorization: basic ${BASIC}`, "xauthorization: basic [REDACTED:basic_auth]"],
      [`AuThOrIzAtIoN: basic ${BASIC}`, "AuThOrIzAtIoN: basic [REDACTED:basic_auth]"],
      [`authorization : basic ${BASIC}`, "authorization : basic [REDACTED:basic_auth]"],
      // One letter short or off, or another name ending in `on`: not the header.
      [`uthorization: basic ${BASIC}`, `uthorization: basic ${BASIC}`],
      [`authorizatian: basic ${BASIC}`, `authorizatian: basic ${BASIC}`],
      [`authorisation: basic ${BASIC}`, `authorisation: basic ${BASIC}`],
      [`iteration: basic ${BASIC}`, `iteration: basic ${BASIC}`],
    ]);
    // As JSON keys, beside the format's own members that end in `on` (`iteration`).
    const { line, redactionsByKind } = applyContentPolicy({
      type: "iteration",
      iteration: 3,
      locals: { authorization: `basic ${BASIC}`, Authorizatio: `basic ${BASIC}`, version: `basic ${BASIC}` },
    });
    expect(line).toEqual({
      type: "iteration",
      iteration: 3,
      locals: { authorization: "basic [REDACTED:basic_auth]", Authorizatio: `basic ${BASIC}`, version: `basic ${BASIC}` },
    });
    expect(redactionsByKind).toEqual({ basic_auth: 1 });
  });

  it("leaves prose and placeholders alone", () => {
    expectEach([
      ["The bearer of this note; basic arithmetic", "The bearer of this note; basic arithmetic"],
      ['headers = {"Authorization": f"Bearer {API_TOKEN}"}', 'headers = {"Authorization": f"Bearer {API_TOKEN}"}'],
      ["authorization: bearer short", "authorization: bearer short"],
    ]);
  });
});

describe("a pair written into another pair's value", () => {
  it("is found when it runs past that value, and each is counted", () => {
    const cases = [
      ["TOKEN=ABCDEFGH_DB_PASSWORD=Pr0d;tail more", "TOKEN=[REDACTED:token][REDACTED:password] more", { token: 1, password: 1 }],
      [`export API_TOKEN=${TOKEN}?password=Pr0d;tail&x`, "export API_TOKEN=[REDACTED:token][REDACTED:password]&x", { token: 1, password: 1 }],
      // Inside the other value: one secret, as before.
      [`DB_PASSWORD=x?TOKEN=${TOKEN} rest`, "DB_PASSWORD=[REDACTED:password] rest", { password: 1 }],
      [`token=token=token=${TOKEN}`, "token=[REDACTED:token]", { token: 1 }],
    ] as const;
    expect(cases.map(([text]) => [text, ...Object.values(redact(text))])).toEqual(cases);
  });
});
