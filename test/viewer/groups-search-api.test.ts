import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import os from "node:os";
import path from "node:path";
import { startViewer, type ViewerServer } from "../../src/viewer/server/server.js";
import { searchSessions } from "../../src/viewer/server/search.js";
import type { SearchHit } from "../../src/viewer/api-types.js";
import { metadataLine } from "../helpers/lines.js";

// A hand-written tree with known rewards: the group page's figures, the step's groups, the
// instance grid, search and error facts, asserted as whole answers.
const T = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

function meta(instance: string, step: number, s: number, forced = false): object {
  return metadataLine({ timestamp: T(s), instance_id: instance, training_step: step, experiment_name: "exp", sampling: { rate: 0.5, by: "rollout", forced } });
}
function iteration(n: number, s: number, response: string, stdout = ""): object {
  return {
    type: "iteration", iteration: n, timestamp: T(s), prompt: [{ role: "user", content: "q" }], response,
    code_blocks: stdout === "" ? [] : [{ code: "print(x)", result: { stdout, stderr: "", locals: {}, execution_time: 0.1, rlm_calls: [], final_answer: null } }],
    final_answer: null, iteration_time: 1, usage: { prompt_tokens: 100, completion_tokens: 10 },
  };
}
const summary = (s: number, reward: number | null, extra: object = {}) => ({ type: "summary", timestamp: T(s), reward, total_steps: 1, total_iterations: 1, ...extra });
const jsonl = (lines: object[]) => lines.map((l) => `${JSON.stringify(l)}\n`).join("");

const STACK = "SandboxTimeout: sandbox killed\n    at run (sandbox.js:4:2)\n    at main (train.js:9:1)";
const FILES: Record<string, object[]> = {
  "exp/step_0/alpha_20260101_000001_a1.jsonl": [meta("alpha", 0, 1), iteration(1, 2, "I will use Needle here"), summary(3, 1)],
  "exp/step_0/alpha_20260101_000004_a2.jsonl": [meta("alpha", 0, 4), iteration(1, 5, "plain", "the NEEDLE in stdout"), summary(6, 0)],
  "exp/step_0/alpha_20260101_000007_a3.jsonl": [meta("alpha", 0, 7), iteration(1, 8, "plain"), summary(9, 0.5)],
  "exp/step_0/alpha_20260101_000010_a4.jsonl": [meta("alpha", 0, 10, true), iteration(1, 11, "forced needle"), summary(12, 1)],
  "exp/step_0/beta_20260101_000013_b1.jsonl": [meta("beta", 0, 13), iteration(1, 14, 'He said "stop"\nthen C:\\dir'), summary(15, null, { error: { name: "SandboxTimeout", message: "sandbox killed", stack: STACK } })],
  "exp/step_1/alpha_20260101_000016_a5.jsonl": [meta("alpha", 1, 16), iteration(1, 17, "y"), summary(18, 1)],
  "exp/step_1/alpha_20260101_000019_a6.jsonl": [meta("alpha", 1, 19), iteration(1, 20, "y"), summary(21, 1)],
  // Still running: the step is partial.
  "exp/step_1/alpha_20260101_000022_a7.jsonl": [meta("alpha", 1, 22), iteration(1, 23, "y needle")],
};

let root: string;
let viewer: ViewerServer;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "trajlog-groups-"));
  for (const [rel, lines] of Object.entries(FILES)) {
    const file = path.join(root, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, jsonl(lines));
  }
  viewer = await startViewer({ logDir: root, port: 0, pollMs: 60_000 });
  await viewer.index.ready;
});

afterAll(async () => {
  await viewer?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

async function getJson(target: string): Promise<{ status: number; body: any }> {
  const response = await fetch(new URL(target, viewer.url));
  return { status: response.status, body: await response.json() };
}
async function getLines(target: string): Promise<{ status: number; type: string | null; lines: any[] }> {
  const response = await fetch(new URL(target, viewer.url));
  const text = await response.text();
  return { status: response.status, type: response.headers.get("content-type"), lines: text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l)) };
}
const name = (rel: string) => Object.keys(FILES).find((k) => k.endsWith(rel)) as string;

