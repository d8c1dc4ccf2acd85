import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import os from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { hostCheck } from "../../src/viewer/server/host-check.js";
import { startViewer, type ViewerServer } from "../../src/viewer/server/server.js";
import { launchChromium } from "../helpers/chromium.js";
import { metadataLine } from "../helpers/lines.js";

// DNS rebinding: a page on the attacker's name, resolved to 127.0.0.1, sends that name as Host.
// Only hosts that name this machine literally (or the exact --host) are answered.
const REL = "exp/step_0/secret_20260101_000000_a1.jsonl";
const CONTENT = `${JSON.stringify(metadataLine({ instance_id: "SECRET-TRAJECTORY" }))}\n`;
/** Names an attacker can register that begin or end like a loopback address. */
const REBINDING_NAMES = ["127.evil.com", "127.0.0.1.attacker.example", "localhost.evil.com", "rebind.attacker.test"];

let root: string;
let viewer: ViewerServer;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "trajlog-host-"));
  const file = path.join(root, "logs", REL);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, CONTENT);
  viewer = await startViewer({ logDir: path.join(root, "logs"), port: 0, pollMs: 60_000 });
  await viewer.index.ready;
});

afterAll(async () => {
  await viewer?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

/** GET /api/raw with a Host header sent exactly as given (or none). */
function rawWithHost(host: string | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port: viewer.port, path: `/api/raw?path=${encodeURIComponent(REL)}`, setHost: false },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    if (host !== undefined) req.setHeader("Host", host);
    req.on("error", reject);
    req.end();
  });
}

describe("the Host check", () => {
  const accepted = ["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "127.255.255.255", "[::1]"];
  const refused = [
    "127.evil.com",
    "127.0.0.1.attacker.example",
    "127.0.0.1.nip.io",
    "[::1].evil.com",
    "localhost.evil.com",
    "evil.localhost.example",
    "evil.example",
    "127.0.0.256",
    "127.0.0",
    "127.0.0.1.",
    "127.00.0.1",
    "0x7f.0.0.1",
    "2130706433",
    "[::ffff:127.0.0.1]",
    "[::2]",
    "::1",
    "0.0.0.0",
    "localhost:80:80",
    "localhost:abc",
    "localhost@evil.com",
    "evil.com#localhost",
    "",
  ];
  const withPorts = (names: string[]): string[] => names.flatMap((name) => [name, `${name}:8765`]);

  it.each(withPorts(accepted))("accepts %s", (host) => {
    expect(hostCheck("127.0.0.1")(host)).toBe(true);
  });

  it.each(withPorts(refused))("refuses %s", (host) => {
    expect(hostCheck("127.0.0.1")(host)).toBe(false);
  });

  it("refuses a request without a Host header", () => {
    expect(hostCheck("127.0.0.1")(undefined)).toBe(false);
  });

  it("accepts the exact --host given, and no name built on it", () => {
    const check = hostCheck("Viewer.Lab.Example");
    expect(["viewer.lab.example", "viewer.lab.example:8765", "localhost:8765", "viewer.lab.example.evil.com", "lab.example", "127.evil.com"].map(check))
      .toEqual([true, true, true, false, false, false]);
    const v6 = hostCheck("fd00::5");
    expect(["[fd00::5]:8765", "[FD00::5]", "fd00::5", "[fd00::5].evil.com"].map(v6)).toEqual([true, true, false, false]);
  });

  it("behind a wildcard bind, accepts the machine's literal addresses but still no name", () => {
    for (const bind of ["0.0.0.0", "::"]) {
      const check = hostCheck(bind);
      expect(["192.168.1.5:8765", "[fe80::1]:8765", "localhost", "127.evil.com", "viewer.example", "192.168.1.5.evil.com"].map(check))
        .toEqual([true, true, true, false, false, false]);
    }
  });

  it.each(withPorts([...REBINDING_NAMES, "[::1].evil.com"]))(
    "the server answers 403 to /api/raw addressed to %s",
    async (host) => {
      const { status, body } = await rawWithHost(host);
      expect({ status, leaked: body.includes("SECRET-TRAJECTORY") }).toEqual({ status: 403, leaked: false });
    },
  );

  it("the server refuses a request without a Host header and serves the file to localhost, 127.0.0.1 and [::1]", async () => {
    // Node's HTTP server itself answers 400 to an HTTP/1.1 request without Host.
    expect(await rawWithHost(undefined)).toEqual({ status: 400, body: "" });
    for (const host of [`localhost:${viewer.port}`, `127.0.0.1:${viewer.port}`, `[::1]:${viewer.port}`, "127.0.0.1"]) {
      expect(await rawWithHost(host)).toEqual({ status: 200, body: CONTENT });
    }
  });
});

describe("DNS rebinding in a real browser", () => {
  let browser: Browser;

  beforeAll(async () => {
    // The attacker's names resolve to this machine, as after a rebinding.
    const rules = REBINDING_NAMES.map((name) => `MAP ${name} 127.0.0.1`).join(", ");
    browser = await launchChromium([`--host-resolver-rules=${rules}`]);
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** What a script on the page at `origin` gets when it fetches the session file. */
  async function readRawFrom(origin: string): Promise<{ page: number | undefined; status: number; body: string }> {
    const page = await browser.newPage();
    try {
      const response = await page.goto(`${origin}/`);
      const fetched = await page.evaluate(async (rel) => {
        const r = await fetch(`/api/raw?path=${encodeURIComponent(rel)}`);
        return { status: r.status, body: await r.text() };
      }, REL);
      return { page: response?.status(), ...fetched };
    } finally {
      await page.close();
    }
  }

  it.each(REBINDING_NAMES)("a page served as %s cannot read /api/raw", async (name) => {
    const result = await readRawFrom(`http://${name}:${viewer.port}`);
    // The request reached this server (the refusal is its own) and got nothing of the file.
    expect(result).toEqual({
      page: 403,
      status: 403,
      body: JSON.stringify({ error: "this viewer only answers requests addressed to localhost, 127.0.0.0/8, [::1] or the host it was started with" }),
    });
  });

  it("the same browser reads the viewer at localhost and 127.0.0.1", async () => {
    for (const origin of [`http://localhost:${viewer.port}`, `http://127.0.0.1:${viewer.port}`]) {
      expect(await readRawFrom(origin)).toEqual({ page: 200, status: 200, body: CONTENT });
    }
  });
});