describe("GET /api/group", () => {
  it("ranks the rollouts by reward, with mean, std and advantages over the sample (forced listed, left out)", async () => {
    const { status, body } = await getJson("/api/group?experiment=exp&step=0&instance=alpha");
    expect(status).toBe(200);
    const { rollouts, ...figures } = body;
    expect(figures).toEqual({ experiment: "exp", step: 0, instanceId: "alpha", mean: 0.5, std: 0.5, zeroVariance: false, rewarded: 3, partial: false });
    expect(rollouts.map((r: any) => [r.rank, r.path, r.reward, r.advantage, r.forced, r.iterations, r.state, r.status, r.inputTokens])).toEqual([
      [1, name("a1.jsonl"), 1, 1, false, 1, "completed", "completed", 100],
      [2, name("a4.jsonl"), 1, null, true, 1, "completed", "completed", 100],
      [3, name("a3.jsonl"), 0.5, 0, false, 1, "completed", "completed", 100],
      [4, name("a2.jsonl"), 0, -1, false, 1, "completed", "completed", 100],
    ]);
    expect(rollouts[0].sketch).toEqual({ marks: [{ errors: 0, subCalls: 0, codeBlocks: 0, final: false, seconds: 1 }], opening: "I will use Needle here" });
  });

  it("says when a group has zero reward variance, and when it is still running", async () => {
    const { body } = await getJson("/api/group?experiment=exp&step=1&instance=alpha");
    expect([body.mean, body.std, body.zeroVariance, body.partial, body.rollouts.map((r: any) => r.advantage)]).toEqual([1, 0, true, true, [null, null, null]]);
  });

  it("answers 400 naming a missing parameter", async () => {
    expect(await getJson("/api/group?experiment=exp&instance=alpha")).toEqual({ status: 400, body: { error: 'query parameter "step" is required' } });
  });
});

describe("GET /api/step and /api/overview", () => {
  it("lists the step's groups, zero-variance ones first", async () => {
    const { body } = await getJson("/api/step?experiment=exp&step=1");
    expect(body.groups).toEqual([{ instanceId: "alpha", rollouts: 3, rewarded: 2, forced: 0, mean: 1, std: 0, zeroVariance: true, partial: true }]);
    expect([body.stats.partial, body.stats.zeroVarianceShare]).toEqual([true, 1]);
  });

  it("gives zeroVarianceShare per step, forced apart unless asked for", async () => {
    const apart = (await getJson("/api/overview")).body;
    expect(apart.forced).toBe("apart");
    expect(apart.experiments[0].steps.map((s: any) => [s.step, s.zeroVarianceShare, s.rewardMean, s.forced, s.forcedRewardMean, s.partial])).toEqual([
      [0, 0, 0.5, 1, 1, false],
      [1, 1, 1, 0, null, true],
    ]);
    const included = (await getJson("/api/overview?forced=include")).body;
    expect([included.forced, included.experiments[0].steps[0].rewardMean]).toEqual(["include", 2.5 / 4]);
  });
});

describe("GET /api/instance", () => {
  it("gives the instance as a grid: one row per step, rollouts best first", async () => {
    const { body } = await getJson("/api/instance?experiment=exp&instance=alpha");
    const cell = (rel: string, reward: number | null, status = "completed", forced = false) => ({ path: name(rel), reward, status, forced, iterations: 1 });
    expect(body).toEqual({
      experiment: "exp", instanceId: "alpha", sessions: 7, maxRollouts: 4,
      steps: [
        { step: 0, mean: 0.5, std: 0.5, zeroVariance: false, min: 0, max: 1, partial: false,
          rollouts: [cell("a1.jsonl", 1), cell("a4.jsonl", 1, "completed", true), cell("a3.jsonl", 0.5), cell("a2.jsonl", 0)] },
        { step: 1, mean: 1, std: 0, zeroVariance: true, min: 1, max: 1, partial: true,
          rollouts: [cell("a5.jsonl", 1), cell("a6.jsonl", 1), cell("a7.jsonl", null, "live")] },
      ],
    });
  });
});

describe("errors as facts", () => {
  it("gives the error's name, message and stack apart, the stack without the repeated head", async () => {
    const { body } = await getJson(`/api/session?path=${encodeURIComponent(name("b1.jsonl"))}`);
    expect(body.errorFacts).toEqual({
      name: "SandboxTimeout", message: "sandbox killed", heading: "SandboxTimeout: sandbox killed",
      stack: "    at run (sandbox.js:4:2)\n    at main (train.js:9:1)",
    });
    expect(body.row.error).toBe("SandboxTimeout: sandbox killed");
  });
});

describe("GET /api/search", () => {
  const hit = (rel: string, fields: Partial<SearchHit>) => ({ path: name(rel), experiment: "exp", instanceId: "alpha", line: 2, iteration: 1, ...fields });

  it("streams JSON lines: a hit per match with its excerpt, then a last line", async () => {
    const { status, type, lines } = await getLines("/api/search?q=needle");
    expect([status, type]).toEqual([200, "application/x-ndjson; charset=utf-8"]);
    expect(lines.filter((l) => l.progress === undefined)).toEqual([
      hit("a1.jsonl", { step: 0, reward: 1, field: "response", pointer: "/response", excerpt: "I will use Needle here", matchStart: 11, matchEnd: 17 }),
      hit("a2.jsonl", { step: 0, reward: 0, field: "stdout", pointer: "/code_blocks/0/result/stdout", excerpt: "the NEEDLE in stdout", matchStart: 4, matchEnd: 10 }),
      hit("a4.jsonl", { step: 0, reward: 1, field: "response", pointer: "/response", excerpt: "forced needle", matchStart: 7, matchEnd: 13 }),
      hit("a7.jsonl", { step: 1, reward: null, field: "response", pointer: "/response", excerpt: "y needle", matchStart: 2, matchEnd: 8 }),
      { done: true, sessionsSearched: 8, sessionsTotal: 8, results: 4, capped: false },
    ]);
  });

  it("filters by step, instance, reward and field, and stops at the limit", async () => {
    const only = async (query: string) => (await getLines(`/api/search?q=needle&${query}`)).lines.filter((l) => l.path !== undefined).map((l) => path.basename(l.path));
    expect(await only("step=1")).toEqual([path.basename(name("a7.jsonl"))]);
    expect(await only("minReward=0.5")).toEqual([path.basename(name("a1.jsonl")), path.basename(name("a4.jsonl"))]);
    expect(await only("maxReward=0")).toEqual([path.basename(name("a2.jsonl"))]);
    expect(await only("fields=stdout")).toEqual([path.basename(name("a2.jsonl"))]);
    expect(await only("instance=beta")).toEqual([]);
    const capped = await getLines("/api/search?q=needle&limit=2");
    // Capped means a third match was found: the search stopped in the fourth session.
    expect(capped.lines.at(-1)).toEqual({ done: true, sessionsSearched: 3, sessionsTotal: 8, results: 2, capped: true });
  });

  it("finds text that JSON escapes (quotes, backslashes, line breaks)", async () => {
    const { lines } = await getLines(`/api/search?q=${encodeURIComponent('SAID "stop"\nthen c:\\DIR')}`);
    expect(lines.filter((l) => l.progress === undefined)).toEqual([
      { ...hit("b1.jsonl", { instanceId: "beta", step: 0, reward: null, field: "response", pointer: "/response", excerpt: 'He said "stop"\nthen C:\\dir', matchStart: 3, matchEnd: 26 }) },
      { done: true, sessionsSearched: 8, sessionsTotal: 8, results: 1, capped: false },
    ]);
  });

  it("answers 400 for a bad parameter, naming it", async () => {
    expect((await getJson("/api/search")).body).toEqual({ error: 'query parameter "q" is required' });
    expect((await getJson("/api/search?q=x&fields=nope")).body).toEqual({
      error: 'query parameter "fields" must be a comma-separated list of "response", "code", "stdout", "stderr", "final_answer"; received "nope"',
    });
    expect((await getJson("/api/search?q=x&minReward=abc")).body).toEqual({ error: 'query parameter "minReward" must be a number; received "abc"' });
  });

  it("stops when cancelled, after the hit in hand", async () => {
    const abort = new AbortController();
    const hits: SearchHit[] = [];
    const count = { sessionsSearched: 0, results: 0 };
    const rows = viewer.index.rows();
    const result = await searchSessions(root, rows, { text: "needle", limit: 100 }, async (h) => {
      hits.push(h);
      abort.abort();
    }, count, abort.signal);
    expect({ result, hits: hits.length, count }).toEqual({ result: { capped: false }, hits: 1, count: { sessionsSearched: 0, results: 1 } });
  });

  it("a client that goes away mid-stream leaves the server serving", async () => {
    await new Promise<void>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: viewer.port, path: "/api/search?q=e" }, (res) => {
        res.once("data", () => {
          req.destroy();
          resolve();
        });
      });
      req.on("error", (error) => ((error as NodeJS.ErrnoException).code === "ECONNRESET" ? resolve() : reject(error)));
      req.end();
    });
    expect((await getJson("/api/version")).status).toBe(200);
  });
});
